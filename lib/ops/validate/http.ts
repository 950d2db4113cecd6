/** The few HTTP calls the checks make: JSON in and out, basic auth, a bounded wait, never a throw. */

/** An HTTP answer: its status (0 when nothing answered) and its body. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** The body as JSON, or undefined when it is not. */
  readonly json: Record<string, unknown> | undefined;
  /** Why nothing answered (status 0). */
  readonly error?: string;
}

/** How long one call may take. */
export const HTTP_TIMEOUT_MS = 20_000;

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

export interface CallOptions {
  readonly method?: string;
  readonly authorization?: string;
  /** JSON-encoded when it is not a string. */
  readonly body?: unknown;
}

/** Call `url`; a refused connection or a timeout is status 0 with the reason, not an exception. */
export async function call(url: string, opts: CallOptions = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  if (opts.authorization !== undefined) headers.authorization = opts.authorization;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] = typeof opts.body === 'string' ? 'text/plain' : 'application/json';
  }
  try {
    const res = await fetch(url, {
      method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    const text = await res.text();
    let json: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      json = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, body: text, json };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { status: 0, body: '', json: undefined, error: cause ?? (err as Error).name };
  }
}

/** `200` or `0 (ECONNREFUSED)`: a status as evidence. */
export function shown(answer: HttpAnswer): string {
  return answer.status === 0 ? `no answer (${answer.error ?? 'unknown'})` : String(answer.status);
}

/**
 * The answer to a CloudFormation custom-resource request: a JSON document PUT to the request's
 * `ResponseURL` (a presigned S3 URL) with an empty content type, as AWS documents for
 * Lambda-backed custom resources.
 *
 * Written by hand with fetch: AWS's `cfn-response` module is only inlined for functions whose code
 * is given inline (`ZipFile`); this function is bundled by esbuild from files, so it sends the
 * response itself (one PUT is all that module does). The presigned URL's query string authorises
 * the PUT, so no message here carries it.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

/** The response document CloudFormation reads. */
export interface CfnResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  /** Why it failed (CloudFormation shows it in the stack events); never a secret value. */
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  /** Attributes for `Fn::GetAtt`. */
  readonly Data?: Readonly<Record<string, string>>;
}

/** CloudFormation refuses a response body larger than this many bytes. */
export const MAX_RESPONSE_BYTES = 4096;

/** Options of {@link sendResponse}. */
export interface SendOptions {
  /** Per-attempt timeout, in milliseconds. */
  readonly timeoutMs?: number;
  /** Attempts before giving up (S3 may answer 5xx or time out once). */
  readonly attempts?: number;
  /** Pause between attempts, in milliseconds. */
  readonly retryDelayMs?: number;
}

/** The response to `event` with the identifiers CloudFormation matches it by. */
export function responseTo(
  event: CloudFormationCustomResourceEvent,
  outcome: Pick<CfnResponse, 'Status' | 'Reason' | 'PhysicalResourceId' | 'Data'>,
): CfnResponse {
  return {
    ...outcome,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
}

/** `response` as the body CloudFormation accepts: the reason shortened to fit the size limit. */
export function responseBody(response: CfnResponse): string {
  const body = JSON.stringify(response);
  const reason = response.Reason;
  if (Buffer.byteLength(body) <= MAX_RESPONSE_BYTES || reason === undefined) return body;
  const cut = (n: number) => JSON.stringify({ ...response, Reason: `${reason.slice(0, n)}...` });
  // The longest prefix of the reason that fits (JSON escapes and multi-byte characters included).
  let [fits, tooLong] = [0, reason.length];
  while (tooLong - fits > 1) {
    const mid = Math.floor((fits + tooLong) / 2);
    if (Buffer.byteLength(cut(mid)) <= MAX_RESPONSE_BYTES) fits = mid;
    else tooLong = mid;
  }
  return cut(fits);
}

/** The URL without its query string (the presigned signature), for messages. */
export function withoutQuery(url: string): string {
  return url.split('?')[0];
}

/** PUT `response` to `url`; retries, then throws a message without the URL's query string. */
export async function sendResponse(
  url: string,
  response: CfnResponse,
  options: SendOptions = {},
): Promise<void> {
  const attempts = options.attempts ?? 3;
  const body = responseBody(response);
  let last = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'PUT',
        // An empty content type: the presigned URL was signed without one.
        headers: { 'content-type': '' },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer();
      if (res.ok) return;
      last = `answered ${res.status}`;
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      last = `${(err as Error).name}${cause ? ` (${cause})` : ''}`;
    }
    if (attempt < attempts) await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 1_000));
  }
  throw new Error(`The CloudFormation response to ${withoutQuery(url)} failed ${attempts} times: ${last}`);
}

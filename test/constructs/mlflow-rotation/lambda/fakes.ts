/**
 * Stand-ins for the unit tests of the rotation function's access code: an HTTP server on loopback
 * that answers as scripted and records what it was sent. The real MLflow is exercised by the
 * integration tests.
 */
import { createServer, IncomingMessage, Server } from 'http';
import { AddressInfo } from 'net';

/** One request the stub server received. */
export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The basic-auth user name, when there was one. */
  readonly user?: string;
}

/** What the stub answers: a status and a JSON body (or text). */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
}

export interface StubServer {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

/** An HTTP server on loopback answering every request with `answer(request)`. */
export async function startStub(answer: (r: Received) => Reply): Promise<StubServer> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const auth = req.headers.authorization;
      const user = auth?.startsWith('Basic ')
        ? Buffer.from(auth.slice(6), 'base64').toString().split(':')[0]
        : undefined;
      const r: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        user,
      };
      received.push(r);
      const reply = answer(r);
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

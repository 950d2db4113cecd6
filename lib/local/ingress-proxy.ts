/**
 * Stands in for the load balancer in front of a Service: load-balancer.mjs, run as its own
 * process, listens on loopback and forwards every request to the pod, with the Host header the
 * Ingress rule matches (as an ALB forwards the client's Host). Lets clients that only know
 * "http://127.0.0.1:<port>" reach a server whose `--allowed-hosts` lists the real host name.
 */
import { mkdtempSync } from 'fs';
import { request } from 'http';
import { tmpdir } from 'os';
import { join } from 'path';
import { freePort, readyOrStop, RunningProcess, RunOptions, waitForTcp } from './processes';

export interface IngressProxy {
  readonly url: string;
  readonly port: number;
  readonly process: RunningProcess;
  close(): Promise<void>;
}

export interface IngressProxyOptions {
  /** Port to listen on. @default - a free port */
  readonly port?: number;
  /** Directory of its log file. @default - a new temporary directory */
  readonly logDir?: string;
  /** Name of its log file (without `.log`). @default ingress */
  readonly name?: string;
  readonly run?: RunOptions;
}

/** Start the proxy to `127.0.0.1:<targetPort>`, sending `Host: <host>`; resolves once it listens. */
export async function startIngressProxy(
  targetPort: number,
  host: string,
  opts: IngressProxyOptions = {},
): Promise<IngressProxy> {
  const port = opts.port ?? (await freePort());
  const logDir = opts.logDir ?? mkdtempSync(join(tmpdir(), 'cohortlab-ingress-'));
  const proc = new RunningProcess(
    opts.name ?? 'ingress',
    {
      command: process.execPath,
      args: [join(__dirname, 'load-balancer.mjs')],
      env: {
        PATH: process.env.PATH ?? '',
        PROXY_PORT: String(port),
        TARGET_PORT: String(targetPort),
        TARGET_HOST: host,
      },
      cwd: logDir,
      mounts: {},
    },
    logDir,
    opts.run,
  );
  await readyOrStop(proc, waitForTcp(port, proc, [], 15_000));
  return { url: `http://127.0.0.1:${port}`, port, process: proc, close: () => proc.stop() };
}

/** A raw HTTP request with an explicit Host header (fetch may not set Host). */
export function rawRequest(
  port: number,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

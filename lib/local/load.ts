/**
 * Closed-loop HTTP load for the benchmarks (scripts/bench-*.ts): `concurrency` clients, each on its
 * own keep-alive connection, sending the next request as soon as the previous one answered, for a
 * fixed time. Reports throughput, latency percentiles, the server's CPU time per request (from
 * /proc, the server's whole process tree), request errors, and connection resets apart (a reset
 * is a request the server dropped, e.g. a worker recycled under load).
 *
 * Also the summary the scripts print: medians over interleaved rounds with min-max, per server.
 */
import { spawn } from 'child_process';
import { readdirSync, readFileSync } from 'fs';
import { Agent, request } from 'http';

/** One request a client sends: method, path, body and headers. */
export interface LoadRequest {
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** What a client sends next; `client` is its index, `n` how many it sent before. */
export type NextRequest = (client: number, n: number) => LoadRequest;

/** Figures of one load run against one server. */
export interface LoadResult {
  /** Requests answered with the expected status. */
  readonly requests: number;
  /** Requests that failed or answered another status (resets included). */
  readonly errors: number;
  /** Of the errors: connections the server reset or closed under a request. */
  readonly resets: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  /** Server CPU time (user + system, whole process tree) per answered request, in ms. */
  readonly cpuMsPerRequest: number;
  /** The first few error descriptions, for the log. */
  readonly samples: readonly string[];
}

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) used so far by `pid` and every live descendant. */
export function processTreeCpuSeconds(pid: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start after the last ')'.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      // ppid is field 4, utime 14, stime 15, cutime 16, cstime 17 (1-based, man 5 proc).
      const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks });
    } catch {
      // the process ended while we looked
    }
  }
  const tree = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [p, s] of stats) {
      if (!tree.has(p) && tree.has(s.ppid)) {
        tree.add(p);
        grew = true;
      }
    }
  }
  let ticks = 0;
  for (const p of tree) ticks += stats.get(p)?.ticks ?? 0;
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** Every live descendant of `pid` (the server's workers), deepest last. */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // ended while we looked
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    for (const [child, parent] of parents) {
      if (parent === p) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

/**
 * Sample the Python stacks of `pids` for `seconds` with py-spy (`pySpy`: its binary), raw
 * (collapsed) stacks into `out` + `-<pid>.txt`, CPU only (idle threads left out). Benchmarks only:
 * `--py-spy <path>`. Resolves when every py-spy has exited.
 */
export function pySpyRecord(
  pySpy: string,
  pids: readonly number[],
  seconds: number,
  out: string,
): Promise<void> {
  return Promise.all(
    pids.map(
      (pid) =>
        new Promise<void>((resolve) => {
          const child = spawn(
            pySpy,
            [
              'record',
              '-p',
              String(pid),
              '-d',
              String(seconds),
              '-r',
              '250',
              '-f',
              'raw',
              '--nonblocking',
            ].concat(['-o', `${out}-${pid}.txt`]),
            { stdio: 'ignore' },
          );
          child.on('exit', () => resolve());
          child.on('error', () => resolve());
        }),
    ),
  ).then(() => undefined);
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  readonly port: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly next: NextRequest;
  /** Server process whose tree's CPU time is measured. */
  readonly serverPid: number;
  /** Status every answer must have. @default 200 */
  readonly expectStatus?: number;
  /** Headers of every request (e.g. Host). */
  readonly headers?: Record<string, string>;
  /** Per-request timeout, in ms. @default 30000 */
  readonly timeoutMs?: number;
  /** Called with every expected answer's body (e.g. to keep the id of a created object). */
  readonly onAnswer?: (client: number, n: number, body: string) => void;
}

/** Run the load and return its figures. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const expect = opts.expectStatus ?? 200;
  const latencies: number[] = [];
  const samples: string[] = [];
  let errors = 0;
  let resets = 0;
  const agents = Array.from(
    { length: opts.concurrency },
    () => new Agent({ keepAlive: true, maxSockets: 1 }),
  );
  const fail = (what: string, reset: boolean) => {
    errors++;
    if (reset) resets++;
    if (samples.length < 5) samples.push(what);
  };
  const one = (client: number, n: number) =>
    new Promise<void>((resolve) => {
      const r = opts.next(client, n);
      const body = r.body === undefined ? undefined : JSON.stringify(r.body);
      const start = process.hrtime.bigint();
      const req = request(
        {
          host: '127.0.0.1',
          port: opts.port,
          agent: agents[client],
          method: r.method,
          path: r.path,
          timeout: opts.timeoutMs ?? 30_000,
          headers: {
            ...opts.headers,
            ...r.headers,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode === expect) {
              latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
              opts.onAnswer?.(client, n, Buffer.concat(chunks).toString('utf8'));
            } else {
              const text = Buffer.concat(chunks).toString('utf8').slice(0, 200);
              fail(`${r.method} ${r.path.split('?')[0]}: HTTP ${res.statusCode} ${text}`, false);
            }
            resolve();
          });
          res.on('error', (e: NodeJS.ErrnoException) => {
            fail(`${r.method} ${r.path.split('?')[0]}: ${e.code ?? e.message}`, true);
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e: NodeJS.ErrnoException) => {
        const reset = e.code === 'ECONNRESET' || e.code === 'EPIPE' || e.message === 'socket hang up';
        fail(`${r.method} ${r.path.split('?')[0]}: ${e.code ?? e.message}`, reset);
        resolve();
      });
      req.end(body);
    });
  const end = Date.now() + opts.seconds * 1000;
  const client = async (i: number) => {
    for (let n = 0; Date.now() < end; n++) await one(i, n);
  };
  const cpuBefore = processTreeCpuSeconds(opts.serverPid);
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: opts.concurrency }, (_, i) => client(i)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = processTreeCpuSeconds(opts.serverPid) - cpuBefore;
  for (const a of agents) a.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return {
    requests: latencies.length,
    errors,
    resets,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: pct(0.5),
    p95Ms: pct(0.95),
    p99Ms: pct(0.99),
    cpuMsPerRequest: latencies.length > 0 ? (cpu * 1000) / latencies.length : NaN,
    samples,
  };
}

/** One load run of one server in one round. */
export interface RoundResult extends LoadResult {
  readonly server: string;
  readonly round: number;
}

function median(xs: readonly number[]): number {
  const v = [...xs].filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** Median and range of one figure over the rounds. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

function spread(xs: readonly number[]): Spread {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

/** One server's figures over all rounds. */
export interface ServerSummary {
  readonly server: string;
  readonly perSecond: Spread;
  readonly p50Ms: Spread;
  readonly p95Ms: Spread;
  readonly p99Ms: Spread;
  readonly cpuMsPerRequest: Spread;
  /** Median over the rounds of req/s relative to the baseline's req/s in the same round. */
  readonly ratio: Spread;
  /** Median over the rounds of p99 relative to the baseline's p99 in the same round. */
  readonly p99Ratio: Spread;
  readonly errors: number;
  readonly resets: number;
}

/**
 * Per server (in `servers` order; the first is the baseline): medians (min-max) over the rounds,
 * the ratio to the baseline taken per round (so drift in the machine's speed cancels), errors and
 * resets summed over the rounds.
 */
export function summariseRounds(
  results: readonly RoundResult[],
  servers: readonly string[],
): ServerSummary[] {
  const base = servers[0];
  return servers.map((server) => {
    const runs = results.filter((r) => r.server === server);
    const ratios: number[] = [];
    const p99Ratios: number[] = [];
    for (const r of runs) {
      const b = results.find((x) => x.server === base && x.round === r.round);
      if (b) {
        ratios.push(r.perSecond / b.perSecond);
        p99Ratios.push(r.p99Ms / b.p99Ms);
      }
    }
    return {
      server,
      perSecond: spread(runs.map((r) => r.perSecond)),
      p50Ms: spread(runs.map((r) => r.p50Ms)),
      p95Ms: spread(runs.map((r) => r.p95Ms)),
      p99Ms: spread(runs.map((r) => r.p99Ms)),
      cpuMsPerRequest: spread(runs.map((r) => r.cpuMsPerRequest)),
      ratio: spread(ratios),
      p99Ratio: spread(p99Ratios),
      errors: runs.reduce((n, r) => n + r.errors, 0),
      resets: runs.reduce((n, r) => n + r.resets, 0),
    };
  });
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');

/** The side-by-side table of {@link summariseRounds}, one line per server (Markdown). */
export function formatSummary(summary: readonly ServerSummary[]): string[] {
  const head =
    '| Server | req/s | vs no auth | p50 ms | p95 ms | p99 ms | p99 vs no auth | CPU ms/req | errors | resets |';
  const rule = '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';
  const rows = summary.map(
    (s) =>
      `| ${s.server} | ${f1(s.perSecond.median)} (${f1(s.perSecond.min)}–${f1(s.perSecond.max)}) | ` +
      `${f2(s.ratio.median)} (${f2(s.ratio.min)}–${f2(s.ratio.max)}) | ${f1(s.p50Ms.median)} | ` +
      `${f1(s.p95Ms.median)} | ${f1(s.p99Ms.median)} (${f1(s.p99Ms.min)}–${f1(s.p99Ms.max)}) | ` +
      `${f2(s.p99Ratio.median)} | ${f2(s.cpuMsPerRequest.median)} | ${s.errors} | ${s.resets} |`,
  );
  return [head, rule, ...rows];
}

/** One line per round and server, as the rounds run. */
export function formatRound(r: RoundResult): string {
  return (
    `round ${r.round}  ${r.server.padEnd(28)} ${f1(r.perSecond).padStart(7)} req/s  ` +
    `p50 ${f1(r.p50Ms)}  p95 ${f1(r.p95Ms)}  p99 ${f1(r.p99Ms)} ms  CPU ${f2(r.cpuMsPerRequest)} ms/req  ` +
    `errors ${r.errors}  resets ${r.resets}` +
    (r.samples.length > 0 ? `\n    e.g. ${r.samples.join('\n    e.g. ')}` : '')
  );
}

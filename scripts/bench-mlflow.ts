/**
 * Benchmark: MLflow throughput with our authentication configuration, with MLflow's default
 * basic-auth configuration, and without authentication, on this machine. (One file of about 320
 * lines on purpose: setup, load and report read top to bottom as one script.)
 *
 *   npx tsx scripts/bench-mlflow.ts [--seconds 5] [--rounds 5] [--concurrency 1,8]
 *
 * Needs what the integration tests need (`bash scripts/services.sh`, `.venvs/mlflow`,
 * `.venvs/tools`). Each server is the MLflow container of the synthesised manifest, run like the
 * integration test runs it (one uvicorn worker, PostgreSQL over TLS, moto S3):
 *   - no-auth:        the same command without `--app-name basic-auth`;
 *   - default auth:   `--app-name basic-auth` with MLflow's defaults (no credential cache, MLflow's
 *                     own authorization function);
 *   - ours:           the manifest as it is (credential cache on, 60 s; our authorization function
 *                     with a per-request user memo, images/mlflow/cohort_lab_auth.py).
 * The load is a keep-alive HTTP client in this process sending
 * `GET /api/2.0/mlflow/experiments/search?max_results=10` as a learner (not an admin, so the
 * permission filter runs). Target: ours >= 0.5x no-auth. mlflow#9684 reports default
 * basic-auth 40-90x slower than no-auth.
 *
 * The summary gives each configuration's request errors (non-200 answers and failed requests,
 * summed over the rounds). Exit code 1 when the target is missed or any configuration had an
 * error: the req/s figures count successful requests only, so a run with errors proves nothing.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { Agent, request } from 'http';
import { tmpdir } from 'os';
import { join } from 'path';
import { MLFLOW_ADMIN_USERNAME } from '../lib/core';
import { ProcessSpec, SecretValues } from '../lib/local/container';
import { find } from '../lib/local/manifest';
import { mlflowContainerSpec, synthMlflowManifest } from '../lib/local/mlflow';
import { freePort, RunningProcess, runToCompletion, waitForHttp } from '../lib/local/processes';
import { createMasterRole, dropTestObjects, randomPassword, startMoto } from '../lib/local/services';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function load(
  port: number,
  auth: string,
  concurrency: number,
  seconds: number,
): Promise<Omit<Result, 'name'>> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const start = process.hrtime.bigint();
      const req = request(
        {
          host: '127.0.0.1',
          port,
          agent,
          path: '/api/2.0/mlflow/experiments/search?max_results=10',
          headers: { authorization: auth, host: `mlflow.cohort-lab.svc.cluster.local:5000` },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
            else errors++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const worker = async () => {
    while (Date.now() < end) await one();
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (Date.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return {
    concurrency,
    requests: latencies.length,
    errors,
    perSecond: latencies.length / elapsed,
    p50Ms: pct(0.5),
    p95Ms: pct(0.95),
  };
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '5'));
  const rounds = Number(arg('rounds', '5'));
  const concurrencies = arg('concurrency', '1,8').split(',').map(Number);
  const root = mkdtempSync(join(tmpdir(), 'cohortlab-bench-'));
  const moto = await startMoto();
  const master = await createMasterRole('bench');
  const appUser = `mlflow_bench_${randomPassword(3)}`;
  const secrets: SecretValues = {
    'mlflow-db-master': { username: master.username, password: master.password },
    'mlflow-db': { username: appUser, password: randomPassword() },
    'mlflow-admin': { password: randomPassword() },
    'mlflow-flask': { secretKey: randomPassword(32) },
  };
  const secretList = [secrets['mlflow-db'].password, secrets['mlflow-admin'].password, master.password];
  const { objects } = synthMlflowManifest('cohortlab-bench');
  const deployment = find(objects, 'Deployment', 'mlflow');
  const spec = (container: string, overrides?: Record<string, string>): ProcessSpec =>
    mlflowContainerSpec({
      objects,
      workload: deployment,
      container,
      secrets,
      root,
      moto,
      argOverrides: overrides,
    });

  const logDir = mkdtempSync(join(tmpdir(), 'cohortlab-bench-logs-'));
  const results: Result[] = [];
  try {
    await dropTestObjects(['mlflow', 'mlflow_auth'], []);
    const bootstrap = find(objects, 'Job', 'mlflow-db-bootstrap');
    await runToCompletion(
      'bootstrap',
      mlflowContainerSpec({ objects, workload: bootstrap, container: 'bootstrap', secrets, root, moto }),
      logDir,
      secretList,
    );
    await runToCompletion('sync-admin', spec('sync-admin'), logDir, secretList);

    const learnerPassword = randomPassword();
    const learnerAuth = `Basic ${Buffer.from(`bench-learner:${learnerPassword}`).toString('base64')}`;
    const adminAuth = `Basic ${Buffer.from(`${MLFLOW_ADMIN_USERNAME}:${secrets['mlflow-admin'].password}`).toString('base64')}`;

    const variants: Array<{ name: string; make: (port: number) => ProcessSpec }> = [
      {
        name: CONFIGURATIONS[0],
        make: (port) => {
          const s = spec('mlflow', { '--host': '127.0.0.1', '--port': String(port) });
          const i = s.args.indexOf('--app-name');
          return { ...s, args: [...s.args.slice(0, i), ...s.args.slice(i + 2)] };
        },
      },
      {
        name: CONFIGURATIONS[1],
        make: (port) => {
          const s = spec('mlflow', { '--host': '127.0.0.1', '--port': String(port) });
          const ini = s.env.MLFLOW_AUTH_CONFIG_PATH;
          const defaults = readFileSync(ini, 'utf8')
            .split('\n')
            .filter((l) => !l.startsWith('auth_cache_'))
            .map((l) =>
              l.startsWith('authorization_function')
                ? 'authorization_function = mlflow.server.auth:authenticate_request_basic_auth'
                : l,
            )
            .join('\n');
          const defaultIni = join(root, 'default_basic_auth.ini');
          writeFileSync(defaultIni, defaults);
          return { ...s, env: { ...s.env, MLFLOW_AUTH_CONFIG_PATH: defaultIni } };
        },
      },
      {
        name: CONFIGURATIONS[2],
        make: (port) => spec('mlflow', { '--host': '127.0.0.1', '--port': String(port) }),
      },
    ];

    // All three servers run side by side (one uvicorn worker each); the load goes to one at a
    // time, in interleaved rounds, so drift in the machine's speed hits every variant alike.
    const servers: Array<{ name: string; port: number; proc: RunningProcess }> = [];
    try {
      for (const variant of variants) {
        const port = await freePort();
        const proc = new RunningProcess(variant.name.replace(/\W+/g, '-'), variant.make(port), logDir);
        servers.push({ name: variant.name, port, proc });
        await waitForHttp(`http://127.0.0.1:${port}/health`, proc, secretList, 120_000);
      }
      // A learner and ten experiments to search (created through the API, as the learner).
      const authPort = servers[2].port;
      await post(authPort, '/api/2.0/mlflow/users/create', adminAuth, {
        username: 'bench-learner',
        password: learnerPassword,
      });
      for (let i = 0; i < 10; i++) {
        await post(authPort, '/api/2.0/mlflow/experiments/create', learnerAuth, { name: `bench-${i}` });
      }
      for (const server of servers) {
        await load(server.port, learnerAuth, 1, 2); // warm-up
      }
      for (let round = 1; round <= rounds; round++) {
        for (const c of concurrencies) {
          for (const server of servers) {
            const r = await load(server.port, learnerAuth, c, seconds);
            results.push({ name: server.name, ...r });
            console.log(
              `round ${round}  ${server.name.padEnd(36)} c=${c}  ${r.perSecond.toFixed(1).padStart(7)} req/s  p50 ${r.p50Ms.toFixed(1)} ms  p95 ${r.p95Ms.toFixed(1)} ms  errors ${r.errors}`,
            );
          }
        }
      }
    } finally {
      for (const server of servers) await server.proc.stop();
    }
  } finally {
    await moto.process.stop();
    await dropTestObjects(['mlflow', 'mlflow_auth'], [appUser, `${appUser}_clone`, master.username]);
  }

  const summary = summarise(results, concurrencies);
  console.log(
    `\nMedian of ${rounds} rounds of ${seconds} s, req/s (min-max), ratio to no-auth, request errors:`,
  );
  for (const line of summary.lines) console.log(`  ${line}`);
  console.log(`\nTarget ours >= 0.5x no-auth (medians): ${summary.targetMet ? 'met' : 'NOT met'}`);
  if (summary.withErrors.length > 0) {
    console.log(
      `Request errors (non-200 answers or failed requests) in: ${summary.withErrors.join('; ')}. ` +
        'The figures above count only successful requests, so this run is not valid.',
    );
  }
  process.exitCode = summary.targetMet && summary.withErrors.length === 0 ? 0 : 1;
}

/** The configurations, in the order they are reported; the first is the baseline. */
export const CONFIGURATIONS = [
  'no auth',
  'basic-auth, MLflow defaults',
  'basic-auth, Cohort Lab (cache 60 s)',
] as const;

/** One load run of one configuration at one concurrency. */
export interface Result {
  readonly name: string;
  readonly concurrency: number;
  /** Successful (HTTP 200) requests. */
  readonly requests: number;
  /** Requests that failed or answered anything but 200. */
  readonly errors: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
}

/**
 * The summary of all rounds: one line per configuration and concurrency (median req/s, min-max,
 * ratio to no-auth, request errors summed over the rounds), whether ours met the target, and
 * which configurations had request errors (any makes the run invalid).
 */
export function summarise(
  results: readonly Result[],
  concurrencies: readonly number[],
): { lines: string[]; targetMet: boolean; withErrors: string[] } {
  const median = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  };
  const stats = (name: string, c: number) => {
    const runs = results.filter((r) => r.name === name && r.concurrency === c);
    const xs = runs.map((r) => r.perSecond);
    return {
      median: median(xs),
      min: Math.min(...xs),
      max: Math.max(...xs),
      errors: runs.reduce((n, r) => n + r.errors, 0),
    };
  };
  const lines: string[] = [];
  const withErrors: string[] = [];
  let targetMet = true;
  for (const c of concurrencies) {
    const base = stats(CONFIGURATIONS[0], c);
    for (const name of CONFIGURATIONS) {
      const s = stats(name, c);
      const ratio = s.median / base.median;
      lines.push(
        `c=${c}  ${name.padEnd(36)} ${s.median.toFixed(1).padStart(7)} (${s.min.toFixed(1)}-${s.max.toFixed(1)})  ${ratio.toFixed(2)}x` +
          (name === CONFIGURATIONS[0] ? '' : `  (${(1 / ratio).toFixed(1)}x slower)`) +
          `  errors ${s.errors}`,
      );
      if (name === CONFIGURATIONS[2] && !(ratio >= 0.5)) targetMet = false;
      if (s.errors > 0) withErrors.push(`${name} at c=${c} (${s.errors})`);
    }
  }
  return { lines, targetMet, withErrors };
}

function post(port: number, path: string, auth: string, body: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: {
          authorization: auth,
          'content-type': 'application/json',
          host: 'mlflow.cohort-lab.svc.cluster.local:5000',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`${path}: HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

// Run only as a script: the unit tests import summarise().
if (require.main === module) void main();

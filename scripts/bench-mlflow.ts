/**
 * Benchmark: MLflow under a cohort's load, three servers side by side on this machine: no
 * authentication, MLflow's default basic-auth configuration, and ours (the manifest as it is).
 *
 *   npx tsx scripts/bench-mlflow.ts [--shape write|read|mixed] [--concurrency 20] [--seconds 30]
 *                                   [--rounds 3] [--hold]
 *
 * Needs what the integration tests need (`bash scripts/services.sh`, `.venvs/mlflow`,
 * `.venvs/tools`). Each server is the MLflow container of the synthesised manifest, run like the
 * integration test runs it (one uvicorn worker, PostgreSQL over TLS, moto S3), all three on the
 * same databases:
 *   - no auth:          the same command without `--app-name basic-auth`;
 *   - MLflow defaults:  `--app-name basic-auth` with MLflow's defaults (no credential cache, MLflow's
 *                       own authorization function);
 *   - ours:             the manifest as it is.
 * `concurrency` learners (each an MLflow user with a personal experiment, as the rotation function
 * makes them) work in parallel, each on its own keep-alive connection:
 *   - write: create a run, log a parameter, two metrics and a tag, finish the run (6 requests);
 *   - read:  get a run, search experiments, search runs of the experiment, a metric's history;
 *   - mixed: half the learners write, half read.
 * Rounds are interleaved (every server once per round, the order rotating), so drift in this
 * noisy machine's speed hits every server alike; the summary gives medians (min-max) of req/s,
 * p50/p95/p99 latency and server CPU per request, and errors and resets summed over the rounds.
 * Exit code 1 on any error or reset: the figures count answered requests only, so a run with
 * errors proves nothing. `--hold` keeps the servers up after the rounds (for a profiler) until
 * Ctrl-C.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { request } from 'http';
import { tmpdir } from 'os';
import { join } from 'path';
import { MLFLOW_ADMIN_USERNAME, POSTGRES_PORT } from '../lib/core';
import { ProcessSpec, SecretValues } from '../lib/local/container';
import {
  descendants,
  formatRound,
  formatSummary,
  pySpyRecord,
  RoundResult,
  runLoad,
  summariseRounds,
} from '../lib/local/load';
import { cliArg } from '../lib/local/bench-args';
import { find, K8sObject } from '../lib/local/manifest';
import { API, HOST, Learner, mlflowRequest, Shape, SHAPES } from '../lib/local/mlflow-load';
import { MLFLOW_DATABASES, mlflowContainerSpec, synthMlflowManifest } from '../lib/local/mlflow';
import { freePort, RunningProcess, runToCompletion, waitForHttp } from '../lib/local/processes';
import { createMasterRole, dropTestObjects, psql, randomPassword, startMoto } from '../lib/local/services';

/** The servers, in the order they are reported; the first is the baseline. */
export const SERVERS = ['no auth', 'MLflow defaults', 'ours'] as const;
function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function call(port: number, method: string, path: string, auth: string, body?: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method,
        headers: { authorization: auth, host: HOST, ...(data ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(text)
            : reject(new Error(`${path}: HTTP ${res.statusCode} ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Statements per request by database and kind, from pg_stat_statements since its last reset. */
async function statementsPerRequest(server: string, requests: number, pgPort: number): Promise<string[]> {
  const rows = await psql(
    `SELECT d.datname, CASE WHEN s.query ~* '^(begin|commit|rollback)' THEN 'BEGIN/COMMIT' ` +
      `WHEN s.query ~* '^select \\$1$' OR s.query ~* '^select 1$' THEN 'ping (SELECT 1)' ` +
      `ELSE 'other' END, sum(s.calls) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid ` +
      `WHERE d.datname IN ('mlflow', 'mlflow_auth') GROUP BY 1, 2 ORDER BY 1, 2`,
    'postgres',
    pgPort,
  );
  return rows
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [db, kind, calls] = l.split('|');
      return `  ${server.padEnd(16)} ${db.padEnd(12)} ${kind.padEnd(16)} ${(Number(calls) / requests).toFixed(2)}`;
    });
}

async function main(): Promise<void> {
  const shape = cliArg('shape', 'write') as Shape;
  if (!SHAPES.includes(shape)) throw new Error(`--shape must be one of ${SHAPES.join(', ')}`);
  const concurrency = Number(cliArg('concurrency', '20'));
  const seconds = Number(cliArg('seconds', '30'));
  const rounds = Number(cliArg('rounds', '3'));
  const pgPort = cliArg('pg-port', String(POSTGRES_PORT));
  process.env.PGPORT = pgPort;
  const root = mkdtempSync(join(tmpdir(), 'cohortlab-bench-'));
  const moto = await startMoto();
  const master = await createMasterRole('bench', Number(pgPort));
  const appUser = `mlflow_bench_${randomPassword(3)}`;
  const secrets: SecretValues = {
    'mlflow-db-master': { username: master.username, password: master.password },
    'mlflow-db': { username: appUser, password: randomPassword() },
    'mlflow-admin': { password: randomPassword() },
    'mlflow-flask': { secretKey: randomPassword(32) },
  };
  const secretList = [secrets['mlflow-db'].password, secrets['mlflow-admin'].password, master.password];
  // `--pg-port`: a PostgreSQL of the benchmark's own (e.g. `pg_createcluster 15 bench -p 5433`),
  // so that test runs on the shared server (which drop the chart's fixed databases) cannot
  // break a run, and pg_stat_statements can be loaded there.
  const objects = JSON.parse(
    JSON.stringify(synthMlflowManifest('cohortlab-bench').objects)
      .replaceAll(`127.0.0.1:${POSTGRES_PORT}/`, `127.0.0.1:${pgPort}/`)
      .replaceAll(`{"name":"PGPORT","value":"${POSTGRES_PORT}"}`, `{"name":"PGPORT","value":"${pgPort}"}`),
  ) as K8sObject[];
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
  const results: RoundResult[] = [];
  try {
    await dropTestObjects(MLFLOW_DATABASES, [], Number(pgPort));
    const bootstrap = find(objects, 'Job', 'mlflow-db-bootstrap');
    await runToCompletion(
      'bootstrap',
      mlflowContainerSpec({ objects, workload: bootstrap, container: 'bootstrap', secrets, root, moto }),
      logDir,
      secretList,
    );
    await runToCompletion('sync-admin', spec('sync-admin'), logDir, secretList);
    const adminAuth = basic(MLFLOW_ADMIN_USERNAME, secrets['mlflow-admin'].password);

    const make: Record<(typeof SERVERS)[number], (port: number) => ProcessSpec> = {
      'no auth': (port) => {
        const s = spec('mlflow', { '--host': '127.0.0.1', '--port': String(port) });
        const i = s.args.indexOf('--app-name');
        return { ...s, args: [...s.args.slice(0, i), ...s.args.slice(i + 2)] };
      },
      'MLflow defaults': (port) => {
        const s = spec('mlflow', { '--host': '127.0.0.1', '--port': String(port) });
        const defaults = readFileSync(s.env.MLFLOW_AUTH_CONFIG_PATH, 'utf8')
          .split('\n')
          .filter((l) => !l.startsWith('auth_cache_') && !l.startsWith('cohort_lab_'))
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
      ours: (port) => spec('mlflow', { '--host': '127.0.0.1', '--port': String(port) }),
    };

    const countSql = process.argv.includes('--count-sql');
    const sqlFile = (name: string) => join(root, `sql-${name.replace(/\W+/g, '-')}.json`);
    const withCounts = (name: string, s: ProcessSpec): ProcessSpec =>
      countSql
        ? {
            ...s,
            env: {
              ...s.env,
              PYTHONPATH: `${join(__dirname, 'profiling')}:${s.env.PYTHONPATH ?? ''}`,
              COHORT_LAB_SQL_COUNT: sqlFile(name),
            },
          }
        : s;
    const servers: Array<{ name: string; port: number; proc: RunningProcess }> = [];
    try {
      for (const name of SERVERS) {
        const port = await freePort();
        const proc = new RunningProcess(
          `mlflow-${name.replace(/\W+/g, '-')}`,
          withCounts(name, make[name](port)),
          logDir,
        );
        servers.push({ name, port, proc });
        await waitForHttp(`http://127.0.0.1:${port}/health`, proc, secretList, 120_000);
      }
      // The learners, as the rotation function makes them: a user and a personal experiment
      // (created as the learner, so MLflow grants MANAGE), and a seed run with a metric history.
      const ours = servers[2].port;
      const learners: Learner[] = [];
      for (let i = 0; i < concurrency; i++) {
        const name = `bench-learner-${i}`;
        const password = randomPassword();
        secretList.push(password);
        await call(ours, 'POST', `${API}/users/create`, adminAuth, { username: name, password });
        const auth = basic(name, password);
        const exp = JSON.parse(
          await call(ours, 'POST', `${API}/experiments/create`, auth, { name: `learners/${name}` }),
        ) as { experiment_id: string };
        const run = JSON.parse(
          await call(ours, 'POST', `${API}/runs/create`, auth, { experiment_id: exp.experiment_id }),
        ) as { run: { info: { run_id: string } } };
        const seedRunId = run.run.info.run_id;
        for (let s = 0; s < 5; s++) {
          await call(ours, 'POST', `${API}/runs/log-metric`, auth, {
            run_id: seedRunId,
            key: 'loss',
            value: 1 / (s + 1),
            timestamp: Date.now(),
            step: s,
          });
        }
        learners.push({ auth, experimentId: exp.experiment_id, seedRunId });
      }
      const next = (client: number, n: number) => mlflowRequest(shape, learners, client, n);
      const load = (server: (typeof servers)[number], secs: number) =>
        runLoad({
          port: server.port,
          concurrency,
          seconds: secs,
          next,
          serverPid: server.proc.child.pid!,
          headers: { host: HOST },
          onAnswer: (client, n, body) => {
            if (n % 6 === 0 && (shape === 'write' || (shape === 'mixed' && client % 2 === 0))) {
              learners[client].runId = (
                JSON.parse(body) as { run: { info: { run_id: string } } }
              ).run.info.run_id;
            }
          },
        });
      for (const server of servers) await load(server, 3); // warm-up
      // `--pg-stats` (needs pg_stat_statements in the `postgres` database): statements per request.
      const pgStats = process.argv.includes('--pg-stats');
      // `--py-spy <binary>`: each server's workers sampled during round 1 (raw stacks in the log dir).
      const pySpy = process.argv.includes('--py-spy') ? cliArg('py-spy', '') : undefined;
      if (pySpy) console.log(`profiles of round 1 in ${logDir}`);
      const statements: string[] = [];
      for (let round = 1; round <= rounds; round++) {
        const order = servers.map((_, i) => servers[(i + round - 1) % servers.length]);
        for (const server of order) {
          if (pgStats) await psql('SELECT pg_stat_statements_reset()', 'postgres', Number(pgPort));
          const profile =
            pySpy && round === 1
              ? pySpyRecord(
                  pySpy,
                  descendants(server.proc.child.pid!),
                  Math.max(1, seconds - 2),
                  join(logDir, `profile-${server.name.replaceAll(' ', '-')}`),
                )
              : Promise.resolve();
          const r: RoundResult = { server: server.name, round, ...(await load(server, seconds)) };
          await profile;
          results.push(r);
          console.log(formatRound(r));
          if (pgStats && round === 1)
            statements.push(...(await statementsPerRequest(server.name, r.requests, Number(pgPort))));
        }
      }
      if (pgStats)
        console.log(
          `\nStatements per answered request (pg_stat_statements, round 1):\n${statements.join('\n')}`,
        );
      if (countSql) {
        await new Promise((r) => setTimeout(r, 1500));
        console.log(
          '\nPer request: statements / transactions / connection checkouts (each a pre-ping), by database',
        );
        for (const server of servers) {
          const counts = JSON.parse(readFileSync(sqlFile(server.name), 'utf8')) as Record<
            string,
            Record<string, number>
          >;
          console.log(`  ${server.name}:`);
          for (const [route, c] of Object.entries(counts)) {
            if (c.requests < 20) continue;
            const per = (db: string) =>
              ['statements', 'transactions', 'checkouts']
                .map((k) => ((c[`${db}:${k}`] ?? 0) / c.requests).toFixed(2))
                .join(' / ');
            console.log(
              `    ${route.padEnd(44)} n=${c.requests}  mlflow ${per('mlflow')}  mlflow_auth ${per('mlflow_auth')}`,
            );
          }
        }
      }
      if (process.argv.includes('--hold')) {
        for (const s of servers) console.log(`${s.name}: port ${s.port}, pid ${s.proc.child.pid}`);
        console.log('holding the servers; Ctrl-C to stop');
        await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      }
    } finally {
      for (const server of servers) await server.proc.stop();
    }
  } finally {
    await moto.process.stop();
    await dropTestObjects(MLFLOW_DATABASES, [appUser, `${appUser}_clone`, master.username], Number(pgPort));
  }

  const summary = summariseRounds(results, SERVERS);
  console.log(
    `\nMLflow, shape ${shape}, ${concurrency} learners, ${rounds} interleaved rounds of ${seconds} s; medians (min–max):\n`,
  );
  for (const line of formatSummary(summary)) console.log(line);
  const bad = summary.filter((s) => s.errors > 0 || s.resets > 0);
  if (bad.length > 0) {
    console.log(`\nErrors or resets in: ${bad.map((s) => s.server).join(', ')}; this run is not valid.`);
  }
  process.exitCode = bad.length > 0 ? 1 : 0;
}

// Run only as a script.
if (require.main === module) void main();

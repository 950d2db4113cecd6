/**
 * Lab 2's promotion pipeline, end to end on this machine: the local lab (its own state directory
 * and ports, its own PostgreSQL: no shared lock needed), the CI user and grants of the contract
 * set up through MLflow's admin API (support/promotion-ci.ts), the model server
 * (images/mlflow/cohort_lab_serve.py) as a local process, and the workflows of labs/promotion run
 * by the local workflow runner (lib/local/workflow-runner), which is not GitHub and not `act`.
 *
 * In order, as a learner's repository would go: a first model is promoted (and production waits
 * without an approval); (a) a better model is promoted: champion and previous-champion move, the
 * event tags say so; (b) a worse one is stopped by the threshold: nothing moves; (c) a serving
 * endpoint that does not roll fails the rollout and the pipeline rolls back by itself. Then the
 * permissions on the real server: EDIT does the pipeline, READ cannot register, EDIT cannot delete
 * an alias, another learner gets 403 moving the aliases.
 *
 * Longer than 300 lines on purpose: one lab serves every scenario, in order.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import { chmodSync, cpSync, mkdirSync, rmSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { secretNames } from '../../lib/core';
import { REPO_ROOT } from '../../lib/local/container';
import { LOCAL_REGION } from '../../lib/local/infra';
import { MLFLOW_PYTHON } from '../../lib/local/mlflow';
import { LAB_SERVICES, portFree } from '../../lib/local/ports';
import { freePort, sleep } from '../../lib/local/processes';
import { randomPassword } from '../../lib/local/services';
import { formatRun, RunOptions, RunResult, runWorkflow } from '../../lib/local/workflow-runner/runner';
import { CiSetup, grant, Login, mlflowApi, setUpCiUser } from './support/promotion-ci';

jest.setTimeout(900_000);

const COHORT = 'demo-2027-spring';
const LEARNER = 'grace-hopper';
const OTHER = 'alan-turing';
const REPOSITORY = `${LEARNER}/promotion-lab`;
const TSX = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const OPS = join(REPO_ROOT, 'bin', 'ops.ts');
const LAB = join(REPO_ROOT, 'labs', 'promotion');
const PROMOTION_VENV = join(REPO_ROOT, '.venvs', 'promotion');

const scratch = mkdtempSync(join(tmpdir(), 'cohortlab-promotion-it-'));
// Root runs the lab's PostgreSQL as the postgres user, which must pass through to its data.
chmodSync(scratch, 0o711);
const stateDir = join(scratch, 'lab');
const repo = join(scratch, 'repo');
const timings: Record<string, string> = {};

let base: number;
let mlflowUrl: string;
let admin: Login;
let setup: CiSetup;
let sm: SecretsManagerClient;
let serving: ChildProcess | undefined;
let servingUrl: string;
let runCount = 0;
/** The head commit of the last run's pull request. */
let lastSha = '';

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSX, OPS, 'local', ...args], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function freeBlock(): Promise<number> {
  for (;;) {
    const b = 22_000 + Math.floor(Math.random() * 2_000) * 10;
    if ((await Promise.all(LAB_SERVICES.map((_, i) => portFree(b + i)))).every(Boolean)) return b;
  }
}

function envFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

/** The model server as the chart runs it, on a free port, with the CI user's login. */
async function startServing(pollSeconds: number): Promise<void> {
  const port = await freePort();
  servingUrl = `http://127.0.0.1:${port}`;
  serving = spawn(
    MLFLOW_PYTHON,
    [
      '-m',
      'cohort_lab_serve',
      '--model-uri',
      `models:/${setup.model}@champion`,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--poll-seconds',
      String(pollSeconds),
    ],
    {
      cwd: scratch,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: scratch,
        PYTHONPATH: join(REPO_ROOT, 'images', 'mlflow'),
        MLFLOW_TRACKING_URI: mlflowUrl,
        MLFLOW_TRACKING_USERNAME: setup.ci.username,
        MLFLOW_TRACKING_PASSWORD: setup.ci.password,
        MLFLOW_DISABLE_TELEMETRY: 'true',
      },
      stdio: 'ignore',
      detached: true,
    },
  );
  for (let i = 0; i < 100 && (await fetch(`${servingUrl}/version`).catch(() => undefined)) === undefined; i++)
    await sleep(200);
}

function stopServing(): void {
  if (serving?.pid !== undefined && serving.exitCode === null) process.kill(-serving.pid, 'SIGTERM');
  serving = undefined;
}

async function servedVersion(): Promise<string | null> {
  const doc = (await (await fetch(`${servingUrl}/version`)).json()) as { version: string | null };
  return doc.version;
}

/** Run one workflow of the repository copy with the learner's variables. */
async function run(
  workflow: string,
  event: 'pull_request' | 'workflow_dispatch',
  extra: Partial<RunOptions> = {},
): Promise<RunResult> {
  runCount++;
  const sha = randomBytes(20).toString('hex');
  lastSha = sha;
  const result = await runWorkflow({
    workflowFile: join(repo, '.github', 'workflows', workflow),
    sourceDir: repo,
    workDir: join(scratch, 'runs', String(runCount)),
    eventName: event,
    eventPayload: event === 'pull_request' ? { pull_request: { number: runCount, head: { sha } } } : {},
    inputs: event === 'workflow_dispatch' ? {} : undefined,
    vars: {
      COHORT_LAB_CI_ROLE_ARN: `arn:aws:iam::123456789012:role/cohort-lab-ci-${LEARNER}`,
      AWS_REGION: LOCAL_REGION,
      MLFLOW_TRACKING_URI: mlflowUrl,
      MLFLOW_CI_SECRET_ID: setup.secretName,
      SERVING_URL: servingUrl,
    },
    environments: { staging: {}, production: { requiredReviewers: true } },
    approvals: { production: { reviewer: 'katherine-johnson' } },
    github: { repository: REPOSITORY, sha, actor: LEARNER, runId: String(1000 + runCount) },
    actions: {
      pythonVenv: PROMOTION_VENV,
      awsEnv: {
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_SESSION_TOKEN: 'testing-session',
        AWS_ENDPOINT_URL: `http://127.0.0.1:${base + LAB_SERVICES.indexOf('moto')}`,
      },
      trustedSubjects: ['staging', 'production'].map((e) => `repo:${REPOSITORY}:environment:${e}`),
    },
    baseEnv: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: join(scratch, 'home'),
      LANG: 'C.UTF-8',
      MLFLOW_DISABLE_TELEMETRY: 'true',
      DO_NOT_TRACK: 'true',
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
      PIP_NO_INDEX: '1',
    },
    ...extra,
  });
  // The CI password never shows in any step's log.
  for (const job of result.jobs)
    for (const s of job.steps) expect(s.log.includes(setup.ci.password)).toBe(false);
  return result;
}

function outcomes(result: RunResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const job of result.jobs) {
    out[job.id] = job.result;
    for (const s of job.steps) out[`${job.id}: ${s.name}`] = s.outcome;
  }
  return out;
}

function expectSuccess(result: RunResult): void {
  if (result.conclusion !== 'success') throw new Error(formatRun(result));
}

interface ModelState {
  aliases: Record<string, string>;
  versions: Record<string, Record<string, string>>;
}

async function modelState(): Promise<ModelState> {
  const rm = await mlflowApi(
    mlflowUrl,
    admin,
    'GET',
    `/api/2.0/mlflow/registered-models/get?name=${setup.model}`,
  );
  const aliases = Object.fromEntries(
    ((rm.json.registered_model as { aliases?: Array<{ alias: string; version: string }> }).aliases ?? []).map(
      (a) => [a.alias, a.version],
    ),
  );
  const found = await mlflowApi(
    mlflowUrl,
    admin,
    'GET',
    `/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent(`name='${setup.model}'`)}`,
  );
  const versions: Record<string, Record<string, string>> = {};
  for (const v of (found.json.model_versions as Array<{
    version: string;
    tags?: Array<{ key: string; value: string }>;
  }>) ?? []) {
    versions[v.version] = Object.fromEntries((v.tags ?? []).map((t) => [t.key, t.value]));
  }
  return { aliases, versions };
}

function event(state: ModelState, version: string, key: string): Record<string, unknown> {
  return JSON.parse(state.versions[version][key]) as Record<string, unknown>;
}

function setParams(nFeatures: number, c: number): void {
  writeFileSync(join(repo, 'params.toml'), `n_features = ${nFeatures}\nC = ${c}\nmax_iter = 2000\n`);
}

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await f();
  } finally {
    timings[label] = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  }
}

beforeAll(async () => {
  base = await freeBlock();
  mlflowUrl = `http://127.0.0.1:${base}`;
  const up = await timed('local lab up', () =>
    cli(['up', '--detach', '--state', stateDir, '--base-port', String(base)]),
  );
  if (up.code !== 0) throw new Error(`the local lab did not start:\n${up.stderr}`);
  sm = new SecretsManagerClient({
    endpoint: `http://127.0.0.1:${base + LAB_SERVICES.indexOf('moto')}`,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const adminSecret = await sm.send(new GetSecretValueCommand({ SecretId: secretNames(COHORT).mlflowAdmin }));
  admin = JSON.parse(adminSecret.SecretString!) as Login;
  setup = await setUpCiUser({
    mlflowUrl,
    admin,
    cohort: COHORT,
    slug: LEARNER,
    password: randomPassword(),
    sm,
  });
  // The learner's repository: a copy of labs/promotion (their pull requests change params.toml).
  cpSync(LAB, repo, { recursive: true, filter: (src) => !/(__pycache__|_cache)$/.test(src) });
  mkdirSync(join(scratch, 'home'), { recursive: true });
  await startServing(1);
}, 300_000);

afterAll(async () => {
  stopServing();
  sm?.destroy();
  await cli(['down', '--purge', '--state', stateDir]);
  rmSync(scratch, { recursive: true, force: true });
  console.log(`promotion pipeline timings: ${JSON.stringify(timings)}`);
}, 120_000);

describe('Lab 2: the promotion pipeline through the local workflow runner', () => {
  test('the model server answers 503 on /ping until a champion exists', async () => {
    expect((await fetch(`${servingUrl}/ping`)).status).toBe(503);
    expect(await (await fetch(`${servingUrl}/version`)).json()).toEqual({
      model: setup.model,
      alias: 'champion',
      version: null,
      run_id: null,
    });
  });

  test('a first model: ci.yml registers it as @challenger; production waits without an approval, then promotes it', async () => {
    setParams(5, 0.01);
    const ci = await timed('ci.yml, first model', () => run('ci.yml', 'pull_request'));
    expectSuccess(ci);
    expect(Object.keys(outcomes(ci)).filter((k) => !k.includes(':'))).toEqual(['lint', 'test', 'candidate']);
    let state = await modelState();
    expect(state.aliases).toEqual({ challenger: '1' });
    const tags = state.versions['1'];
    expect(tags['lab.git_sha']).toBe(lastSha);
    expect(tags['lab.data_hash']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(tags['lab.registered_by']).toBe(LEARNER);
    expect(Object.keys(JSON.parse(tags['lab.metrics']) as object).sort()).toEqual([
      'accuracy_score',
      'f1_score',
      'log_loss',
      'precision_score',
      'recall_score',
      'roc_auc',
    ]);

    // WHEN promote.yml runs with nobody approving production THEN staging ran, production waits
    const waiting = await run('promote.yml', 'workflow_dispatch', { approvals: {} });
    expect(waiting.conclusion).toBe('waiting');
    expect(waiting.jobs.map((j) => [j.id, j.result])).toEqual([
      ['staging', 'success'],
      ['production', 'waiting'],
    ]);
    expect((await modelState()).aliases).toEqual({ challenger: '1' });

    const promote = await timed('promote.yml, first model', () => run('promote.yml', 'workflow_dispatch'));
    expectSuccess(promote);
    expect(promote.jobs[1].approval).toEqual({ reviewer: 'katherine-johnson', environment: 'production' });
    state = await modelState();
    expect(state.aliases).toEqual({ challenger: '1', champion: '1' });
    expect(event(state, '1', 'lab.event.001')).toMatchObject({
      action: 'promote',
      version: '1',
      from_version: null,
      environment: 'production',
    });
    expect(await servedVersion()).toBe('1');
    expect((await fetch(`${servingUrl}/ping`)).status).toBe(200);
  });

  test('(a) a better model is promoted: @champion moves, @previous-champion keeps the old one, the event says who, when, approval, metrics', async () => {
    setParams(20, 1.0);
    const ci = await timed('(a) ci.yml, better model', () => run('ci.yml', 'pull_request'));
    expectSuccess(ci);
    const promote = await timed('(a) promote.yml', () => run('promote.yml', 'workflow_dispatch'));
    expectSuccess(promote);
    const state = await modelState();
    expect(state.aliases).toEqual({ challenger: '2', champion: '2', 'previous-champion': '1' });
    const metrics = JSON.parse(state.versions['2']['lab.metrics']) as Record<string, number>;
    expect(metrics.accuracy_score).toBeGreaterThan(
      (JSON.parse(state.versions['1']['lab.metrics']) as Record<string, number>).accuracy_score + 0.005,
    );
    const e = event(state, '2', 'lab.event.001');
    expect(e).toEqual({
      action: 'promote',
      alias: 'champion',
      version: '2',
      from_version: '1',
      who: LEARNER,
      when: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      approval: `https://github.com/${REPOSITORY}/actions/runs/${1000 + runCount}`,
      environment: 'production',
      git_sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      metrics,
    });
    expect(Object.keys(state.versions['2']).filter((k) => k.startsWith('lab.event.'))).toEqual([
      'lab.event.001',
    ]);
    expect(await servedVersion()).toBe('2');
  });

  test('(b) a worse model is stopped by the threshold: evaluate fails, nothing is registered, no alias moves', async () => {
    const before = await modelState();
    setParams(1, 0.01);
    const ci = await timed('(b) ci.yml, worse model', () => run('ci.yml', 'pull_request'));
    expect(ci.conclusion).toBe('failure');
    // The lint and unit tests pass: it is the evaluation that stops it
    if (ci.jobs[2].result === 'skipped') throw new Error(formatRun(ci));
    const o = outcomes(ci);
    expect([
      o['candidate: Train'],
      o['candidate: Evaluate against @champion'],
      o['candidate: Register and set @challenger'],
    ]).toEqual(['success', 'failure', 'skipped']);
    const log = ci.jobs[2].steps.find((s) => s.name === 'Evaluate against @champion')!.log;
    expect(log).toContain('promotion evaluate: the candidate does not meet the thresholds:');
    expect(log).toContain('against @champion (version 2)');
    expect(await modelState()).toEqual(before);
  });

  test('(c) the serving endpoint does not roll: the rollout fails and the pipeline rolls back by itself', async () => {
    setParams(30, 1.0);
    const ci = await timed('(c) ci.yml, better model', () => run('ci.yml', 'pull_request'));
    expectSuccess(ci);
    expect((await modelState()).aliases.challenger).toBe('3');
    // GIVEN a model server that never re-resolves the alias (stuck on version 2), and a short rollout wait
    stopServing();
    await startServing(3600);
    for (let i = 0; i < 100 && (await servedVersion()) !== '2'; i++) await sleep(300);
    const config = readFileSync(join(repo, 'promotion.toml'), 'utf8');
    writeFileSync(
      join(repo, 'promotion.toml'),
      config.replace('timeout_seconds = 300', 'timeout_seconds = 10'),
    );
    try {
      const promote = await timed('(c) promote.yml, rollout fails, rollback', () =>
        run('promote.yml', 'workflow_dispatch'),
      );
      expect(promote.conclusion).toBe('failure');
      const o = outcomes(promote);
      expect([
        o['production: Move @champion, keeping @previous-champion'],
        o['production: Roll out'],
        o['production: Smoke test'],
        o['production: Roll back on failure'],
        o['production: History'],
      ]).toEqual(['success', 'failure', 'skipped', 'success', 'success']);
      const rollout = promote.jobs[1].steps.find((s) => s.name === 'Roll out')!.log;
      expect(rollout).toContain(
        `promotion rollout: the serving endpoint ${servingUrl} did not serve ${setup.model} version 3 within 10 s`,
      );
      const state = await modelState();
      expect(state.aliases).toEqual({ challenger: '3', champion: '2', 'previous-champion': '2' });
      expect(event(state, '3', 'lab.event.001')).toMatchObject({
        action: 'promote',
        version: '3',
        from_version: '2',
      });
      expect(event(state, '2', 'lab.event.002')).toMatchObject({
        action: 'rollback',
        version: '2',
        from_version: '3',
        who: LEARNER,
        environment: 'production',
      });
      expect(await servedVersion()).toBe('2');
      // AND history lists the four events in order
      const history = promote.jobs[1].steps
        .find((s) => s.name === 'History')!
        .log.trim()
        .split('\n');
      expect(history.slice(1).map((l) => l.split(/\s+/).slice(1, 4))).toEqual([
        ['promote', '1', '-'],
        ['promote', '2', '1'],
        ['promote', '3', '2'],
        ['rollback', '2', '3'],
      ]);
    } finally {
      writeFileSync(join(repo, 'promotion.toml'), config);
    }
  });

  test('fails when rollback.yml finds nothing further back: exit 1, says so, no alias moves', async () => {
    const before = await modelState();
    const rb = await timed('rollback.yml, nothing further back', () =>
      run('rollback.yml', 'workflow_dispatch', { inputs: { reason: 'test' } }),
    );
    expect(rb.conclusion).toBe('failure');
    const step = rb.jobs[0].steps.find((s) => s.name === 'Roll back @champion to @previous-champion')!;
    expect(step.outcome).toBe('failure');
    expect(step.log).toContain(
      `promotion rollback: ${setup.model} @champion is already version 2, the @previous-champion: nothing further back to roll back to`,
    );
    expect(await modelState()).toEqual(before);
  });

  test('permissions on the real server: EDIT is all the CI user has; READ cannot register; EDIT cannot delete an alias; learner B gets 403', async () => {
    const ci = setup.ci;
    // The CI user is no admin
    const me = await mlflowApi(mlflowUrl, ci, 'GET', `/api/2.0/mlflow/users/get?username=${ci.username}`);
    expect((me.json.user as { is_admin: boolean }).is_admin).toBe(false);
    // EDIT does not delete an alias (that needs MANAGE)
    const del = await mlflowApi(
      mlflowUrl,
      ci,
      'DELETE',
      `/api/2.0/mlflow/registered-models/alias?name=${setup.model}&alias=challenger`,
    );
    expect(del.status).toBe(403);
    // Another learner's credentials cannot move the aliases
    const other = envFile(join(stateDir, 'people', `${OTHER}.env`));
    const move = await mlflowApi(
      mlflowUrl,
      { username: other.MLFLOW_TRACKING_USERNAME, password: other.MLFLOW_TRACKING_PASSWORD },
      'POST',
      '/api/2.0/mlflow/registered-models/alias',
      { name: setup.model, alias: 'champion', version: '1' },
    );
    expect(move.status).toBe(403);
    // With READ, the CI user cannot register a version
    await grant(mlflowUrl, admin, 'registered_model', setup.model, ci.username, 'READ');
    try {
      const source = (await modelState()).versions;
      expect(Object.keys(source).length).toBe(3);
      const create = await mlflowApi(mlflowUrl, ci, 'POST', '/api/2.0/mlflow/model-versions/create', {
        name: setup.model,
        source: 'models:/m-none',
      });
      expect(create.status).toBe(403);
      const alias = await mlflowApi(mlflowUrl, ci, 'POST', '/api/2.0/mlflow/registered-models/alias', {
        name: setup.model,
        alias: 'champion',
        version: '1',
      });
      expect(alias.status).toBe(403);
    } finally {
      await grant(mlflowUrl, admin, 'registered_model', setup.model, ci.username, 'EDIT');
    }
    expect((await modelState()).aliases).toEqual({
      challenger: '3',
      champion: '2',
      'previous-champion': '2',
    });
  });
});

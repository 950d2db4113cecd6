/**
 * `cohort-lab local` end to end, as a user runs it: the demo cohort's lab started in the
 * background, its status, the labs run against it unchanged by a learner with the learner's own
 * credentials file (labs/mlflow_quickstart.py; the sample feature repository's features through
 * Feast with the learner's token), a rotation, a service that dies, `down` with nothing left, a
 * second start in the foreground that finds the data again and stops on Ctrl-C, then `down
 * --purge`. Plus the bad situations that are cheap to provoke: a corrupt state directory, a taken
 * port, Redis missing, a second `up`. Every log of the lab and everything the CLI printed is
 * searched for every secret value the test ever saw.
 *
 * The lab runs in its own state directory on its own block of ports, so it collides neither with
 * a lab a developer runs (.lab/, 7100-7106) nor with the other integration tests.
 *
 * Longer than 300 lines on purpose: one lab serves every case, in order, as a user would go.
 */
import { ChildProcess, spawn } from 'child_process';
import { createServer, Server } from 'net';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { REPO_ROOT } from '../../lib/local/container';
import { FEAST_PYTHON } from '../../lib/local/feast';
import { labProcessGroups, loopbackProblems } from '../../lib/local/lab-checks';
import { workingIn } from '../../lib/local/lab-stop';
import { MLFLOW_PYTHON } from '../../lib/local/mlflow';
import { commandLine, isRunning } from '../../lib/local/pids';
import { allPids, LAB_SERVICES, listeningSockets, portFree, SERVICE_TITLES } from '../../lib/local/ports';
import { runToCompletion } from '../../lib/local/processes';
import { readState, ServiceRecord } from '../../lib/local/state';

jest.setTimeout(300_000);

const TSX = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const OPS = join(REPO_ROOT, 'bin', 'ops.ts');
const FEATURES = [
  'learner_activity:minutes_active',
  'learner_activity:lessons_completed',
  'learner_activity:avg_quiz_score',
];

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Everything the CLI printed (the `token` command's token excepted), for the secret search. */
const printed: string[] = [];
/** Every secret value the test saw in a credentials file or the saved secrets. */
const seen = new Set<string>();

/** Run `cohort-lab local <args>` to its end. */
function cli(args: string[], env: NodeJS.ProcessEnv = process.env, keep = true): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSX, OPS, 'local', ...args], { cwd: REPO_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => {
      if (keep) printed.push(stdout);
      printed.push(stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A block of seven free loopback ports. */
async function freeBlock(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 2_000) * 10;
    const free = await Promise.all(LAB_SERVICES.map((_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
}

/** A credentials file as a map (and every secret in it remembered). */
function envFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  seen.add(env.MLFLOW_TRACKING_PASSWORD);
  seen.add(env.FEAST_CLIENT_SECRET);
  return env;
}

/** Remember every value of the saved secrets (current and previous). */
function rememberSaved(stateDir: string): void {
  const saved = JSON.parse(readFileSync(join(stateDir, 'saved', 'secrets.json'), 'utf8')) as Array<{
    current: string;
    previous?: string;
  }>;
  for (const s of saved) {
    for (const text of [s.current, s.previous].filter((t): t is string => t !== undefined)) {
      seen.add(text);
      for (const [k, v] of Object.entries(JSON.parse(text) as Record<string, string>)) {
        if (k !== 'username') seen.add(v);
      }
    }
  }
  seen.add(readFileSync(join(stateDir, 'private', 'postgres-superuser'), 'utf8').trim());
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The lab leaves nothing: no recorded process, no listening lab port, no process in its state dir. */
function assertNothingLeft(stateDir: string, base: number, records: readonly ServiceRecord[]): void {
  expect(records.filter((r) => isRunning(r)).map((r) => r.name)).toEqual([]);
  const listening = new Set(listeningSockets().map((s) => s.port));
  expect(LAB_SERVICES.map((_, i) => base + i).filter((p) => listening.has(p))).toEqual([]);
  const mine = new Set([process.pid]);
  const inDir = allPids().filter((pid) => !mine.has(pid) && workingIn(pid, stateDir));
  expect(inDir.map((pid) => commandLine(pid))).toEqual([]);
}

describe('cohort-lab local: the demo cohort on this machine', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cohortlab-local-it-'));
  // Root runs the lab's PostgreSQL as the postgres user, which must pass through to its data.
  chmodSync(scratch, 0o711);
  const stateDir = join(scratch, 'lab');
  let base: number;
  let learner: Record<string, string>;
  let run: { experiment_id: string; run_id: string };
  let artifact: string;
  let records: ServiceRecord[] = [];
  const timings: Record<string, string> = {};

  beforeAll(async () => {
    base = await freeBlock();
  });

  afterAll(async () => {
    // Whatever happened above, nothing of the lab stays behind.
    await cli(['down', '--purge', '--state', stateDir]);
    console.log(`local lab timings: ${JSON.stringify(timings)}`);
  });

  test('fails when the state directory is corrupt: says so and how to purge it; nothing starts', async () => {
    // GIVEN a state directory whose state file is damaged
    const dir = join(scratch, 'corrupt');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'lab.json'), '{"version": 1, "cohort": ');
    // WHEN the lab is started there THEN it refuses, naming the problem and the way out
    const up = await cli(['up', '--detach', '--state', dir, '--base-port', String(base)]);
    expect(up.code).toBe(1);
    expect(up.stderr.trim()).toBe(
      `The local lab's state directory ${dir} is corrupt: lab.json is not JSON. Nothing was started or stopped. ` +
        'To start afresh, remove it with `cohort-lab local down --purge` ' +
        '(this deletes the lab’s database, artifacts and Feast registry).',
    );
    expect(await portFree(base)).toBe(true);
    // AND the way out works
    const purge = await cli(['down', '--purge', '--state', dir]);
    expect(purge.code).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  test('fails when a port is taken: names the port and the process holding it; nothing starts', async () => {
    // GIVEN this process listening on the lab's PostgreSQL port
    const port = base + LAB_SERVICES.indexOf('postgres');
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const up = await cli([
        'up',
        '--detach',
        '--state',
        join(scratch, 'taken'),
        '--base-port',
        String(base),
      ]);
      const me = commandLine(process.pid)!;
      const shown = me.length > 120 ? `${me.slice(0, 117)}...` : me;
      expect(up.code).toBe(1);
      expect(up.stderr.trim()).toBe(
        'Cannot start the local lab; nothing was started:\n' +
          `  - Port ${port} (for ${SERVICE_TITLES.postgres}) on 127.0.0.1 is taken: process ${process.pid} (${shown}) ` +
          `listens on it. Stop that process, or start the lab on other ports: cohort-lab local up --base-port ${base + 100} ` +
          `(uses ${base + 100}-${base + 106}).`,
      );
      expect(existsSync(join(scratch, 'taken', 'lab.json'))).toBe(false);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  test('fails when Redis is not installed: says how to install it; nothing starts', async () => {
    // GIVEN a PATH with openssl but no redis-server
    const bin = join(scratch, 'bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync('/usr/bin/openssl', join(bin, 'openssl'));
    const up = await cli(
      ['up', '--detach', '--state', join(scratch, 'no-redis'), '--base-port', String(base)],
      {
        ...process.env,
        PATH: bin,
      },
    );
    expect(up.code).toBe(1);
    expect(up.stderr.trim()).toBe(
      'Cannot start the local lab; nothing was started:\n' +
        '  - Redis is not installed (no redis-server on PATH). Install it with: sudo apt-get install redis-server',
    );
  });

  test('up --detach starts the lab, prints the health table, the URLs and every welcome sheet, and returns', async () => {
    const t0 = Date.now();
    const up = await cli(['up', '--detach', '--state', stateDir, '--base-port', String(base)]);
    timings['up, first run (s)'] = ((Date.now() - t0) / 1000).toFixed(1);
    expect({ code: up.code, stderr: up.stderr }).toEqual({ code: 0, stderr: '' });
    timings['up, first run: ready in'] = /ready in ([\d.]+ s)/.exec(up.stdout)?.[1] ?? '?';
    // THEN every service is up, on loopback
    for (const [i, name] of LAB_SERVICES.entries()) {
      expect(up.stdout).toMatch(new RegExp(`\\n${name} +\\S+://127\\.0\\.0\\.1:${base + i} +\\d+ +up `));
    }
    expect(up.stdout).toContain(`MLflow UI and API  http://127.0.0.1:${base}`);
    expect(up.stdout).toContain(`Feast              http://127.0.0.1:${base + 1}`);
    expect(up.stdout).toContain('First run:');
    // AND each person's sheet names their file, whose mode is 0600 in a 0700 directory
    for (const slug of ['ada-lovelace', 'grace-hopper', 'alan-turing', 'katherine-johnson']) {
      const file = join(stateDir, 'people', `${slug}.env`);
      expect(up.stdout).toContain(`password   in ${file} (mode 0600`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      envFile(file);
    }
    expect(statSync(join(stateDir, 'people')).mode & 0o777).toBe(0o700);
    learner = envFile(join(stateDir, 'people', 'grace-hopper.env'));
    expect(learner.MLFLOW_TRACKING_URI).toBe(`http://127.0.0.1:${base}`);
    expect(learner.MLFLOW_EXPERIMENT_NAME).toBe('learners/grace-hopper');
    records = readState(stateDir)!.services;
    expect(records.map((r) => r.name).sort()).toEqual([...LAB_SERVICES].sort());
    rememberSaved(stateDir);
  });

  test('every socket the lab listens on is on 127.0.0.1', () => {
    // GIVEN every process of the lab (each service's process group: workers and children too)
    const groups = labProcessGroups(records);
    expect(groups.map((g) => g.name).sort()).toEqual([...LAB_SERVICES].sort());
    // THEN none listens beyond loopback, and each service's port is open on 127.0.0.1
    expect(loopbackProblems(records)).toEqual([]);
    const sockets = listeningSockets();
    for (const [i] of LAB_SERVICES.entries()) {
      expect(sockets.filter((s) => s.port === base + i).map((s) => s.address)).toEqual(['127.0.0.1']);
    }
  });

  test('status shows every service up', async () => {
    const status = await cli(['status', '--state', stateDir]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`The local lab of demo-2027-spring in ${stateDir}: running since`);
    expect(status.stdout.match(/ up /g)).toHaveLength(LAB_SERVICES.length);
  });

  test('fails when the lab is already running: a second up shows the status and starts no second copy', async () => {
    const again = await cli(['up', '--detach', '--state', stateDir, '--base-port', String(base)]);
    expect(again.code).toBe(1);
    expect(again.stderr.split('\n')[0]).toBe(
      `The local lab of demo-2027-spring is already running in ${stateDir}; no second copy was started. ` +
        'Stop it first with `cohort-lab local down`.',
    );
    expect(again.stderr).toContain(`The local lab of demo-2027-spring in ${stateDir}: running since`);
    expect(readState(stateDir)!.services).toEqual(records);
  });

  test("a learner runs the labs unchanged: the quickstart logs a run and a model; Feast serves the sample features with the learner's token", async () => {
    // GIVEN the learner's credentials file, as the welcome sheet says to load it
    const home = join(scratch, 'home');
    mkdirSync(home, { recursive: true });
    const env = {
      PATH: `${join(REPO_ROOT, '.venvs', 'mlflow', 'bin')}:${process.env.PATH}`,
      HOME: home,
      ...learner,
    };
    // WHEN they run the MLflow quickstart
    const out = await runToCompletion(
      'quickstart',
      {
        command: MLFLOW_PYTHON,
        args: [join(REPO_ROOT, 'labs', 'mlflow_quickstart.py')],
        env,
        cwd: home,
        mounts: {},
      },
      scratch,
      [...seen],
    );
    printed.push(out);
    const result = JSON.parse(out.trim().split('\n').pop()!) as typeof run & { model_version: string };
    // THEN the run and version 1 of the model are there
    expect(result.model_version).toBe('1');
    run = result;
    const path = `/api/2.0/mlflow-artifacts/artifacts/${run.experiment_id}/${run.run_id}/artifacts/evaluation/confusion_matrix.json`;
    const download = await fetch(`${learner.MLFLOW_TRACKING_URI}${path}`, {
      headers: { authorization: basic(learner.MLFLOW_TRACKING_USERNAME, learner.MLFLOW_TRACKING_PASSWORD) },
    });
    expect(download.status).toBe(200);
    artifact = await download.text();
    expect(JSON.parse(artifact)).toHaveLength(2);

    // WHEN they ask for a token and read the sample features
    const token = await cli(['token', 'grace-hopper', '--state', stateDir], process.env, false);
    expect(token.code).toBe(0);
    const features = await readFeatures(learner.FEAST_URL, token.stdout.trim());
    // THEN Feast serves the newest rows gen_data.py wrote (its values are seeded)
    expect(features.status).toBe(200);
    const expected = await sampleFeatures();
    for (const [i, id] of ['1001', '1002'].entries()) {
      expect(features.column('minutes_active')[i]).toBe(expected[id].minutes_active);
      expect(features.column('lessons_completed')[i]).toBe(expected[id].lessons_completed);
      expect(features.column('avg_quiz_score')[i] as number).toBeCloseTo(expected[id].avg_quiz_score, 3);
    }
    // AND not without a token
    expect((await readFeatures(learner.FEAST_URL)).status).toBe(401);
  });

  test("rotate --person rotates end to end: the learner's file holds the new password; the old one is refused", async () => {
    const before = learner.MLFLOW_TRACKING_PASSWORD;
    const rotated = await cli(['rotate', '--person', 'grace-hopper', '--state', stateDir]);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain(
      'rotated cohort-lab/demo-2027-spring/learners/grace-hopper/mlflow: createSecret, setSecret, testSecret, finishSecret',
    );
    learner = envFile(join(stateDir, 'people', 'grace-hopper.env'));
    expect(learner.MLFLOW_TRACKING_PASSWORD === before).toBe(false);
    const login = async (password: string) =>
      (
        await fetch(`${learner.MLFLOW_TRACKING_URI}/api/2.0/mlflow/users/get?username=grace-hopper`, {
          headers: { authorization: basic('grace-hopper', password) },
        })
      ).status;
    expect(await login(learner.MLFLOW_TRACKING_PASSWORD)).toBe(200);
    expect(await login(before)).toBe(401);
    rememberSaved(stateDir);
  });

  test("status counts the server's requests and failed logins since its start; logs shows one log and follows it, redacted", async () => {
    const podCounts = async () => {
      const out = (await cli(['status', '--state', stateDir])).stdout;
      const m = /^mlflow-pod\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/m.exec(out);
      if (m === null) throw new Error(`no counts for mlflow-pod in:\n${out}`);
      return { requests: Number(m[1]), failedLogins: Number(m[3]) };
    };
    const search = (password: string, max: number) =>
      fetch(`${learner.MLFLOW_TRACKING_URI}/api/2.0/mlflow/experiments/search?max_results=${max}`, {
        headers: { authorization: basic(learner.MLFLOW_TRACKING_USERNAME, password) },
      });
    // GIVEN the counts now
    const before = await podCounts();
    expect(before.requests).toBeGreaterThan(0);
    // WHEN three logins with a wrong password go through the load balancer
    for (let i = 0; i < 3; i++) expect((await search(`wrong-password-${i}`, 1)).status).toBe(401);
    // THEN status counts exactly three more failed logins, and at least three more requests
    let after = await podCounts();
    for (let i = 0; i < 20 && after.failedLogins < before.failedLogins + 3; i++) {
      await new Promise((r) => setTimeout(r, 500));
      after = await podCounts();
    }
    expect(after.failedLogins - before.failedLogins).toBe(3);
    expect(after.requests - before.requests).toBeGreaterThanOrEqual(3);

    // ... `logs --no-follow -n 5` prints the last five lines and returns
    const tail = await cli(['logs', 'mlflow-pod', '--no-follow', '-n', '5', '--state', stateDir]);
    expect(tail.code).toBe(0);
    expect(tail.stdout.trimEnd().split('\n')).toHaveLength(5);
    // ... an unknown service is bad input, and the message lists the real ones
    const unknown = await cli(['logs', 'nginx', '--state', stateDir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'No service "nginx" in the local lab of demo-2027-spring; its services are: ',
    );
    expect(unknown.stderr).toContain('mlflow-pod');

    // ... and `logs` follows: a request made after it started shows up; Ctrl-C ends it with 0
    const follower = spawn(
      process.execPath,
      [TSX, OPS, 'local', 'logs', 'mlflow-pod', '-n', '0', '--state', stateDir],
      {
        cwd: REPO_ROOT,
      },
    );
    let followed = '';
    follower.stdout.on('data', (c: Buffer) => (followed += c.toString()));
    const closed = new Promise<number | null>((resolve) => follower.on('close', (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 3000));
    expect((await search(learner.MLFLOW_TRACKING_PASSWORD, 7)).status).toBe(200);
    for (let i = 0; i < 40 && !followed.includes('max_results=7'); i++)
      await new Promise((r) => setTimeout(r, 250));
    follower.kill('SIGINT');
    expect(await closed).toBe(0);
    printed.push(followed);
    expect(followed).toMatch(/"GET \/api\/2\.0\/mlflow\/experiments\/search\?max_results=7 HTTP\/1\.1" 200/);
    expect(followed).not.toContain('max_results=1 ');
  });

  test('fails when a service dies: status shows it dead with the end of its log, secrets redacted', async () => {
    // GIVEN the Feast server killed
    const feast = records.find((r) => r.name === 'feast')!;
    process.kill(-feast.pid, 'SIGKILL');
    while (isRunning(feast)) await new Promise((r) => setTimeout(r, 100));
    // WHEN the status is asked THEN it says so, with the end of its log
    const status = await cli(['status', '--state', stateDir]);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(
      new RegExp(`\\nfeast +http://127\\.0\\.0\\.1:${base + 1} +${feast.pid} +dead `),
    );
    expect(status.stdout).toContain(`feast is not up. The end of ${feast.log} (secrets replaced by ***):`);
    expect(status.stdout).toContain('Restart the lab: cohort-lab local down, then cohort-lab local up.');
  });

  test('down stops everything, saves the bucket and the secrets, and leaves no process and no listening port', async () => {
    const t0 = Date.now();
    const down = await cli(['down', '--state', stateDir]);
    timings['down (s)'] = ((Date.now() - t0) / 1000).toFixed(1);
    expect({ code: down.code, stderr: down.stderr }).toEqual({ code: 0, stderr: '' });
    expect(down.stdout).toContain('No process of the lab is left, and none of its ports listens.');
    // (10: the services' 5, the 4 people's and Grace's CI user's, Lab 2)
    expect(down.stdout).toMatch(/Saved what moto held: \d+ object\(s\) of the bucket, 10 secret\(s\)\./);
    assertNothingLeft(stateDir, base, records);
    expect(statSync(join(stateDir, 'saved', 'secrets.json')).mode & 0o777).toBe(0o600);
    rememberSaved(stateDir);
  });

  test('up again, in the foreground: the run, its artifact and the features are still there; Ctrl-C stops everything', async () => {
    // GIVEN the lab started again in the foreground (its own process group, as in a terminal)
    const t0 = Date.now();
    const child: ChildProcess = spawn(
      process.execPath,
      [TSX, OPS, 'local', 'up', '--state', stateDir, '--base-port', String(base)],
      { cwd: REPO_ROOT, detached: true },
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    while (!stdout.includes('Press Ctrl-C') && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 250));
    timings['up, warm (s)'] = ((Date.now() - t0) / 1000).toFixed(1);
    timings['up, warm: ready in'] = /ready in ([\d.]+ s)/.exec(stdout)?.[1] ?? '?';
    expect(stderr).toBe('');
    // THEN no Job runs again and the sample features are not loaded again
    expect(stdout).not.toContain('Job ');
    expect(stdout).not.toContain('sample features');
    const restarted = readState(stateDir)!.services;
    // AND the learner's run and artifact come back with the learner's current password
    const auth = { authorization: basic('grace-hopper', learner.MLFLOW_TRACKING_PASSWORD) };
    const got = await fetch(`${learner.MLFLOW_TRACKING_URI}/api/2.0/mlflow/runs/get?run_id=${run.run_id}`, {
      headers: auth,
    });
    expect(got.status).toBe(200);
    expect(((await got.json()) as { run: { info: { status: string } } }).run.info.status).toBe('FINISHED');
    const path = `/api/2.0/mlflow-artifacts/artifacts/${run.experiment_id}/${run.run_id}/artifacts/evaluation/confusion_matrix.json`;
    const again = await fetch(`${learner.MLFLOW_TRACKING_URI}${path}`, { headers: auth });
    expect(again.status).toBe(200);
    expect(await again.text()).toBe(artifact);
    const model = await fetch(
      `${learner.MLFLOW_TRACKING_URI}/api/2.0/mlflow/registered-models/get?name=quickstart-grace-hopper`,
      { headers: auth },
    );
    expect(model.status).toBe(200);
    // AND the features (Redis's data and the registry) are still served
    const token = await cli(['token', 'grace-hopper', '--state', stateDir], process.env, false);
    expect((await readFeatures(learner.FEAST_URL, token.stdout.trim())).status).toBe(200);

    // WHEN Ctrl-C reaches the foreground `up`
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    printed.push(stdout, stderr);
    // THEN it stops everything and exits 0
    expect(code).toBe(0);
    expect(stdout).toContain('No process of the lab is left, and none of its ports listens.');
    assertNothingLeft(stateDir, base, restarted);
    rememberSaved(stateDir);
  });

  test("no secret value is in anything the CLI printed or in any of the lab's logs", () => {
    const logs = readdirSync(join(stateDir, 'logs')).map((f) =>
      readFileSync(join(stateDir, 'logs', f), 'utf8'),
    );
    // The search can fail: there are values, and the logs hold what the services wrote.
    const values = [...seen].filter((v) => v.length >= 8);
    expect(values.length).toBeGreaterThan(20);
    expect(logs.join('\n')).toContain("created admin user 'admin'");
    expect(logs.length).toBeGreaterThan(10);
    for (const [i, text] of [...printed, ...logs].entries()) {
      expect({ i, leaked: values.filter((v) => text.includes(v)).length }).toEqual({ i, leaked: 0 });
    }
  });

  test('down --purge deletes the state directory', async () => {
    const purge = await cli(['down', '--purge', '--state', stateDir]);
    expect(purge.code).toBe(0);
    expect(purge.stdout).toContain(`Purged: ${stateDir} is gone`);
    expect(existsSync(stateDir)).toBe(false);
  });
});

/** POST /get-online-features for learners 1001 and 1002 (a fresh connection each time). */
async function readFeatures(
  url: string,
  token?: string,
): Promise<{ status: number; column: (name: string) => unknown[] }> {
  const res = await fetch(`${url}/get-online-features`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      connection: 'close',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ features: FEATURES, entities: { learner_id: [1001, 1002] } }),
  });
  const text = await res.text();
  const body =
    res.status === 200
      ? (JSON.parse(text) as { metadata: { feature_names: string[] }; results: Array<{ values: unknown[] }> })
      : undefined;
  return {
    status: res.status,
    column: (name) => body!.results[body!.metadata.feature_names.indexOf(name)].values,
  };
}

/** The newest row of each learner in the sample data (gen_data.py's values are seeded). */
async function sampleFeatures(): Promise<
  Record<string, { minutes_active: number; lessons_completed: number; avg_quiz_score: number }>
> {
  const dir = mkdtempSync(join(tmpdir(), 'cohortlab-sample-'));
  const out = await runToCompletion(
    'gen-data-local',
    {
      command: FEAST_PYTHON,
      args: [join(REPO_ROOT, 'labs', 'feature_repo', 'gen_data.py'), '--out', join(dir, 'sample.parquet')],
      env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1' },
      cwd: dir,
      mounts: {},
    },
    dir,
    [],
  );
  return (JSON.parse(out.slice(out.indexOf('{'))) as { latest: Awaited<ReturnType<typeof sampleFeatures>> })
    .latest;
}

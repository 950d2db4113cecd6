/**
 * MLflow from the synthesised manifests, for real: the bootstrap Job, the sync-admin init
 * container and the server container run with their own command, args, env and mounted config,
 * on the pinned packages (.venvs/mlflow = images/mlflow/requirements.lock.txt), against the local
 * PostgreSQL (TLS, sslmode=require as in the manifest) and moto's S3. See support/container.ts for
 * what stands in for the image, ESO and Pod Identity.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { MLFLOW_ADMIN_USERNAME, MLFLOW_PORT, POSTGRES_PORT } from '../../lib/core';
import { containerOf, find, K8sObject, podSpecOf } from '../../lib/local/manifest';
import { REPO_ROOT, SecretValues } from '../../lib/local/container';
import { IngressProxy, rawRequest, startIngressProxy } from '../../lib/local/ingress-proxy';
import {
  MLFLOW_DATABASES,
  MLFLOW_PYTHON,
  mlflowContainerSpec,
  synthMlflowManifest,
} from '../../lib/local/mlflow';
import { freePort, rawLogsIn, RunningProcess, runToCompletion, waitForHttp } from '../../lib/local/processes';
import {
  createMasterRole,
  dropTestObjects,
  Moto,
  psql,
  randomPassword,
  startMoto,
} from '../../lib/local/services';
import { runSql } from '../../lib/local/sql';

const PYTHON = MLFLOW_PYTHON;
const BUCKET = 'cohortlab-it-artifacts';
const suffix = randomPassword(3);
const appUser = `mlflow_it_${suffix}`;

let moto: Moto;
let objects: K8sObject[];
let secrets: SecretValues;
let secretValues: string[];
let root: string;
let logDir: string;
let server: RunningProcess | undefined;
let proxy: IngressProxy | undefined;
let port: number;
let hostname: string;
let masterRole: string;

function allSecrets(): string[] {
  return secretValues;
}

function spec(containerName: string, workload: K8sObject, overrides?: Record<string, string>) {
  return mlflowContainerSpec({
    objects,
    workload,
    container: containerName,
    secrets,
    root,
    moto,
    argOverrides: overrides,
  });
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

async function api(path: string, init: { auth?: string; method?: string; body?: unknown } = {}) {
  const res = await fetch(`${proxy!.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.auth ? { authorization: init.auth } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'cohortlab-mlflow-it-'));
  logDir = mkdtempSync(join(tmpdir(), 'cohortlab-mlflow-logs-'));
  moto = await startMoto();
  execFileSync(PYTHON, [join(__dirname, 'support', 's3_objects.py'), moto.endpoint, BUCKET, '--create'], {
    env: { ...process.env, ...moto.awsEnv },
  });

  const master = await createMasterRole('mlflow_it');
  masterRole = master.username;
  secrets = {
    'mlflow-db-master': { username: master.username, password: master.password },
    'mlflow-db': { username: appUser, password: randomPassword() },
    'mlflow-admin': { password: randomPassword() },
    'mlflow-flask': { secretKey: randomPassword(32) },
  };
  // Passwords and keys, not user names: these must never appear in any output.
  secretValues = Object.values(secrets).flatMap((s) =>
    Object.entries(s)
      .filter(([k]) => k !== 'username')
      .map(([, v]) => v),
  );

  ({ objects, hostname } = synthMlflowManifest(BUCKET));
  port = await freePort();
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await server?.stop();
  await moto?.process.stop();
  await dropTestObjects(MLFLOW_DATABASES, []);
  await dropTestObjects([], [appUser, `${appUser}_clone`, masterRole].filter(Boolean));
}, 60_000);

describe('MLflow from the synthesised manifests', () => {
  test('the bootstrap Job creates the alternating users and both databases, and is idempotent', async () => {
    // Re-runs on one machine: start from no databases.
    await dropTestObjects(MLFLOW_DATABASES, []);
    const job = find(objects, 'Job', 'mlflow-db-bootstrap');
    const first = await runToCompletion('bootstrap-1', spec('bootstrap', job), logDir, allSecrets());
    expect(first).toContain(`role ${appUser}: created`);
    expect(first).toContain(`role ${appUser}_clone: created`);
    expect(first).toContain('database mlflow: created');
    expect(first).toContain('database mlflow_auth: created');

    const second = await runToCompletion('bootstrap-2', spec('bootstrap', job), logDir, allSecrets());
    expect(second).toContain(`role ${appUser}: exists, password left to rotation`);
    expect(second).toContain('database mlflow_auth: exists');

    expect(await psql(`SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'mlflow'`)).toBe(
      appUser,
    );
    // The clone is a member of the base role and acts as it, so its tables belong to the base role.
    expect(
      await psql(
        `SELECT count(*) FROM pg_auth_members WHERE roleid = '${appUser}'::regrole AND member = '${appUser}_clone'::regrole`,
      ),
    ).toBe('1');
    expect(
      await psql(`SELECT array_to_string(rolconfig, ',') FROM pg_roles WHERE rolname = '${appUser}_clone'`),
    ).toBe(`role=${appUser}`);
    // The raw log files (runToCompletion returns redacted text, which could not show a leak).
    const logs = rawLogsIn(logDir);
    for (const name of ['bootstrap-1.log', 'bootstrap-2.log']) {
      expect(logs[name]).toContain('database mlflow');
      expect(allSecrets().filter((s) => logs[name].includes(s))).toHaveLength(0);
    }
  }, 120_000);

  test('sync-admin creates the admin from the secret, then reports it in sync', async () => {
    const deployment = find(objects, 'Deployment', 'mlflow');
    const first = await runToCompletion('sync-admin-1', spec('sync-admin', deployment), logDir, allSecrets());
    expect(first).toContain(`created admin user '${MLFLOW_ADMIN_USERNAME}'`);
    const second = await runToCompletion(
      'sync-admin-2',
      spec('sync-admin', deployment),
      logDir,
      allSecrets(),
    );
    expect(second).toContain(`admin user '${MLFLOW_ADMIN_USERNAME}': in sync`);
  }, 120_000);

  test('the server starts with the manifest command and its DB readiness probe passes', async () => {
    const deployment = find(objects, 'Deployment', 'mlflow');
    const serverSpec = spec('mlflow', deployment, { '--host': '127.0.0.1', '--port': String(port) });
    expect(serverSpec.command).toBe('mlflow');
    expect(serverSpec.args.slice(0, 3)).toEqual(['server', '--app-name', 'basic-auth']);
    expect(serverSpec.args).toContain(`s3://${BUCKET}/mlflow`);
    server = new RunningProcess('mlflow-server', serverSpec, logDir);
    const startedMs = await waitForHttp(`http://127.0.0.1:${port}/health`, server, allSecrets(), 120_000);
    console.log(`MLflow server ready on /health after ${(startedMs / 1000).toFixed(1)} s`);
    proxy = await startIngressProxy(port, hostname);

    // The readiness probe is the manifest's exec command with the container's env.
    const container = containerOf(podSpecOf(deployment), 'mlflow');
    const probe = container.readinessProbe?.exec?.command ?? [];
    expect(probe).toEqual(['python', '-m', 'cohort_lab_auth', 'probe']);
    const ok = await runToCompletion(
      'probe-ok',
      { ...serverSpec, command: probe[0], args: probe.slice(1) },
      logDir,
      allSecrets(),
    );
    expect(ok).not.toContain('Error');
    // With a wrong DB password the probe fails: readiness really touches the database.
    const bad = new RunningProcess(
      'probe-bad',
      {
        ...serverSpec,
        command: probe[0],
        args: probe.slice(1),
        env: { ...serverSpec.env, PGPASSWORD: 'wrong-password-x' },
      },
      logDir,
    );
    expect(await bad.wait()).toBe(1);
  }, 180_000);

  test('unauthenticated requests get 401 on the REST API, ajax API, GraphQL and artifact download', async () => {
    const paths: Array<[string, string, unknown?]> = [
      ['GET', '/api/2.0/mlflow/experiments/search?max_results=5'],
      ['GET', '/ajax-api/2.0/mlflow/experiments/search?max_results=5'],
      ['POST', '/graphql', { query: '{ __typename }' }],
      ['GET', '/get-artifact?path=model/MLmodel&run_uuid=0123456789abcdef'],
      ['GET', '/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/model/MLmodel'],
      ['GET', '/model-versions/get-artifact?path=MLmodel&name=x&version=1'],
    ];
    for (const [method, path, body] of paths) {
      const res = await api(path, { method, body });
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
    }
  });

  test('the admin from the secret logs in; admin/password1234 does not', async () => {
    const ok = await api('/api/2.0/mlflow/experiments/search?max_results=5', {
      auth: basic(MLFLOW_ADMIN_USERNAME, secrets['mlflow-admin'].password),
    });
    expect(ok.status).toBe(200);
    const legacy = await api('/api/2.0/mlflow/experiments/search?max_results=5', {
      auth: basic('admin', ['password', '1234'].join('')),
    });
    expect(legacy.status).toBe(401);
  });

  test('security middleware: a Host header not in --allowed-hosts is refused', async () => {
    const evil = await rawRequest(port, '/api/2.0/mlflow/experiments/search', {
      host: 'evil.example.com',
      authorization: basic(MLFLOW_ADMIN_USERNAME, secrets['mlflow-admin'].password),
    });
    expect(evil.status).toBe(403);
    const inCluster = await rawRequest(port, '/api/2.0/mlflow/experiments/search?max_results=1', {
      host: `mlflow.cohort-lab.svc.cluster.local:${MLFLOW_PORT}`,
      authorization: basic(MLFLOW_ADMIN_USERNAME, secrets['mlflow-admin'].password),
    });
    expect(inCluster.status).toBe(200);
  });

  test('a learner runs the quickstart lab: experiment, run, registered model, artifacts under mlflow/ in S3', async () => {
    const admin = basic(MLFLOW_ADMIN_USERNAME, secrets['mlflow-admin'].password);
    const learnerPassword = randomPassword();
    secretValues.push(learnerPassword);
    const created = await api('/api/2.0/mlflow/users/create', {
      method: 'POST',
      auth: admin,
      body: { username: 'grace-hopper', password: learnerPassword },
    });
    expect(created.status).toBe(200);

    const env = {
      PATH: `${join(REPO_ROOT, '.venvs', 'mlflow', 'bin')}:${process.env.PATH}`,
      HOME: root,
      MLFLOW_TRACKING_URI: proxy!.url,
      MLFLOW_TRACKING_USERNAME: 'grace-hopper',
      MLFLOW_TRACKING_PASSWORD: learnerPassword,
      MLFLOW_DISABLE_TELEMETRY: 'true',
    };
    const out = await runToCompletion(
      'quickstart',
      {
        command: PYTHON,
        args: [join(REPO_ROOT, 'labs', 'mlflow_quickstart.py')],
        env,
        cwd: root,
        mounts: {},
      },
      logDir,
      allSecrets(),
    );
    const result = JSON.parse(out.trim().split('\n').pop()!) as {
      experiment_id: string;
      run_id: string;
      model_version: string;
    };
    expect(result.model_version).toBe('1');

    const listing = JSON.parse(
      execFileSync(PYTHON, [join(__dirname, 'support', 's3_objects.py'), moto.endpoint, BUCKET, 'mlflow/'], {
        env: { ...process.env, ...moto.awsEnv },
        encoding: 'utf8',
      }),
    ) as Array<{ key: string; size: number }>;
    const keys = listing.map((o) => o.key);
    const runPrefix = `mlflow/${result.experiment_id}/${result.run_id}/artifacts/`;
    expect(keys).toContain(`${runPrefix}evaluation/confusion_matrix.json`);
    expect(keys.some((k) => k.endsWith('/MLmodel'))).toBe(true);
    // Nothing outside the MLflow prefix.
    const all = JSON.parse(
      execFileSync(PYTHON, [join(__dirname, 'support', 's3_objects.py'), moto.endpoint, BUCKET, ''], {
        env: { ...process.env, ...moto.awsEnv },
        encoding: 'utf8',
      }),
    ) as Array<{ key: string }>;
    expect(all.every((o) => o.key.startsWith('mlflow/'))).toBe(true);

    // The artifact comes back through the authenticated proxy, and not without credentials.
    const path = `/api/2.0/mlflow-artifacts/artifacts/${result.experiment_id}/${result.run_id}/artifacts/evaluation/confusion_matrix.json`;
    const learnerAuth = basic('grace-hopper', learnerPassword);
    const download = await api(path, { auth: learnerAuth });
    expect(download.status).toBe(200);
    expect(JSON.parse(download.text)).toHaveLength(2);
    expect((await api(path)).status).toBe(401);

    // Default permission READ: another learner may read the run but not write to it.
    const otherPassword = randomPassword();
    secretValues.push(otherPassword);
    await api('/api/2.0/mlflow/users/create', {
      method: 'POST',
      auth: admin,
      body: { username: 'alan-turing', password: otherPassword },
    });
    const other = basic('alan-turing', otherPassword);
    expect((await api(`/api/2.0/mlflow/runs/get?run_id=${result.run_id}`, { auth: other })).status).toBe(200);
    const write = await api('/api/2.0/mlflow/runs/log-metric', {
      method: 'POST',
      auth: other,
      body: { run_id: result.run_id, key: 'sneaky', value: 1, timestamp: 0 },
    });
    expect(write.status).toBe(403);
  }, 180_000);

  test('database rotation alternates users: a pod on the clone works beside one on the base user, and nothing changes owner', async () => {
    // WHEN the hosted alternating-users rotation runs its setSecret: as the master user it sets the
    // other user's password (ALTER USER ... WITH PASSWORD), and the secret's AWSCURRENT becomes
    // {username: <base>_clone, password: <new>}; the running pod keeps the base user's credentials.
    const clone = `${appUser}_clone`;
    const clonePassword = randomPassword();
    secretValues.push(clonePassword);
    const master = secrets['mlflow-db-master'];
    await runSql(
      { host: '127.0.0.1', port: POSTGRES_PORT, user: master.username, password: master.password },
      `ALTER USER "${clone}" WITH PASSWORD '${clonePassword}'`,
    );

    // THEN a new pod with the rotated secret (ESO synced, Reloader rolled) starts and is ready ...
    const deployment = find(objects, 'Deployment', 'mlflow');
    const rotated = { ...secrets, 'mlflow-db': { username: clone, password: clonePassword } };
    const clonePort = await freePort();
    const cloneSpec = mlflowContainerSpec({
      objects,
      workload: deployment,
      container: 'mlflow',
      secrets: rotated,
      root,
      moto,
      argOverrides: { '--host': '127.0.0.1', '--port': String(clonePort) },
    });
    expect(cloneSpec.env.PGUSER).toBe(clone);
    const cloneServer = new RunningProcess('mlflow-server-clone', cloneSpec, logDir);
    try {
      await waitForHttp(`http://127.0.0.1:${clonePort}/health`, cloneServer, allSecrets(), 120_000);
      const probe = containerOf(podSpecOf(deployment), 'mlflow').readinessProbe?.exec?.command ?? [];
      await runToCompletion(
        'probe-clone',
        { ...cloneSpec, command: probe[0], args: probe.slice(1) },
        logDir,
        allSecrets(),
      );
      const cloneProxy = await startIngressProxy(clonePort, hostname);
      try {
        // ... reads what the base user wrote, and writes (tracking and auth databases) as the base role.
        const admin = basic(MLFLOW_ADMIN_USERNAME, secrets['mlflow-admin'].password);
        const viaClone = async (path: string, body?: unknown) => {
          const res = await fetch(`${cloneProxy.url}${path}`, {
            method: body === undefined ? 'GET' : 'POST',
            headers: {
              authorization: admin,
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          return { status: res.status, json: (await res.json()) as Record<string, unknown> };
        };
        const models = await viaClone('/api/2.0/mlflow/registered-models/search?max_results=10');
        expect(models.status).toBe(200);
        expect(JSON.stringify(models.json)).toContain('"version":"1"');
        const created = await viaClone('/api/2.0/mlflow/experiments/create', {
          name: `written-by-clone-${suffix}`,
        });
        expect(created.status).toBe(200);
        const userPassword = randomPassword();
        secretValues.push(userPassword);
        expect(
          (
            await viaClone('/api/2.0/mlflow/users/create', {
              username: 'mary-jackson',
              password: userPassword,
            })
          ).status,
        ).toBe(200);
        // The old pod, still on the base user, sees both writes (old credentials keep working).
        const seen = await api(
          `/api/2.0/mlflow/experiments/get-by-name?experiment_name=written-by-clone-${suffix}`,
          { auth: admin },
        );
        expect(seen.status).toBe(200);
        expect(
          (
            await api('/api/2.0/mlflow/experiments/search?max_results=1', {
              auth: basic('mary-jackson', userPassword),
            })
          ).status,
        ).toBe(200);
      } finally {
        await cloneProxy.close();
      }
    } finally {
      await cloneServer.stop();
    }
    // Every table and sequence in both databases still belongs to the base user, so the next
    // rotation (back to the base user) finds nothing it cannot use.
    for (const db of MLFLOW_DATABASES) {
      expect(
        await psql(
          `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) <> '${appUser}'`,
          db,
        ),
      ).toBe('0');
      expect(
        Number(
          await psql(
            `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`,
            db,
          ),
        ),
      ).toBeGreaterThan(5);
    }
  }, 240_000);

  test('no secret value appears in any process log', () => {
    // Every process this suite ran wrote its raw output to logDir: bootstrap, sync-admin, server,
    // probes, quickstart.
    const logs = rawLogsIn(logDir);
    expect(Object.keys(logs)).toEqual(
      expect.arrayContaining([
        'bootstrap-1.log',
        'sync-admin-1.log',
        'mlflow-server.log',
        'probe-ok.log',
        'probe-bad.log',
        'quickstart.log',
        'mlflow-server-clone.log',
      ]),
    );
    const text = Object.values(logs).join('\n');
    // The search finds what is there, and the values it looks for are real (learners' included).
    expect(text).toContain(`created admin user '${MLFLOW_ADMIN_USERNAME}'`);
    expect(allSecrets().length).toBeGreaterThanOrEqual(6);
    for (const [name, log] of Object.entries(logs)) {
      expect({ name, leaked: allSecrets().filter((s) => log.includes(s)).length }).toEqual({
        name,
        leaked: 0,
      });
    }
  });
});

/**
 * MLflow's caches on the real server (the manifest's containers on PostgreSQL and moto): how long a
 * revoked grant, a deleted user and a rotated password keep working on a replica that did not
 * handle the change (docs/secrets.md), that one learner never sees another's data through a cached
 * path, and what a person sees in the UI (/users/current, their own password change).
 *
 * Two pods of one deployment, as the chart runs them: P1 behind the stand-in load balancer, P2 a
 * second server process on the same databases.
 */
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { MLFLOW_AUTH_CACHE_TTL_SECONDS, MLFLOW_AUTHZ_CACHE_TTL_SECONDS } from '../../cdk8s/mlflow';
import { MLFLOW_ADMIN_USERNAME } from '../../lib/core';
import { IngressProxy, startIngressProxy } from '../../lib/local/ingress-proxy';
import { find } from '../../lib/local/manifest';
import { MlflowDeployment, mlflowContainerSpec } from '../../lib/local/mlflow';
import { freePort, RunningProcess, waitForHttp } from '../../lib/local/processes';
import { Moto, randomPassword, startMoto } from '../../lib/local/services';

jest.setTimeout(300_000);

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let moto: Moto;
let mlflow: MlflowDeployment;
let p2: RunningProcess;
let p2Url: string;
let p2Proxy: IngressProxy | undefined;
let admin: string;
const passwords: Record<string, string> = {};

async function call(base: string, path: string, auth: string, body?: unknown, method?: string) {
  const res = await fetch(`${base}${path}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: {
      authorization: auth,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}
const p1 = (path: string, auth: string, body?: unknown, method?: string) =>
  call(mlflow.url, path, auth, body, method);
const viaP2 = (path: string, auth: string, body?: unknown, method?: string) =>
  call(p2Url, path, auth, body, method);

async function learner(name: string): Promise<string> {
  passwords[name] = randomPassword();
  const res = await p1('/api/2.0/mlflow/users/create', admin, { username: name, password: passwords[name] });
  expect(res.status).toBe(200);
  return basic(name, passwords[name]);
}

/** Seconds until `check` is true, polling every 0.5 s, at most `limit` s. */
async function secondsUntil(check: () => Promise<boolean>, limit: number): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > limit * 1000) return Infinity;
    await new Promise((r) => setTimeout(r, 500));
  }
  return (Date.now() - start) / 1000;
}

beforeAll(async () => {
  moto = await startMoto();
  mlflow = await MlflowDeployment.create({
    moto,
    bucket: 'cohortlab-it-caches',
    adminPassword: randomPassword(),
    rolePrefix: 'mlflow_caches',
    defaultPermission: 'NO_PERMISSIONS',
  });
  admin = basic(MLFLOW_ADMIN_USERNAME, mlflow.secrets['mlflow-admin'].password);
  const port = await freePort();
  const spec = mlflowContainerSpec({
    objects: mlflow.manifest.objects,
    workload: find(mlflow.manifest.objects, 'Deployment', 'mlflow'),
    container: 'mlflow',
    secrets: mlflow.secrets,
    root: mkdtempSync(join(tmpdir(), 'cohortlab-mlflow-p2-')),
    moto,
    argOverrides: { '--host': '127.0.0.1', '--port': String(port) },
  });
  p2 = new RunningProcess('mlflow-server-p2', spec, mlflow.logDir);
  await waitForHttp(`http://127.0.0.1:${port}/health`, p2, mlflow.serviceSecretValues(), 120_000);
  p2Proxy = await startIngressProxy(port, mlflow.manifest.hostname);
  p2Url = p2Proxy.url;
});

afterAll(async () => {
  await p2Proxy?.close();
  await p2?.stop();
  await mlflow?.close();
  await moto?.process.stop();
});

test('the UI: /users/current reports basic auth; a person may not change their own password', async () => {
  const ada = await learner('ada');
  const current = JSON.parse((await p1('/ajax-api/2.0/mlflow/users/current', ada)).text) as Record<
    string,
    unknown
  >;
  expect(current).toMatchObject({ user: { username: 'ada', is_admin: false }, is_basic_auth: true });

  const change = await p1(
    '/ajax-api/2.0/mlflow/users/update-password',
    ada,
    { username: 'ada', password: randomPassword(), current_password: passwords.ada },
    'PATCH',
  );
  expect(change.status).toBe(403);
  expect(JSON.parse(change.text)).toMatchObject({ error_code: 'PERMISSION_DENIED' });
  expect(change.text).toContain('Secrets Manager rotates it every 30 days');
  expect((await p1('/api/2.0/mlflow/experiments/search?max_results=1', ada)).status).toBe(200);

  // The rotation function (the admin) still sets a person's password.
  const rotated = randomPassword();
  const set = await p1(
    '/api/2.0/mlflow/users/update-password',
    admin,
    { username: 'ada', password: rotated },
    'PATCH',
  );
  expect(set.status).toBe(200);
  expect((await p1('/api/2.0/mlflow/experiments/search?max_results=1', basic('ada', rotated))).status).toBe(
    200,
  );
});

test("learner B never sees learner A's data through a cached path", async () => {
  const a = await learner('grace');
  const b = await learner('alan');
  const exp = JSON.parse(
    (await p1('/api/2.0/mlflow/experiments/create', a, { name: 'learners/grace' })).text,
  ) as {
    experiment_id: string;
  };
  const run = JSON.parse(
    (await p1('/api/2.0/mlflow/runs/create', a, { experiment_id: exp.experiment_id })).text,
  ) as { run: { info: { run_id: string } } };
  const runId = run.run.info.run_id;
  // A warms every cache: credentials, user, grants, run -> experiment.
  for (let i = 0; i < 3; i++) {
    expect((await p1(`/api/2.0/mlflow/runs/get?run_id=${runId}`, a)).status).toBe(200);
    const metric = { run_id: runId, key: 'loss', value: i, timestamp: 0, step: i };
    expect((await p1('/api/2.0/mlflow/runs/log-metric', a, metric)).status).toBe(200);
  }
  // THEN B, right after, is refused on each of those paths, and finds nothing of A's.
  expect((await p1(`/api/2.0/mlflow/runs/get?run_id=${runId}`, b)).status).toBe(403);
  expect(
    (await p1('/api/2.0/mlflow/runs/log-metric', b, { run_id: runId, key: 'x', value: 1, timestamp: 0 }))
      .status,
  ).toBe(403);
  expect((await p1(`/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=loss`, b)).status).toBe(
    403,
  );
  expect((await p1(`/api/2.0/mlflow/experiments/get?experiment_id=${exp.experiment_id}`, b)).status).toBe(
    403,
  );
  const search = await p1('/api/2.0/mlflow/experiments/search?max_results=100', b);
  expect(search.status).toBe(200);
  expect(search.text).not.toContain('learners/grace');
  const runs = await p1('/api/2.0/mlflow/runs/search', b, { experiment_ids: [exp.experiment_id] });
  expect(runs.text).not.toContain(runId);
  // A's cached credential does not let anyone in under A's name with another password.
  expect(
    (await p1('/api/2.0/mlflow/experiments/search?max_results=1', basic('grace', passwords.alan))).status,
  ).toBe(401);
});

test('bounds: on a replica that did not handle the change, a revoked grant and a deleted user work for at most the authorization cache TTL, an old password for at most the credential cache TTL', async () => {
  const owner = await learner('katherine');
  const reader = await learner('dorothy');
  const leaver = await learner('mary');
  const rotating = await learner('annie');
  const exp = JSON.parse(
    (await p1('/api/2.0/mlflow/experiments/create', owner, { name: 'learners/katherine' })).text,
  ) as { experiment_id: string };
  const grant = { username: 'dorothy', resource_type: 'experiment', resource_id: exp.experiment_id };
  expect(
    (await p1('/api/3.0/mlflow/users/permissions/grant', owner, { ...grant, permission: 'READ' })).status,
  ).toBe(200);
  const read = (auth: string) =>
    p1(`/api/2.0/mlflow/experiments/get?experiment_id=${exp.experiment_id}`, auth);
  const search = (auth: string) => p1('/api/2.0/mlflow/experiments/search?max_results=1', auth);
  // Every cache of P1 is warm for the four of them.
  expect((await read(reader)).status).toBe(200);
  expect((await search(leaver)).status).toBe(200);
  expect((await search(rotating)).status).toBe(200);

  // WHEN the changes are made on P2 (the replica the rotation function or the runbook reached) ...
  expect((await viaP2('/api/3.0/mlflow/users/permissions/revoke', owner, grant)).status).toBe(200);
  expect((await viaP2('/api/2.0/mlflow/users/delete', admin, { username: 'mary' }, 'DELETE')).status).toBe(
    200,
  );
  const newPassword = randomPassword();
  expect(
    (
      await viaP2(
        '/api/2.0/mlflow/users/update-password',
        admin,
        { username: 'annie', password: newPassword },
        'PATCH',
      )
    ).status,
  ).toBe(200);
  // ... P2 applies them at once ...
  expect(
    (await viaP2(`/api/2.0/mlflow/experiments/get?experiment_id=${exp.experiment_id}`, reader)).status,
  ).toBe(403);
  expect((await viaP2('/api/2.0/mlflow/experiments/search?max_results=1', leaver)).status).not.toBe(200);
  expect((await viaP2('/api/2.0/mlflow/experiments/search?max_results=1', rotating)).status).toBe(401);

  // THEN P1 stops honouring each within its bound (plus 2 s for polling and clocks).
  const [revoked, deleted, oldPassword] = await Promise.all([
    secondsUntil(async () => (await read(reader)).status === 403, MLFLOW_AUTHZ_CACHE_TTL_SECONDS + 2),
    secondsUntil(async () => (await search(leaver)).status !== 200, MLFLOW_AUTHZ_CACHE_TTL_SECONDS + 2),
    secondsUntil(async () => (await search(rotating)).status === 401, MLFLOW_AUTH_CACHE_TTL_SECONDS + 15),
  ]);
  console.log(
    `P1 applied: revoked grant after ${revoked} s, deleted user ${deleted} s, old password ${oldPassword} s`,
  );
  expect(revoked).toBeLessThanOrEqual(MLFLOW_AUTHZ_CACHE_TTL_SECONDS + 2);
  expect(deleted).toBeLessThanOrEqual(MLFLOW_AUTHZ_CACHE_TTL_SECONDS + 2);
  expect(oldPassword).toBeLessThanOrEqual(MLFLOW_AUTH_CACHE_TTL_SECONDS + 5);
  // and the new password works on both.
  expect((await search(basic('annie', newPassword))).status).toBe(200);
});

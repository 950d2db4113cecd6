/**
 * What a person's MLflow user holds besides its password (access.ts, through mlflow-api.ts),
 * against a small in-memory MLflow behind a loopback HTTP server: users with an admin flag,
 * experiments by name, per-user grants and a default permission, answering with MLflow's status
 * codes and error codes. The real MLflow is in test/integration/roster.test.ts.
 */
import { checkAccess, ensureAccess } from '../../../../constructs/mlflow-rotation/lambda/access';
import { RotationError } from '../../../../constructs/mlflow-rotation/lambda/errors';
import { MlflowApi } from '../../../../constructs/mlflow-rotation/lambda/mlflow-api';
import { RotationDeps } from '../../../../constructs/mlflow-rotation/lambda/types';
import { SecretKind } from '../../../../lib/core';
import { Received, Reply, startStub, StubServer } from './fakes';

const ADMIN = { username: 'admin', password: 'admin-password-0001' };
const GRACE = { username: 'grace-hopper', password: 'grace-password-0001' };
const ADA = { username: 'ada', password: 'ada-password-000001' };
const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cohort-lab/spring/x-AbCdEf';
const FIELDS = { secret: ARN, token: 't' };

/** The in-memory MLflow's state. */
interface State {
  users: Map<string, { password: string; isAdmin: boolean }>;
  experiments: Map<string, { id: string; stage: 'active' | 'deleted' }>;
  grants: Map<string, string>;
  defaultPermission: string;
  /** Answer experiments/create with RESOURCE_ALREADY_EXISTS after creating it (someone was faster). */
  createRace: boolean;
  /** Answers that replace the usual ones, by `METHOD /path`. */
  fail: Map<string, Reply>;
}

let state: State;
let server: StubServer;
let lines: string[];
let deps: RotationDeps;
let mlflow: MlflowApi;

const notFound = { status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } };
const exists = { status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS' } };

function answer(r: Received): Reply {
  const url = new URL(r.url, 'http://mlflow');
  const q = (k: string) => url.searchParams.get(k) ?? '';
  const body = (r.body ? JSON.parse(r.body) : {}) as Record<string, string | boolean>;
  const auth = Buffer.from((r.headers.authorization ?? '').slice(6), 'base64').toString();
  const caller = state.users.get(r.user ?? '');
  if (caller === undefined || `${r.user}:${caller.password}` !== auth) return { status: 401, body: 'no' };
  const permission = (user: string, id: string) =>
    state.grants.get(`${user}/${id}`) ?? state.defaultPermission;
  const route = `${r.method} ${url.pathname}`;
  const failure = state.fail.get(route);
  if (failure !== undefined) return failure;
  switch (route) {
    case 'GET /api/2.0/mlflow/users/get': {
      if (!caller.isAdmin && q('username') !== r.user) return { status: 403, body: 'Permission denied' };
      const user = state.users.get(q('username'));
      return user
        ? { status: 200, body: { user: { username: q('username'), is_admin: user.isAdmin } } }
        : notFound;
    }
    case 'GET /api/2.0/mlflow/experiments/get-by-name': {
      const e = state.experiments.get(q('experiment_name'));
      if (e === undefined) return notFound;
      if (!caller.isAdmin && permission(r.user!, e.id) === 'NO_PERMISSIONS') {
        return { status: 403, body: 'Permission denied' };
      }
      return { status: 200, body: { experiment: { experiment_id: e.id, lifecycle_stage: e.stage } } };
    }
    case 'GET /api/3.0/mlflow/users/permissions/get':
      return { status: 200, body: { permission: permission(q('username'), q('resource_id')) } };
  }
  if (!caller.isAdmin) return { status: 403, body: 'Permission denied' };
  switch (route) {
    case 'PATCH /api/2.0/mlflow/users/update-admin': {
      const user = state.users.get(String(body.username));
      if (user === undefined) return notFound;
      user.isAdmin = body.is_admin === true;
      return { status: 200, body: {} };
    }
    case 'POST /api/2.0/mlflow/experiments/create': {
      const name = String(body.name);
      if (state.experiments.has(name)) return exists;
      state.experiments.set(name, { id: String(state.experiments.size + 1), stage: 'active' });
      return state.createRace
        ? exists
        : { status: 200, body: { experiment_id: state.experiments.get(name)!.id } };
    }
    case 'POST /api/2.0/mlflow/experiments/restore': {
      const e = [...state.experiments.values()].find((x) => x.id === body.experiment_id);
      if (e === undefined) return notFound;
      e.stage = 'active';
      return { status: 200, body: {} };
    }
    case 'POST /api/3.0/mlflow/users/permissions/grant': {
      const key = `${body.username}/${body.resource_id}`;
      if (state.grants.has(key)) return exists;
      state.grants.set(key, String(body.permission));
      return { status: 200, body: {} };
    }
    case 'POST /api/3.0/mlflow/users/permissions/revoke':
      return state.grants.delete(`${body.username}/${body.resource_id}`)
        ? { status: 200, body: {} }
        : notFound;
  }
  return { status: 500, body: { error_code: 'UNEXPECTED' } };
}

/** The writes MLflow received since `mark` (method and path). */
function writesSince(mark: number): string[] {
  return server.received
    .slice(mark)
    .filter((r) => r.method !== 'GET')
    .map((r) => `${r.method} ${r.url}`);
}

beforeAll(async () => {
  server = await startStub((r) => answer(r));
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => {
  state = {
    users: new Map([
      [ADMIN.username, { password: ADMIN.password, isAdmin: true }],
      [GRACE.username, { password: GRACE.password, isAdmin: false }],
      [ADA.username, { password: ADA.password, isAdmin: false }],
    ]),
    experiments: new Map(),
    grants: new Map(),
    defaultPermission: 'NO_PERMISSIONS',
    createRace: false,
    fail: new Map(),
  };
  lines = [];
  deps = {
    secrets: undefined as never,
    mlflowUrl: server.url,
    adminSecretId: 'admin',
    log: (_level, message) => lines.push(message),
  };
  mlflow = new MlflowApi(deps);
});

const ensureLearner = () => ensureAccess(deps, mlflow, ADMIN, SecretKind.MLFLOW_USER, GRACE.username, FIELDS);
const ensureInstructor = () =>
  ensureAccess(deps, mlflow, ADMIN, SecretKind.MLFLOW_INSTRUCTOR, ADA.username, FIELDS);

describe('a learner', () => {
  test('gets the personal experiment learners/<slug>, created by the admin, with MANAGE', async () => {
    // GIVEN a learner with no experiment, under NO_PERMISSIONS
    // WHEN the access is ensured
    await ensureLearner();
    // THEN the experiment exists and the learner holds MANAGE on it; the learner is no admin
    expect(state.experiments.get('learners/grace-hopper')).toEqual({ id: '1', stage: 'active' });
    expect(state.grants).toEqual(new Map([['grace-hopper/1', 'MANAGE']]));
    expect(state.users.get(GRACE.username)?.isAdmin).toBe(false);
    expect(lines).toEqual([
      'setSecret: created the personal experiment',
      'setSecret: granted MANAGE on the personal experiment',
    ]);
    // AND the learner, as itself, passes the check
    await expect(checkAccess(mlflow, GRACE, SecretKind.MLFLOW_USER, ARN)).resolves.toBeUndefined();
  });

  test('a second time (a retried token, the next rotation) changes nothing', async () => {
    // GIVEN the access was ensured once
    await ensureLearner();
    const mark = server.received.length;
    lines.length = 0;
    // WHEN it is ensured again
    await ensureLearner();
    // THEN the only write is the grant MLflow refuses as existing; nothing was logged as changed
    expect(writesSince(mark)).toEqual(['POST /api/3.0/mlflow/users/permissions/grant']);
    expect(lines).toEqual([]);
  });

  test('a learner who was an MLflow admin (moved from the instructors) is one no more', async () => {
    // GIVEN a learner who is an MLflow admin WHEN the access is ensured THEN no admin any more
    state.users.get(GRACE.username)!.isAdmin = true;
    await ensureLearner();
    expect(state.users.get(GRACE.username)?.isAdmin).toBe(false);
    expect(lines[0]).toBe('setSecret: the learner is no MLflow admin any more');
  });

  test('a deleted personal experiment is restored, its id kept', async () => {
    // GIVEN the learner deleted the experiment
    await ensureLearner();
    state.experiments.get('learners/grace-hopper')!.stage = 'deleted';
    // WHEN / THEN it is restored
    await ensureLearner();
    expect(state.experiments.get('learners/grace-hopper')).toEqual({ id: '1', stage: 'active' });
    expect(lines).toContain('setSecret: restored the deleted personal experiment');
  });

  test('a weaker grant on the experiment is replaced by MANAGE', async () => {
    // GIVEN the learner holds only READ on an existing experiment
    state.experiments.set('learners/grace-hopper', { id: '7', stage: 'active' });
    state.grants.set('grace-hopper/7', 'READ');
    // WHEN / THEN
    await ensureLearner();
    expect(state.grants.get('grace-hopper/7')).toBe('MANAGE');
    expect(lines).toEqual(['setSecret: replaced a grant on the personal experiment by MANAGE']);
  });

  test('an experiment created meanwhile by someone else is read back', async () => {
    // GIVEN experiments/create answers RESOURCE_ALREADY_EXISTS WHEN ensured THEN the experiment is read back and granted
    state.createRace = true;
    await ensureLearner();
    expect(state.grants).toEqual(new Map([['grace-hopper/1', 'MANAGE']]));
    expect(lines).toEqual(['setSecret: granted MANAGE on the personal experiment']);
  });

  test('fails when MLflow refuses the admin', async () => {
    // GIVEN credentials MLflow does not take for the admin
    const wrong = { username: ADMIN.username, password: 'not-the-admin-password' };
    // WHEN / THEN
    await expect(
      ensureAccess(deps, mlflow, wrong, SecretKind.MLFLOW_USER, GRACE.username, FIELDS),
    ).rejects.toThrow(
      new RotationError("setSecret: MLflow refused the admin's look-up of user grace-hopper"),
    );
  });

  test("fails when MLflow refuses a call, with MLflow's status and error code but not its message", async () => {
    // GIVEN MLflow refuses grants
    state.fail.set('POST /api/3.0/mlflow/users/permissions/grant', {
      status: 400,
      body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'anything MLflow says' },
    });
    // WHEN / THEN
    await expect(ensureLearner()).rejects.toThrow(
      new RotationError('MLflow answered 400 (INVALID_PARAMETER_VALUE) to users/permissions/grant'),
    );
  });

  test('fails the check when the learner has no personal experiment', async () => {
    // GIVEN no personal experiment WHEN checked as the learner THEN refused
    await expect(checkAccess(mlflow, GRACE, SecretKind.MLFLOW_USER, ARN)).rejects.toThrow(
      new RotationError(`testSecret: the learner of ${ARN} has no active experiment learners/grace-hopper`),
    );
  });

  test('fails the check when the learner holds less than MANAGE', async () => {
    // GIVEN the learner holds EDIT WHEN checked THEN refused
    state.experiments.set('learners/grace-hopper', { id: '7', stage: 'active' });
    state.grants.set('grace-hopper/7', 'EDIT');
    await expect(checkAccess(mlflow, GRACE, SecretKind.MLFLOW_USER, ARN)).rejects.toThrow(
      new RotationError(`testSecret: the learner of ${ARN} holds EDIT on learners/grace-hopper, not MANAGE`),
    );
  });

  test('fails the check when the password does not log in', async () => {
    // GIVEN a wrong password WHEN checked THEN refused
    await expect(
      checkAccess(mlflow, { ...GRACE, password: 'wrong-password-01' }, SecretKind.MLFLOW_USER, ARN),
    ).rejects.toThrow(
      new RotationError(`testSecret: the pending password of ${ARN} does not log in to MLflow`),
    );
  });
});

describe('an instructor', () => {
  test('is made an MLflow admin, once, and gets no personal experiment', async () => {
    // GIVEN an instructor who is no admin yet; WHEN the access is ensured twice
    await ensureInstructor();
    const mark = server.received.length;
    await ensureInstructor();
    // THEN the instructor is an admin, made so once, and no experiment was created
    expect(state.users.get(ADA.username)?.isAdmin).toBe(true);
    expect(lines).toEqual(['setSecret: made the instructor an MLflow admin']);
    expect(writesSince(mark)).toEqual([]);
    expect(state.experiments.size).toBe(0);
    await expect(checkAccess(mlflow, ADA, SecretKind.MLFLOW_INSTRUCTOR, ARN)).resolves.toBeUndefined();
  });

  test('fails the check when the instructor is no MLflow admin', async () => {
    // GIVEN an instructor who is no admin WHEN checked THEN refused
    await expect(checkAccess(mlflow, ADA, SecretKind.MLFLOW_INSTRUCTOR, ARN)).rejects.toThrow(
      new RotationError(`testSecret: the instructor of ${ARN} is not an MLflow admin`),
    );
  });
});

/**
 * A cohort's roster through the shared rotation function, against a real MLflow server (from the
 * demo cohort's manifest, with `default_permission = NO_PERMISSIONS`) and moto's Secrets Manager
 * and Cognito (cognito-idp): every person's MLflow user from their secret's first rotation (as
 * the `rotateImmediatelyOnUpdate` schedule does at deploy), their Cognito user from a member
 * Create, and a person taken off the roster by a member Delete.
 *
 * What stands in for what, beyond test/integration/rotation.test.ts (which says how secrets,
 * rotation orchestration and the load balancer are stood in for):
 * - CloudFormation's custom-resource requests: events built here as CloudFormation sends them,
 *   with a ResponseURL on a loopback HTTP server that records the PUT responses (as S3 would);
 * - the Lambda entry point: the Delete goes through `handler` itself, with the SDK clients pointed
 *   at moto through AWS_ENDPOINT_URL and its log lines (console.log) collected as CloudWatch would.
 *
 * Longer than 300 lines on purpose: moto, MLflow and the roster are set up once, and each case
 * builds on the roster the first provisioned.
 */
import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolCommand,
  ListUsersInGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'crypto';
import { createServer, Server } from 'http';
import { mkdtempSync, readFileSync } from 'fs';
import { AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  handler,
  makeHandler,
  makeMemberHandler,
  MemberDeps,
  MemberEvent,
  RotationEvent,
} from '../../constructs/mlflow-rotation/lambda';
import { CfnResponse } from '../../constructs/mlflow-rotation/lambda/cfn-response';
import {
  COHORT_GROUPS,
  MLFLOW_ADMIN_USERNAME,
  personalExperimentName,
  PersonRole,
  RosterRole,
  SECRET_KIND_TAG,
  SecretKind,
  secretNames,
} from '../../lib/core';
import { REPO_ROOT } from '../../lib/local/container';
import { MLFLOW_PYTHON, MlflowDeployment } from '../../lib/local/mlflow';
import { rawLogsIn, runToCompletion } from '../../lib/local/processes';
import { Moto, randomPassword, startMoto } from '../../lib/local/services';

const STEPS: readonly RotationEvent['Step'][] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
const LEARNERS = 20;
const INSTRUCTORS = 2;
/** Rotations at once, as Secrets Manager starts each secret's rotation on its own at deploy. */
const CONCURRENCY = 4;
const names = secretNames(`it-roster-${randomPassword(3)}`);

interface Person {
  readonly slug: string;
  readonly email: string;
  readonly role: RosterRole;
  arn: string;
}

const roster: Person[] = [
  ...Array.from({ length: LEARNERS }, (_, i) => ({
    slug: `learner-${String(i + 1).padStart(2, '0')}`,
    role: PersonRole.LEARNER,
  })),
  ...Array.from({ length: INSTRUCTORS }, (_, i) => ({
    slug: `instructor-${i + 1}`,
    role: PersonRole.INSTRUCTOR,
  })),
].map((p) => ({ ...p, email: `${p.slug}@cohort-lab.example`, arn: '' }));
const learners = roster.filter((p) => p.role === 'learner');
const instructors = roster.filter((p) => p.role === 'instructor');
const [learnerA, learnerB] = learners;
const [instructor] = instructors;

let moto: Moto;
let sm: SecretsManagerClient;
let idp: CognitoIdentityProviderClient;
let mlflow: MlflowDeployment | undefined;
let adminArn: string;
let userPoolId: string;
let responses: ResponseServer;
let deps: MemberDeps;
let root: string;

/** Every line the function logged (and every error it threw), as CloudWatch would hold them. */
const functionLog: string[] = [];
/** Output of the processes the test ran besides MLflow (the learner's MLflow client). */
const clientLogDir = mkdtempSync(join(tmpdir(), 'cohortlab-roster-logs-'));
/** Each learner's run, by slug: experiment id and run id. */
const runs = new Map<string, { experimentId: string; runId: string }>();

interface ResponseServer {
  readonly url: string;
  /** The responses CloudFormation received, by RequestId, with the request's path. */
  readonly received: Map<string, { path: string; contentType: string | undefined; body: CfnResponse }>;
  close(): Promise<void>;
}

/** CloudFormation's response URLs: a loopback server that records each PUT, as S3 stores it. */
async function startResponseServer(): Promise<ResponseServer> {
  const received: ResponseServer['received'] = new Map();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as CfnResponse;
      received.set(body.RequestId, { path: req.url ?? '', contentType: req.headers['content-type'], body });
      res.writeHead(req.method === 'PUT' ? 200 : 405);
      res.end();
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

const logger: MemberDeps['log'] = (level, message, fields) =>
  functionLog.push(JSON.stringify({ level, message, ...fields }));

async function rotate(arn: string, token: string = randomUUID(), steps = STEPS): Promise<void> {
  const rotateStep = makeHandler(deps);
  for (const Step of steps) {
    try {
      await rotateStep({ SecretId: arn, ClientRequestToken: token, Step });
    } catch (err) {
      functionLog.push(JSON.stringify({ level: 'error', errorMessage: (err as Error).message, step: Step }));
      throw err;
    }
  }
}

/** A secret as CohortSecrets creates it: its kind tag, rotation on, one generated value. */
async function createRotatingSecret(name: string, kind: SecretKind, value: Record<string, string>) {
  const { ARN } = await sm.send(
    new CreateSecretCommand({ Name: name, Tags: [{ Key: SECRET_KIND_TAG, Value: kind }] }),
  );
  await sm.send(
    new RotateSecretCommand({
      SecretId: ARN,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: false,
    }),
  );
  await sm.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: JSON.stringify(value) }));
  return ARN!;
}

async function current(arn: string): Promise<{ username: string; password: string }> {
  const { SecretString } = await sm.send(
    new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSCURRENT' }),
  );
  return JSON.parse(SecretString!) as { username: string; password: string };
}

function basic(user: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
}

/** One MLflow REST call as `user`: the status and the JSON body (if any). */
async function api(
  user: { username: string; password: string },
  path: string,
  body?: Record<string, unknown>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${mlflow!.url}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: basic(user), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // 401 and 403 are plain text
  }
  return { status: res.status, json };
}

const login = async (p: Person) =>
  (await api(await current(p.arn), `/api/2.0/mlflow/users/get?username=${p.slug}`)).status;

function memberEvent(
  type: 'Create' | 'Delete',
  p: Person,
): MemberEvent & { ResponseURL: string; RequestId: string } {
  const RequestId = randomUUID();
  const base = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:rotation',
    ResponseURL: `${responses.url}/cfn-responses/${RequestId}?X-Amz-Signature=${randomPassword(8)}`,
    StackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/cohortlab-it-${p.slug}/${randomUUID()}`,
    RequestId,
    LogicalResourceId: 'Member',
    ResourceType: 'Custom::CohortLabRosterMember',
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:rotation',
      Slug: p.slug,
      Email: p.email,
      Role: p.role,
      UserPoolId: userPoolId,
    },
  };
  return type === 'Create'
    ? { ...base, RequestType: 'Create' }
    : { ...base, RequestType: 'Delete', PhysicalResourceId: `member/${p.slug}` };
}

/** Run `task` over `items`, `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

/** Every value ever stored in a test secret (all versions), and MLflow's service secrets. */
async function secretValues(): Promise<string[]> {
  const values = new Set<string>(mlflow?.serviceSecretValues() ?? []);
  for (const arn of [adminArn, ...roster.map((p) => p.arn)].filter(Boolean)) {
    const { Versions } = await sm.send(
      new ListSecretVersionIdsCommand({ SecretId: arn, IncludeDeprecated: true }),
    );
    for (const { VersionId } of Versions ?? []) {
      const { SecretString } = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId }));
      values.add(SecretString!);
      values.add((JSON.parse(SecretString!) as { password: string }).password);
    }
  }
  return [...values];
}

beforeAll(async () => {
  moto = await startMoto();
  const aws = {
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  sm = new SecretsManagerClient(aws);
  idp = new CognitoIdentityProviderClient(aws);
  const adminPassword = randomPassword();
  adminArn = await createRotatingSecret(names.mlflowAdmin, SecretKind.MLFLOW_ADMIN, {
    username: MLFLOW_ADMIN_USERNAME,
    password: adminPassword,
  });
  mlflow = await MlflowDeployment.create({
    moto,
    bucket: 'cohortlab-it-roster',
    adminPassword,
    rolePrefix: 'roster_it',
    defaultPermission: 'NO_PERMISSIONS',
  });
  // The pool as CohortIdentity makes it: sign-in by user name or email, the two groups.
  const { UserPool } = await idp.send(
    new CreateUserPoolCommand({
      PoolName: 'cohort-lab-it-roster',
      AliasAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
    }),
  );
  userPoolId = UserPool!.Id!;
  for (const GroupName of Object.values(COHORT_GROUPS)) {
    await idp.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName }));
  }
  responses = await startResponseServer();
  deps = {
    secrets: sm,
    cognito: idp,
    mlflowUrl: mlflow.url,
    adminSecretId: adminArn,
    httpTimeoutMs: 10_000,
    log: logger,
  };
  root = mkdtempSync(join(tmpdir(), 'cohortlab-roster-home-'));
}, 180_000);

afterAll(async () => {
  await responses?.close();
  await mlflow?.close();
  await moto?.process.stop();
}, 60_000);

describe('a roster of 20 learners and 2 instructors under default_permission = NO_PERMISSIONS', () => {
  test("everyone's secret rotates for the first time: MLflow users, learners' experiments, instructors as admins", async () => {
    // GIVEN each person's secret as the stack creates it (a generated password MLflow does not know)
    for (const p of roster) {
      const kind = p.role === 'learner' ? SecretKind.MLFLOW_USER : SecretKind.MLFLOW_INSTRUCTOR;
      const name = p.role === 'learner' ? names.learnerMlflow(p.slug) : names.instructorMlflow(p.slug);
      p.arn = await createRotatingSecret(name, kind, { username: p.slug, password: randomPassword() });
    }
    // WHEN Secrets Manager rotates them all at deploy, a few at a time
    const durations: number[] = [];
    const started = Date.now();
    await pool(roster, CONCURRENCY, async (p) => {
      const t0 = Date.now();
      await rotate(p.arn);
      durations.push(Date.now() - t0);
    });
    const total = Date.now() - started;
    durations.sort((a, b) => a - b);
    console.log(
      `${roster.length} first rotations (${LEARNERS} learners, ${INSTRUCTORS} instructors), ${CONCURRENCY} at a time: ` +
        `${(total / 1000).toFixed(1)} s in all, per rotation median ${durations[durations.length >> 1]} ms, ` +
        `max ${durations[durations.length - 1]} ms`,
    );
    // THEN every AWSCURRENT logs in; each learner has the personal experiment with MANAGE, no admin flag
    const admin = await current(adminArn);
    for (const p of roster) {
      expect({ slug: p.slug, login: await login(p) }).toEqual({ slug: p.slug, login: 200 });
      const user = await api(admin, `/api/2.0/mlflow/users/get?username=${p.slug}`);
      expect({ slug: p.slug, user: user.json.user }).toEqual({
        slug: p.slug,
        user: expect.objectContaining({ username: p.slug, is_admin: p.role === 'instructor' }),
      });
    }
    for (const p of learners) {
      const e = await api(
        admin,
        `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${personalExperimentName(p.slug)}`,
      );
      const id = (e.json.experiment as { experiment_id: string }).experiment_id;
      const q = new URLSearchParams({ username: p.slug, resource_type: 'experiment', resource_id: id });
      expect(
        (await api(admin, `/api/3.0/mlflow/users/permissions/get?${q.toString()}`)).json.permission,
      ).toBe('MANAGE');
    }
    // AND instructors have no personal experiment
    const none = await api(
      admin,
      `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${personalExperimentName(instructor.slug)}`,
    );
    expect(none.status).toBe(404);
  }, 120_000);

  test('every learner logs a run in their personal experiment with their own password, naming no other experiment', async () => {
    for (const p of learners) {
      // GIVEN the learner's AWSCURRENT credentials (what ESO puts in their namespace)
      const me = await current(p.arn);
      // THEN the Default experiment is refused (NO_PERMISSIONS is in force) ...
      expect((await api(me, '/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default')).status).toBe(
        403,
      );
      // WHEN the learner finds MLFLOW_EXPERIMENT_NAME's experiment and logs a run in it
      const found = await api(
        me,
        `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${personalExperimentName(p.slug)}`,
      );
      expect(found.status).toBe(200);
      const experimentId = (found.json.experiment as { experiment_id: string }).experiment_id;
      const created = await api(me, '/api/2.0/mlflow/runs/create', {
        experiment_id: experimentId,
        start_time: Date.now(),
      });
      expect(created.status).toBe(200);
      const runId = (created.json.run as { info: { run_id: string } }).info.run_id;
      const metric = { run_id: runId, key: 'accuracy', value: 0.9, timestamp: Date.now(), step: 0 };
      expect((await api(me, '/api/2.0/mlflow/runs/log-metric', metric)).status).toBe(200);
      expect(
        (await api(me, '/api/2.0/mlflow/runs/update', { run_id: runId, status: 'FINISHED' })).status,
      ).toBe(200);
      runs.set(p.slug, { experimentId, runId });
    }
    expect(runs.size).toBe(LEARNERS);
  }, 60_000);

  test("a learner's MLflow client needs only MLFLOW_EXPERIMENT_NAME for a first run", async () => {
    // GIVEN the environment the learner's namespace sets (the password in the environment, not argv)
    const me = await current(learnerB.arn);
    const script =
      'import json, mlflow\n' +
      'with mlflow.start_run() as run:\n' +
      '    mlflow.log_metric("loss", 0.1)\n' +
      'print(json.dumps({"experiment_id": run.info.experiment_id, "run_id": run.info.run_id}))\n';
    // WHEN the learner's code starts a run without choosing an experiment
    const out = await runToCompletion(
      'learner-client',
      {
        command: MLFLOW_PYTHON,
        args: ['-c', script],
        env: {
          PATH: `${join(REPO_ROOT, '.venvs', 'mlflow', 'bin')}:${process.env.PATH}`,
          HOME: root,
          MLFLOW_TRACKING_URI: mlflow!.url,
          MLFLOW_TRACKING_USERNAME: me.username,
          MLFLOW_TRACKING_PASSWORD: me.password,
          MLFLOW_EXPERIMENT_NAME: personalExperimentName(learnerB.slug),
          MLFLOW_DISABLE_TELEMETRY: 'true',
        },
        cwd: root,
        mounts: {},
      },
      clientLogDir,
      [me.password],
    );
    // THEN the run is in the personal experiment
    const result = JSON.parse(out.trim().split('\n').pop()!) as { experiment_id: string };
    expect(result.experiment_id).toBe(runs.get(learnerB.slug)!.experimentId);
  }, 60_000);

  test("a learner cannot read another learner's experiment or runs; an instructor reads and manages both", async () => {
    const a = await current(learnerA.arn);
    const teacher = await current(instructor.arn);
    const runA = runs.get(learnerA.slug)!;
    const runB = runs.get(learnerB.slug)!;
    // WHEN learner A asks for B's experiment, B's run, or to grant on B's experiment THEN 403
    expect((await api(a, `/api/2.0/mlflow/experiments/get?experiment_id=${runB.experimentId}`)).status).toBe(
      403,
    );
    expect((await api(a, `/api/2.0/mlflow/runs/get?run_id=${runB.runId}`)).status).toBe(403);
    const grantOnB = {
      username: learnerA.slug,
      resource_type: 'experiment',
      resource_id: runB.experimentId,
      permission: 'READ',
    };
    expect((await api(a, '/api/3.0/mlflow/users/permissions/grant', grantOnB)).status).toBe(403);
    // AND searching shows A only A's own experiment
    const search = await api(a, '/api/2.0/mlflow/experiments/search', { max_results: 100 });
    expect((search.json.experiments as Array<{ name: string }>).map((e) => e.name)).toEqual([
      personalExperimentName(learnerA.slug),
    ]);
    // WHEN an instructor reads both THEN 200
    for (const run of [runA, runB]) {
      expect(
        (await api(teacher, `/api/2.0/mlflow/experiments/get?experiment_id=${run.experimentId}`)).status,
      ).toBe(200);
      expect((await api(teacher, `/api/2.0/mlflow/runs/get?run_id=${run.runId}`)).status).toBe(200);
    }
    // AND manages them: tags B's run, grants A read access to B's experiment and takes it back
    const tag = { run_id: runB.runId, key: 'reviewed-by', value: instructor.slug };
    expect((await api(teacher, '/api/2.0/mlflow/runs/set-tag', tag)).status).toBe(200);
    expect((await api(teacher, '/api/3.0/mlflow/users/permissions/grant', grantOnB)).status).toBe(200);
    expect((await api(a, `/api/2.0/mlflow/runs/get?run_id=${runB.runId}`)).status).toBe(200);
    const revoke = { username: learnerA.slug, resource_type: 'experiment', resource_id: runB.experimentId };
    expect((await api(teacher, '/api/3.0/mlflow/users/permissions/revoke', revoke)).status).toBe(200);
    expect((await api(a, `/api/2.0/mlflow/runs/get?run_id=${runB.runId}`)).status).toBe(403);
  }, 60_000);

  test('a retried first rotation whose grant was lost still ends with MANAGE on the personal experiment', async () => {
    // GIVEN a new learner whose rotation set the password, then lost the grant (a crash mid-way)
    const late: Person = {
      slug: 'learner-late',
      email: 'learner-late@cohort-lab.example',
      role: PersonRole.LEARNER,
      arn: '',
    };
    late.arn = await createRotatingSecret(names.learnerMlflow(late.slug), SecretKind.MLFLOW_USER, {
      username: late.slug,
      password: randomPassword(),
    });
    roster.push(late);
    const token = randomUUID();
    await rotate(late.arn, token, ['createSecret', 'setSecret']);
    const admin = await current(adminArn);
    const e = await api(
      admin,
      `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${personalExperimentName(late.slug)}`,
    );
    const id = (e.json.experiment as { experiment_id: string }).experiment_id;
    const revoke = { username: late.slug, resource_type: 'experiment', resource_id: id };
    expect((await api(admin, '/api/3.0/mlflow/users/permissions/revoke', revoke)).status).toBe(200);
    // WHEN Secrets Manager retries the rotation with the same token
    const mark = functionLog.length;
    await rotate(late.arn, token);
    // THEN setSecret found the password set and still granted MANAGE; the rotation finished
    const lines = functionLog.slice(mark).join('\n');
    expect(lines).toContain('setSecret: pending password already works');
    expect(lines).toContain('setSecret: granted MANAGE on the personal experiment');
    const q = new URLSearchParams({ username: late.slug, resource_type: 'experiment', resource_id: id });
    expect((await api(admin, `/api/3.0/mlflow/users/permissions/get?${q.toString()}`)).json.permission).toBe(
      'MANAGE',
    );
    expect(await login(late)).toBe(200);
  }, 60_000);

  test("member Create events put everyone in Cognito, in their role's group with the roster's email", async () => {
    // WHEN CloudFormation creates every member (a few at a time)
    const events = roster.map((p) => ({ p, event: memberEvent('Create', p) }));
    await pool(events, CONCURRENCY, async ({ event }) => makeMemberHandler(deps)(event));
    // THEN every response says SUCCESS with the member's id and data, PUT with an empty content type
    for (const { p, event } of events) {
      const got = responses.received.get(event.RequestId);
      expect(got?.path).toBe(new URL(event.ResponseURL).pathname + new URL(event.ResponseURL).search);
      expect(got?.contentType).toBe('');
      expect(got?.body).toEqual({
        Status: 'SUCCESS',
        PhysicalResourceId: `member/${p.slug}`,
        Data: { Username: p.slug, Group: p.role === 'learner' ? 'learners' : 'instructors' },
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: 'Member',
      });
    }
    // AND the groups hold exactly the roster's learners and instructors
    for (const [role, group] of [
      ['learner', COHORT_GROUPS.learners],
      ['instructor', COHORT_GROUPS.instructors],
    ] as const) {
      const { Users } = await idp.send(
        new ListUsersInGroupCommand({ UserPoolId: userPoolId, GroupName: group }),
      );
      expect((Users ?? []).map((u) => u.Username).sort()).toEqual(
        roster
          .filter((p) => p.role === role)
          .map((p) => p.slug)
          .sort(),
      );
    }
    // AND each user has the roster's email, verified
    for (const p of roster) {
      const user = await idp.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: p.slug }));
      const attrs = Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name, a.Value]));
      expect({ slug: p.slug, email: attrs.email, verified: attrs.email_verified }).toEqual({
        slug: p.slug,
        email: p.email,
        verified: 'true',
      });
    }
  }, 60_000);

  test("a member Delete for learner A (through the Lambda entry) removes A's MLflow and Cognito users and nothing else", async () => {
    // GIVEN the Lambda's environment, its SDK clients pointed at moto, its log lines collected
    const env = {
      MLFLOW_URL: mlflow!.url,
      ADMIN_SECRET_ID: adminArn,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      functionLog.push(args.map(String).join(' '));
    });
    const aPassword = await current(learnerA.arn);
    try {
      // WHEN CloudFormation deletes A's member, and repeats the request
      const first = memberEvent('Delete', learnerA);
      await handler(first);
      const again = memberEvent('Delete', learnerA);
      await handler(again);
      // THEN both answers are SUCCESS under A's id
      for (const e of [first, again]) {
        expect(responses.received.get(e.RequestId)?.body).toMatchObject({
          Status: 'SUCCESS',
          PhysicalResourceId: `member/${learnerA.slug}`,
        });
      }
    } finally {
      log.mockRestore();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    // AND A's password no longer logs in, and A's Cognito user is gone
    expect((await api(aPassword, `/api/2.0/mlflow/users/get?username=${learnerA.slug}`)).status).toBe(401);
    await expect(
      idp.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: learnerA.slug })),
    ).rejects.toThrow(expect.objectContaining({ name: 'UserNotFoundException' }));
    // AND everyone else still logs in and is still in Cognito
    for (const p of roster.filter((x) => x !== learnerA)) {
      expect({ slug: p.slug, login: await login(p) }).toEqual({ slug: p.slug, login: 200 });
    }
    const { Users } = await idp.send(
      new ListUsersInGroupCommand({ UserPoolId: userPoolId, GroupName: COHORT_GROUPS.learners }),
    );
    expect(Users).toHaveLength(learners.length); // 20 - A + learner-late
    // AND A's experiment and run are still there, active, and the instructor reads them
    const teacher = await current(instructor.arn);
    const runA = runs.get(learnerA.slug)!;
    const experiment = await api(
      teacher,
      `/api/2.0/mlflow/experiments/get?experiment_id=${runA.experimentId}`,
    );
    expect((experiment.json.experiment as { lifecycle_stage: string }).lifecycle_stage).toBe('active');
    const run = await api(teacher, `/api/2.0/mlflow/runs/get?run_id=${runA.runId}`);
    expect((run.json.run as { info: { status: string } }).info.status).toBe('FINISHED');
    // AND the function logged the deletions through its JSON log lines
    const lines = functionLog.join('\n');
    expect(lines).toContain('"message":"roster member: deleted the MLflow user"');
    expect(lines).toContain('"message":"roster member: no MLflow user to delete"');
  }, 60_000);

  test("no secret value is in the function's log lines, the responses, or any process log", async () => {
    // GIVEN every value any secret ever held, and MLflow's service secrets
    const values = await secretValues();
    expect(values.length).toBeGreaterThan(roster.length * 2);
    const leaks = (text: string) => values.filter((v) => v.length >= 8 && text.includes(v)).length;
    // THEN none of them is in what was logged or answered (the search finds what is there)
    const fnLog = functionLog.join('\n');
    expect(fnLog).toContain('rotation step done');
    expect(leaks(fnLog)).toBe(0);
    expect(leaks(JSON.stringify([...responses.received.values()]))).toBe(0);
    const processLogs = [
      mlflow!.rawLogs(),
      ...Object.values(rawLogsIn(clientLogDir)),
      readFileSync(moto.process.logFile, 'utf8'),
    ].join('\n');
    expect(processLogs.length).toBeGreaterThan(0);
    expect(leaks(processLogs)).toBe(0);
    // AND the function never logged an email address (personal data)
    expect(fnLog).not.toContain('@cohort-lab.example');
  }, 60_000);
});

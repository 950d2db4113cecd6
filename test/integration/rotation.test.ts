/**
 * The cohort's shared rotation function (constructs/mlflow-rotation/lambda/) against moto's
 * Secrets Manager and a real MLflow server started from the synthesised manifest (bootstrap Job,
 * `sync-admin` init container, server: lib/local/mlflow.ts).
 *
 * What stands in for what (said plainly):
 * - Secrets Manager's rotation orchestration. moto's RotateSecret with a Lambda ARN would invoke the
 *   function through moto's Docker Lambda, which cannot run here. So a secret is created without a
 *   value, RotateSecret with RotationRules {AutomaticallyAfterDays: 30}, RotateImmediately false and
 *   no Lambda ARN turns RotationEnabled on (moto adds no version to a secret that has none; on one
 *   that has a value it would copy the value into a new AWSCURRENT version), then PutSecretValue
 *   stores the first value: exactly one version, AWSCURRENT. `rotate()` then does what Secrets
 *   Manager does: a fresh ClientRequestToken (uuid) and the four steps in order, each one handler
 *   call; a failed rotation is retried with the same token from createSecret, as Secrets Manager
 *   retries "the entire rotation process". Real Secrets Manager registers the token before
 *   createSecret; the function also accepts a token not registered yet, so that is skipped.
 * - The internal load balancer in front of MLflow: an ingress proxy that rewrites Host. MLflow's
 *   `--allowed-hosts` accepts only the Ingress host name or the in-cluster service name, and the
 *   function calls `mlflowUrl` with plain fetch, so `mlflowUrl` is the proxy. While the server is
 *   stopped the proxy answers 502, as a load balancer with no healthy target does.
 * - A pod restart: `sync-admin` with the admin secret's AWSCURRENT value (what ESO syncs into the
 *   Kubernetes Secret), then the server.
 * - CloudWatch Logs: an injected logger collects the function's lines; an error the function
 *   throws is collected too (Lambda logs it).
 *
 * MLflow caches a verified credential per worker for 60 s (auth_cache_ttl_seconds), so an old
 * password could keep working for up to 60 s; but users/update-password drops the user's entries
 * on the worker that handled it, and the chart (and this harness) run one worker per pod, so here
 * an old password must be refused at once. The tests check that rather than assume it.
 *
 * Longer than 300 lines on purpose: moto, the MLflow server and its databases start once for all
 * the cases, and the cases share this file's harness (faults, invariants, the function's log).
 */
import { randomBytes, randomUUID } from 'crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { makeHandler, RotationEvent } from '../../constructs/mlflow-rotation/lambda';
import { MLFLOW_ADMIN_USERNAME, SECRET_KIND_TAG, SecretKind, secretNames } from '../../lib/core';
import { MlflowDeployment } from '../../lib/local/mlflow';
import { freePort } from '../../lib/local/processes';
import { Moto, randomPassword, startMoto } from '../../lib/local/services';

type Step = RotationEvent['Step'];
type Stage = 'AWSCURRENT' | 'AWSPENDING' | 'AWSPREVIOUS';
type Value = Record<string, string>;

const STEPS: readonly Step[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
const names = secretNames(`it-rotation-${randomPassword(3)}`);

let moto: Moto;
let sm: SecretsManagerClient;
let mlflow: MlflowDeployment | undefined;
let adminArn: string;
let invoke: Invoker;

/** Every line the function logged, and every error it threw, as CloudWatch would hold them. */
const functionLog: string[] = [];
/** Every secret the tests created (for the label invariants), by ARN. */
const allSecrets = new Set<string>();
/** Secrets whose AWSCURRENT must log in to MLflow after every case. */
const loginSecrets = new Set<string>();
/** Every value ever stored in a test secret (kept here too: a deleted secret cannot be read). */
const everStored = new Set<string>();

type Invoker = (secretId: string, token: string, step: Step) => Promise<void>;

/**
 * A fault in the function's next call of one Secrets Manager API: `before` fails the call before it
 * leaves the function (throttled, timed out on the way out), `after` lets Secrets Manager apply it
 * and loses the response (the function dies or times out before it hears back).
 */
interface Fault {
  readonly command: 'PutSecretValueCommand' | 'UpdateSecretVersionStageCommand';
  readonly when: 'before' | 'after';
}

/** A client on moto like `sm` whose next call of `fault.command` fails as the fault says, once. */
function faultyClient(fault: Fault): { client: SecretsManagerClient; fired: () => boolean } {
  const client = new SecretsManagerClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  let fired = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (fired || context.commandName !== fault.command) return next(args);
      fired = true;
      if (fault.when === 'before')
        throw new Error(`injected: ${fault.command} failed before reaching Secrets Manager`);
      await next(args);
      throw new Error(`injected: the response to ${fault.command} was lost`);
    },
    { step: 'initialize', name: 'injectFault' },
  );
  return { client, fired: () => fired };
}

/** The function as Lambda runs it, with its log lines and errors collected. */
function functionAt(mlflowUrl: string, secrets: SecretsManagerClient = sm): Invoker {
  const handler = makeHandler({
    secrets,
    mlflowUrl,
    adminSecretId: adminArn,
    httpTimeoutMs: 5_000,
    log: (level, message, fields) => functionLog.push(JSON.stringify({ level, message, ...fields })),
  });
  return async (SecretId, ClientRequestToken, Step) => {
    try {
      await handler({ SecretId, ClientRequestToken, Step });
    } catch (err) {
      const { name, message } = err as Error;
      functionLog.push(
        JSON.stringify({ level: 'error', errorType: name, errorMessage: message, step: Step }),
      );
      throw err;
    }
  };
}

/** One rotation as Secrets Manager runs it: the same token through `steps` in order. */
async function rotate(arn: string, token: string = randomUUID(), steps: readonly Step[] = STEPS) {
  for (const step of steps) {
    await invoke(arn, token, step);
  }
  return token;
}

/** Log lines written since `mark` (an index into {@link functionLog}). */
function logSince(mark: number): string {
  return functionLog.slice(mark).join('\n');
}

/** A secret set up as the data stack creates it: tagged with its kind, rotation on, one version. */
async function createRotatingSecret(name: string, kind: SecretKind, value: Value): Promise<string> {
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
  const meta = await sm.send(new DescribeSecretCommand({ SecretId: ARN }));
  expect(meta.RotationEnabled).toBe(true);
  expect(Object.values(meta.VersionIdsToStages ?? {})).toEqual([['AWSCURRENT']]);
  allSecrets.add(ARN!);
  return ARN!;
}

async function stagesOf(arn: string): Promise<Record<string, string[]>> {
  return (await sm.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages ?? {};
}

function versionWith(stages: Record<string, string[]>, stage: Stage): string | undefined {
  return Object.entries(stages).find(([, s]) => s.includes(stage))?.[0];
}

async function valueAt(arn: string, stage: Stage): Promise<Value> {
  const res = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }));
  return JSON.parse(res.SecretString!) as Value;
}

async function valueOf(arn: string, versionId: string): Promise<string> {
  return (await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: versionId }))).SecretString!;
}

/** GET users/get as the user itself: 200 when the credential logs in. */
async function login(username: string, password: string): Promise<number> {
  const res = await fetch(
    `${mlflow!.url}/api/2.0/mlflow/users/get?username=${encodeURIComponent(username)}`,
    { headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` } },
  );
  await res.arrayBuffer();
  return res.status;
}

async function loginWith(arn: string, stage: Stage): Promise<number> {
  const v = await valueAt(arn, stage);
  return login(v.username, v.password);
}

/** Collect every value of every version (deprecated ones included) of every test secret. */
async function collectStoredValues(): Promise<void> {
  for (const arn of allSecrets) {
    const { Versions } = await sm.send(
      new ListSecretVersionIdsCommand({ SecretId: arn, IncludeDeprecated: true }),
    );
    for (const { VersionId } of Versions ?? []) {
      const text = await valueOf(arn, VersionId!);
      everStored.add(text);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        continue; // not JSON: the whole string is the value
      }
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        for (const [k, v] of Object.entries(parsed)) {
          if (k !== 'username' && typeof v === 'string') everStored.add(v);
        }
      }
    }
  }
}

/** Values shorter than this are not searched for (they match by chance); the tests store none. */
const MIN_SEARCHED_LENGTH = 5;

/** How many of `values` occur in `text` (a count, so a failure prints no value). */
function leaks(text: string, values: Iterable<string>): number {
  return [...values].filter((v) => v.length >= MIN_SEARCHED_LENGTH && text.includes(v)).length;
}

/**
 * The invariants every case ends in: per secret exactly one AWSCURRENT and AWSPENDING absent or on
 * AWSCURRENT's version; every MLflow secret's AWSCURRENT logs in (no lockout); no stored value in
 * the function's log or in any MLflow process log.
 */
async function assertInvariants(): Promise<void> {
  for (const arn of allSecrets) {
    const stages = await stagesOf(arn);
    const current = Object.entries(stages).filter(([, s]) => s.includes('AWSCURRENT'));
    expect({ arn, current: current.length }).toEqual({ arn, current: 1 });
    const pending = versionWith(stages, 'AWSPENDING');
    expect({ arn, pendingOnCurrent: pending === undefined || pending === current[0][0] }).toEqual({
      arn,
      pendingOnCurrent: true,
    });
  }
  for (const arn of loginSecrets) {
    expect({ arn, status: await loginWith(arn, 'AWSCURRENT') }).toEqual({ arn, status: 200 });
  }
  await collectStoredValues();
  const values = [...everStored, ...(mlflow?.serviceSecretValues() ?? [])];
  // The check must be able to fail: there are values and there is something to search.
  expect(values.length).toBeGreaterThan(allSecrets.size);
  expect(leaks(functionLog.join('\n'), ['rotation step done'])).toBe(1); // the search finds what is there
  expect(leaks(functionLog.join('\n'), values)).toBe(0);
  if (mlflow) {
    const serverLog = mlflow.rawLogs();
    expect(serverLog.length).toBeGreaterThan(0);
    expect(leaks(serverLog, values)).toBe(0);
  }
}

/** A pod start after a stop: ESO has synced the admin secret's AWSCURRENT, sync-admin runs, then the server. */
async function restartMlflow(): Promise<string> {
  mlflow!.secrets['mlflow-admin'].password = (await valueAt(adminArn, 'AWSCURRENT')).password;
  const { syncAdmin, readyMs } = await mlflow!.start();
  console.log(`MLflow restarted (sync-admin + server) ready after ${(readyMs / 1000).toFixed(1)} s`);
  return syncAdmin;
}

/** Five letters: a value MLflow (and the function) must reject. */
function tooShortPassword(): string {
  return Array.from(randomBytes(5), (b) => String.fromCharCode(65 + (b % 26))).join('');
}

beforeAll(async () => {
  moto = await startMoto();
  sm = new SecretsManagerClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const adminPassword = randomPassword();
  adminArn = await createRotatingSecret(names.mlflowAdmin, SecretKind.MLFLOW_ADMIN, {
    username: MLFLOW_ADMIN_USERNAME,
    password: adminPassword,
  });
  loginSecrets.add(adminArn);
  mlflow = await MlflowDeployment.create({
    moto,
    bucket: 'cohortlab-it-rotation',
    adminPassword,
    rolePrefix: 'rotation_it',
  });
  invoke = functionAt(mlflow.url);
}, 180_000);

afterAll(async () => {
  await mlflow?.close();
  await moto?.process.stop();
}, 60_000);

describe('MLflow user secrets against a real MLflow server', () => {
  let learnerArn: string;

  afterEach(async () => {
    await assertInvariants();
  }, 60_000);

  test('a full rotation of the admin: the new password logs in, the old one is refused at once', async () => {
    // GIVEN the admin logs in with AWSCURRENT (this also puts it in MLflow's credential cache)
    const before = await valueAt(adminArn, 'AWSCURRENT');
    expect(await login(before.username, before.password)).toBe(200);
    // WHEN Secrets Manager rotates the secret
    const started = Date.now();
    const token = await rotate(adminArn);
    console.log(`one full rotation of the admin secret: ${Date.now() - started} ms`);
    // THEN the new version is AWSCURRENT, the old one AWSPREVIOUS
    const stages = await stagesOf(adminArn);
    expect(versionWith(stages, 'AWSCURRENT')).toBe(token);
    const after = await valueAt(adminArn, 'AWSCURRENT');
    expect(/^[A-Za-z0-9]{32}$/.test(after.password)).toBe(true);
    expect(after.password === before.password).toBe(false);
    expect((await valueAt(adminArn, 'AWSPREVIOUS')).password === before.password).toBe(true);
    // AND MLflow takes the new password and refuses the old one at once (cache entry dropped)
    expect(await login(MLFLOW_ADMIN_USERNAME, after.password)).toBe(200);
    expect(await login(MLFLOW_ADMIN_USERNAME, before.password)).toBe(401);
  });

  test('a full rotation of a learner with no MLflow user yet creates the user', async () => {
    learnerArn = await createRotatingSecret(names.learnerMlflow('grace-hopper'), SecretKind.MLFLOW_USER, {
      username: 'grace-hopper',
      password: randomPassword(),
    });
    expect(await loginWith(learnerArn, 'AWSCURRENT')).toBe(401);
    const mark = functionLog.length;
    await rotate(learnerArn);
    expect(logSince(mark)).toContain('setSecret: created the MLflow user with the pending password');
    loginSecrets.add(learnerArn);
  });

  test('a full rotation of an existing learner: the admin sets the password, the old one is refused at once', async () => {
    const before = await valueAt(learnerArn, 'AWSCURRENT');
    expect(await login(before.username, before.password)).toBe(200);
    const mark = functionLog.length;
    await rotate(learnerArn);
    expect(logSince(mark)).toContain('setSecret: the admin set the pending password');
    expect(await loginWith(learnerArn, 'AWSCURRENT')).toBe(200);
    expect(await login(before.username, before.password)).toBe(401);
  });

  test('each step repeated with the same token changes nothing the second time', async () => {
    for (const arn of [adminArn, learnerArn]) {
      const token = randomUUID();
      const versionsBefore = Object.keys(await stagesOf(arn)).length;

      await invoke(arn, token, 'createSecret');
      const pending = await valueOf(arn, token);
      let mark = functionLog.length;
      await invoke(arn, token, 'createSecret');
      expect(logSince(mark)).toContain('createSecret: pending value exists; reusing it');
      expect((await valueOf(arn, token)) === pending).toBe(true);
      expect(Object.keys(await stagesOf(arn))).toHaveLength(versionsBefore + 1);

      await invoke(arn, token, 'setSecret');
      mark = functionLog.length;
      await invoke(arn, token, 'setSecret');
      expect(logSince(mark)).toContain('setSecret: pending password already works');

      await invoke(arn, token, 'testSecret');
      await invoke(arn, token, 'testSecret');

      await invoke(arn, token, 'finishSecret');
      const finished = await stagesOf(arn);
      expect(versionWith(finished, 'AWSCURRENT')).toBe(token);
      mark = functionLog.length;
      await invoke(arn, token, 'finishSecret');
      expect(logSince(mark)).toContain('version is already AWSCURRENT; nothing to do');
      // A finished token replayed through all four steps is a no-op: AWSPREVIOUS stays put.
      await rotate(arn, token);
      expect(await stagesOf(arn)).toEqual(finished);
      expect(await loginWith(arn, 'AWSCURRENT')).toBe(200);
      expect(await loginWith(arn, 'AWSPREVIOUS')).toBe(401);
    }
  });

  test('MLflow down: createSecret still works, setSecret fails and changes nothing; after a restart the same token resumes at setSecret', async () => {
    await mlflow!.stop();
    const tokens = new Map<string, string>();
    for (const arn of [adminArn, learnerArn]) {
      const token = randomUUID();
      tokens.set(arn, token);
      await invoke(arn, token, 'createSecret'); // needs no MLflow
      await expect(invoke(arn, token, 'setSecret')).rejects.toThrow('MLflow answered 502 to a login check');
      const stages = await stagesOf(arn);
      expect(versionWith(stages, 'AWSPENDING')).toBe(token);
      expect(versionWith(stages, 'AWSCURRENT') === token).toBe(false);
    }
    // No load balancer answering at all is a network error, reported without credentials.
    const unreachable = functionAt(`http://127.0.0.1:${await freePort()}`);
    await expect(unreachable(adminArn, tokens.get(adminArn)!, 'setSecret')).rejects.toThrow(
      /^MLflow is not reachable at http:\/\/127\.0\.0\.1:\d+: TypeError \(ECONNREFUSED\)$/,
    );

    // The pod comes back; nothing had changed, so sync-admin finds the admin in sync.
    expect(await restartMlflow()).toContain(`admin user '${MLFLOW_ADMIN_USERNAME}': in sync`);
    for (const arn of [adminArn, learnerArn]) {
      expect(await loginWith(arn, 'AWSCURRENT')).toBe(200);
      expect(await loginWith(arn, 'AWSPENDING')).toBe(401);
    }
    for (const arn of [adminArn, learnerArn]) {
      const token = tokens.get(arn)!;
      await rotate(arn, token, ['setSecret', 'testSecret', 'finishSecret']);
      expect(versionWith(await stagesOf(arn), 'AWSCURRENT')).toBe(token);
    }
  }, 120_000);

  test('a crash between setSecret and finishSecret: the same token from createSecret finishes the rotation', async () => {
    // The learner first: once the admin's password is set, the admin's AWSCURRENT no longer logs in.
    const learnerToken = await rotate(learnerArn, randomUUID(), ['createSecret', 'setSecret']);
    const adminToken = await rotate(adminArn, randomUUID(), ['createSecret', 'setSecret']);
    // The function dies here. MLflow already has the pending passwords, AWSCURRENT is stale.
    for (const arn of [adminArn, learnerArn]) {
      expect(await loginWith(arn, 'AWSPENDING')).toBe(200);
      expect(await loginWith(arn, 'AWSCURRENT')).toBe(401);
    }
    // Meanwhile another learner rotation still works: the admin's AWSCURRENT is refused by MLflow,
    // so the function uses the admin's AWSPENDING, which MLflow already accepts.
    const otherToken = randomUUID();
    await invoke(learnerArn, otherToken, 'createSecret');
    const before = functionLog.length;
    await invoke(learnerArn, otherToken, 'setSecret');
    expect(logSince(before)).toContain('the admin is mid-rotation; using its pending credentials');
    expect(await loginWith(learnerArn, 'AWSPENDING')).toBe(200);
    // That rotation took AWSPENDING from the crashed one, so only the newer learner token can be retried.
    await expect(invoke(learnerArn, learnerToken, 'createSecret')).rejects.toThrow(
      `Secret version ${learnerToken} of ${learnerArn} is not AWSPENDING`,
    );

    // Secrets Manager retries the admin's rotation with the same token from the start.
    const mark = functionLog.length;
    await rotate(adminArn, adminToken);
    expect(logSince(mark)).toContain('createSecret: pending value exists; reusing it');
    expect(logSince(mark)).toContain('setSecret: pending password already works');
    expect(versionWith(await stagesOf(adminArn), 'AWSCURRENT')).toBe(adminToken);
    // ...then the learner's finishes (its password is already set: setSecret is a no-op).
    await rotate(learnerArn, otherToken);
    expect(versionWith(await stagesOf(learnerArn), 'AWSCURRENT')).toBe(otherToken);
  });

  test('MLflow down during testSecret and the pod restarted: the new pod keeps the pending password; the same token finishes', async () => {
    // Earlier rotations have reached the pods: ESO synced AWSCURRENT and Reloader rolled MLflow.
    await mlflow!.stop();
    expect(await restartMlflow()).toContain(`admin user '${MLFLOW_ADMIN_USERNAME}': in sync`);
    const learnerToken = await rotate(learnerArn, randomUUID(), ['createSecret', 'setSecret']);
    const adminToken = await rotate(adminArn, randomUUID(), ['createSecret', 'setSecret']);
    await mlflow!.stop();
    for (const [arn, token] of [
      [adminArn, adminToken],
      [learnerArn, learnerToken],
    ]) {
      await expect(invoke(arn, token, 'testSecret')).rejects.toThrow('MLflow answered 502 to a login check');
    }
    // The new pod's sync-admin finds the Secret holding the value it applied last, which MLflow no
    // longer takes: the rotation is ahead of the Secret, so it leaves the password alone.
    expect(await restartMlflow()).toContain(
      'the password was rotated ahead of the Secret sync; left as it is',
    );
    expect(await loginWith(adminArn, 'AWSPENDING')).toBe(200);
    // Secrets Manager's retry with the same token finishes both.
    const mark = functionLog.length;
    await rotate(adminArn, adminToken);
    expect(logSince(mark)).toContain('setSecret: pending password already works');
    await rotate(learnerArn, learnerToken);
    expect(versionWith(await stagesOf(adminArn), 'AWSCURRENT')).toBe(adminToken);
    expect(versionWith(await stagesOf(learnerArn), 'AWSCURRENT')).toBe(learnerToken);
  }, 120_000);

  test('a pod that restarts before ESO has synced a finished admin rotation does not put the old password back', async () => {
    const before = await valueAt(adminArn, 'AWSCURRENT');
    await mlflow!.stop();
    expect(await restartMlflow()).toContain(': in sync'); // the pods hold `before`
    await rotate(adminArn);
    // A pod restarts within ESO's 60 s: its Kubernetes Secret still holds the old value.
    await mlflow!.stop();
    mlflow!.secrets['mlflow-admin'].password = before.password;
    const { syncAdmin } = await mlflow!.start();
    expect(syncAdmin).toContain('left as it is');
    expect(await loginWith(adminArn, 'AWSCURRENT')).toBe(200);
    expect(await login(before.username, before.password)).toBe(401);
    // ESO syncs and Reloader rolls the pod: in sync with the new value.
    await mlflow!.stop();
    expect(await restartMlflow()).toContain(`admin user '${MLFLOW_ADMIN_USERNAME}': in sync`);
  }, 120_000);

  test('the admin logs in with nothing the secret holds: COHORT_LAB_ADMIN_SYNC=force puts AWSCURRENT back (runbook D)', async () => {
    // A half-finished admin rotation thrown away after MLflow took its password.
    const token = await rotate(adminArn, randomUUID(), ['createSecret', 'setSecret']);
    await sm.send(
      new UpdateSecretVersionStageCommand({
        SecretId: adminArn,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: token,
      }),
    );
    expect(await loginWith(adminArn, 'AWSCURRENT')).toBe(401);
    // An ordinary restart cannot tell this from a rotation ahead of the Secret: it leaves it.
    await mlflow!.stop();
    expect(await restartMlflow()).toContain('left as it is');
    expect(await loginWith(adminArn, 'AWSCURRENT')).toBe(401);
    // The runbook: kubectl set env deployment/mlflow -c sync-admin COHORT_LAB_ADMIN_SYNC=force.
    await mlflow!.stop();
    mlflow!.secrets['mlflow-admin'].password = (await valueAt(adminArn, 'AWSCURRENT')).password;
    const { syncAdmin } = await mlflow!.start({ COHORT_LAB_ADMIN_SYNC: 'force' });
    expect(syncAdmin).toContain(`admin user '${MLFLOW_ADMIN_USERNAME}': password (forced) updated`);
    expect(await loginWith(adminArn, 'AWSCURRENT')).toBe(200);
    // ... and the next rotation works again.
    const next = await rotate(adminArn);
    expect(versionWith(await stagesOf(adminArn), 'AWSCURRENT')).toBe(next);
  }, 120_000);

  test.each<Fault>([
    { command: 'PutSecretValueCommand', when: 'before' },
    { command: 'PutSecretValueCommand', when: 'after' },
    { command: 'UpdateSecretVersionStageCommand', when: 'before' },
    { command: 'UpdateSecretVersionStageCommand', when: 'after' },
  ])(
    'Secrets Manager fails in createSecret/finishSecret ($command, $when it is applied): the retry with the same token finishes',
    async (fault) => {
      for (const arn of [learnerArn, adminArn]) {
        const token = randomUUID();
        const before = await valueAt(arn, 'AWSCURRENT');
        const faulty = faultyClient(fault);
        const step: Step = fault.command === 'PutSecretValueCommand' ? 'createSecret' : 'finishSecret';
        const upTo = STEPS.slice(0, STEPS.indexOf(step) + 1);
        const faultyInvoke = functionAt(mlflow!.url, faulty.client);
        for (const s of upTo.slice(0, -1)) await faultyInvoke(arn, token, s);
        await expect(faultyInvoke(arn, token, step)).rejects.toThrow(/^injected: /);
        expect(faulty.fired()).toBe(true);

        // In between: AWSCURRENT is the old version unless the lost response had moved it.
        const stages = await stagesOf(arn);
        const movedAlready = fault.command === 'UpdateSecretVersionStageCommand' && fault.when === 'after';
        expect(versionWith(stages, 'AWSCURRENT') === token).toBe(movedAlready);
        const pendingExists = !(fault.command === 'PutSecretValueCommand' && fault.when === 'before');
        expect(stages[token] !== undefined).toBe(pendingExists);
        // Someone can log in meanwhile: before setSecret the old password, after it the pending one.
        if (step === 'createSecret') {
          expect(await login(before.username, before.password)).toBe(200);
        } else {
          expect(await loginWith(arn, 'AWSPENDING')).toBe(200);
        }

        // Secrets Manager retries the whole rotation with the same token (the healthy client).
        const mark = functionLog.length;
        await rotate(arn, token);
        if (pendingExists && !movedAlready) {
          expect(logSince(mark)).toContain('createSecret: pending value exists; reusing it');
        }
        if (movedAlready) expect(logSince(mark)).toContain('version is already AWSCURRENT; nothing to do');
        const after = await stagesOf(arn);
        expect(versionWith(after, 'AWSCURRENT')).toBe(token);
        expect(await loginWith(arn, 'AWSCURRENT')).toBe(200);
        expect(await login(before.username, before.password)).toBe(401);
      }
    },
  );

  test('a bad pending value fails setSecret without touching MLflow; a new rotation with a new token succeeds', async () => {
    for (const arn of [adminArn, learnerArn]) {
      const current = await valueAt(arn, 'AWSCURRENT');
      const badToken = randomUUID();
      const bad = tooShortPassword();
      await sm.send(
        new PutSecretValueCommand({
          SecretId: arn,
          ClientRequestToken: badToken,
          SecretString: JSON.stringify({ ...current, password: bad }),
          VersionStages: ['AWSPENDING'],
        }),
      );
      await expect(invoke(arn, badToken, 'setSecret')).rejects.toThrow(
        `setSecret: the pending password of ${arn} is shorter than MLflow's 12-character minimum`,
      );
      // Retrying the same token cannot help: createSecret keeps the value it finds.
      await rotate(arn, badToken, ['createSecret']);
      expect((await valueOf(arn, badToken)).includes(bad)).toBe(true);
      await expect(invoke(arn, badToken, 'setSecret')).rejects.toThrow('shorter than');
      expect(await login(current.username, current.password)).toBe(200);
      expect(await login(current.username, bad)).toBe(401);

      // Recovery as in docs/runbooks/recover-failed-rotation.md: take AWSPENDING off the bad
      // version, then a new rotation.
      await sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: arn,
          VersionStage: 'AWSPENDING',
          RemoveFromVersionId: badToken,
        }),
      );
      const token = await rotate(arn);
      expect(versionWith(await stagesOf(arn), 'AWSCURRENT')).toBe(token);
    }
  });

  test('a pending value that is not a JSON object fails with a message that holds no value', async () => {
    for (const text of ['null', `["${randomPassword(8)}"]`, `not json ${randomPassword(8)}`]) {
      const badToken = randomUUID();
      await sm.send(
        new PutSecretValueCommand({
          SecretId: learnerArn,
          ClientRequestToken: badToken,
          SecretString: text,
          VersionStages: ['AWSPENDING'],
        }),
      );
      await expect(invoke(learnerArn, badToken, 'setSecret')).rejects.toThrow(
        `Secret ${learnerArn} (AWSPENDING) is not a JSON object`,
      );
    }
    expect(await loginWith(learnerArn, 'AWSCURRENT')).toBe(200);
    // A new rotation replaces the stuck AWSPENDING (moto moves the label, as PutSecretValue does).
    const token = await rotate(learnerArn);
    expect(versionWith(await stagesOf(learnerArn), 'AWSPENDING')).toBe(token);
    expect(versionWith(await stagesOf(learnerArn), 'AWSCURRENT')).toBe(token);
  });

  test('a learner deleted in MLflow comes back with the next rotation of their secret (why revoking deletes the secret)', async () => {
    const arn = await createRotatingSecret(names.learnerMlflow('alan-turing'), SecretKind.MLFLOW_USER, {
      username: 'alan-turing',
      password: randomPassword(),
    });
    await rotate(arn);
    expect(await loginWith(arn, 'AWSCURRENT')).toBe(200);

    const admin = await valueAt(adminArn, 'AWSCURRENT');
    // As docs/runbooks/revoke-learner.md does it: DELETE with the user name in the query string.
    const revoke = async () => {
      const res = await fetch(`${mlflow!.url}/api/2.0/mlflow/users/delete?username=alan-turing`, {
        method: 'DELETE',
        headers: {
          authorization: `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`,
        },
      });
      await res.arrayBuffer();
      return res.status;
    };
    expect(await revoke()).toBe(200);
    expect(await loginWith(arn, 'AWSCURRENT')).toBe(401);
    // WHEN the secret rotates again THEN the user is created again.
    const mark = functionLog.length;
    await rotate(arn);
    expect(logSince(mark)).toContain('setSecret: created the MLflow user with the pending password');
    expect(await loginWith(arn, 'AWSCURRENT')).toBe(200);

    // Revoking for good: delete the user, then schedule the secret's deletion; rotation stops.
    expect(await revoke()).toBe(200);
    await collectStoredValues(); // a deleted secret's values cannot be read any more
    await sm.send(new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: 7 }));
    allSecrets.delete(arn);
    // (Secrets Manager does not start rotations of a deleted secret; a stray invocation fails too.)
    await expect(rotate(arn)).rejects.toThrow(/marked deleted/);
    const res = await fetch(`${mlflow!.url}/api/2.0/mlflow/users/get?username=alan-turing`, {
      headers: {
        authorization: `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`,
      },
    });
    expect(res.status).toBe(404);
  });
});

describe('generated secrets and the rules the function enforces (moto only)', () => {
  afterEach(async () => {
    await assertInvariants();
  }, 60_000);

  test('generated-key: a full rotation puts a new 32-character key and keeps other fields', async () => {
    const arn = await createRotatingSecret(names.mlflowFlaskKey, SecretKind.GENERATED_KEY, {
      secretKey: randomPassword(32),
      comment: 'kept across rotations',
    });
    const before = await valueAt(arn, 'AWSCURRENT');
    const token = await rotate(arn);
    const after = await valueAt(arn, 'AWSCURRENT');
    expect(versionWith(await stagesOf(arn), 'AWSCURRENT')).toBe(token);
    expect(/^[A-Za-z0-9]{32}$/.test(after.secretKey)).toBe(true);
    expect(after.secretKey === before.secretKey).toBe(false);
    expect(after.comment).toBe('kept across rotations');
  });

  test('generated-dual: a full rotation keeps the old password as previousPassword', async () => {
    const arn = await createRotatingSecret(names.redis, SecretKind.GENERATED_DUAL, {
      password: randomPassword(),
    });
    const first = await valueAt(arn, 'AWSCURRENT');
    await rotate(arn);
    const second = await valueAt(arn, 'AWSCURRENT');
    expect(/^[A-Za-z0-9]{32}$/.test(second.password)).toBe(true);
    expect(second.password === first.password).toBe(false);
    expect(second.previousPassword === first.password).toBe(true);
    // Twice more: previousPassword always holds the value just replaced, never an older one.
    await rotate(arn);
    const third = await valueAt(arn, 'AWSCURRENT');
    expect(third.previousPassword === second.password).toBe(true);
  });

  test('fails when the lab:secret-kind tag is missing or unknown', async () => {
    const untagged = await createRotatingSecret(`${names.redis}-untagged`, SecretKind.GENERATED_KEY, {
      secretKey: randomPassword(),
    });
    // Take the tag off again (created with it so the helper's checks apply to every secret).
    await sm.send(new UntagResourceCommand({ SecretId: untagged, TagKeys: [SECRET_KIND_TAG] }));
    await expect(invoke(untagged, randomUUID(), 'createSecret')).rejects.toThrow(
      `Secret ${untagged} has no lab:secret-kind tag of mlflow-admin, mlflow-user, mlflow-instructor, mlflow-ci, generated-key, generated-dual (got none)`,
    );
    await sm.send(
      new TagResourceCommand({ SecretId: untagged, Tags: [{ Key: SECRET_KIND_TAG, Value: 'mlflow' }] }),
    );
    await expect(invoke(untagged, randomUUID(), 'createSecret')).rejects.toThrow('(got mlflow)');
    expect(Object.keys(await stagesOf(untagged))).toHaveLength(1);
  });

  test('fails when the secret was never configured for rotation', async () => {
    const { ARN } = await sm.send(
      new CreateSecretCommand({
        Name: `${names.redis}-no-rotation`,
        SecretString: JSON.stringify({ password: randomPassword() }),
        Tags: [{ Key: SECRET_KIND_TAG, Value: SecretKind.GENERATED_DUAL }],
      }),
    );
    allSecrets.add(ARN!);
    // Secrets Manager returns no RotationEnabled at all for such a secret.
    expect((await sm.send(new DescribeSecretCommand({ SecretId: ARN }))).RotationEnabled).toBeUndefined();
    await expect(invoke(ARN!, randomUUID(), 'createSecret')).rejects.toThrow(
      `Secret ${ARN} is not enabled for rotation`,
    );
    expect(Object.keys(await stagesOf(ARN!))).toHaveLength(1);
  });

  test('fails when a later step names a token that is not a version, or a version that is not AWSPENDING', async () => {
    const arn = await createRotatingSecret(`${names.mlflowFlaskKey}-tokens`, SecretKind.GENERATED_KEY, {
      secretKey: randomPassword(),
    });
    const unknown = randomUUID();
    await expect(invoke(arn, unknown, 'setSecret')).rejects.toThrow(
      `Secret version ${unknown} of ${arn} has no stage for rotation`,
    );
    const first = await rotate(arn);
    await rotate(arn);
    // `first` is AWSPREVIOUS now: no step may act on it.
    expect((await stagesOf(arn))[first]).toEqual(['AWSPREVIOUS']);
    for (const step of STEPS) {
      await expect(invoke(arn, first, step)).rejects.toThrow(
        `Secret version ${first} of ${arn} is not AWSPENDING`,
      );
    }
  });

  test('fails when an MLflow user secret does not hold username and password strings', async () => {
    const arn = await createRotatingSecret(names.learnerMlflow('katherine-johnson'), SecretKind.MLFLOW_USER, {
      password: randomPassword(),
    });
    await expect(invoke(arn, randomUUID(), 'createSecret')).rejects.toThrow(
      `Secret ${arn} must hold {"username", "password"} strings`,
    );
    expect(Object.keys(await stagesOf(arn))).toHaveLength(1);
  });
});

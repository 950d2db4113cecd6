/**
 * The shared rotation Lambda of a cohort: rotates MLflow user passwords (the admin and every
 * learner) through MLflow's own API, and generated secrets (Flask key, Redis password).
 *
 * Secrets Manager calls it four times per rotation with the same ClientRequestToken:
 * - createSecret: put a new value as AWSPENDING (only if that version has none yet);
 * - setSecret:    make the service accept the pending value;
 * - testSecret:   prove the pending value works;
 * - finishSecret: move AWSCURRENT to the pending version.
 * Every step is idempotent for a retried token. What a secret is comes from its `lab:secret-kind`
 * tag. No secret value is ever logged; log lines carry the secret ARN, the token, the step and the
 * outcome only.
 *
 * Written by hand: AWS's rotation templates are Python and cover databases; none speaks MLflow's
 * `users/update-password` API. The structure follows AWS's template (same checks, same order).
 */
import {
  DescribeSecretCommand,
  DescribeSecretCommandOutput,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';

/** The event Secrets Manager sends to a rotation function. */
export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
}

// The module itself, not the lib/core index: the Lambda bundle must not pull in aws-cdk-lib.
import { SECRET_KIND_TAG, SecretKind } from '../../lib/core/secret-kinds';

export interface Logger {
  (
    level: 'info' | 'warn' | 'error',
    message: string,
    fields?: Record<string, string | number | boolean>,
  ): void;
}

export interface RotationDeps {
  readonly secrets: SecretsManagerClient;
  /** Base URL of MLflow reachable from the function (the internal load balancer). */
  readonly mlflowUrl: string;
  /** ARN or name of the MLflow admin secret (for setting learners' passwords). */
  readonly adminSecretId: string;
  readonly log: Logger;
  /** Per-request timeout towards MLflow, in milliseconds. */
  readonly httpTimeoutMs?: number;
}

interface UserSecret {
  readonly username: string;
  readonly password: string;
  readonly [k: string]: unknown;
}

/** Length of generated passwords; MLflow requires 12 at least. */
export const PASSWORD_LENGTH = 32;

/** A rotation step failed in a way that a retry may fix; the message never contains a secret. */
export class RotationError extends Error {}

/** Build the handler with its dependencies (the Lambda entry point below wires the real ones). */
export function makeHandler(deps: RotationDeps): (event: RotationEvent) => Promise<void> {
  return async (event) => {
    const { SecretId: arn, ClientRequestToken: token, Step: step } = event;
    const fields = { secret: arn, token, step };
    const meta = await deps.secrets.send(new DescribeSecretCommand({ SecretId: arn }));
    // Absent (never configured for rotation) counts as off, as in AWS's templates.
    if (meta.RotationEnabled !== true) {
      throw new RotationError(`Secret ${arn} is not enabled for rotation`);
    }
    const versions = meta.VersionIdsToStages ?? {};
    const stages = versions[token];
    if (stages !== undefined) {
      if (stages.includes('AWSCURRENT')) {
        deps.log('info', 'version is already AWSCURRENT; nothing to do', fields);
        return;
      }
      if (!stages.includes('AWSPENDING')) {
        throw new RotationError(`Secret version ${token} of ${arn} is not AWSPENDING`);
      }
    } else if (step !== 'createSecret') {
      // Secrets Manager registers the token before createSecret; later steps need the version.
      throw new RotationError(`Secret version ${token} of ${arn} has no stage for rotation`);
    }
    const kind = kindOf(meta);
    deps.log('info', 'rotation step started', { ...fields, kind });
    switch (step) {
      case 'createSecret':
        await createSecret(deps, arn, token, kind);
        break;
      case 'setSecret':
        await setSecret(deps, arn, token, kind);
        break;
      case 'testSecret':
        await testSecret(deps, arn, token, kind);
        break;
      case 'finishSecret':
        await finishSecret(deps, arn, token, meta);
        break;
      default:
        throw new RotationError(`Unknown rotation step ${String(step)}`);
    }
    deps.log('info', 'rotation step done', { ...fields, kind });
  };
}

function kindOf(meta: DescribeSecretCommandOutput): SecretKind {
  const tag = meta.Tags?.find((t) => t.Key === SECRET_KIND_TAG)?.Value;
  const kinds = Object.values(SecretKind) as string[];
  if (tag === undefined || !kinds.includes(tag)) {
    throw new RotationError(
      `Secret ${meta.ARN} has no ${SECRET_KIND_TAG} tag of ${kinds.join(', ')} (got ${tag ?? 'none'})`,
    );
  }
  return tag as SecretKind;
}

async function getJson(
  deps: RotationDeps,
  id: string,
  stage: 'AWSCURRENT' | 'AWSPENDING' | 'AWSPREVIOUS',
  token?: string,
): Promise<Record<string, unknown>> {
  const res = await deps.secrets.send(
    new GetSecretValueCommand({ SecretId: id, VersionStage: stage, VersionId: token }),
  );
  let value: unknown;
  try {
    value = JSON.parse(res.SecretString ?? '');
  } catch {
    // The parser's message quotes the input: never pass it on.
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RotationError(`Secret ${id} (${stage}) is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

async function tryGetJson(
  deps: RotationDeps,
  id: string,
  stage: 'AWSPENDING' | 'AWSPREVIOUS',
  token?: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    return await getJson(deps, id, stage, token);
  } catch (err) {
    if (err instanceof ResourceNotFoundException || (err as Error).name === 'ResourceNotFoundException') {
      return undefined;
    }
    throw err;
  }
}

async function newPassword(deps: RotationDeps): Promise<string> {
  // Letters and digits only: the values go into URLs, ini files and Redis configuration.
  const res = await deps.secrets.send(
    new GetRandomPasswordCommand({
      PasswordLength: PASSWORD_LENGTH,
      ExcludePunctuation: true,
      RequireEachIncludedType: true,
    }),
  );
  if (!res.RandomPassword || res.RandomPassword.length < 12) {
    throw new RotationError('GetRandomPassword returned no usable password');
  }
  return res.RandomPassword;
}

async function createSecret(deps: RotationDeps, arn: string, token: string, kind: SecretKind): Promise<void> {
  const current = await getJson(deps, arn, 'AWSCURRENT');
  if ((await tryGetJson(deps, arn, 'AWSPENDING', token)) !== undefined) {
    deps.log('info', 'createSecret: pending value exists; reusing it', { secret: arn, token });
    return;
  }
  let pending: Record<string, unknown>;
  switch (kind) {
    case SecretKind.MLFLOW_ADMIN:
    case SecretKind.MLFLOW_USER:
      userSecret(current, arn);
      pending = { ...current, password: await newPassword(deps) };
      break;
    case SecretKind.GENERATED_KEY:
      pending = { ...current, secretKey: await newPassword(deps) };
      break;
    case SecretKind.GENERATED_DUAL:
      pending = { ...current, password: await newPassword(deps), previousPassword: current.password };
      break;
  }
  await deps.secrets.send(
    new PutSecretValueCommand({
      SecretId: arn,
      ClientRequestToken: token,
      SecretString: JSON.stringify(pending),
      VersionStages: ['AWSPENDING'],
    }),
  );
  deps.log('info', 'createSecret: put a new AWSPENDING value', { secret: arn, token });
}

function userSecret(value: Record<string, unknown>, arn: string): UserSecret {
  if (typeof value.username !== 'string' || typeof value.password !== 'string') {
    throw new RotationError(`Secret ${arn} must hold {"username", "password"} strings`);
  }
  return value as UserSecret;
}

async function setSecret(deps: RotationDeps, arn: string, token: string, kind: SecretKind): Promise<void> {
  if (kind === SecretKind.GENERATED_KEY || kind === SecretKind.GENERATED_DUAL) {
    // Consumers read the value through the External Secrets Operator; nothing to set here.
    deps.log('info', 'setSecret: generated secret; consumers pick it up on sync', { secret: arn, token });
    return;
  }
  const pending = userSecret(await getJson(deps, arn, 'AWSPENDING', token), arn);
  if (pending.password.length < 12) {
    throw new RotationError(
      `setSecret: the pending password of ${arn} is shorter than MLflow's 12-character minimum`,
    );
  }
  const mlflow = new MlflowApi(deps);
  // Already set (a retried token, or a crash after this step): nothing to do.
  if (await mlflow.canLogIn(pending.username, pending.password)) {
    deps.log('info', 'setSecret: pending password already works', { secret: arn, token });
    return;
  }
  if (kind === SecretKind.MLFLOW_USER) {
    const admin = await workingAdmin(deps, mlflow);
    const status = await mlflow.setPassword(admin, pending.username, pending.password);
    if (status === 404) {
      await mlflow.createUser(admin, pending.username, pending.password);
      deps.log('info', 'setSecret: created the MLflow user with the pending password', {
        secret: arn,
        token,
      });
      return;
    }
    deps.log('info', 'setSecret: the admin set the pending password', { secret: arn, token });
    return;
  }
  // The admin changes its own password and must prove the old one: try AWSCURRENT, then
  // AWSPREVIOUS (as AWS's templates do), so a half-finished earlier rotation is recovered.
  const current = userSecret(await getJson(deps, arn, 'AWSCURRENT'), arn);
  const previous = await tryGetJson(deps, arn, 'AWSPREVIOUS');
  const candidates: Array<[string, UserSecret]> = [['AWSCURRENT', current]];
  if (previous !== undefined) candidates.push(['AWSPREVIOUS', userSecret(previous, arn)]);
  for (const [stage, old] of candidates) {
    if (await mlflow.canLogIn(old.username, old.password)) {
      await mlflow.changeOwnPassword(old, pending.password);
      deps.log('info', `setSecret: changed the admin password, authenticated with ${stage}`, {
        secret: arn,
        token,
      });
      return;
    }
  }
  throw new RotationError(
    `setSecret: none of AWSPENDING, AWSCURRENT, AWSPREVIOUS of ${arn} logs in to MLflow`,
  );
}

/**
 * The admin credentials MLflow accepts right now: AWSCURRENT, or AWSPENDING while an admin
 * rotation is between its setSecret and finishSecret (so learners' rotations do not fail then).
 */
async function workingAdmin(deps: RotationDeps, mlflow: MlflowApi): Promise<UserSecret> {
  const current = userSecret(await getJson(deps, deps.adminSecretId, 'AWSCURRENT'), deps.adminSecretId);
  if (await mlflow.canLogIn(current.username, current.password)) {
    return current;
  }
  const pending = await tryGetJson(deps, deps.adminSecretId, 'AWSPENDING');
  if (pending !== undefined) {
    const admin = userSecret(pending, deps.adminSecretId);
    if (await mlflow.canLogIn(admin.username, admin.password)) {
      deps.log('info', 'setSecret: the admin is mid-rotation; using its pending credentials', {
        secret: deps.adminSecretId,
      });
      return admin;
    }
  }
  throw new RotationError(
    `setSecret: neither AWSCURRENT nor AWSPENDING of ${deps.adminSecretId} logs in to MLflow`,
  );
}

async function testSecret(deps: RotationDeps, arn: string, token: string, kind: SecretKind): Promise<void> {
  const pending = await getJson(deps, arn, 'AWSPENDING', token);
  if (kind === SecretKind.GENERATED_KEY) {
    if (typeof pending.secretKey !== 'string' || pending.secretKey.length < 12) {
      throw new RotationError(`testSecret: the pending secretKey of ${arn} is missing or too short`);
    }
    return;
  }
  if (kind === SecretKind.GENERATED_DUAL) {
    if (typeof pending.password !== 'string' || !/^[A-Za-z0-9]{12,}$/.test(pending.password)) {
      throw new RotationError(`testSecret: the pending password of ${arn} must be 12+ letters and digits`);
    }
    return;
  }
  const user = userSecret(pending, arn);
  if (!(await new MlflowApi(deps).canLogIn(user.username, user.password))) {
    throw new RotationError(`testSecret: the pending password of ${arn} does not log in to MLflow`);
  }
  deps.log('info', 'testSecret: pending password logs in', { secret: arn, token });
}

async function finishSecret(
  deps: RotationDeps,
  arn: string,
  token: string,
  meta: DescribeSecretCommandOutput,
): Promise<void> {
  const currentVersion = Object.entries(meta.VersionIdsToStages ?? {}).find(([, s]) =>
    s.includes('AWSCURRENT'),
  )?.[0];
  if (currentVersion === token) {
    deps.log('info', 'finishSecret: already AWSCURRENT', { secret: arn, token });
    return;
  }
  await deps.secrets.send(
    new UpdateSecretVersionStageCommand({
      SecretId: arn,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: token,
      RemoveFromVersionId: currentVersion,
    }),
  );
  deps.log('info', 'finishSecret: moved AWSCURRENT to the new version', { secret: arn, token });
}

/** The three MLflow auth calls rotation needs, over plain fetch with a timeout. */
class MlflowApi {
  constructor(private readonly deps: RotationDeps) {}

  public async canLogIn(username: string, password: string): Promise<boolean> {
    const res = await this.call('GET', `/api/2.0/mlflow/users/get?username=${encodeURIComponent(username)}`, {
      username,
      password,
    });
    if (res === 200) return true;
    if (res === 401 || res === 403) return false;
    throw new RotationError(`MLflow answered ${res} to a login check`);
  }

  public async setPassword(admin: UserSecret, username: string, password: string): Promise<number> {
    const status = await this.call('PATCH', '/api/2.0/mlflow/users/update-password', admin, {
      username,
      password,
    });
    if (status !== 200 && status !== 404) {
      throw new RotationError(`MLflow answered ${status} to users/update-password`);
    }
    return status;
  }

  public async createUser(admin: UserSecret, username: string, password: string): Promise<void> {
    const status = await this.call('POST', '/api/2.0/mlflow/users/create', admin, { username, password });
    if (status !== 200) throw new RotationError(`MLflow answered ${status} to users/create`);
  }

  public async changeOwnPassword(user: UserSecret, password: string): Promise<void> {
    const status = await this.call('PATCH', '/api/2.0/mlflow/users/update-password', user, {
      username: user.username,
      password,
      current_password: user.password,
    });
    if (status !== 200) throw new RotationError(`MLflow answered ${status} to users/update-password`);
  }

  private async call(
    method: string,
    path: string,
    auth: { username: string; password: string },
    body?: Record<string, string>,
  ): Promise<number> {
    let res: Response;
    try {
      res = await fetch(`${this.deps.mlflowUrl}${path}`, {
        method,
        headers: {
          authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.deps.httpTimeoutMs ?? 10_000),
      });
    } catch (err) {
      // Network errors carry the URL, never credentials.
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new RotationError(
        `MLflow is not reachable at ${this.deps.mlflowUrl}: ${(err as Error).name}${cause ? ` (${cause})` : ''}`,
      );
    }
    await res.arrayBuffer();
    return res.status;
  }
}

/** JSON log lines for CloudWatch; only the fields given, never a secret value. */
const jsonLog: Logger = (level, message, fields) => {
  console.log(JSON.stringify({ level, message, ...fields }));
};

let cached: ((event: RotationEvent) => Promise<void>) | undefined;

/** Lambda entry point. Environment: MLFLOW_URL, ADMIN_SECRET_ID. */
export async function handler(event: RotationEvent): Promise<void> {
  if (cached === undefined) {
    const mlflowUrl = process.env.MLFLOW_URL;
    const adminSecretId = process.env.ADMIN_SECRET_ID;
    if (!mlflowUrl || !adminSecretId) {
      throw new RotationError('MLFLOW_URL and ADMIN_SECRET_ID must be set');
    }
    cached = makeHandler({ secrets: new SecretsManagerClient({}), mlflowUrl, adminSecretId, log: jsonLog });
  }
  await cached(event);
}

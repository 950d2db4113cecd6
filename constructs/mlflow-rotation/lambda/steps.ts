/**
 * The four rotation steps. Each is idempotent for a retried token; the dispatch (index.ts) has
 * already checked that rotation is on, that the token's version is in the right stage, and what
 * kind of secret it is.
 */
import {
  DescribeSecretCommandOutput,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
// The module itself, not the lib/core index: the Lambda bundle must not pull in aws-cdk-lib.
import { SecretKind } from '../../../lib/core/secret-kinds';
import { checkAccess, ensureAccess } from './access';
import { workingAdmin } from './admin';
import { checkCiAccess, ensureCiAccess } from './ci-access';
import { RotationError } from './errors';
import { MlflowApi } from './mlflow-api';
import { getJson, newPassword, tryGetJson, userSecret } from './secret-store';
import { RotationDeps, UserSecret } from './types';

/** Put a new value as AWSPENDING, unless the token's version already has one. */
export async function createSecret(
  deps: RotationDeps,
  arn: string,
  token: string,
  kind: SecretKind,
): Promise<void> {
  const current = await getJson(deps, arn, 'AWSCURRENT');
  if ((await tryGetJson(deps, arn, 'AWSPENDING', token)) !== undefined) {
    deps.log('info', 'createSecret: pending value exists; reusing it', { secret: arn, token });
    return;
  }
  let pending: Record<string, unknown>;
  switch (kind) {
    case SecretKind.MLFLOW_ADMIN:
    case SecretKind.MLFLOW_USER:
    case SecretKind.MLFLOW_INSTRUCTOR:
    case SecretKind.MLFLOW_CI:
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

/**
 * Make MLflow accept the pending password; generated secrets need nothing here. For a learner or
 * an instructor, then make the user what its kind says (access.ts) — also when the password was
 * already set. That work runs here rather than in testSecret because setSecret is the step that
 * changes MLflow and testSecret only proves; and it runs after the password logic whatever that
 * found, because a retried token (or a crash after the password was set) finds the pending
 * password working and would otherwise never get the experiment or the admin flag.
 */
export async function setSecret(
  deps: RotationDeps,
  arn: string,
  token: string,
  kind: SecretKind,
): Promise<void> {
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
  if (kind === SecretKind.MLFLOW_ADMIN) {
    await setAdminPassword(deps, mlflow, arn, token, pending);
    return;
  }
  // Already set (a retried token, or a crash after this step): only the access to ensure.
  const alreadySet = await mlflow.canLogIn(pending.username, pending.password);
  const admin = await workingAdmin(deps, mlflow, 'setSecret');
  if (alreadySet) {
    deps.log('info', 'setSecret: pending password already works', { secret: arn, token });
  } else if ((await mlflow.setPassword(admin, pending.username, pending.password)) === 404) {
    await mlflow.createUser(admin, pending.username, pending.password);
    deps.log('info', 'setSecret: created the MLflow user with the pending password', { secret: arn, token });
  } else {
    deps.log('info', 'setSecret: the admin set the pending password', { secret: arn, token });
  }
  if (kind === SecretKind.MLFLOW_CI) {
    await ensureCiAccess(deps, mlflow, admin, pending.username, arn, { secret: arn, token });
  } else {
    await ensureAccess(deps, mlflow, admin, kind, pending.username, { secret: arn, token });
  }
}

/**
 * The admin changes its own password and must prove the old one: try AWSCURRENT, then
 * AWSPREVIOUS (as AWS's templates do), so a half-finished earlier rotation is recovered.
 */
async function setAdminPassword(
  deps: RotationDeps,
  mlflow: MlflowApi,
  arn: string,
  token: string,
  pending: UserSecret,
): Promise<void> {
  // Already set (a retried token, or a crash after this step): nothing to do.
  if (await mlflow.canLogIn(pending.username, pending.password)) {
    deps.log('info', 'setSecret: pending password already works', { secret: arn, token });
    return;
  }
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

/** Prove the pending value works: it logs in to MLflow, or a generated value has its shape. */
export async function testSecret(
  deps: RotationDeps,
  arn: string,
  token: string,
  kind: SecretKind,
): Promise<void> {
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
  const mlflow = new MlflowApi(deps);
  if (kind === SecretKind.MLFLOW_ADMIN) {
    if (!(await mlflow.canLogIn(user.username, user.password))) {
      throw new RotationError(`testSecret: the pending password of ${arn} does not log in to MLflow`);
    }
  } else if (kind === SecretKind.MLFLOW_CI) {
    await checkCiAccess(mlflow, await workingAdmin(deps, mlflow, 'testSecret'), user, arn);
  } else {
    await checkAccess(mlflow, user, kind, arn);
  }
  deps.log('info', 'testSecret: pending password logs in', { secret: arn, token });
}

/** Move AWSCURRENT to the token's version (nothing to do when it is there already). */
export async function finishSecret(
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

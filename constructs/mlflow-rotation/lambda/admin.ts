/** The MLflow admin credentials the function acts with: the admin secret's working version. */
import { RotationError } from './errors';
import { MlflowApi } from './mlflow-api';
import { getJson, tryGetJson, userSecret } from './secret-store';
import { RotationDeps, UserSecret } from './types';

/**
 * The admin credentials MLflow accepts right now: AWSCURRENT, or AWSPENDING while an admin
 * rotation is between its setSecret and finishSecret (so other work does not fail then).
 * `context` starts every message (the step, or the roster event).
 */
export async function workingAdmin(
  deps: RotationDeps,
  mlflow: MlflowApi,
  context: string,
): Promise<UserSecret> {
  const current = userSecret(await getJson(deps, deps.adminSecretId, 'AWSCURRENT'), deps.adminSecretId);
  if (await mlflow.canLogIn(current.username, current.password)) {
    return current;
  }
  const pending = await tryGetJson(deps, deps.adminSecretId, 'AWSPENDING');
  if (pending !== undefined) {
    const admin = userSecret(pending, deps.adminSecretId);
    if (await mlflow.canLogIn(admin.username, admin.password)) {
      deps.log('info', `${context}: the admin is mid-rotation; using its pending credentials`, {
        secret: deps.adminSecretId,
      });
      return admin;
    }
  }
  throw new RotationError(
    `${context}: neither AWSCURRENT nor AWSPENDING of ${deps.adminSecretId} logs in to MLflow`,
  );
}

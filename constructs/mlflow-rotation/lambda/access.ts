/**
 * What a person's MLflow user holds besides its password, made so (setSecret) and proved (testSecret):
 *
 * - a learner (`mlflow-user`): not an MLflow admin, and a personal experiment `learners/<slug>`
 *   (lib/core/names.ts) on which the learner has MANAGE, so a first run needs no experiment chosen
 *   (under `default_permission = NO_PERMISSIONS` MLflow refuses the Default experiment). The admin
 *   creates it when missing and restores it when deleted; runs in it are never touched;
 * - an instructor (`mlflow-instructor`): an MLflow admin. MLflow grants per experiment and model
 *   when one is created and has no hook to grant an instructor on each learner's new experiment,
 *   so instructors read and manage every learner's work as admins.
 *
 * Idempotent: a retried token, or the next rotation, reads first and changes only what is not so
 * yet. (Taking a learner's admin flag away keeps a person who moved from the instructors to
 * the learners from staying an admin.)
 */
// The modules themselves, not the lib/core index: the Lambda bundle must not pull in aws-cdk-lib.
import { personalExperimentName } from '../../../lib/core/names';
import { SecretKind } from '../../../lib/core/secret-kinds';
import { RotationError } from './errors';
import { MlflowApi } from './mlflow-api';
import { RotationDeps, UserSecret } from './types';

/** The permission a learner holds on their personal experiment. */
export const PERSONAL_EXPERIMENT_PERMISSION = 'MANAGE';

/** Make `username`'s MLflow user what its kind says, acting as `admin`. */
export async function ensureAccess(
  deps: RotationDeps,
  mlflow: MlflowApi,
  admin: UserSecret,
  kind: SecretKind.MLFLOW_USER | SecretKind.MLFLOW_INSTRUCTOR,
  username: string,
  fields: Record<string, string>,
): Promise<void> {
  const isAdmin = kind === SecretKind.MLFLOW_INSTRUCTOR;
  const user = await mlflow.user(admin, username);
  if (user === undefined) {
    throw new RotationError(`setSecret: MLflow refused the admin's look-up of user ${username}`);
  }
  if (user.isAdmin !== isAdmin) {
    await mlflow.setAdmin(admin, username, isAdmin);
    deps.log(
      'info',
      isAdmin
        ? 'setSecret: made the instructor an MLflow admin'
        : 'setSecret: the learner is no MLflow admin any more',
      fields,
    );
  }
  if (isAdmin) return;
  const name = personalExperimentName(username);
  const experiment = await ensureExperiment(deps, mlflow, admin, name, fields);
  if (await mlflow.grantExperiment(admin, username, experiment.id, PERSONAL_EXPERIMENT_PERMISSION)) {
    deps.log('info', 'setSecret: granted MANAGE on the personal experiment', { ...fields, experiment: name });
    return;
  }
  // A grant exists: keep it when it is MANAGE, else replace it (MLflow has no update of a grant).
  if (
    (await mlflow.experimentPermission(admin, username, experiment.id)) !== PERSONAL_EXPERIMENT_PERMISSION
  ) {
    await mlflow.revokeExperiment(admin, username, experiment.id);
    if (!(await mlflow.grantExperiment(admin, username, experiment.id, PERSONAL_EXPERIMENT_PERMISSION))) {
      throw new RotationError(`setSecret: MANAGE on experiment ${name} could not be granted`);
    }
    deps.log('info', 'setSecret: replaced a grant on the personal experiment by MANAGE', {
      ...fields,
      experiment: name,
    });
  }
}

/**
 * The experiment `name`, created when missing and restored when deleted (runs in it are never
 * touched), acting as `admin`.
 */
export async function ensureExperiment(
  deps: RotationDeps,
  mlflow: MlflowApi,
  admin: UserSecret,
  name: string,
  fields: Record<string, string>,
): Promise<{ readonly id: string }> {
  let experiment = await mlflow.experimentByName(admin, name);
  if (experiment === undefined) {
    // undefined: created meanwhile by someone else (RESOURCE_ALREADY_EXISTS); read it back.
    const id = await mlflow.createExperiment(admin, name);
    if (id !== undefined) {
      deps.log('info', 'setSecret: created the personal experiment', { ...fields, experiment: name });
    }
    experiment =
      id !== undefined ? { id, lifecycleStage: 'active' } : await mlflow.experimentByName(admin, name);
    if (experiment === undefined) {
      throw new RotationError(`setSecret: experiment ${name} neither exists nor can be created`);
    }
  }
  if (experiment.lifecycleStage === 'deleted') {
    await mlflow.restoreExperiment(admin, experiment.id);
    deps.log('info', 'setSecret: restored the deleted personal experiment', { ...fields, experiment: name });
  }
  return experiment;
}

/** Prove, as the user itself, what {@link ensureAccess} made so. Throws when it is not so. */
export async function checkAccess(
  mlflow: MlflowApi,
  user: UserSecret,
  kind: SecretKind.MLFLOW_USER | SecretKind.MLFLOW_INSTRUCTOR,
  arn: string,
): Promise<void> {
  if (kind === SecretKind.MLFLOW_INSTRUCTOR) {
    const self = await mlflow.user(user, user.username);
    if (self === undefined) {
      throw new RotationError(`testSecret: the pending password of ${arn} does not log in to MLflow`);
    }
    if (!self.isAdmin) throw new RotationError(`testSecret: the instructor of ${arn} is not an MLflow admin`);
    return;
  }
  if (!(await mlflow.canLogIn(user.username, user.password))) {
    throw new RotationError(`testSecret: the pending password of ${arn} does not log in to MLflow`);
  }
  const name = personalExperimentName(user.username);
  // As the learner: MLflow answers 403 unless the learner may read it.
  const experiment = await mlflow.experimentByName(user, name);
  if (experiment === undefined || experiment.lifecycleStage !== 'active') {
    throw new RotationError(`testSecret: the learner of ${arn} has no active experiment ${name}`);
  }
  const permission = await mlflow.experimentPermission(user, user.username, experiment.id);
  if (permission !== PERSONAL_EXPERIMENT_PERMISSION) {
    throw new RotationError(`testSecret: the learner of ${arn} holds ${permission} on ${name}, not MANAGE`);
  }
}

/**
 * What a learner's CI user `ci.<slug>` holds besides its password (Lab 2), made so (setSecret)
 * and proved (testSecret), acting as the admin:
 *
 * - the registered model `promotion.<slug>` exists (created when missing);
 * - the learner `<slug>` has MANAGE on it (they may delete aliases and versions; the CI may not);
 * - `ci.<slug>` has EDIT on it (create versions, set tags, move aliases) and EDIT on the learner's
 *   experiment `learners/<slug>` (log runs), and is no MLflow admin. Nothing more: an existing
 *   grant of another permission is replaced.
 *
 * The learner's own MLflow user is made by their secret's first rotation, which CloudFormation
 * starts beside this one; the grant waits for it a little (MLflow refuses a grant to an unknown
 * user), then fails the step, and the next rotation tries again.
 *
 * Idempotent: a retried token, or the next rotation, reads first and changes only what is not so.
 */
// The modules themselves, not the lib/core index: the Lambda bundle must not pull in aws-cdk-lib.
import { promotionModelName, slugOfCiUsername } from '../../../lib/core/github';
import { personalExperimentName } from '../../../lib/core/names';
import { ensureExperiment } from './access';
import { RotationError } from './errors';
import { MlflowApi, ResourceType } from './mlflow-api';
import { RotationDeps, UserSecret } from './types';

/** The CI user's permission on the promotion model and the learner's experiment. */
export const CI_PERMISSION = 'EDIT';
/** The learner's permission on their promotion model. */
export const OWNER_PERMISSION = 'MANAGE';

/** How long setSecret waits for the learner's MLflow user to exist, and how often it looks. */
const LEARNER_WAIT = { attempts: 6, intervalMs: 5_000 };

/** The learner whose CI user `username` is; throws when it is not a CI user name. */
export function learnerOfCiUser(username: string, arn: string): string {
  const slug = slugOfCiUsername(username);
  if (slug === undefined) {
    throw new RotationError(`the username of ${arn} is not a CI user name (ci.<slug>)`);
  }
  return slug;
}

/** Make `username` (`ci.<slug>`) hold what the module comment says, acting as `admin`. */
export async function ensureCiAccess(
  deps: RotationDeps,
  mlflow: MlflowApi,
  admin: UserSecret,
  username: string,
  arn: string,
  fields: Record<string, string>,
  wait: { attempts: number; intervalMs: number } = LEARNER_WAIT,
): Promise<void> {
  const slug = learnerOfCiUser(username, arn);
  const user = await mlflow.user(admin, username);
  if (user === undefined) {
    throw new RotationError(`setSecret: MLflow refused the admin's look-up of user ${username}`);
  }
  if (user.isAdmin) {
    await mlflow.setAdmin(admin, username, false);
    deps.log('info', 'setSecret: the CI user is no MLflow admin any more', fields);
  }
  const model = promotionModelName(slug);
  if (
    !(await mlflow.registeredModelExists(admin, model)) &&
    (await mlflow.createRegisteredModel(admin, model))
  ) {
    deps.log('info', 'setSecret: created the promotion model', { ...fields, model });
  }
  for (let attempt = 1; (await mlflow.user(admin, slug)) === undefined; attempt++) {
    if (attempt >= wait.attempts) {
      throw new RotationError(
        `setSecret: the learner's MLflow user ${slug} does not exist yet (their own secret's first rotation makes it); the next rotation grants`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, wait.intervalMs));
  }
  const experiment = await ensureExperiment(deps, mlflow, admin, personalExperimentName(slug), fields);
  await ensureGrant(deps, mlflow, admin, slug, 'registered_model', model, OWNER_PERMISSION, fields);
  await ensureGrant(deps, mlflow, admin, username, 'registered_model', model, CI_PERMISSION, fields);
  await ensureGrant(deps, mlflow, admin, username, 'experiment', experiment.id, CI_PERMISSION, fields);
}

/** `username` holds exactly `permission` on the resource: granted, or an other grant replaced. */
async function ensureGrant(
  deps: RotationDeps,
  mlflow: MlflowApi,
  admin: UserSecret,
  username: string,
  type: ResourceType,
  id: string,
  permission: string,
  fields: Record<string, string>,
): Promise<void> {
  const what = { ...fields, grantee: username, resourceType: type, permission };
  if (await mlflow.grant(admin, username, type, id, permission)) {
    deps.log('info', 'setSecret: granted', what);
    return;
  }
  // A grant exists: keep it when it is the right one, else replace it (MLflow has no update).
  if ((await mlflow.permission(admin, username, type, id)) !== permission) {
    await mlflow.revoke(admin, username, type, id);
    if (!(await mlflow.grant(admin, username, type, id, permission))) {
      throw new RotationError(
        `setSecret: ${permission} on ${type} ${id} could not be granted to ${username}`,
      );
    }
    deps.log('info', 'setSecret: replaced a grant', what);
  }
}

/**
 * Prove what {@link ensureCiAccess} made so: the CI user logs in, is no admin, and holds EDIT on
 * the promotion model and the learner's experiment (asked as itself); the learner holds MANAGE on
 * the model (asked as the admin, who alone may read another user's grants).
 */
export async function checkCiAccess(
  mlflow: MlflowApi,
  admin: UserSecret,
  user: UserSecret,
  arn: string,
): Promise<void> {
  const slug = learnerOfCiUser(user.username, arn);
  const self = await mlflow.user(user, user.username);
  if (self === undefined) {
    throw new RotationError(`testSecret: the pending password of ${arn} does not log in to MLflow`);
  }
  if (self.isAdmin) throw new RotationError(`testSecret: the CI user of ${arn} is an MLflow admin`);
  const model = promotionModelName(slug);
  const onModel = await mlflow.permission(user, user.username, 'registered_model', model);
  if (onModel !== CI_PERMISSION) {
    throw new RotationError(`testSecret: the CI user of ${arn} holds ${onModel} on ${model}, not EDIT`);
  }
  const name = personalExperimentName(slug);
  const experiment = await mlflow.experimentByName(user, name);
  if (experiment === undefined || experiment.lifecycleStage !== 'active') {
    throw new RotationError(`testSecret: the CI user of ${arn} sees no active experiment ${name}`);
  }
  const onExperiment = await mlflow.permission(user, user.username, 'experiment', experiment.id);
  if (onExperiment !== CI_PERMISSION) {
    throw new RotationError(`testSecret: the CI user of ${arn} holds ${onExperiment} on ${name}, not EDIT`);
  }
  const owner = await mlflow.permission(admin, slug, 'registered_model', model);
  if (owner !== OWNER_PERMISSION) {
    throw new RotationError(`testSecret: the learner ${slug} holds ${owner} on ${model}, not MANAGE`);
  }
}

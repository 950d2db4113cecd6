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
 *
 * This module is the entry and the dispatch (rotation on, the token's stage, the secret's kind);
 * steps.ts holds the steps, secret-store.ts the Secrets Manager reads, mlflow-api.ts the MLflow
 * calls.
 */
import {
  DescribeSecretCommand,
  DescribeSecretCommandOutput,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
// The module itself, not the lib/core index: the Lambda bundle must not pull in aws-cdk-lib.
import { SECRET_KIND_TAG, SecretKind } from '../../../lib/core/secret-kinds';
import { RotationError } from './errors';
import { createSecret, finishSecret, setSecret, testSecret } from './steps';
import { Logger, RotationDeps, RotationEvent } from './types';

export { RotationError } from './errors';
export { PASSWORD_LENGTH } from './secret-store';
export type { Logger, RotationDeps, RotationEvent, RotationStep } from './types';

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

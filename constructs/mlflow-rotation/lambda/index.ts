/**
 * The shared rotation Lambda of a cohort: rotates MLflow user passwords (the admin, every learner
 * and every instructor) through MLflow's own API, and generated secrets (Flask key, Redis
 * password); and serves the roster's members as a CloudFormation custom resource
 * (roster-member.ts). The entry tells the two apart by the event: a rotation has `Step`, a
 * custom-resource request `RequestType`.
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
 * steps.ts holds the steps, access.ts what a person's MLflow user holds besides its password,
 * admin.ts the admin credentials the function acts with, secret-store.ts the Secrets Manager
 * reads, mlflow-api.ts the MLflow calls, roster-member.ts and cfn-response.ts the roster members.
 */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import {
  DescribeSecretCommand,
  DescribeSecretCommandOutput,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
// The module itself, not the lib/core index: the Lambda bundle must not pull in aws-cdk-lib.
import { SECRET_KIND_TAG, SecretKind } from '../../../lib/core/secret-kinds';
import { responseTo, sendResponse } from './cfn-response';
import { RotationError } from './errors';
import { failedId, makeMemberHandler } from './roster-member';
import { createSecret, finishSecret, setSecret, testSecret } from './steps';
import { FunctionEvent, Logger, MemberDeps, MemberEvent, RotationDeps, RotationEvent } from './types';

export { RosterError, RotationError } from './errors';
export { makeMemberHandler } from './roster-member';
export { PASSWORD_LENGTH } from './secret-store';
export type {
  FunctionEvent,
  Logger,
  MemberDeps,
  MemberEvent,
  RotationDeps,
  RotationEvent,
  RotationStep,
} from './types';

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

/** A custom-resource request (it has `RequestType`), not a rotation step (which has `Step`). */
export function isMemberEvent(event: FunctionEvent): event is MemberEvent {
  return 'RequestType' in event;
}

let cached:
  | { rotate: (event: RotationEvent) => Promise<void>; member: (event: MemberEvent) => Promise<void> }
  | undefined;

/** Lambda entry point. Environment: MLFLOW_URL, ADMIN_SECRET_ID. */
export async function handler(event: FunctionEvent): Promise<void> {
  if (cached === undefined) {
    const mlflowUrl = process.env.MLFLOW_URL;
    const adminSecretId = process.env.ADMIN_SECRET_ID;
    if (!mlflowUrl || !adminSecretId) {
      const error = new RotationError('MLFLOW_URL and ADMIN_SECRET_ID must be set');
      if (isMemberEvent(event)) {
        // CloudFormation waits for an answer (up to the resource's timeout): give it one.
        await sendResponse(
          event.ResponseURL,
          responseTo(event, { Status: 'FAILED', Reason: error.message, PhysicalResourceId: failedId(event) }),
        );
        return;
      }
      throw error;
    }
    const deps: MemberDeps = {
      secrets: new SecretsManagerClient({}),
      cognito: new CognitoIdentityProviderClient({}),
      mlflowUrl,
      adminSecretId,
      log: jsonLog,
    };
    cached = { rotate: makeHandler(deps), member: makeMemberHandler(deps) };
  }
  if (isMemberEvent(event)) {
    await cached.member(event);
  } else {
    await cached.rotate(event);
  }
}

/**
 * The local lab as a validation target: its state directory says where MLflow, Feast, moto and the
 * OpenID provider answer; moto holds the cohort's secrets, bucket and key as the stacks create
 * them (lib/local/aws-state.ts); the OpenID provider gives a learner's Feast token. The lab has no
 * EKS cluster and no CloudWatch Logs: those two checks skip here and are tested against moto's EKS
 * and CloudWatch Logs in AWS mode (test/integration/validate.test.ts).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CohortConfig } from '../../config';
import { cohortKeyAlias, PRODUCT_PREFIX, secretNames, secretPrefix } from '../../core';
import { awsClients } from '../../local/aws-state';
import { localBucketName } from '../../local/infra';
import { labContext } from '../../local/lab';
import { personToken, runningState } from '../../local/lab-rotate';
import { DEFAULT_BASE_PORT } from '../../local/ports';
import { readState } from '../../local/state';
import { CheckId, MlflowLogin, ValidationTarget } from './types';

/** Why the database users' secrets do not rotate in the local lab. */
export const LOCAL_HOSTED_ROTATION =
  "the database users rotate with AWS's hosted rotation on AWS, which does not run in the local lab";

/** A login from a secret holding `{"username", "password"}`. */
export async function loginOf(sm: SecretsManagerClient, secretId: string): Promise<MlflowLogin> {
  // AWSCURRENT named: moto answers a call without a stage with the version it created first.
  const { SecretString } = await sm.send(
    new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }),
  );
  const value = JSON.parse(SecretString ?? '{}') as { username?: string; password?: string };
  if (value.username === undefined || value.password === undefined) {
    throw new Error(`the secret ${secretId} holds no username and password`);
  }
  return { username: value.username, password: value.password };
}

/** The running local lab of `config` in `stateDir`; a LabUsageError (exit 1) when it does not run. */
export async function localTarget(config: CohortConfig, stateDir: string): Promise<ValidationTarget> {
  const recorded = readState(stateDir);
  const ctx = labContext(stateDir, recorded?.basePort ?? DEFAULT_BASE_PORT);
  runningState(ctx, ['moto', 'mlflow', 'mlflow-pod', 'feast', 'oidc']);
  const endpoint = `http://127.0.0.1:${ctx.ports.moto}`;
  const { s3, sm, kms } = awsClients(endpoint);
  const names = secretNames(config.name);
  const learners = await Promise.all(config.learners.map((l) => loginOf(sm, names.learnerMlflow(l.slug))));
  const firstLearner = config.learners[0].slug;
  return {
    description: `local lab in ${stateDir}`,
    cohort: config.name,
    mlflow: {
      url: ctx.urls.mlflow,
      admin: await loginOf(sm, names.mlflowAdmin),
      learners,
      defaultPermission: config.mlflow.defaultPermission,
    },
    feast: {
      url: ctx.urls.feast,
      learner: firstLearner,
      token: () => personToken(ctx, config, firstLearner),
    },
    s3,
    bucket: localBucketName(config.name),
    kms,
    keyAlias: cohortKeyAlias(config.name),
    sm,
    secretPrefix: secretPrefix(config.name),
    rotationExempt: (name) =>
      name === names.dbMaster || name === names.dbMlflow ? LOCAL_HOSTED_ROTATION : undefined,
    logGroupMarker: `${PRODUCT_PREFIX}-${config.name}`,
    cluster: {
      skip:
        'the local lab has no EKS cluster and no CloudWatch Logs; run `validate` without --local on AWS ' +
        '(the check is tested against moto)',
    },
    notHere: {
      [CheckId.BUCKET_TLS_ONLY]:
        "moto serves plain HTTP and ignores a bucket policy's aws:SecureTransport condition (it would deny " +
        'every request), so the local bucket has no such policy; the check is tested against moto in AWS mode',
    },
    now: () => new Date(),
  };
}

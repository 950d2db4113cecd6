/**
 * A deployed cohort on AWS as a validation target, through AWS SDK v3 clients with the standard
 * credential chain (`--profile`, `--region`; `AWS_ENDPOINT_URL` is honoured by the SDK, which is
 * how the tests point it at moto). The bucket comes from the data stack's `ArtifactBucketName`
 * output unless `--bucket` names it; MLflow from the cohort's host name unless `--mlflow-url`
 * names it; the admin's and the learners' MLflow passwords from their secrets (the caller needs
 * `secretsmanager:GetSecretValue` on them: an instructor's or operator's role).
 *
 * Feast has no Ingress (it is in-cluster only), so its checks need `--feast-url` (a `kubectl
 * port-forward`) and, for the learner check, a learner's Cognito access token in
 * `COHORT_LAB_FEAST_TOKEN`; without them they skip and say how.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EKSClient } from '@aws-sdk/client-eks';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CohortConfig } from '../../config';
import {
  clusterName,
  cohortKeyAlias,
  PRODUCT_PREFIX,
  secretNames,
  secretPrefix,
  stackName,
} from '../../core';
import { loginOf } from './targets-local';
import { ValidateInputError, ValidationTarget } from './types';

export interface AwsTargetOptions {
  readonly region?: string;
  readonly profile?: string;
  /** @default https://<mlflow.hostname> */
  readonly mlflowUrl?: string;
  /** @default - the Feast checks skip */
  readonly feastUrl?: string;
  /** A learner's Feast access token. @default - the learner check skips */
  readonly feastToken?: string;
  /** @default - the data stack's ArtifactBucketName output */
  readonly bucket?: string;
}

/** The environment variable a learner's Feast access token is read from. */
export const FEAST_TOKEN_VARIABLE = 'COHORT_LAB_FEAST_TOKEN';

export async function awsTarget(config: CohortConfig, opts: AwsTargetOptions): Promise<ValidationTarget> {
  const region = opts.region ?? config.region;
  if (region === undefined) {
    throw new ValidateInputError(`${config.sourceFile} names no region: give one with --region`);
  }
  const mlflowUrl =
    opts.mlflowUrl ??
    (config.mlflow.hostname === undefined ? undefined : `https://${config.mlflow.hostname}`);
  if (mlflowUrl === undefined) {
    throw new ValidateInputError(
      `${config.sourceFile}: mlflow.hostname is not set (a sandbox without TLS): give MLflow's address with --mlflow-url`,
    );
  }
  const common = { region, ...(opts.profile === undefined ? {} : { profile: opts.profile }) };
  // moto and other S3 stand-ins on an IP address need path-style addressing.
  const s3 = new S3Client({ ...common, forcePathStyle: process.env.AWS_ENDPOINT_URL !== undefined });
  const sm = new SecretsManagerClient(common);
  const bucket = opts.bucket ?? (await bucketOutput(new CloudFormationClient(common), config.name));
  const names = secretNames(config.name);
  const learners = await Promise.all(config.learners.map((l) => loginOf(sm, names.learnerMlflow(l.slug))));
  const firstLearner = config.learners[0].slug;
  const feastToken = opts.feastToken;
  return {
    description: `AWS ${region}`,
    cohort: config.name,
    mlflow: {
      url: mlflowUrl.replace(/\/+$/, ''),
      admin: await loginOf(sm, names.mlflowAdmin),
      learners,
      defaultPermission: config.mlflow.defaultPermission,
    },
    feast:
      opts.feastUrl === undefined
        ? {
            skip:
              'Feast is in-cluster only (no Ingress): run `kubectl -n cohort-lab port-forward svc/feast 6566` ' +
              'and give --feast-url http://127.0.0.1:6566',
          }
        : {
            url: opts.feastUrl.replace(/\/+$/, ''),
            learner: firstLearner,
            token:
              feastToken === undefined
                ? `no learner token: put a learner's Cognito access token in ${FEAST_TOKEN_VARIABLE}`
                : () => Promise.resolve(feastToken),
          },
    s3,
    bucket,
    kms: new KMSClient(common),
    keyAlias: cohortKeyAlias(config.name),
    sm,
    secretPrefix: secretPrefix(config.name),
    rotationExempt: () => undefined,
    logGroupMarker: `${PRODUCT_PREFIX}-${config.name}`,
    cluster: {
      eks: new EKSClient(common),
      logs: new CloudWatchLogsClient(common),
      clusterName: clusterName(config.name),
    },
    notHere: {},
    now: () => new Date(),
  };
}

async function bucketOutput(cfn: CloudFormationClient, cohort: string): Promise<string> {
  const name = stackName(cohort, 'data');
  const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: name }));
  const output = Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'ArtifactBucketName')?.OutputValue;
  if (output === undefined) throw new Error(`the stack ${name} has no ArtifactBucketName output`);
  return output;
}

/**
 * What `cohort-lab validate` checks and what it reports: one result per check, each pass, fail or
 * skip with its evidence (status codes, ARNs, timestamps), and the environment the checks run on,
 * which is either a running local lab (targets-local.ts) or a deployed cohort on AWS
 * (targets-aws.ts). The checks themselves (one family per file) see only a {@link ValidationTarget}.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EKSClient } from '@aws-sdk/client-eks';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The checks, in the order they run and print. */
export enum CheckId {
  MLFLOW_AUTH = 'mlflow-auth',
  MLFLOW_LEARNER_RUN = 'mlflow-learner-run',
  MLFLOW_ISOLATION = 'mlflow-isolation',
  FEAST_LEARNER = 'feast-learner',
  FEAST_ANONYMOUS = 'feast-anonymous',
  SECRETS_ROTATION_ON = 'secrets-rotation-on',
  SECRETS_ROTATION_SUCCEEDED = 'secrets-rotation-succeeded',
  BUCKET_PUBLIC_ACCESS = 'bucket-public-access',
  BUCKET_TLS_ONLY = 'bucket-tls-only',
  EKS_ENDPOINT = 'eks-endpoint',
  LOG_RETENTION = 'log-retention',
}

/** Every check id, in order. */
export const CHECK_IDS: readonly CheckId[] = Object.values(CheckId);

/** What each check asserts, one line. */
export const CHECK_TITLES: Readonly<Record<CheckId, string>> = {
  [CheckId.MLFLOW_AUTH]:
    'MLflow refuses unauthenticated calls (REST, ajax, GraphQL, artifacts) and the default admin password',
  [CheckId.MLFLOW_LEARNER_RUN]:
    "a learner logs a run; its artifact lands in the bucket under mlflow/, encrypted with the cohort's key",
  [CheckId.MLFLOW_ISOLATION]: "under NO_PERMISSIONS, learner A cannot read learner B's work",
  [CheckId.FEAST_LEARNER]: 'Feast serves features to a learner',
  [CheckId.FEAST_ANONYMOUS]: 'Feast refuses anonymous calls and bad tokens',
  [CheckId.SECRETS_ROTATION_ON]: 'every secret of the cohort has rotation on',
  [CheckId.SECRETS_ROTATION_SUCCEEDED]: "every rotated secret's last rotation finished, within its schedule",
  [CheckId.BUCKET_PUBLIC_ACCESS]: 'the artifact bucket blocks public access',
  [CheckId.BUCKET_TLS_ONLY]: 'the artifact bucket refuses requests without TLS',
  [CheckId.EKS_ENDPOINT]: 'the EKS API endpoint is not open to the world',
  [CheckId.LOG_RETENTION]: 'every log group of the cohort has a retention',
};

export enum CheckStatus {
  PASS = 'pass',
  FAIL = 'fail',
  /** The check does not apply to this environment; the reason is the evidence. */
  SKIP = 'skip',
}

/** One check's outcome. */
export interface CheckResult {
  readonly id: CheckId;
  readonly title: string;
  readonly status: CheckStatus;
  /** What was observed: one line each (a status code, an ARN, a timestamp, a reason). */
  readonly evidence: readonly string[];
  readonly seconds: number;
}

/** A user name and password of MLflow. */
export interface MlflowLogin {
  readonly username: string;
  readonly password: string;
}

/** MLflow as the checks reach it. */
export interface MlflowTarget {
  /** Where MLflow answers (the Ingress's address, or the local lab's load balancer stand-in). */
  readonly url: string;
  readonly admin: MlflowLogin;
  /** Learners with their passwords (the first two take part in the isolation check). */
  readonly learners: readonly MlflowLogin[];
  /** The cohort's `mlflow.defaultPermission`. */
  readonly defaultPermission: string;
}

/** Feast as the checks reach it, or why it cannot be reached. */
export type FeastTarget =
  | {
      readonly url: string;
      /** The learner whose token the check uses. */
      readonly learner: string;
      /** How to get their access token, or why there is none (the learner check skips). */
      readonly token: (() => Promise<string>) | string;
    }
  | { readonly skip: string };

/** The cluster's API endpoint and the log groups, or why they do not exist here. */
export type ClusterTarget =
  | { readonly eks: EKSClient; readonly logs: CloudWatchLogsClient; readonly clusterName: string }
  | { readonly skip: string };

/** Everything the checks need of an environment. */
export interface ValidationTarget {
  /** What is validated, for the report (`local lab in <dir>`, `AWS eu-west-1`). */
  readonly description: string;
  readonly cohort: string;
  readonly mlflow: MlflowTarget;
  readonly feast: FeastTarget;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly kms: KMSClient;
  /** The cohort key's alias (`alias/cohort-lab/<cohort>`). */
  readonly keyAlias: string;
  readonly sm: SecretsManagerClient;
  /** Every secret of the cohort starts with it. */
  readonly secretPrefix: string;
  /**
   * Why a secret is not rotated in this environment although it is on AWS (the local lab does not
   * run AWS's hosted rotation of the database users), or undefined when it must be.
   */
  readonly rotationExempt: (secretName: string) => string | undefined;
  /** Text to search for, among the cohort's log groups (`cohortlab-<cohort>`). */
  readonly logGroupMarker: string;
  readonly cluster: ClusterTarget;
  /** Checks that cannot run on this environment, each with why and how it is tested instead. */
  readonly notHere: Partial<Readonly<Record<CheckId, string>>>;
  /** The clock the rotation schedule is checked against. */
  readonly now: () => Date;
}

/** The outcome of one check before it is timed and titled. */
export interface CheckOutcome {
  readonly status: CheckStatus;
  readonly evidence: readonly string[];
}

export const pass = (evidence: readonly string[]): CheckOutcome => ({ status: CheckStatus.PASS, evidence });
export const fail = (evidence: readonly string[]): CheckOutcome => ({ status: CheckStatus.FAIL, evidence });
export const skip = (reason: string): CheckOutcome => ({ status: CheckStatus.SKIP, evidence: [reason] });

/** Bad input to `validate` (an unknown check, a missing region or address): exit 2. */
export class ValidateInputError extends Error {}

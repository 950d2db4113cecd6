import { createHash } from 'crypto';
import type { CohortConfig, EnvironmentConfig } from '../../lib/config';
import { COHORT_NAMESPACE, EXTERNAL_SECRETS, secretNames } from '../../lib/core';

/**
 * What the charts need from the AWS side. In the apps stack these are CDK tokens (resolved at
 * deploy time); for a standalone `cdk8s synth` they come from an environment file
 * ({@link infraFromEnvironment}).
 */
export interface InfraValues {
  /** AWS region of the cohort. */
  readonly region: string;
  /** Name of the cohort's artifact bucket. */
  readonly artifactBucketName: string;
  /** CIDR of the cohort VPC: load balancer targets and the database live in it. */
  readonly vpcCidr: string;
  /** PostgreSQL endpoint of MLflow's database. */
  readonly database: DatabaseEndpoint;
  /** Container images of the workloads. */
  readonly images: { readonly mlflow: string; readonly feast: string };
  /**
   * Where each of `images` comes from. It decides how the image is pinned, and so whether the
   * workload needs checkov's image-digest exception (CKV_K8S_43) and with what reason.
   */
  readonly imageSources: { readonly mlflow: ImageSource; readonly feast: ImageSource };
  /**
   * Synth-time identities of the images (the CDK asset hash of a built image), for naming Jobs:
   * an image URI built at deploy time is a token whose value synth cannot see.
   * @default - the image references themselves
   */
  readonly imageIds?: { readonly mlflow: string; readonly feast: string };
  /** OpenID Connect provider that signs Feast's bearer tokens (the cohort's Cognito user pool). */
  readonly oidc: OidcValues;
  /** ClusterSecretStore that reads the cohort's Secrets Manager secrets. */
  readonly secretStoreName: string;
  /**
   * The private load balancer in front of MLflow for in-VPC callers (the rotation function): the
   * chart binds the MLflow pods to its target group and allows its host name.
   * @default - no private endpoint
   */
  readonly mlflowPrivateEndpoint?: { readonly hostname: string; readonly targetGroupArn: string };
  /**
   * The WAFv2 web ACL of MLflow's internet-facing load balancer (rate limit, AWS managed rules).
   * @default - no web ACL
   */
  readonly mlflowWebAclArn?: string;
}

/** Where a workload's image reference comes from. */
export enum ImageSource {
  /**
   * Built from `images/` by CDK at deploy time and tagged with its content hash in the immutable
   * CDK assets repository; synth sees only a token, never a digest.
   */
  CDK_ASSET = 'cdk-asset',
  /** Prebuilt, named in the cohort file (`mlflow.image`, `feast.image`, `feast.redisImage`). */
  COHORT_FILE = 'cohort-file',
  /** Prebuilt, named in the environment file of standalone manifests (`images.mlflow`, `images.feast`). */
  ENVIRONMENT_FILE = 'environment-file',
}

/**
 * The setting an operator changes to repin a prebuilt image of `workload` from `source`, for
 * messages and checkov reasons (a CDK-built image has none: it changes with `images/`).
 */
export function imageSetting(workload: 'mlflow' | 'feast', source: ImageSource): string {
  switch (source) {
    case ImageSource.CDK_ASSET:
      return `images/${workload} (built by CDK)`;
    case ImageSource.COHORT_FILE:
      return `the cohort file's ${workload}.image`;
    case ImageSource.ENVIRONMENT_FILE:
      return `the environment file's images.${workload}`;
  }
}

/** Where MLflow's PostgreSQL listens. */
export interface DatabaseEndpoint {
  readonly host: string;
  readonly port: number;
  /** libpq `sslmode`; RDS for PostgreSQL 15+ refuses plain connections. */
  readonly sslMode: 'require' | 'verify-full';
}

/** The OpenID provider Feast validates tokens against. */
export interface OidcValues {
  /** `.well-known/openid-configuration` URL. */
  readonly discoveryUrl: string;
  /** Expected `iss` claim. */
  readonly issuer: string;
  /**
   * OAuth client id of the app client learners sign in with (Cognito: the user pool client).
   * Feast only uses it to read roles from `resource_access.<clientId>.roles`.
   * @default - not configured; Feast reads roles from the top-level `roles` claim only
   */
  readonly clientId?: string;
}

/** Everything one chart set is built from: the validated cohort plus the infrastructure values. */
export interface ChartValues {
  readonly config: CohortConfig;
  readonly infra: InfraValues;
  /** Namespace of the shared services. */
  readonly namespace: string;
  /** Secrets Manager names of the cohort's secrets. */
  readonly secrets: ReturnType<typeof secretNames>;
  /**
   * How often the External Secrets Operator re-reads Secrets Manager, in seconds. Together with
   * Reloader's rollout this bounds how long a rotated value takes to reach pods (docs/secrets.md).
   */
  readonly secretRefreshSeconds: number;
}

/**
 * Infrastructure values from an environment file (lib/config/environment.ts): the operator names
 * prebuilt images there, pinned by whatever tag or digest the file gives.
 */
export function infraFromEnvironment(env: EnvironmentConfig): InfraValues {
  return {
    ...env,
    imageSources: { mlflow: ImageSource.ENVIRONMENT_FILE, feast: ImageSource.ENVIRONMENT_FILE },
  };
}

/** Default {@link ChartValues.secretRefreshSeconds}: the project-wide ESO refresh interval. */
export const SECRET_REFRESH_SECONDS = EXTERNAL_SECRETS.refreshIntervalSeconds;

/** Chart values for `config` on the given infrastructure. */
export function chartValues(config: CohortConfig, infra: InfraValues): ChartValues {
  return {
    config,
    infra,
    namespace: COHORT_NAMESPACE,
    secrets: secretNames(config.name),
    secretRefreshSeconds: SECRET_REFRESH_SECONDS,
  };
}

/**
 * A short hash of `parts` that is the same on every synth: CDK tokens (values only known at deploy
 * time, such as the bucket name in the apps stack) are replaced by a fixed marker, because their
 * string form changes between synths. Names of immutable objects (Jobs) use it, so a Job is renamed
 * exactly when something known at synth time changed, e.g. an image (see InfraValues.imageIds).
 */
export function stableFingerprint(parts: readonly unknown[]): string {
  const text = JSON.stringify(parts).replace(DEPLOY_TIME_TOKEN, '${deploy-time}');
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** How a CDK token (a value only known at deploy time) looks inside a string. */
const DEPLOY_TIME_TOKEN = /\$\{Token\[[^\]]*\]\}/g;

/**
 * True when `value` holds a CDK token, so its real value is only known at deploy time and a
 * synth-time check of it must wait (the apps stack passes bucket names, URLs and ARNs this way).
 */
export function isDeployTimeToken(value: string): boolean {
  return new RegExp(DEPLOY_TIME_TOKEN.source).test(value);
}

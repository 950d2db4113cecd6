import { FEAST_PORT, MLFLOW_PORT } from './ports';
import { LEARNERS_PREFIX } from './prefixes';

/**
 * Names shared between the CDK stacks, the cdk8s charts and the ops commands. A name here is a
 * contract: the cluster stack grants on it, the charts refer to it, ops find resources by it, and
 * renaming one breaks a running cohort.
 */

/** Prefix of every CloudFormation stack and physical name of the product. */
export const PRODUCT_PREFIX = 'cohortlab';

/** `cohortlab-<cohort>-<part>`: the CloudFormation stack name of one part of a cohort. */
export function stackName(cohort: string, part: string): string {
  return `${PRODUCT_PREFIX}-${cohort}-${part}`;
}

/** The EKS cluster name of a cohort: `cohortlab-<cohort>`. */
export function clusterName(cohort: string): string {
  return `${PRODUCT_PREFIX}-${cohort}`;
}

/** The cohort KMS key's alias: `alias/cohort-lab/<cohort>` (CohortKey; the local lab's key in moto). */
export function cohortKeyAlias(cohort: string): string {
  return `alias/cohort-lab/${cohort}`;
}

/** The Feast project of a cohort whose file names none: the cohort name with `-` turned into `_`. */
export function defaultFeastProject(cohort: string): string {
  return cohort.replace(/-/g, '_');
}

/** Kubernetes namespace of the cohort's shared services (MLflow, Feast, Redis). */
export const COHORT_NAMESPACE = 'cohort-lab';

/** Service accounts (in {@link COHORT_NAMESPACE}) that get AWS access through EKS Pod Identity. */
export const SERVICE_ACCOUNTS = {
  mlflow: 'mlflow',
  feast: 'feast',
} as const;

/** Namespace and service account of the External Secrets Operator. */
export const EXTERNAL_SECRETS = {
  namespace: 'external-secrets',
  serviceAccount: 'external-secrets',
  /**
   * The ClusterSecretStore (Secrets Manager, the cohort's region) every ExternalSecret refers to;
   * only ExternalSecrets in {@link COHORT_NAMESPACE} may use it.
   */
  clusterSecretStore: 'cohort-secrets-manager',
  /**
   * The `refreshInterval` every ExternalSecret sets, in seconds: a rotated value reaches the
   * Kubernetes Secret within this long, then Reloader restarts the pods that use it (docs/secrets.md).
   */
  refreshIntervalSeconds: 60,
} as const;

/** Namespace of Stakater Reloader (restarts workloads annotated `reloader.stakater.com/auto`). */
export const RELOADER_NAMESPACE = 'reloader';

/** MLflow's address inside the cluster: its Service in the cohort namespace. */
export function mlflowInClusterUrl(namespace: string = COHORT_NAMESPACE): string {
  return `http://mlflow.${namespace}.svc.cluster.local:${MLFLOW_PORT}`;
}

/** The Feast feature server's address inside the cluster (its only address: it has no Ingress). */
export function feastInClusterUrl(namespace: string = COHORT_NAMESPACE): string {
  return `http://feast.${namespace}.svc.cluster.local:${FEAST_PORT}`;
}

/** Prefix of every Secrets Manager secret of a cohort: `cohort-lab/<cohort>/`. */
export function secretPrefix(cohort: string): string {
  return `cohort-lab/${cohort}/`;
}

/** Secrets Manager names of the cohort's service secrets. */
export function secretNames(cohort: string) {
  const p = secretPrefix(cohort);
  return {
    /** MLflow admin user: `{"username","password"}`. */
    mlflowAdmin: `${p}mlflow-admin`,
    /** Flask secret key shared by all MLflow replicas: `{"secretKey"}`. */
    mlflowFlaskKey: `${p}mlflow-flask-secret-key`,
    /** RDS master user (used only by rotation and the database bootstrap job). */
    dbMaster: `${p}db-master`,
    /** MLflow's database user, rotated with alternating users. */
    dbMlflow: `${p}db-mlflow`,
    /** Redis password of the Feast online store: `{"password"}`. */
    redis: `${p}redis`,
    /** One learner's MLflow credentials: `{"username","password"}`. */
    learnerMlflow: (slug: string) => `${p}${LEARNERS_PREFIX}${slug}/mlflow`,
    /** The MLflow credentials of one learner's CI (`ci.<slug>`): `{"username","password"}`. */
    learnerMlflowCi: (slug: string) => `${p}${LEARNERS_PREFIX}${slug}/mlflow-ci`,
    /** One instructor's MLflow credentials (an MLflow admin): `{"username","password"}`. */
    instructorMlflow: (slug: string) => `${p}instructors/${slug}/mlflow`,
  };
}

/**
 * A learner's personal MLflow experiment, `learners/<slug>`: the rotation function creates it with
 * the learner's MLflow user and grants the learner MANAGE on it, and the learner's
 * `MLFLOW_EXPERIMENT_NAME` names it, so a first run needs no experiment chosen (under
 * `default_permission = NO_PERMISSIONS` MLflow refuses the Default experiment).
 */
export function personalExperimentName(slug: string): string {
  return `${LEARNERS_PREFIX}${slug}`;
}

import { ApiEndpointAccess, ArtifactRetention, ExpiryAction, MlflowPermission } from '../core';
import { ComputeConfig, DatabaseSizing, Profile } from './profile';

/** An instructor after validation and normalisation. */
export interface Instructor {
  /** The id as written in the cohort file. */
  readonly id: string;
  /** The normalised id: MLflow username (see `identity.ts`). */
  readonly slug: string;
  readonly email: string;
  /** IAM role or user that gets cluster-admin access. @default - no cluster access entry */
  readonly iamPrincipalArn?: string;
  /** The `learners-N` stack that holds the person's resources (lib/core/shards.ts). */
  readonly shard: number;
}

/** A learner after validation and normalisation. */
export interface Learner {
  /** The id as written in the cohort file. */
  readonly id: string;
  /** The normalised id: MLflow username (see `identity.ts`). */
  readonly slug: string;
  readonly email: string;
  readonly displayName: string;
  /** The learner's own Kubernetes namespace, `learner-<slug>`. */
  readonly namespace: string;
  /** The learner's own S3 prefix in the artifact bucket, `learners/<slug>/`. */
  readonly s3Prefix: string;
  /** IAM role or user limited to the learner's namespace. @default - no cluster access entry */
  readonly iamPrincipalArn?: string;
  /** The `learners-N` stack that holds the person's resources (lib/core/shards.ts). */
  readonly shard: number;
  /** The learner's GitHub repository for the promotion lab. @default - no CI role, CI user or serving */
  readonly github?: LearnerGithub;
}

/** A learner's GitHub repository (Lab 2): their CI role trusts its environments. */
export interface LearnerGithub {
  /** `<owner>/<repo>`, as GitHub spells it. */
  readonly repository: string;
  /** The deployment environments whose jobs may assume the CI role. @default ['staging', 'production'] */
  readonly environments: readonly string[];
}

/** The cohort's GitHub settings, with defaults filled in. */
export interface GithubConfig {
  /**
   * The existing GitHub OIDC provider the CI roles trust (an account holds one per URL, so a second
   * cohort in an account names the first's). @default - the data stack creates it when a learner names a repository
   */
  readonly existingOidcProviderArn?: string;
}

/** MLflow settings with profile defaults filled in. */
export interface MlflowConfig {
  /** Permission on resources nobody was granted explicitly. */
  readonly defaultPermission: MlflowPermission;
  /** Public host name of the MLflow UI/API. @default - the load balancer's own DNS name (sandbox only) */
  readonly hostname?: string;
  /** ACM certificate for the ingress. @default - plain HTTP, sandbox only, with a loud warning */
  readonly certificateArn?: string;
  readonly replicas: number;
  /** Prebuilt image. @default - built from images/mlflow at deploy time */
  readonly image?: string;
  /**
   * IPv4 networks the MLflow Ingress admits (`alb.ingress.kubernetes.io/inbound-cidrs`).
   * Empty: the internet, behind the web ACL's rate limit.
   */
  readonly allowedCidrs: readonly string[];
  /** The explicit opt-in that lets `allowedCidrs` include 0.0.0.0/0 (or any block broader than /8). */
  readonly allowAccessFromAnywhere: boolean;
}

/** Lab 3's drift job (a CronJob per learner) with defaults filled in. */
export interface DriftConfig {
  /** Five-field cron schedule, in UTC. @default DEFAULT_DRIFT_SCHEDULE (daily at 06:00) */
  readonly schedule: string;
  /** Prebuilt image. @default - built from images/monitoring at deploy time */
  readonly image?: string;
}

/** Feast settings with defaults filled in. */
export interface FeastConfig {
  readonly project: string;
  /** Prebuilt image. @default - built from images/feast at deploy time */
  readonly image?: string;
  /** Redis image of the online store. @default - DEFAULT_REDIS_IMAGE (lib/core/images.ts) */
  readonly redisImage: string;
  /** Feature server replicas. */
  readonly replicas: number;
}

/** The cohort cluster's API endpoint, after validation. */
export interface ClusterConfig {
  /** Who can reach the Kubernetes API. @default ApiEndpointAccess.PRIVATE */
  readonly endpointAccess: ApiEndpointAccess;
  /** CIDR blocks allowed to reach the public endpoint; empty when the endpoint is private. */
  readonly publicAccessCidrs: readonly string[];
  /** The explicit opt-in that lets `publicAccessCidrs` include 0.0.0.0/0 (or any block broader than /8). */
  readonly allowPublicAccessFromAnywhere: boolean;
}

export type { ComputeConfig };

/** What happens at the expiry, with the profile's defaults filled in. */
export interface ExpiryConfig {
  readonly action: ExpiryAction;
  /** Days before `lab:expires` a reminder goes to the alert topic, largest first, no repeats. */
  readonly remindDaysBefore: readonly number[];
}

/** The cohort's AWS Budget (on the `lab:cohort` cost-allocation tag). */
export interface BudgetConfig {
  /** Monthly amount in US dollars. @default - the cost ceiling's month (lib/config/cost.ts, budgetAmountUsd) */
  readonly monthlyUsd?: number;
  /** Alert when the forecast for the month reaches this share of the amount, in percent. */
  readonly forecastPercent: number;
  /** Alert when the actual spend reaches each of these shares of the amount, in percent. */
  readonly actualPercent: readonly number[];
}

/** Drift alarm thresholds (a learner's alarm fires when either is reached). */
export interface DriftAlarmConfig {
  readonly driftedFeatures: number;
  readonly maxPsi: number;
}

/** Where the cohort's alerts go beside the roster (instructors get critical ones, learners their warnings). */
export interface AlertsConfig {
  /** Ops addresses that get every critical alert and every drift alarm, no repeats. */
  readonly ops: readonly string[];
  readonly drift: DriftAlarmConfig;
  /** A Slack channel that gets every alert. @default - none */
  readonly slack?: { readonly workspaceId: string; readonly channelId: string };
}

/** A validated cohort: the only thing `bin/` passes down to stacks. */
export interface CohortConfig {
  /** Path of the cohort file it came from, as given to the loader. */
  readonly sourceFile: string;
  /** DNS-safe cohort name; prefix of every stack and physical name. */
  readonly name: string;
  readonly profile: Profile;
  /** Target account. @default - environment-agnostic synth */
  readonly account?: string;
  /** Target region. @default - environment-agnostic synth */
  readonly region?: string;
  /** Who answers for the environment; the `lab:owner` tag. */
  readonly owner: string;
  /** Course dates, ISO `YYYY-MM-DD`. */
  readonly course: { readonly start: string; readonly end: string };
  /** The day the environment expires (the course end); the `lab:expires` tag. */
  readonly expires: string;
  readonly instructors: readonly Instructor[];
  readonly learners: readonly Learner[];
  readonly compute: ComputeConfig;
  readonly mlflow: MlflowConfig;
  /**
   * MLflow's PostgreSQL: the profile's, grown to hold the MLflow pods' connection pools and the
   * roster's data (Profile.databaseFor, docs/scale.md).
   */
  readonly database: DatabaseSizing;
  readonly feast: FeastConfig;
  readonly drift: DriftConfig;
  readonly cluster: ClusterConfig;
  readonly artifacts: { readonly retention: ArtifactRetention };
  readonly expiry: ExpiryConfig;
  readonly budget: BudgetConfig;
  readonly alerts: AlertsConfig;
  /**
   * The cohort's `github` section: with it, the data stack holds GitHub's OIDC provider (or names
   * the existing one) and the CI policy, whatever the roster (so a learner joining or leaving never
   * changes the data stack). A learner's `github.repository` needs it. @default - no GitHub CI
   */
  readonly github?: GithubConfig;
  /** Extra tags from the cohort file, applied beside the `lab:*` tags. */
  readonly tags: Readonly<Record<string, string>>;
}

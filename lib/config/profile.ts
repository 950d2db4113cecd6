import {
  ArtifactRetention,
  databaseAtPeak,
  databaseClassRank,
  DatabaseRemoval,
  Egress,
  ExpiryAction,
  replicasAtPeak,
} from '../core';

/** Worker capacity for the cohort cluster, with profile defaults filled in. */
export interface ComputeConfig {
  readonly instanceTypes: readonly string[];
  readonly minNodes: number;
  readonly maxNodes: number;
  readonly spot: boolean;
}

/** MLflow's PostgreSQL instance as a profile sizes it (the stacks turn it into CDK types). */
export interface DatabaseSizing {
  /** RDS instance class without the `db.` prefix, e.g. `t4g.small`. */
  readonly instanceClass: string;
  /** Storage allocated at creation, in GiB (storage autoscaling may grow it). */
  readonly allocatedStorageGiB: number;
  /** Upper bound for storage autoscaling, in GiB. */
  readonly maxAllocatedStorageGiB: number;
  /** How long automated backups (point-in-time recovery) are kept, in days. */
  readonly backupRetentionDays: number;
  /** What deleting the stack does to the instance. */
  readonly removal: DatabaseRemoval;
  /** RDS deletion protection: the instance cannot be deleted until it is switched off. */
  readonly deletionProtection: boolean;
}

/** Names a profile can have in a cohort file. */
export type ProfileName = 'cohort' | 'sandbox';

/** Every setting a profile fixes (see the getters of {@link Profile}). */
interface ProfileSettings {
  readonly name: ProfileName;
  readonly defaultRetention: ArtifactRetention;
  readonly allowedRetentions: readonly ArtifactRetention[];
  readonly noncurrentVersionExpirationDays: number;
  readonly accessLogExpirationDays: number;
  readonly maxCourseDays: number;
  readonly maxLearners: number;
  readonly minInstructors: number;
  readonly learnerShards: number;
  readonly requiresTls: boolean;
  readonly defaultCompute: ComputeConfig;
  readonly defaultMlflowReplicas: number;
  readonly defaultFeastReplicas: number;
  readonly egress: Egress;
  readonly logRetentionDays: number;
  readonly database: DatabaseSizing;
  readonly defaultExpiryAction: ExpiryAction;
  readonly defaultReminderDays: readonly number[];
  readonly allowedExpiryActions: readonly ExpiryAction[];
}

/**
 * A deployment profile: the defaults that differ between a full course cohort and a learner's
 * personal sandbox. Use the static factories; every figure here is a default the cohort file may
 * override only where the schema says so. Plain data with units in the names: the stacks turn
 * it into CDK types (lib/stacks/profile-mapping.ts), so config needs no aws-cdk-lib.
 */
export class Profile {
  /** A course cohort: long-lived, many learners, nothing is ever deleted by accident. */
  public static cohort(): Profile {
    return new Profile({
      name: 'cohort',
      defaultRetention: ArtifactRetention.RETAIN,
      allowedRetentions: [ArtifactRetention.RETAIN, ArtifactRetention.EXPORT],
      noncurrentVersionExpirationDays: 90,
      accessLogExpirationDays: 365,
      maxCourseDays: 366,
      maxLearners: 1000,
      minInstructors: 1,
      learnerShards: 64,
      requiresTls: true,
      defaultCompute: { instanceTypes: ['m6i.large'], minNodes: 2, maxNodes: 4, spot: false },
      defaultMlflowReplicas: 2,
      defaultFeastReplicas: 2,
      egress: Egress.NAT_GATEWAY,
      logRetentionDays: 90,
      database: {
        instanceClass: 't4g.small',
        allocatedStorageGiB: 20,
        maxAllocatedStorageGiB: 100,
        backupRetentionDays: 7,
        removal: DatabaseRemoval.SNAPSHOT,
        deletionProtection: true,
      },
      defaultExpiryAction: ExpiryAction.NOTIFY,
      defaultReminderDays: [14, 3],
      // Cohort stacks have termination protection: a scheduled DeleteStack would fail.
      allowedExpiryActions: [ExpiryAction.NOTIFY, ExpiryAction.SCALE_TO_ZERO],
    });
  }

  /** A learner's sandbox: cheap, short-lived, may delete its own artifacts on teardown. */
  public static sandbox(): Profile {
    return new Profile({
      name: 'sandbox',
      defaultRetention: ArtifactRetention.DELETE,
      allowedRetentions: [ArtifactRetention.RETAIN, ArtifactRetention.EXPORT, ArtifactRetention.DELETE],
      noncurrentVersionExpirationDays: 7,
      accessLogExpirationDays: 30,
      maxCourseDays: 31,
      maxLearners: 5,
      minInstructors: 0,
      learnerShards: 1,
      requiresTls: false,
      defaultCompute: { instanceTypes: ['t3.large', 't3a.large'], minNodes: 1, maxNodes: 2, spot: true },
      defaultMlflowReplicas: 1,
      defaultFeastReplicas: 1,
      egress: Egress.NAT_INSTANCE,
      logRetentionDays: 7,
      database: {
        instanceClass: 't4g.micro',
        allocatedStorageGiB: 20,
        maxAllocatedStorageGiB: 20,
        backupRetentionDays: 1,
        removal: DatabaseRemoval.DESTROY,
        deletionProtection: false,
      },
      // The cheapest: nothing billed by the hour is left once the stacks are gone.
      defaultExpiryAction: ExpiryAction.TEARDOWN,
      defaultReminderDays: [2],
      allowedExpiryActions: [ExpiryAction.NOTIFY, ExpiryAction.SCALE_TO_ZERO, ExpiryAction.TEARDOWN],
    });
  }

  /** The profile called `name` in a cohort file. */
  public static fromName(name: ProfileName): Profile {
    return name === 'sandbox' ? Profile.sandbox() : Profile.cohort();
  }

  /** `cohort` or `sandbox`; becomes the `lab:profile` tag. */
  public readonly name: ProfileName;
  /** Retention used when the cohort file does not set `artifacts.retention`. */
  public readonly defaultRetention: ArtifactRetention;
  /** Retentions this profile accepts. */
  public readonly allowedRetentions: readonly ArtifactRetention[];
  /** How long a replaced or deleted artifact version is kept, in days. */
  public readonly noncurrentVersionExpirationDays: number;
  /** How long S3 server access logs are kept, in days. */
  public readonly accessLogExpirationDays: number;
  /** Longest allowed span from course start to course end, in days. */
  public readonly maxCourseDays: number;
  /** Most learners one environment of this profile may have. */
  public readonly maxLearners: number;
  /** Fewest instructors the cohort file must list. */
  public readonly minInstructors: number;
  /**
   * How many `learners-N` stacks the roster is spread over (lib/core/shards.ts). Fixed per
   * profile, never grown with the roster: a new count would move people between stacks. 64 keep
   * 1,000 people at about 16 per stack (the fullest about 27), inside MAX_PEOPLE_PER_SHARD and the
   * template byte budget with Lab 2 and Lab 3's resources (lib/core/shards.ts).
   */
  public readonly learnerShards: number;
  /** MLflow must be served over TLS (`mlflow.certificateArn` required): basic-auth passwords cross the internet. */
  public readonly requiresTls: boolean;
  /** Worker capacity used where the cohort file's `compute` section is silent. */
  public readonly defaultCompute: ComputeConfig;
  /**
   * Fewest MLflow server replicas (each runs one uvicorn worker): the default grows with the
   * roster, see {@link mlflowReplicasFor}.
   */
  public readonly defaultMlflowReplicas: number;
  /** Fewest Feast feature server replicas; see {@link feastReplicasFor}. */
  public readonly defaultFeastReplicas: number;
  /** How the VPC's private subnets reach the internet. */
  public readonly egress: Egress;
  /**
   * Retention of the cohort's CloudWatch log groups (EKS control plane, VPC flow logs, database,
   * Lambdas), in days; one of the values CloudWatch Logs accepts.
   */
  public readonly logRetentionDays: number;
  /**
   * Size, backups and removal of MLflow's PostgreSQL instance; the size is the floor, see
   * {@link databaseFor}.
   */
  public readonly database: DatabaseSizing;
  /** What the expiry schedule does when the cohort file's `expiry.action` is silent. */
  public readonly defaultExpiryAction: ExpiryAction;
  /** Days before the expiry the reminders go out, when `expiry.remindDaysBefore` is silent. */
  public readonly defaultReminderDays: readonly number[];
  /** Expiry actions this profile accepts. */
  public readonly allowedExpiryActions: readonly ExpiryAction[];

  private constructor(settings: ProfileSettings) {
    this.name = settings.name;
    this.defaultRetention = settings.defaultRetention;
    this.allowedRetentions = settings.allowedRetentions;
    this.noncurrentVersionExpirationDays = settings.noncurrentVersionExpirationDays;
    this.accessLogExpirationDays = settings.accessLogExpirationDays;
    this.maxCourseDays = settings.maxCourseDays;
    this.maxLearners = settings.maxLearners;
    this.minInstructors = settings.minInstructors;
    this.learnerShards = settings.learnerShards;
    this.requiresTls = settings.requiresTls;
    this.defaultCompute = settings.defaultCompute;
    this.defaultMlflowReplicas = settings.defaultMlflowReplicas;
    this.defaultFeastReplicas = settings.defaultFeastReplicas;
    this.egress = settings.egress;
    this.logRetentionDays = settings.logRetentionDays;
    this.database = settings.database;
    this.defaultExpiryAction = settings.defaultExpiryAction;
    this.defaultReminderDays = settings.defaultReminderDays;
    this.allowedExpiryActions = settings.allowedExpiryActions;
  }

  /**
   * MLflow replicas of a roster of `learners` where the cohort file is silent: what the lab's
   * peak needs (lib/core/serving.ts, docs/scale.md), never fewer than this profile's floor.
   */
  public mlflowReplicasFor(learners: number): number {
    return Math.max(this.defaultMlflowReplicas, replicasAtPeak('mlflow', learners));
  }

  /** Feast replicas of a roster of `learners`, as {@link mlflowReplicasFor}. */
  public feastReplicasFor(learners: number): number {
    return Math.max(this.defaultFeastReplicas, replicasAtPeak('feast', learners));
  }

  /**
   * MLflow's database for a roster of `learners` served by `mlflowReplicas` pods: the class whose
   * connection budget holds every pod's pools and storage for the course (lib/core/database-sizing.ts,
   * docs/scale.md), never smaller than this profile's; backups and removal are the profile's.
   */
  public databaseFor(learners: number, mlflowReplicas: number): DatabaseSizing {
    const need = databaseAtPeak(learners, mlflowReplicas);
    const floor = this.database;
    const allocated = Math.max(floor.allocatedStorageGiB, need.allocatedStorageGiB);
    return {
      ...floor,
      instanceClass:
        databaseClassRank(need.instanceClass) > databaseClassRank(floor.instanceClass)
          ? need.instanceClass
          : floor.instanceClass,
      allocatedStorageGiB: allocated,
      maxAllocatedStorageGiB: Math.max(floor.maxAllocatedStorageGiB, need.maxAllocatedStorageGiB, allocated),
    };
  }

  /** True for the sandbox profile: cheap, short-lived, deletable without protection. */
  public get isSandbox(): boolean {
    return this.name === 'sandbox';
  }
}

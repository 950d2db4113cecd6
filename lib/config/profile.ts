import { Duration } from 'aws-cdk-lib';
import type { ComputeConfig } from './types';

/** What happens to the cohort's artifacts (the S3 bucket) when the environment is torn down. */
export enum ArtifactRetention {
  /** The bucket and every object version stay in the account after the stacks are deleted. */
  RETAIN = 'retain',
  /** The bucket stays (like RETAIN) until `cohort-lab export` has copied it out; ops then delete it. */
  EXPORT = 'export',
  /** Deleting the stack empties and deletes the bucket. Sandboxes only. */
  DELETE = 'delete',
}

/** Names a profile can have in a cohort file. */
export type ProfileName = 'cohort' | 'sandbox';

/**
 * A deployment profile: the defaults that differ between a full course cohort and a learner's
 * personal sandbox. Use the static factories; every figure here is a default the cohort file may
 * override only where the schema says so.
 */
export class Profile {
  /** A course cohort: long-lived, many learners, nothing is ever deleted by accident. */
  public static cohort(): Profile {
    return new Profile({
      name: 'cohort',
      defaultRetention: ArtifactRetention.RETAIN,
      allowedRetentions: [ArtifactRetention.RETAIN, ArtifactRetention.EXPORT],
      noncurrentVersionExpiration: Duration.days(90),
      accessLogExpiration: Duration.days(365),
      maxCourseDays: 366,
      maxLearners: 1000,
      defaultCompute: { instanceTypes: ['m6i.large'], minNodes: 2, maxNodes: 4, spot: false },
      defaultMlflowReplicas: 2,
    });
  }

  /** A learner's sandbox: cheap, short-lived, may delete its own artifacts on teardown. */
  public static sandbox(): Profile {
    return new Profile({
      name: 'sandbox',
      defaultRetention: ArtifactRetention.DELETE,
      allowedRetentions: [ArtifactRetention.RETAIN, ArtifactRetention.EXPORT, ArtifactRetention.DELETE],
      noncurrentVersionExpiration: Duration.days(7),
      accessLogExpiration: Duration.days(30),
      maxCourseDays: 31,
      maxLearners: 5,
      defaultCompute: { instanceTypes: ['t3.large', 't3a.large'], minNodes: 1, maxNodes: 2, spot: true },
      defaultMlflowReplicas: 1,
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
  /** How long a replaced or deleted artifact version is kept. */
  public readonly noncurrentVersionExpiration: Duration;
  /** How long S3 server access logs are kept. */
  public readonly accessLogExpiration: Duration;
  /** Longest allowed span from course start to course end, in days. */
  public readonly maxCourseDays: number;
  /** Most learners one environment of this profile may have. */
  public readonly maxLearners: number;
  /** Worker capacity used where the cohort file's `compute` section is silent. */
  public readonly defaultCompute: ComputeConfig;
  /** MLflow server replicas (each runs one uvicorn worker; see images/mlflow/README.md). */
  public readonly defaultMlflowReplicas: number;

  private constructor(props: {
    name: ProfileName;
    defaultRetention: ArtifactRetention;
    allowedRetentions: ArtifactRetention[];
    noncurrentVersionExpiration: Duration;
    accessLogExpiration: Duration;
    maxCourseDays: number;
    maxLearners: number;
    defaultCompute: ComputeConfig;
    defaultMlflowReplicas: number;
  }) {
    this.name = props.name;
    this.defaultRetention = props.defaultRetention;
    this.allowedRetentions = props.allowedRetentions;
    this.noncurrentVersionExpiration = props.noncurrentVersionExpiration;
    this.accessLogExpiration = props.accessLogExpiration;
    this.maxCourseDays = props.maxCourseDays;
    this.maxLearners = props.maxLearners;
    this.defaultCompute = props.defaultCompute;
    this.defaultMlflowReplicas = props.defaultMlflowReplicas;
  }

  /** True for the sandbox profile. */
  public get isSandbox(): boolean {
    return this.name === 'sandbox';
  }
}

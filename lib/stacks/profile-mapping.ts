import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { DatabaseRemoval } from '../core';
import { DatabaseSizing, Profile } from '../config';

/**
 * A profile's plain figures as the CDK types the constructs take. The profile (lib/config) stays
 * free of aws-cdk-lib; this is the one place its units become Durations, instance types and
 * removal policies.
 */
export interface CdkProfile {
  readonly noncurrentVersionExpiration: Duration;
  readonly accessLogExpiration: Duration;
  readonly logRetention: logs.RetentionDays;
  readonly database: {
    readonly instanceType: ec2.InstanceType;
    readonly allocatedStorageGiB: number;
    readonly maxAllocatedStorageGiB: number;
    readonly backupRetention: Duration;
    readonly removalPolicy: RemovalPolicy;
    readonly deletionProtection: boolean;
  };
  /** Stateful resources a sandbox may delete with its stack; a cohort keeps them. */
  readonly statefulRemovalPolicy: RemovalPolicy;
}

/**
 * The CDK form of `profile`, with `database` as the roster sized it (CohortConfig.database; the
 * profile's floor by default); throws when a log retention is not one CloudWatch Logs accepts.
 */
export function cdkProfile(profile: Profile, database: DatabaseSizing = profile.database): CdkProfile {
  const db = database;
  return {
    noncurrentVersionExpiration: Duration.days(profile.noncurrentVersionExpirationDays),
    accessLogExpiration: Duration.days(profile.accessLogExpirationDays),
    logRetention: logRetention(profile.logRetentionDays, profile.name),
    database: {
      instanceType: new ec2.InstanceType(db.instanceClass),
      allocatedStorageGiB: db.allocatedStorageGiB,
      maxAllocatedStorageGiB: db.maxAllocatedStorageGiB,
      backupRetention: Duration.days(db.backupRetentionDays),
      removalPolicy: db.removal === DatabaseRemoval.SNAPSHOT ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
      deletionProtection: db.deletionProtection,
    },
    statefulRemovalPolicy: profile.isSandbox ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  };
}

/**
 * `days` as a CloudWatch Logs retention: only the values the service accepts, and never "forever"
 * (a log group that never expires outlives the course and keeps billing).
 */
export function logRetention(days: number, where: string): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays).filter(
    (v): v is number => typeof v === 'number' && v !== logs.RetentionDays.INFINITE,
  );
  if (!allowed.includes(days)) {
    throw new Error(
      `profile ${where}: log retention of ${days} days is not one CloudWatch Logs accepts (${allowed.join(', ')})`,
    );
  }
  return days as logs.RetentionDays;
}

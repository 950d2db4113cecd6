import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Profile } from '../../../lib/config';
import { cdkProfile, logRetention } from '../../../lib/stacks/profile-mapping';

/** Every retention CloudWatch Logs accepts except "never expire", as the message lists them. */
const ACCEPTED =
  '1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653';

/** `profile` with one figure changed (Profile has no public constructor). */
function withFigures(profile: Profile, figures: Partial<Profile>): Profile {
  return Object.assign(Object.create(Object.getPrototypeOf(profile) as object) as Profile, profile, figures);
}

describe('cdkProfile', () => {
  test('a cohort: 90/365-day S3 expirations, 3-month logs, a protected db.t4g.small snapshotted on removal', () => {
    // WHEN
    const cdk = cdkProfile(Profile.cohort());
    // THEN
    expect(cdk.noncurrentVersionExpiration.toDays()).toBe(90);
    expect(cdk.accessLogExpiration.toDays()).toBe(365);
    expect(cdk.logRetention).toBe(logs.RetentionDays.THREE_MONTHS);
    expect(cdk.database.instanceType.toString()).toBe('t4g.small');
    expect(cdk.database.allocatedStorageGiB).toBe(20);
    expect(cdk.database.maxAllocatedStorageGiB).toBe(100);
    expect(cdk.database.backupRetention.toDays()).toBe(7);
    expect(cdk.database.removalPolicy).toBe(RemovalPolicy.SNAPSHOT);
    expect(cdk.database.deletionProtection).toBe(true);
    expect(cdk.statefulRemovalPolicy).toBe(RemovalPolicy.RETAIN);
  });

  test('a sandbox: 7/30-day S3 expirations, 1-week logs, an unprotected db.t4g.micro deleted with the stack', () => {
    const cdk = cdkProfile(Profile.sandbox());
    expect(cdk.noncurrentVersionExpiration.toDays()).toBe(7);
    expect(cdk.accessLogExpiration.toDays()).toBe(30);
    expect(cdk.logRetention).toBe(logs.RetentionDays.ONE_WEEK);
    expect(cdk.database.instanceType.toString()).toBe('t4g.micro');
    expect(cdk.database.allocatedStorageGiB).toBe(20);
    expect(cdk.database.maxAllocatedStorageGiB).toBe(20);
    expect(cdk.database.backupRetention.toDays()).toBe(1);
    expect(cdk.database.removalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(cdk.database.deletionProtection).toBe(false);
    expect(cdk.statefulRemovalPolicy).toBe(RemovalPolicy.DESTROY);
  });

  test('the figures become Durations in days', () => {
    const cdk = cdkProfile(withFigures(Profile.cohort(), { noncurrentVersionExpirationDays: 45 }));
    expect(cdk.noncurrentVersionExpiration.toHours()).toBe(45 * 24);
  });

  test('fails when the profile has a log retention CloudWatch Logs does not accept, naming the profile', () => {
    // GIVEN a cohort profile with 42-day logs
    const profile = withFigures(Profile.cohort(), { logRetentionDays: 42 });
    // WHEN / THEN
    expect(() => cdkProfile(profile)).toThrow(
      new Error(`profile cohort: log retention of 42 days is not one CloudWatch Logs accepts (${ACCEPTED})`),
    );
  });
});

describe('logRetention', () => {
  test.each([1, 7, 90, 365, 3653])('%d days is accepted as it is', (days) => {
    expect(logRetention(days, 'cohort')).toBe(days);
  });

  test.each([0, 2, 42, 91, 3654, 7.5, -7])('fails when the retention is %d days', (days) => {
    expect(() => logRetention(days, 'sandbox')).toThrow(
      new Error(
        `profile sandbox: log retention of ${days} days is not one CloudWatch Logs accepts (${ACCEPTED})`,
      ),
    );
  });

  test('fails when the retention is INFINITE: a log group that never expires outlives the course', () => {
    expect(logs.RetentionDays.INFINITE).toBe(9999);
    expect(() => logRetention(logs.RetentionDays.INFINITE, 'cohort')).toThrow(
      new Error(
        `profile cohort: log retention of 9999 days is not one CloudWatch Logs accepts (${ACCEPTED})`,
      ),
    );
  });
});

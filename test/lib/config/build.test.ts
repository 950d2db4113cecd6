import { cohortFileSchema, Profile } from '../../../lib/config';
import { buildCohortConfig } from '../../../lib/config/build';
import { ApiEndpointAccess, DEFAULT_DRIFT_ALARM, DEFAULT_REDIS_IMAGE, shardOf } from '../../../lib/core';
import { baseDocument } from '../../support/cohort';

/** The base fixture after the schema, with `patch` applied to the raw document first. */
function cohortFile(patch: (doc: Record<string, unknown>) => void = () => {}) {
  const raw = baseDocument();
  patch(raw);
  return cohortFileSchema.parse(raw);
}

describe('buildCohortConfig', () => {
  test('gives every person a slug, and every learner a namespace and an S3 prefix', () => {
    // GIVEN
    const doc = cohortFile((d) => {
      d.instructors = [{ id: 'Ada.Lovelace', email: 'ada@example.edu' }];
    });

    // WHEN
    const config = buildCohortConfig(doc, Profile.cohort(), 'base.yaml');

    // THEN
    expect(config.instructors).toEqual([
      {
        id: 'Ada.Lovelace',
        slug: 'ada-lovelace',
        email: 'ada@example.edu',
        iamPrincipalArn: undefined,
        shard: shardOf('ada-lovelace', Profile.cohort().learnerShards),
      },
    ]);
    expect(config.learners).toEqual([
      {
        id: 'grace.hopper',
        slug: 'grace-hopper',
        email: 'grace@example.edu',
        displayName: 'Grace Hopper',
        namespace: 'learner-grace-hopper',
        s3Prefix: 'learners/grace-hopper/',
        iamPrincipalArn: undefined,
        shard: shardOf('grace-hopper', Profile.cohort().learnerShards),
      },
    ]);
    expect(config.sourceFile).toBe('base.yaml');
  });

  test("fills what the file leaves out from the profile's defaults", () => {
    // GIVEN
    const doc = cohortFile();

    // WHEN
    const config = buildCohortConfig(doc, Profile.sandbox(), 'base.yaml');

    // THEN
    expect(config.compute).toEqual({
      instanceTypes: ['t3.large', 't3a.large'],
      minNodes: 1,
      maxNodes: 2,
      spot: true,
    });
    expect(config.mlflow.replicas).toBe(1);
    expect(config.mlflow.defaultPermission).toBe('READ');
    expect(config.feast).toEqual({
      project: 'test_cohort',
      image: undefined,
      redisImage: DEFAULT_REDIS_IMAGE,
      replicas: 1,
    });
    expect(config.artifacts.retention).toBe('delete');
    expect(config.owner).toBe('ada@example.edu');
  });

  test("the replicas follow the roster where the file is silent (docs/scale.md), the file's MLflow count wins", () => {
    // GIVEN rosters of 3, 100 and 1,000 learners in the cohort profile
    const roster = (n: number) =>
      cohortFile((d) => {
        d.learners = Array.from({ length: n }, (_, i) => ({
          id: `l${i}`,
          email: `l${i}@example.edu`,
          displayName: `L ${i}`,
        }));
      });
    const replicas = (n: number) => {
      const config = buildCohortConfig(roster(n), Profile.cohort(), 'base.yaml');
      return [config.mlflow.replicas, config.feast.replicas];
    };
    // THEN the profile's floor holds for a small class, the peak's need for a large one
    expect(replicas(3)).toEqual([2, 2]);
    expect(replicas(100)).toEqual([2, 2]);
    expect(replicas(1000)).toEqual([7, 4]);
    // AND the sandbox profile keeps one of each
    expect(
      [buildCohortConfig(roster(5), Profile.sandbox(), 'base.yaml')].map((c) => [
        c.mlflow.replicas,
        c.feast.replicas,
      ]),
    ).toEqual([[1, 1]]);
    // AND `mlflow.replicas` in the file overrides the default
    const doc = roster(1000);
    const fixed = buildCohortConfig(
      { ...doc, mlflow: { ...doc.mlflow, replicas: 3 } },
      Profile.cohort(),
      'base.yaml',
    );
    expect(fixed.mlflow.replicas).toBe(3);
  });

  test("the database grows with the roster's MLflow pods and data, never below the profile's (docs/scale.md)", () => {
    const roster = (n: number, replicas?: number) =>
      cohortFile((d) => {
        d.learners = Array.from({ length: n }, (_, i) => ({
          id: `l${i}`,
          email: `l${i}@example.edu`,
          displayName: `L ${i}`,
        }));
        if (replicas !== undefined) d.mlflow = { ...(d.mlflow as object), replicas };
      });
    const database = (n: number, replicas?: number, profile = Profile.cohort()) => {
      const db = buildCohortConfig(roster(n, replicas), profile, 'base.yaml').database;
      return [db.instanceClass, db.allocatedStorageGiB, db.maxAllocatedStorageGiB];
    };
    // THEN 100 learners keep the profile's db.t4g.small (2 pods: 132 connections of its 152)
    expect(database(100)).toEqual(['t4g.small', 20, 100]);
    // AND 1,000 learners' 7 pods (432 connections) need db.m6g.large, and ~15 GB of runs more storage
    expect(database(1000)).toEqual(['m6g.large', 30, 150]);
    // AND the file's MLflow count sizes it: 4 pods (252) outgrow db.t4g.small
    expect(database(100, 4)).toEqual(['t4g.medium', 20, 100]);
    // AND a sandbox keeps its db.t4g.micro (1 pod: 72 of 76) and its fixed 20 GiB
    expect(database(5, undefined, Profile.sandbox())).toEqual(['t4g.micro', 20, 20]);
    // AND backups and removal stay the profile's
    const big = buildCohortConfig(roster(1000), Profile.cohort(), 'base.yaml').database;
    expect([big.backupRetentionDays, big.deletionProtection]).toEqual([7, true]);
  });

  test('the owner falls back to the first learner when there is no instructor', () => {
    // GIVEN
    const doc = cohortFile((d) => {
      d.instructors = [];
    });

    // WHEN / THEN
    expect(buildCohortConfig(doc, Profile.sandbox(), 'base.yaml').owner).toBe('grace@example.edu');
  });

  test('a public endpoint keeps its CIDR blocks and opt-in', () => {
    // GIVEN
    const doc = cohortFile((d) => {
      d.cluster = {
        endpointAccess: 'public',
        publicAccessCidrs: ['0.0.0.0/0'],
        allowPublicAccessFromAnywhere: true,
      };
    });

    // WHEN / THEN
    expect(buildCohortConfig(doc, Profile.cohort(), 'base.yaml').cluster).toEqual({
      endpointAccess: ApiEndpointAccess.PUBLIC,
      publicAccessCidrs: ['0.0.0.0/0'],
      allowPublicAccessFromAnywhere: true,
    });
  });

  test('alerts default to no ops list, the documented drift thresholds and no Slack', () => {
    // GIVEN a file without an alerts section; WHEN / THEN
    expect(buildCohortConfig(cohortFile(), Profile.cohort(), 'base.yaml').alerts).toEqual({
      ops: [],
      drift: { driftedFeatures: DEFAULT_DRIFT_ALARM.driftedFeatures, maxPsi: DEFAULT_DRIFT_ALARM.maxPsi },
      slack: undefined,
    });
    expect(DEFAULT_DRIFT_ALARM).toEqual({ driftedFeatures: 1, maxPsi: 0.25 });
  });

  test('alerts keep what the file says, ops addresses once each', () => {
    // GIVEN
    const doc = cohortFile((d) => {
      d.alerts = {
        ops: ['noc@example.edu', 'noc@example.edu', 'oncall@example.edu'],
        drift: { driftedFeatures: 3, maxPsi: 0.4 },
        slack: { workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23' },
      };
    });
    // WHEN / THEN
    expect(buildCohortConfig(doc, Profile.cohort(), 'base.yaml').alerts).toEqual({
      ops: ['noc@example.edu', 'oncall@example.edu'],
      drift: { driftedFeatures: 3, maxPsi: 0.4 },
      slack: { workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23' },
    });
  });

  test("a learner's GitHub repository gets the default environments; the OIDC provider defaults to created", () => {
    // GIVEN
    const doc = cohortFile((d) => {
      (d.learners as Array<Record<string, unknown>>)[0].github = { repository: 'grace-hopper/promotion' };
      d.github = {};
    });
    // WHEN
    const config = buildCohortConfig(doc, Profile.cohort(), 'base.yaml');
    // THEN
    expect(config.learners[0].github).toEqual({
      repository: 'grace-hopper/promotion',
      environments: ['staging', 'production'],
    });
    expect(config.github).toEqual({ existingOidcProviderArn: undefined });
    // ... and a file without the section has no GitHub CI
    expect(buildCohortConfig(cohortFile(), Profile.cohort(), 'base.yaml').github).toBeUndefined();
  });

  test('a learner without a repository has no github field; an existing provider ARN is kept', () => {
    // GIVEN
    const arn = 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com';
    const doc = cohortFile((d) => {
      d.github = { oidcProvider: arn };
    });
    // WHEN
    const config = buildCohortConfig(doc, Profile.cohort(), 'base.yaml');
    // THEN
    expect('github' in config.learners[0]).toBe(false);
    expect(config.github?.existingOidcProviderArn).toBe(arn);
  });
});

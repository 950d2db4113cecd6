/**
 * `list`, `sweep` and `teardown` against moto's server, with the AWS SDK clients the commands use
 * (lib/ops/aws.ts) pointed at it through AWS_ENDPOINT_URL, as a person's shell would point them.
 *
 * What moto does not do, said plainly:
 * - EKS, the load balancer controller and a CSI driver do not run: what Kubernetes makes in AWS (a
 *   load balancer, target group, volume, ENI, security group tagged for the cohort's cluster) is
 *   created by the test, and nothing removes it when the apps stack goes; teardown's wait ends at
 *   once (--wait-kubernetes 0) and it deletes them itself, its path for what outlives the wait.
 * - CloudFormation on moto does not implement UpdateTerminationProtection, so the stacks are
 *   created without termination protection and that call is not exercised here. The database's
 *   deletion protection is: the database is in the cluster stack with DeletionProtection true.
 * - Stack deletion is immediate on moto; the waits return at the first read.
 */
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { COHORT_NAME_PATTERN } from '../../lib/core';
import { spawnSync } from 'child_process';
import { join } from 'path';
import { Moto, startMoto } from '../../lib/local/services';
import { AwsCallLog, AwsClients, awsClients } from '../../lib/ops/aws';
import { LabResource, takeInventory } from '../../lib/ops/inventory';
import { environments } from '../../lib/ops/list';
import { classify, deleteLeftovers } from '../../lib/ops/sweep';
import { finalSnapshotId, planTeardown, teardown, TeardownFailure } from '../../lib/ops/teardown';
import {
  REGION,
  seedData,
  seedKubernetesMade,
  seedLeftovers,
  seedLearnerSecret,
  seedStacks,
  SeedOptions,
} from './support/lab-seed';
import { CLI_TIMEOUT_MS } from '../support/cohort';

const REPO_ROOT = join(__dirname, '..', '..');
const TODAY = '2026-12-06';
let moto: Moto;
let saved: NodeJS.ProcessEnv;

function clients(callLog?: AwsCallLog): AwsClients {
  return awsClients({ region: REGION, callLog });
}

/** Everything in the account that the commands can see, tagged or not, as comparable text. */
async function snapshotOfAccount(c: AwsClients): Promise<string> {
  const tagged = await takeInventory(c);
  const stacks = (await c.cfn.send(new DescribeStacksCommand({}))).Stacks ?? [];
  return JSON.stringify({ tagged, stacks: stacks.map((s) => [s.StackName, s.StackStatus]) });
}

const ids = (rs: readonly LabResource[]) => rs.map((r) => `${r.kind} ${r.id}`).sort();

beforeAll(async () => {
  moto = await startMoto();
  saved = { ...process.env };
  Object.assign(process.env, moto.awsEnv, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: REGION,
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  });
}, 60_000);

afterAll(async () => {
  process.env = saved;
  await moto?.process.stop();
}, 30_000);

describe('sweep', () => {
  const alpha: SeedOptions = { cohort: 'sweep-alpha', expires: '2026-01-31', retention: 'retain' };
  const beta: SeedOptions = { cohort: 'sweep-beta', expires: '2026-01-31', retention: 'retain' };

  test("finds all of one cohort's leftovers, deletes them with --delete, and touches none of the other's", async () => {
    // GIVEN the leftovers of two cohorts whose stacks are gone (retention long past: expired 2026-01-31)
    const c = clients();
    await seedLeftovers(c, alpha);
    await seedLeftovers(c, beta);
    const betaBefore = await takeInventory(c, beta.cohort);
    const databases = async () =>
      ((await c.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).map((d) => [
        d.DBInstanceIdentifier,
        d.DBInstanceStatus,
      ]);
    const untaggedBefore = await databases();

    // WHEN alpha is swept (dry run first, then --delete)
    const items = classify(await takeInventory(c, alpha.cohort), TODAY);
    const leftovers = items.filter((i) => i.verdict === 'leftover');
    const log = new AwsCallLog();
    const result = await deleteLeftovers(clients(log), items, () => undefined);

    // THEN every kind of leftover of alpha was found and deleted; nothing of beta changed
    expect([...new Set(leftovers.map((i) => i.resource.kind))].sort()).toEqual(
      [
        'bucket',
        'db-snapshot',
        'ebs-snapshot',
        'kms-key',
        'load-balancer',
        'log-group',
        'network-interface',
        'secret',
        'security-group',
        'target-group',
        'volume',
      ].sort(),
    );
    expect(leftovers.every((i) => i.resource.cohort === alpha.cohort)).toBe(true);
    expect(result.failed).toEqual([]);
    expect(ids(result.deleted)).toEqual(ids(leftovers.map((i) => i.resource)));
    // each delete call named one of alpha's resources (ARN, id or name) and nothing else
    const alphaIds = leftovers.map((i) => i.resource.id);
    for (const call of log.changes()) {
      expect(alphaIds.some((id) => JSON.stringify(call.input).includes(id))).toBe(true);
    }
    const alphaAfter = await takeInventory(c, alpha.cohort);
    expect(alphaAfter.filter((r) => r.kind !== 'kms-key')).toEqual([]);
    expect(alphaAfter.map((r) => [r.kind, r.state])).toEqual([['kms-key', 'pending-deletion']]);
    expect(await takeInventory(c, beta.cohort)).toEqual(betaBefore);
    // and the untagged database instances (which the seed made beside the snapshots) are untouched
    expect(untaggedBefore).toEqual(
      expect.arrayContaining([
        ['leftover-sweep-alpha', 'available'],
        ['leftover-sweep-beta', 'available'],
      ]),
    );
    expect(await databases()).toEqual(untaggedBefore);
  }, 120_000);

  test('a dry run changes nothing: the inventory before and after is identical, and no call changed anything', async () => {
    // GIVEN beta's leftovers (still there)
    const c = clients();
    const before = await snapshotOfAccount(c);
    const log = new AwsCallLog();
    // WHEN swept without --delete, through the CLI, and classified in-process with a call log
    const run = spawnSync(
      join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
      ['bin/ops.ts', 'sweep', '--cohort', beta.cohort, '--today', TODAY, '--region', REGION],
      { cwd: REPO_ROOT, env: process.env, encoding: 'utf8', timeout: CLI_TIMEOUT_MS },
    );
    classify(await takeInventory(clients(log), beta.cohort), TODAY);
    // THEN findings are reported (exit 1), and nothing changed
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^LEFTOVER {2}sweep-beta {2}load-balancer/m);
    expect(run.stdout).toContain('Dry run: nothing was changed; run again with --delete to remove them.');
    expect(log.changes()).toEqual([]);
    expect(await snapshotOfAccount(c)).toBe(before);
  }, 120_000);
});

describe('teardown', () => {
  test('dry run: the order, what goes and what stays; nothing changes', async () => {
    // GIVEN a deployed cohort that retains its artifacts
    const o: SeedOptions = { cohort: 'td-dry', expires: '2026-12-31', retention: 'retain' };
    const c = clients();
    await seedStacks(c, o);
    await seedData(c, o);
    await seedKubernetesMade(c, o);
    const before = await snapshotOfAccount(c);
    // WHEN the CLI runs without --yes
    const run = spawnSync(
      join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
      ['bin/ops.ts', 'teardown', o.cohort],
      {
        cwd: REPO_ROOT,
        env: process.env,
        encoding: 'utf8',
        timeout: CLI_TIMEOUT_MS,
      },
    );
    // THEN
    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines.filter((l) => /^ {2}\d\. /.test(l))).toEqual([
      '  1. final database snapshot cohortlab-td-dry-final',
      '  2. turn off termination protection and database deletion protection (only on what goes)',
      '  3. delete the cohortlab-td-dry-learners-N stacks',
      '  4. delete cohortlab-td-dry-apps (its Ingress: the load balancer controller removes the ALB)',
      '  5. wait until the load balancers, target groups, ENIs, security groups and volumes Kubernetes made are gone',
      '  6. delete cohortlab-td-dry-cluster (VPC, EKS, database)',
      '  7. delete cohortlab-td-dry-data (key and bucket stay unless the retention is delete)',
    ]);
    expect(run.stdout).toMatch(/^ {2}bucket cohortlab-td-dry-artifacts: retention retain: kept on purpose$/m);
    expect(run.stdout).toMatch(
      /^ {2}db-snapshot cohortlab-td-dry-final: the final database snapshot, for audit$/m,
    );
    expect(run.stdout).toMatch(/^ {2}load-balancer arn:aws:elasticloadbalancing:/m);
    expect(await snapshotOfAccount(c)).toBe(before);
  }, 120_000);

  test('goes in order, asserted from the calls it made, and leaves only what the retention keeps', async () => {
    // GIVEN the deployed cohort of the dry run
    const log = new AwsCallLog();
    const c = clients(log);
    // WHEN it is torn down
    const result = await teardown(c, {
      cohort: 'td-dry',
      kubernetesWaitSeconds: 0,
      pollSeconds: 0.01,
      progress: () => undefined,
    });
    // THEN the changes came in this order
    const changes = log.changes().map((call) => {
      const id = (call.input.StackName ??
        call.input.DBInstanceIdentifier ??
        call.input.LoadBalancerArn ??
        call.input.TargetGroupArn ??
        call.input.VolumeId ??
        call.input.NetworkInterfaceId ??
        call.input.GroupId) as string;
      return `${call.name} ${id.replace(/^arn:.*:(loadbalancer|targetgroup)\/.*$/, '$1')}`;
    });
    expect(changes).toEqual([
      'RDS.CreateDBSnapshot cohortlab-td-dry-mlflow',
      'RDS.ModifyDBInstance cohortlab-td-dry-mlflow',
      'CloudFormation.DeleteStack cohortlab-td-dry-learners-0',
      'CloudFormation.DeleteStack cohortlab-td-dry-apps',
      'ELBv2.DeleteLoadBalancer loadbalancer',
      'ELBv2.DeleteTargetGroup targetgroup',
      expect.stringMatching(/^EC2.DeleteNetworkInterface eni-/),
      expect.stringMatching(/^EC2.DeleteVolume vol-/),
      expect.stringMatching(/^EC2.DeleteSecurityGroup sg-/),
      'CloudFormation.DeleteStack cohortlab-td-dry-cluster',
      'CloudFormation.DeleteStack cohortlab-td-dry-data',
    ]);
    // and what is left is what the retention keeps: the bucket, its key, the final snapshot
    expect(result.left.map((r) => `${r.kind} ${r.kind === 'kms-key' ? '' : r.id}`).sort()).toEqual([
      'bucket cohortlab-td-dry-artifacts',
      `db-snapshot ${finalSnapshotId('td-dry')}`,
      'kms-key ',
    ]);
  }, 120_000);

  test('interrupted halfway and run again, it carries on and ends with nothing left', async () => {
    // GIVEN a deployed sandbox that deletes its artifacts
    const o: SeedOptions = {
      cohort: 'td-resume',
      expires: '2026-12-31',
      retention: 'delete',
      objects: { 'a.txt': 'a' },
    };
    const c = clients();
    await seedStacks(c, o);
    await seedLearnerSecret(c, o);
    await seedKubernetesMade(c, o);
    // WHEN it is interrupted once the apps stack is gone (as Ctrl-C between two steps)
    const controller = new AbortController();
    const first = teardown(c, {
      cohort: o.cohort,
      kubernetesWaitSeconds: 0,
      pollSeconds: 0.01,
      signal: controller.signal,
      progress: (line) => {
        if (line === 'deleted cohortlab-td-resume-apps') controller.abort();
      },
    });
    await expect(first).rejects.toThrow(TeardownFailure);
    const half = (await takeInventory(c, o.cohort)).filter((r) => r.kind === 'stack').map((r) => r.id);
    // THEN half of it is gone
    expect(half).toEqual(['cohortlab-td-resume-cluster', 'cohortlab-td-resume-data']);
    // WHEN it is run again
    const second = await teardown(c, {
      cohort: o.cohort,
      kubernetesWaitSeconds: 0,
      pollSeconds: 0.01,
      progress: () => undefined,
    });
    // THEN it carried on where it stopped: no stack, no bucket (retention delete), no database,
    // nothing Kubernetes made. The learner's secret, which moto's CloudFormation cannot hold in the
    // learners stack (see lab-seed.ts), is left, and sweep takes it: then nothing is left
    expect(second.done).toEqual(['protection', 'learners', 'apps', 'kubernetes', 'cluster', 'data']);
    expect(ids(second.left)).toEqual(['secret cohort-lab/td-resume/learners/grace-hopper/mlflow']);
    await deleteLeftovers(c, classify(await takeInventory(c, o.cohort), TODAY), () => undefined);
    expect(await takeInventory(c, o.cohort)).toEqual([]);
  }, 120_000);

  test('export is verified object by object; an export that does not match stops before anything is deleted', async () => {
    // GIVEN a cohort that exports its artifacts, and a destination that already holds a different
    // object of the same key and size
    const o: SeedOptions = {
      cohort: 'td-export',
      expires: '2026-12-31',
      retention: 'export',
      objects: {
        'mlflow/1/model.pkl': 'weights-v1',
        'learners/grace-hopper/notes.txt': 'hello',
        'shared/data.csv': 'a,b\n1,2\n',
      },
    };
    const log = new AwsCallLog();
    const c = clients(log);
    await seedStacks(c, o);
    const source = await seedData(c, o);
    await c.s3.send(
      new CreateBucketCommand({
        Bucket: 'audit-archive',
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
    await c.s3.send(
      new PutObjectCommand({
        Bucket: 'audit-archive',
        Key: 'td-export/mlflow/1/model.pkl',
        Body: 'weights-XX',
      }),
    );
    const before = await takeInventory(c, o.cohort);
    log.calls.length = 0;

    // WHEN it is torn down with that destination
    const failing = teardown(c, {
      cohort: o.cohort,
      exportTo: { bucket: 'audit-archive', prefix: 'td-export/' },
      pollSeconds: 0.01,
      progress: () => undefined,
    });

    // THEN it stops naming the object, and nothing was deleted
    await expect(failing).rejects.toThrow(
      /^export to s3:\/\/audit-archive\/td-export\/ does not match the bucket \(1 object\(s\)\): mlflow\/1\/model\.pkl: SHA-256 differs .*Nothing was deleted\.$/,
    );
    expect(log.changes().map((call) => call.name)).toEqual(['S3.CopyObject', 'S3.CopyObject']);
    expect(await takeInventory(c, o.cohort)).toEqual(before);

    // WHEN the bad copy is removed and the teardown runs again
    await c.s3.send(
      new PutObjectCommand({ Bucket: 'audit-archive', Key: 'td-export/mlflow/1/model.pkl', Body: 'x' }),
    );
    const result = await teardown(c, {
      cohort: o.cohort,
      exportTo: { bucket: 'audit-archive', prefix: 'td-export/' },
      pollSeconds: 0.01,
      kubernetesWaitSeconds: 0,
      progress: () => undefined,
    });
    // THEN the export matches, object by object, and the stacks are gone
    expect(result.export).toEqual(expect.objectContaining({ objects: 3, mismatches: [] }));
    for (const [key, body] of Object.entries(o.objects!)) {
      const copy = await c.s3.send(
        new GetObjectCommand({ Bucket: 'audit-archive', Key: `td-export/${key}` }),
      );
      expect(await copy.Body!.transformToString()).toBe(body);
    }
    expect(result.left.filter((r) => r.kind === 'stack')).toEqual([]);
    expect(result.left.map((r) => r.kind).sort()).toEqual(['bucket', 'db-snapshot', 'kms-key']);
    expect(source).toBe('cohortlab-td-export-artifacts');
  }, 120_000);

  test('fails with exit 2 when the cohort is neither a file nor a name, or an export has no destination', async () => {
    const run = (...args: string[]) =>
      spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['bin/ops.ts', 'teardown', ...args], {
        cwd: REPO_ROOT,
        env: process.env,
        encoding: 'utf8',
        timeout: CLI_TIMEOUT_MS,
      });
    const bad = run('Not_A_Cohort');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      `cohort: "Not_A_Cohort" is neither a cohort file (.yaml) nor a cohort name (${COHORT_NAME_PATTERN.source})\n`,
    );
    const c = clients();
    await seedStacks(c, { cohort: 'td-noexport', expires: '2026-12-31', retention: 'export' });
    await seedData(c, { cohort: 'td-noexport', expires: '2026-12-31', retention: 'export' });
    const missing = run('td-noexport');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(
      'the artifact bucket of td-noexport has retention export: name where it goes with --export-to s3://<bucket>/<prefix>\n',
    );
    expect(() => planTeardown([], { cohort: 'x' })).not.toThrow();
  }, 120_000);
});

describe('list', () => {
  test('every environment with owner, profile, expiry, stacks, learners and cost so far; expired ones flagged', async () => {
    // GIVEN an expired cohort still deployed, with one learner
    const o: SeedOptions = { cohort: 'list-old', expires: '2026-11-30', retention: 'retain' };
    const c = clients();
    await seedStacks(c, o);
    await seedLearnerSecret(c, o);
    // WHEN listed a day after its stacks were created
    const now = new Date(Date.now() + 24 * 3_600_000);
    const rows = environments(await takeInventory(c), now);
    const row = rows.find((r) => r.cohort === 'list-old')!;
    // THEN
    expect(row).toEqual(
      expect.objectContaining({
        owner: 'ops+list-old@cohort-lab.example',
        profile: 'sandbox',
        expires: '2026-11-30',
        expired: true,
        learners: 1,
      }),
    );
    // fixed 0.26 + 1 learner x 0.02 (the data stack's outputs)
    expect(row.estimatedUsdPerHour).toBeCloseTo(0.28, 10);
    expect(row.stacks.map((s) => s.name)).toEqual([
      'cohortlab-list-old-apps',
      'cohortlab-list-old-cluster',
      'cohortlab-list-old-data',
      'cohortlab-list-old-learners-0',
    ]);
    expect(row.costSoFarUsd).toBeGreaterThan(0.28 * 23.9);
    expect(row.costSoFarUsd).toBeLessThan(0.28 * 24.1);
    // and the CLI exits 1 (a finding: an expired environment still deployed) with --json
    const run = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['bin/ops.ts', 'list', '--json'], {
      cwd: REPO_ROOT,
      env: process.env,
      encoding: 'utf8',
      timeout: CLI_TIMEOUT_MS,
    });
    expect(run.status).toBe(1);
    expect((JSON.parse(run.stdout) as Array<{ cohort: string }>).map((r) => r.cohort)).toContain('list-old');
  }, 120_000);
});

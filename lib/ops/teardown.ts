import {
  DeleteStackCommand,
  DescribeStacksCommand,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
} from '@aws-sdk/client-rds';
import {
  ArtifactRetention,
  CFN_STACK_NAME_TAG,
  clusterName,
  LAB_TAG,
  LB_CONTROLLER_CLUSTER_TAG,
  stackName,
} from '../core';
import { AwsClients } from './aws';
import { ExportDestination, exportBucket, ExportReport } from './export';
import { OpsInputError } from './input-error';
import { isError, LabResource, takeInventory } from './inventory';
import { deleteResource } from './sweep';

/**
 * `cohort-lab teardown`: a cohort's stacks in the order that leaves nothing behind, keeping what
 * the retention setting keeps. Every step reads the account's state first and does only what is
 * left, so a teardown that failed or was interrupted carries on when run again. Order:
 * export (when the retention is `export`) → final database snapshot → protections off (only on
 * what goes) → learners-N stacks → apps stack → wait for what Kubernetes created in AWS (load
 * balancers, target groups, security groups, ENIs, volumes) to go, deleting what outlives the
 * wait → cluster stack → data stack. Over 300 lines: the steps share one state and read best in order.
 */

export interface TeardownOptions {
  readonly cohort: string;
  /** Where `export` copies the artifact bucket. Required when the bucket's retention is export. */
  readonly exportTo?: ExportDestination;
  /** How long to wait for Kubernetes-made resources before deleting them. @default 900 */
  readonly kubernetesWaitSeconds?: number;
  /** How long to wait for one stack's deletion. @default 3600 */
  readonly stackWaitSeconds?: number;
  /** Between two reads while waiting. @default 10 */
  readonly pollSeconds?: number;
  /** Stops the teardown between two steps (Ctrl-C). */
  readonly signal?: AbortSignal;
  readonly progress: (line: string) => void;
}

/** One step of the order. */
export interface TeardownStep {
  readonly name:
    'export' | 'snapshot' | 'protection' | 'learners' | 'apps' | 'kubernetes' | 'cluster' | 'data';
  readonly title: string;
}

/** What a teardown of the cohort would do, from an inventory. */
export interface TeardownPlan {
  readonly cohort: string;
  readonly steps: readonly TeardownStep[];
  readonly going: readonly LabResource[];
  readonly staying: ReadonlyArray<{ readonly what: string; readonly why: string }>;
  readonly retention?: string;
}

export interface TeardownResult {
  readonly plan: TeardownPlan;
  readonly done: readonly string[];
  readonly export?: ExportReport;
  /** The cohort's resources after the teardown: what stays on purpose. */
  readonly left: readonly LabResource[];
}

/** A teardown stopped: a stack failed to delete, an export did not match, it was interrupted. */
export class TeardownFailure extends Error {
  public override readonly name = 'TeardownFailure';
}

const K8S_KINDS: ReadonlySet<string> = new Set([
  'load-balancer',
  'target-group',
  'security-group',
  'network-interface',
  'volume',
]);

/** What Kubernetes (the load balancer controller, a CSI driver) made in AWS for this cohort. */
export function kubernetesMade(r: LabResource, cohort: string): boolean {
  return (
    K8S_KINDS.has(r.kind) &&
    (r.tags[LB_CONTROLLER_CLUSTER_TAG] === clusterName(cohort) ||
      (r.cohort === cohort && r.tags[CFN_STACK_NAME_TAG] === undefined))
  );
}

/** The final snapshot's name: one per cohort, so a resumed teardown finds it. */
export function finalSnapshotId(cohort: string): string {
  return `${stackName(cohort, 'final')}`;
}

/** Plan the teardown of `cohort` from its inventory (pure). */
export function planTeardown(
  inventory: readonly LabResource[],
  opts: Pick<TeardownOptions, 'cohort' | 'exportTo'>,
): TeardownPlan {
  const { cohort } = opts;
  const mine = inventory.filter((r) => r.cohort === cohort || kubernetesMade(r, cohort));
  const retention = mine.find((r) => r.kind === 'bucket' && r.tags[LAB_TAG.retention] !== undefined)?.tags[
    LAB_TAG.retention
  ];
  const exporting = retention === ArtifactRetention.EXPORT;
  if (exporting && opts.exportTo === undefined) {
    throw new OpsInputError(
      `the artifact bucket of ${cohort} has retention export: name where it goes with --export-to s3://<bucket>/<prefix>`,
    );
  }
  const keepsData = retention !== ArtifactRetention.DELETE;
  const steps: TeardownStep[] = [
    ...(exporting
      ? [
          {
            name: 'export' as const,
            title: `copy the artifact bucket to s3://${opts.exportTo!.bucket}/${opts.exportTo!.prefix} and verify each object`,
          },
        ]
      : []),
    ...(keepsData && mine.some((r) => r.kind === 'db-instance')
      ? [{ name: 'snapshot' as const, title: `final database snapshot ${finalSnapshotId(cohort)}` }]
      : []),
    {
      name: 'protection',
      title: 'turn off termination protection and database deletion protection (only on what goes)',
    },
    { name: 'learners', title: `delete the ${stackName(cohort, 'learners-N')} stacks` },
    {
      name: 'apps',
      title: `delete ${stackName(cohort, 'apps')} (its Ingress: the load balancer controller removes the ALB)`,
    },
    {
      name: 'kubernetes',
      title:
        'wait until the load balancers, target groups, ENIs, security groups and volumes Kubernetes made are gone',
    },
    { name: 'cluster', title: `delete ${stackName(cohort, 'cluster')} (VPC, EKS, database)` },
    {
      name: 'data',
      title: `delete ${stackName(cohort, 'data')} (key and bucket stay unless the retention is delete)`,
    },
  ];
  const stays = (r: LabResource) =>
    (r.kind === 'bucket' && keepsData && r.tags[LAB_TAG.retention] !== undefined) ||
    (r.kind === 'kms-key' && keepsData) ||
    r.kind === 'db-snapshot';
  const staying = [
    ...mine.filter(stays).map((r) => ({
      what: `${r.kind} ${r.id}`,
      why: `retention ${retention ?? 'retain'}: kept on purpose`,
    })),
    ...(steps.some((s) => s.name === 'snapshot') &&
    !mine.some((r) => r.kind === 'db-snapshot' && r.id === finalSnapshotId(cohort))
      ? [{ what: `db-snapshot ${finalSnapshotId(cohort)}`, why: 'the final database snapshot, for audit' }]
      : []),
    ...(exporting
      ? [{ what: `s3://${opts.exportTo!.bucket}/${opts.exportTo!.prefix}`, why: 'the export, verified' }]
      : []),
  ];
  return { cohort, steps, going: mine.filter((r) => !stays(r)), staying, retention };
}

/** Run the teardown of `opts.cohort`. */
export async function teardown(c: AwsClients, opts: TeardownOptions): Promise<TeardownResult> {
  const inventory = await takeInventory(c);
  const plan = planTeardown(inventory, opts);
  const done: string[] = [];
  let exportReport: ExportReport | undefined;
  const poll = (opts.pollSeconds ?? 10) * 1000;
  const step = async (name: TeardownStep['name'], run: () => Promise<void>) => {
    const s = plan.steps.find((x) => x.name === name);
    if (s === undefined) {
      return;
    }
    if (opts.signal?.aborted) {
      throw new TeardownFailure(`interrupted before "${s.title}"; run teardown again to carry on`);
    }
    opts.progress(`[${plan.steps.indexOf(s) + 1}/${plan.steps.length}] ${s.title}`);
    await run();
    done.push(name);
  };
  const stacksOf = async () =>
    (await takeInventory(c, opts.cohort)).filter((r) => r.kind === 'stack').map((r) => r.id);

  await step('export', async () => {
    const bucket = inventory.find(
      (r) =>
        r.kind === 'bucket' &&
        r.cohort === opts.cohort &&
        r.tags[LAB_TAG.retention] === ArtifactRetention.EXPORT,
    );
    exportReport = await exportBucket(c, bucket!.id, opts.exportTo!, opts.progress);
    if (exportReport.mismatches.length > 0) {
      const shown = exportReport.mismatches.slice(0, 5).map((m) => `${m.key}: ${m.problem}`);
      throw new TeardownFailure(
        `export to ${exportReport.destination} does not match the bucket (${exportReport.mismatches.length} object(s)): ` +
          `${shown.join('; ')}. Nothing was deleted.`,
      );
    }
    opts.progress(
      `export verified: ${exportReport.objects} object(s), ${exportReport.bytes} bytes, each SHA-256 equal`,
    );
  });

  await step('snapshot', async () => {
    const id = finalSnapshotId(opts.cohort);
    const existing = await c.rds
      .send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))
      .catch((err: unknown) => {
        if (isError(err, ['DBSnapshotNotFound', 'DBSnapshotNotFoundFault'])) return undefined;
        throw err;
      });
    if ((existing?.DBSnapshots ?? []).length > 0) {
      opts.progress(`final snapshot ${id} exists already`);
      return;
    }
    const db = inventory.find((r) => r.kind === 'db-instance' && r.cohort === opts.cohort)!;
    await c.rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: db.id,
        DBSnapshotIdentifier: id,
        Tags: Object.entries(db.tags)
          .filter(([k]) => !k.startsWith('aws:'))
          .map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    await waitFor(poll, (opts.stackWaitSeconds ?? 3600) * 1000, `snapshot ${id}`, async () => {
      const s = await c.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }));
      return s.DBSnapshots?.[0]?.Status === 'available';
    });
  });

  await step('protection', async () => {
    for (const name of await stacksOf()) {
      const s = (await c.cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
      if (s?.EnableTerminationProtection === true) {
        await c.cfn.send(
          new UpdateTerminationProtectionCommand({ StackName: name, EnableTerminationProtection: false }),
        );
        opts.progress(`termination protection off: ${name}`);
      }
    }
    const dbs = inventory.filter((r) => r.kind === 'db-instance' && r.cohort === opts.cohort);
    for (const db of dbs) {
      const d = (await c.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: db.id })))
        .DBInstances?.[0];
      if (d?.DeletionProtection === true) {
        await c.rds.send(
          new ModifyDBInstanceCommand({
            DBInstanceIdentifier: db.id,
            DeletionProtection: false,
            ApplyImmediately: true,
          }),
        );
        opts.progress(`deletion protection off: database ${db.id}`);
      }
    }
  });

  const deleteStacks = async (names: readonly string[]) => {
    for (const name of names) {
      await c.cfn.send(new DeleteStackCommand({ StackName: name }));
      opts.progress(`deleting ${name}`);
    }
    for (const name of names) {
      await waitFor(poll, (opts.stackWaitSeconds ?? 3600) * 1000, `deletion of ${name}`, async () => {
        const s = await c.cfn
          .send(new DescribeStacksCommand({ StackName: name }))
          .then((r) => r.Stacks?.[0])
          .catch((err: unknown) => {
            if (isError(err, ['ValidationError'])) return undefined; // "Stack with id ... does not exist"
            throw err;
          });
        if (s?.StackStatus === 'DELETE_FAILED') {
          throw new TeardownFailure(
            `${name}: DELETE_FAILED: ${s.StackStatusReason ?? ''}; fix it, then run teardown again`,
          );
        }
        return s === undefined || s.StackStatus === 'DELETE_COMPLETE';
      });
      opts.progress(`deleted ${name}`);
    }
  };
  const prefix = stackName(opts.cohort, 'learners-');
  await step('learners', async () => deleteStacks((await stacksOf()).filter((n) => n.startsWith(prefix))));
  await step('apps', async () =>
    deleteStacks((await stacksOf()).filter((n) => n === stackName(opts.cohort, 'apps'))),
  );
  await step('kubernetes', async () => {
    const left = async () => (await takeInventory(c)).filter((r) => kubernetesMade(r, opts.cohort));
    const deadline = Date.now() + (opts.kubernetesWaitSeconds ?? 900) * 1000;
    let remaining = await left();
    while (remaining.length > 0 && Date.now() < deadline) {
      await sleep(poll);
      remaining = await left();
    }
    for (const r of remaining) {
      await deleteResource(c, r);
      opts.progress(`deleted ${r.kind} ${r.id} (made by Kubernetes, still there after the wait)`);
    }
  });
  await step('cluster', async () =>
    deleteStacks((await stacksOf()).filter((n) => n === stackName(opts.cohort, 'cluster'))),
  );
  await step('data', async () =>
    deleteStacks((await stacksOf()).filter((n) => n === stackName(opts.cohort, 'data'))),
  );
  const left = (await takeInventory(c)).filter(
    (r) => r.cohort === opts.cohort || kubernetesMade(r, opts.cohort),
  );
  return { plan, done, export: exportReport, left };
}

async function waitFor(
  pollMs: number,
  timeoutMs: number,
  what: string,
  ready: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) {
      throw new TeardownFailure(`timed out waiting for ${what}; run teardown again to carry on`);
    }
    await sleep(pollMs);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The plan as the dry run prints it. */
export function renderTeardownPlan(plan: TeardownPlan): string {
  return [
    `Teardown of ${plan.cohort} (dry run: nothing is changed; --yes to run it). Artifact retention: ${plan.retention ?? 'unknown (no bucket found)'}`,
    'Order:',
    ...plan.steps.map((s, i) => `  ${i + 1}. ${s.title}`),
    `Goes (${plan.going.length}):`,
    ...plan.going.map((r) => `  ${r.kind} ${r.id}${r.state === undefined ? '' : ` (${r.state})`}`),
    `Stays (${plan.staying.length}):`,
    ...plan.staying.map((s) => `  ${s.what}: ${s.why}`),
  ].join('\n');
}

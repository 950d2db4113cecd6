import { DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DeleteNetworkInterfaceCommand,
  DeleteSecurityGroupCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
} from '@aws-sdk/client-ec2';
import {
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { DeleteDBSnapshotCommand } from '@aws-sdk/client-rds';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { ArtifactRetention, KEEP_FOR_AUDIT_DAYS, LAB_TAG } from '../core';
import { AwsClients } from './aws';
import { LabResource, RESOURCE_KINDS } from './inventory';

/**
 * `cohort-lab sweep`: the leftovers of cohorts whose stacks are gone, found by the `lab:cohort` tag
 * only (nothing without it is ever touched). What teardown keeps on purpose (a retained or
 * exported bucket and its key, the final database snapshot) stays until {@link KEEP_FOR_AUDIT_DAYS}
 * after `lab:expires`. A cohort that still has stacks is skipped: tear it down first. A KMS key
 * already pending deletion, and a database instance (teardown's, with its final snapshot), are not
 * the sweep's to remove.
 */

/** What sweep decided about one resource. */
export interface SweepItem {
  readonly resource: LabResource;
  readonly verdict: 'leftover' | 'kept' | 'live-cohort' | 'not-swept';
  readonly why: string;
}

const DAY_MS = 86_400_000;

/** Sort `inventory` (already of the cohort asked for, if any) into leftovers and the rest. */
export function classify(inventory: readonly LabResource[], today: string): SweepItem[] {
  const live = new Set(inventory.filter((r) => r.kind === 'stack').map((r) => r.cohort));
  return inventory
    .filter((r) => r.kind !== 'stack')
    .map((resource): SweepItem => {
      const { cohort } = resource;
      if (live.has(cohort)) {
        return {
          resource,
          verdict: 'live-cohort',
          why: `cohort ${cohort} still has stacks: run cohort-lab teardown first`,
        };
      }
      if (resource.kind === 'db-instance') {
        return {
          resource,
          verdict: 'not-swept',
          why: 'a database instance: cohort-lab teardown snapshots and removes it',
        };
      }
      if (resource.kind === 'kms-key' && resource.state === 'pending-deletion') {
        return { resource, verdict: 'not-swept', why: 'already scheduled for deletion' };
      }
      const keepUntil = keptUntil(resource, inventory);
      if (keepUntil !== undefined && today <= keepUntil) {
        return {
          resource,
          verdict: 'kept',
          why: `kept for audit until ${keepUntil} (${KEEP_FOR_AUDIT_DAYS} days after lab:expires)`,
        };
      }
      return {
        resource,
        verdict: 'leftover',
        why: keepUntil === undefined ? 'no stack owns it' : `past retention (${keepUntil})`,
      };
    });
}

/** The last day a resource kept on purpose is kept, or undefined when it is not kept on purpose. */
function keptUntil(r: LabResource, inventory: readonly LabResource[]): string | undefined {
  const expires = r.tags[LAB_TAG.expires];
  const until =
    expires === undefined
      ? undefined
      : new Date(Date.parse(expires) + KEEP_FOR_AUDIT_DAYS * DAY_MS).toISOString().slice(0, 10);
  const retained = (b: LabResource) =>
    b.kind === 'bucket' &&
    b.tags[LAB_TAG.retention] !== undefined &&
    b.tags[LAB_TAG.retention] !== ArtifactRetention.DELETE;
  switch (r.kind) {
    case 'bucket':
      return retained(r) ? until : undefined;
    case 'kms-key':
      // The key decrypts the retained bucket's objects: it stays while such a bucket of its cohort does.
      return inventory.some((b) => b.cohort === r.cohort && retained(b))
        ? (until ?? '9999-12-31')
        : undefined;
    case 'db-snapshot':
    case 'ebs-snapshot':
      return until;
    default:
      return undefined;
  }
}

/** Delete the leftovers of `items`, in the order of RESOURCE_KINDS; report each step. */
export async function deleteLeftovers(
  clients: AwsClients,
  items: readonly SweepItem[],
  progress: (line: string) => void,
): Promise<{ deleted: LabResource[]; failed: Array<{ resource: LabResource; error: string }> }> {
  const leftovers = items
    .filter((i) => i.verdict === 'leftover')
    .map((i) => i.resource)
    .sort((a, b) => RESOURCE_KINDS.indexOf(a.kind) - RESOURCE_KINDS.indexOf(b.kind));
  const deleted: LabResource[] = [];
  const failed: Array<{ resource: LabResource; error: string }> = [];
  for (const r of leftovers) {
    try {
      await deleteResource(clients, r);
      deleted.push(r);
      progress(`deleted ${r.kind} ${r.id} (cohort ${r.cohort})`);
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      failed.push({ resource: r, error });
      progress(`FAILED to delete ${r.kind} ${r.id}: ${error}`);
    }
  }
  return { deleted, failed };
}

/** Delete one resource with the call its service has for it. */
export async function deleteResource(c: AwsClients, r: LabResource): Promise<void> {
  switch (r.kind) {
    case 'load-balancer':
      await c.elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: r.id }));
      return;
    case 'target-group':
      await c.elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: r.id }));
      return;
    case 'network-interface':
      await c.ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: r.id }));
      return;
    case 'volume':
      await c.ec2.send(new DeleteVolumeCommand({ VolumeId: r.id }));
      return;
    case 'security-group':
      await c.ec2.send(new DeleteSecurityGroupCommand({ GroupId: r.id }));
      return;
    case 'log-group':
      await c.logs.send(new DeleteLogGroupCommand({ logGroupName: r.id }));
      return;
    case 'secret':
      await c.secrets.send(new DeleteSecretCommand({ SecretId: r.id, ForceDeleteWithoutRecovery: true }));
      return;
    case 'ebs-snapshot':
      await c.ec2.send(new DeleteSnapshotCommand({ SnapshotId: r.id }));
      return;
    case 'db-snapshot':
      await c.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: r.id }));
      return;
    case 'bucket':
      await emptyBucket(c, r.id);
      await c.s3.send(new DeleteBucketCommand({ Bucket: r.id }));
      return;
    case 'kms-key':
      // Seven days is the shortest wait KMS allows (AWS KMS Developer Guide, "Deleting AWS KMS keys").
      await c.kms.send(new ScheduleKeyDeletionCommand({ KeyId: r.id, PendingWindowInDays: 7 }));
      return;
    default:
      throw new Error(`sweep does not delete a ${r.kind}`);
  }
}

/** Delete every object version and delete marker of `bucket`, 1,000 at a time (S3 DeleteObjects' limit). */
export async function emptyBucket(c: AwsClients, bucket: string): Promise<void> {
  for (;;) {
    const page = await c.s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
      Key: v.Key!,
      VersionId: v.VersionId,
    }));
    if (objects.length === 0) {
      return;
    }
    await c.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
  }
}

/** The sweep as the table `sweep` prints. */
export function renderSweep(items: readonly SweepItem[], deleting: boolean): string {
  if (items.length === 0) {
    return 'Nothing tagged lab:cohort outside a stack: nothing to sweep.';
  }
  const lines = items.map((i) => [
    i.verdict.toUpperCase(),
    i.resource.cohort,
    i.resource.kind,
    i.resource.id,
    i.why,
  ]);
  const widths = [0, 1, 2, 3].map((c) => Math.max(...lines.map((l) => l[c].length)));
  const leftovers = items.filter((i) => i.verdict === 'leftover').length;
  return [
    ...lines.map((l) => l.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c)).join('  ')),
    '',
    deleting
      ? `${leftovers} leftover(s) to delete.`
      : `${leftovers} leftover(s). Dry run: nothing was changed; run again with --delete to remove them.`,
  ].join('\n');
}

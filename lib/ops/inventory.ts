import { DescribeStacksCommand, Stack } from '@aws-sdk/client-cloudformation';
import {
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand as ListLogTags,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  Filter,
  Tag as Ec2Tag,
} from '@aws-sdk/client-ec2';
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeKeyCommand, ListKeysCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { GetBucketTaggingCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { LAB_TAG, PRODUCT_PREFIX } from '../core';
import { AwsClients } from './aws';

/**
 * Everything of Cohort Lab in an account and region, found by the `lab:cohort` tag (and stacks by
 * that tag on the stack): the one read `list`, `sweep` and `teardown` share, and the tests compare
 * before and after a dry run. Only read calls; nothing here changes anything.
 */

/** The kinds of resource the lifecycle commands know, in the order `sweep` deletes them. */
export const RESOURCE_KINDS = [
  'stack',
  'load-balancer',
  'target-group',
  'network-interface',
  'volume',
  'security-group',
  'log-group',
  'secret',
  'ebs-snapshot',
  'db-snapshot',
  'db-instance',
  'bucket',
  'kms-key',
] as const;

export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** One resource of a cohort. */
export interface LabResource {
  readonly kind: ResourceKind;
  /** Name, id or ARN: what the delete call takes. */
  readonly id: string;
  /** The `lab:cohort` tag. */
  readonly cohort: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Status where the service has one (stack status, volume state, key state, `pending-deletion`). */
  readonly state?: string;
  /** When it was created, where the service says. */
  readonly created?: string;
  /** A stack's outputs. */
  readonly outputs?: Readonly<Record<string, string>>;
}

/** Take the inventory, of one cohort when `cohort` is given. */
export async function takeInventory(clients: AwsClients, cohort?: string): Promise<LabResource[]> {
  const parts = await Promise.all([
    stacks(clients),
    loadBalancers(clients),
    ec2Resources(clients, cohort),
    logGroups(clients),
    secrets(clients),
    rdsResources(clients),
    buckets(clients),
    keys(clients),
  ]);
  return parts
    .flat()
    .filter((r) => cohort === undefined || r.cohort === cohort)
    .sort(
      (a, b) => RESOURCE_KINDS.indexOf(a.kind) - RESOURCE_KINDS.indexOf(b.kind) || a.id.localeCompare(b.id),
    );
}

type Tags = Record<string, string>;

function tagMap(tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Tags {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

function labResource(
  kind: ResourceKind,
  id: string,
  tags: Tags,
  extra: Partial<LabResource> = {},
): LabResource[] {
  const cohort = tags[LAB_TAG.cohort];
  return cohort === undefined ? [] : [{ kind, id, cohort, tags, ...extra }];
}

async function stacks({ cfn }: AwsClients): Promise<LabResource[]> {
  const all: Stack[] = [];
  let token: string | undefined;
  do {
    const page = await cfn.send(new DescribeStacksCommand({ NextToken: token }));
    all.push(...(page.Stacks ?? []));
    token = page.NextToken;
  } while (token !== undefined);
  return all
    .filter((s) => s.StackName?.startsWith(`${PRODUCT_PREFIX}-`) && s.StackStatus !== 'DELETE_COMPLETE')
    .flatMap((s) =>
      labResource('stack', s.StackName!, tagMap(s.Tags), {
        state: s.StackStatus,
        created: s.CreationTime?.toISOString(),
        outputs: Object.fromEntries((s.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? ''])),
      }),
    );
}

async function loadBalancers({ elb }: AwsClients): Promise<LabResource[]> {
  const lbs = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const tgs = (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  const arns = [
    ...lbs.map((l) => ['load-balancer', l.LoadBalancerArn!, l.CreatedTime?.toISOString()] as const),
    ...tgs.map((t) => ['target-group', t.TargetGroupArn!, undefined] as const),
  ];
  const tags = new Map<string, Tags>();
  // DescribeTags takes at most 20 ARNs (Elastic Load Balancing API Reference, DescribeTags).
  for (let i = 0; i < arns.length; i += 20) {
    const page = await elb.send(
      new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20).map(([, a]) => a) }),
    );
    for (const d of page.TagDescriptions ?? []) {
      tags.set(d.ResourceArn!, tagMap(d.Tags));
    }
  }
  return arns.flatMap(([kind, arn, created]) => labResource(kind, arn, tags.get(arn) ?? {}, { created }));
}

async function ec2Resources({ ec2 }: AwsClients, cohort?: string): Promise<LabResource[]> {
  const Filters: Filter[] = [
    cohort === undefined
      ? { Name: 'tag-key', Values: [LAB_TAG.cohort] }
      : { Name: `tag:${LAB_TAG.cohort}`, Values: [cohort] },
  ];
  const [volumes, enis, groups, snapshots] = await Promise.all([
    ec2.send(new DescribeVolumesCommand({ Filters })),
    ec2.send(new DescribeNetworkInterfacesCommand({ Filters })),
    ec2.send(new DescribeSecurityGroupsCommand({ Filters })),
    ec2.send(new DescribeSnapshotsCommand({ Filters, OwnerIds: ['self'] })),
  ]);
  const t = (tags: Ec2Tag[] | undefined) => tagMap(tags);
  return [
    ...(volumes.Volumes ?? []).flatMap((v) =>
      labResource('volume', v.VolumeId!, t(v.Tags), { state: v.State, created: v.CreateTime?.toISOString() }),
    ),
    ...(enis.NetworkInterfaces ?? []).flatMap((n) =>
      labResource('network-interface', n.NetworkInterfaceId!, t(n.TagSet), { state: n.Status }),
    ),
    ...(groups.SecurityGroups ?? []).flatMap((g) => labResource('security-group', g.GroupId!, t(g.Tags))),
    ...(snapshots.Snapshots ?? []).flatMap((s) =>
      labResource('ebs-snapshot', s.SnapshotId!, t(s.Tags), {
        state: s.State,
        created: s.StartTime?.toISOString(),
      }),
    ),
  ];
}

async function logGroups({ logs }: AwsClients): Promise<LabResource[]> {
  const out: LabResource[] = [];
  let token: string | undefined;
  do {
    const page = await logs.send(new DescribeLogGroupsCommand({ nextToken: token }));
    for (const g of page.logGroups ?? []) {
      const arn = (g.arn ?? '').replace(/:\*$/, '');
      const tags = (await logs.send(new ListLogTags({ resourceArn: arn }))).tags ?? {};
      out.push(
        ...labResource('log-group', g.logGroupName!, tags, {
          created: g.creationTime === undefined ? undefined : new Date(g.creationTime).toISOString(),
        }),
      );
    }
    token = page.nextToken;
  } while (token !== undefined);
  return out;
}

async function secrets({ secrets: sm }: AwsClients): Promise<LabResource[]> {
  const out: LabResource[] = [];
  let token: string | undefined;
  do {
    const page = await sm.send(new ListSecretsCommand({ NextToken: token, IncludePlannedDeletion: true }));
    for (const s of page.SecretList ?? []) {
      out.push(
        ...labResource('secret', s.Name!, tagMap(s.Tags), {
          state: s.DeletedDate === undefined ? 'active' : 'pending-deletion',
          created: s.CreatedDate?.toISOString(),
        }),
      );
    }
    token = page.NextToken;
  } while (token !== undefined);
  return out;
}

async function rdsResources({ rds }: AwsClients): Promise<LabResource[]> {
  const [instances, snapshots] = await Promise.all([
    rds.send(new DescribeDBInstancesCommand({})),
    rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' })),
  ]);
  return [
    ...(instances.DBInstances ?? []).flatMap((d) =>
      labResource('db-instance', d.DBInstanceIdentifier!, tagMap(d.TagList), {
        state: d.DBInstanceStatus,
        created: d.InstanceCreateTime?.toISOString(),
      }),
    ),
    ...(snapshots.DBSnapshots ?? []).flatMap((s) =>
      labResource('db-snapshot', s.DBSnapshotIdentifier!, tagMap(s.TagList), {
        state: s.Status,
        created: s.SnapshotCreateTime?.toISOString(),
      }),
    ),
  ];
}

async function buckets({ s3 }: AwsClients): Promise<LabResource[]> {
  const list = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
  const out: LabResource[] = [];
  for (const b of list) {
    let tags: Tags = {};
    try {
      tags = tagMap((await s3.send(new GetBucketTaggingCommand({ Bucket: b.Name! }))).TagSet);
    } catch (err) {
      // No tags, or a bucket of another region (S3 redirects): not one of this region's cohorts.
      if (
        !isError(err, ['NoSuchTagSet', 'PermanentRedirect', 'AuthorizationHeaderMalformed', 'NoSuchBucket'])
      ) {
        throw err;
      }
    }
    out.push(...labResource('bucket', b.Name!, tags, { created: b.CreationDate?.toISOString() }));
  }
  return out;
}

async function keys({ kms }: AwsClients): Promise<LabResource[]> {
  const out: LabResource[] = [];
  let marker: string | undefined;
  do {
    const page = await kms.send(new ListKeysCommand({ Marker: marker }));
    for (const k of page.Keys ?? []) {
      const tags = (await kms.send(new ListResourceTagsCommand({ KeyId: k.KeyId! }))).Tags ?? [];
      const map = Object.fromEntries(tags.map((t) => [t.TagKey ?? '', t.TagValue ?? '']));
      if (map[LAB_TAG.cohort] === undefined) {
        continue;
      }
      const meta = (await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId! }))).KeyMetadata;
      out.push(
        ...labResource('kms-key', k.KeyId!, map, {
          state: meta?.KeyState === 'PendingDeletion' ? 'pending-deletion' : meta?.KeyState,
          created: meta?.CreationDate?.toISOString(),
        }),
      );
    }
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker !== undefined);
  return out;
}

/** True when `err` is an AWS error with one of `names`. */
export function isError(err: unknown, names: readonly string[]): boolean {
  const e = err as { name?: string; Code?: string } | undefined;
  return names.includes(e?.name ?? '') || names.includes(e?.Code ?? '');
}

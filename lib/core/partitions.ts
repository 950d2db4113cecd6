/**
 * AWS partitions and the regions in them. An ARN names its partition (`arn:<partition>:...`), and
 * a principal can only act in the partition it lives in: a role in `aws-cn` means nothing to a
 * cluster in eu-west-1. The table follows aws-cdk-lib's region-info (test/lib/core/partitions.test.ts
 * compares them).
 */

/** An AWS region name (commercial, GovCloud and ISO partitions). */
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

/** The partition every region not named in {@link PARTITION_BY_REGION_PREFIX} is in. */
export const DEFAULT_PARTITION = 'aws';

/** Region name prefix → the partition of the regions that start with it. */
export const PARTITION_BY_REGION_PREFIX: ReadonlyArray<readonly [string, string]> = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
  ['us-iso-', 'aws-iso'],
  ['us-isob-', 'aws-iso-b'],
  ['eu-isoe-', 'aws-iso-e'],
  ['us-isof-', 'aws-iso-f'],
  ['eusc-', 'aws-eusc'],
];

/** Every AWS partition name, the commercial one first. */
export const AWS_PARTITIONS: readonly string[] = [
  DEFAULT_PARTITION,
  ...PARTITION_BY_REGION_PREFIX.map(([, partition]) => partition),
];

/** The partition `region` is in. */
export function partitionOfRegion(region: string): string {
  return PARTITION_BY_REGION_PREFIX.find(([prefix]) => region.startsWith(prefix))?.[1] ?? DEFAULT_PARTITION;
}

/** True when `name` is an AWS partition. */
export function isPartition(name: string): boolean {
  return AWS_PARTITIONS.includes(name);
}

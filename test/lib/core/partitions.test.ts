import { RegionInfo } from 'aws-cdk-lib/region-info';
import { AWS_PARTITIONS, isPartition, partitionOfRegion } from '../../../lib/core';

describe('partitionOfRegion', () => {
  test.each([
    ['eu-west-1', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
    ['eu-isoe-west-1', 'aws-iso-e'],
    ['us-isof-south-1', 'aws-iso-f'],
  ])('%s is in %s', (region, partition) => {
    // WHEN / THEN
    expect(partitionOfRegion(region)).toBe(partition);
  });

  test("agrees with aws-cdk-lib's region facts for every region it knows", () => {
    // GIVEN
    const regions = RegionInfo.regions.map((r): [string, string | undefined] => [r.name, r.partition]);

    // WHEN
    const ours = regions.map(([name]) => [name, partitionOfRegion(name)]);

    // THEN
    expect(regions.length).toBeGreaterThan(30);
    expect(ours).toEqual(regions);
  });

  test('every partition a region is in is a partition', () => {
    // WHEN
    const partitions = new Set(RegionInfo.regions.map((r) => r.partition));

    // THEN
    expect([...partitions].filter((p) => p !== undefined && !isPartition(p))).toEqual([]);
    expect(AWS_PARTITIONS).toHaveLength(new Set(AWS_PARTITIONS).size);
  });

  test('a made-up partition is not one', () => {
    // WHEN / THEN
    expect(isPartition('awsbogus')).toBe(false);
    expect(isPartition('AWS')).toBe(false);
  });
});

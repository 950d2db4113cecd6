import { writeFileSync } from 'fs';
import { join } from 'path';
import { loadCohortFile } from '../../lib/config';
import { benchCohort, formatResult } from '../../scripts/bench-control-plane';
import { TODAY } from '../support/cohort';
import { testTempDir } from '../support/tmp';

describe('bench-control-plane', () => {
  test('the generated roster is the demo cohort with n valid learners, spread over the shards', () => {
    // GIVEN the cohort file for 200 learners
    const file = join(testTempDir('cohortlab-bench'), 'cohort.yaml');
    writeFileSync(file, benchCohort(200));
    // WHEN it is loaded as any cohort file
    const config = loadCohortFile(file, { today: TODAY });
    // THEN it is valid, with the demo's name and 200 learners in more than one shard
    expect(config.name).toBe('demo-2027-spring');
    expect(config.learners).toHaveLength(200);
    expect(config.learners[0].namespace).toBe('learner-bench-0001');
    expect(new Set(config.learners.map((l) => l.shard)).size).toBeGreaterThan(1);
  });

  test('prints each figure on its own line', () => {
    const lines = formatResult({
      learners: 1000,
      shards: 40,
      learnerManifests: 1000,
      objects: 9624,
      startSeconds: 10.04,
      synthSeconds: 60,
      applySeconds: 120,
      settleSeconds: 2,
      etcdBytesBefore: 16 * 1024 * 1024,
      etcdBytesAfter: 48 * 1024 * 1024,
      etcdBytesInUse: 30.5 * 1024 * 1024,
      warnings: [],
    });
    expect(lines).toEqual([
      'learners:           1000 in 40 shards, 9624 objects',
      'control plane:      started in 10.0 s',
      'synth:              60.0 s (bin/manifests.ts)',
      'apply:              120.0 s (80 objects/s)',
      'controllers settle: 2.0 s more',
      'etcd db file:       16.0 MiB empty, 48.0 MiB with the cohort (30.5 MiB in use)',
      'warnings:           0',
    ]);
  });
});

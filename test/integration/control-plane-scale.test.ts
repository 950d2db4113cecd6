/**
 * A large roster on a real control plane, at a size CI can afford: scripts/bench-control-plane.ts
 * on a fresh control plane of its own (its own etcd), with CONTROL_PLANE_LEARNERS learners
 * (default 100: about a minute here, where 1,000 take several). The 1,000-learner run is the
 * script's default, run by hand (`npx tsx scripts/bench-control-plane.ts`); its figures are in
 * docs/control-plane.md.
 */
import { formatResult, runBench } from '../../scripts/bench-control-plane';

const LEARNERS = Number(process.env.CONTROL_PLANE_LEARNERS ?? 100);

test(`a roster of ${LEARNERS} learners: every shard's manifests are admitted with no warning, and the controllers settle`, async () => {
  // WHEN the generated roster's manifests are applied, namespaces, mlflow, feast, then shard by shard
  const result = await runBench({ learners: LEARNERS, concurrency: 8 });
  console.log(formatResult(result).join('\n'));
  // THEN every object was admitted (a refusal throws), without a warning, and etcd holds them
  expect(result.warnings).toEqual([]);
  expect(result.learners).toBe(LEARNERS);
  expect(result.learnerManifests).toBe(LEARNERS);
  expect(result.objects).toBeGreaterThan(result.learnerManifests);
  expect(result.etcdBytesInUse).toBeGreaterThan(0);
  expect(result.etcdBytesAfter).toBeGreaterThanOrEqual(result.etcdBytesBefore);
}, 900_000);

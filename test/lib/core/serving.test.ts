import { replicasAtPeak, SERVING_FIGURES, TARGET_REPLICA_UTILISATION } from '../../../lib/core';

describe('replicasAtPeak', () => {
  test('learners x peak requests x CPU per request, over a replica at the target utilisation', () => {
    // GIVEN the measured figures (docs/performance.md) and the assumed peak (docs/scale.md)
    const m = SERVING_FIGURES.mlflow;
    // WHEN 1,000 learners log at once: 1,000 x 0.5 req/s x 7.5 ms = 3.75 cores; / 0.6 = 6.25
    const cores = (1000 * m.peakRequestsPerLearnerPerSecond * m.cpuMsPerRequest) / 1000;
    // THEN the next whole replica
    expect(replicasAtPeak('mlflow', 1000)).toBe(
      Math.ceil(cores / (m.coresPerReplica * TARGET_REPLICA_UTILISATION)),
    );
    expect(replicasAtPeak('mlflow', 1000)).toBe(7);
    expect(replicasAtPeak('feast', 1000)).toBe(4);
  });

  test('never fewer than one replica, and more learners never need fewer', () => {
    expect(replicasAtPeak('mlflow', 0)).toBe(1);
    expect(replicasAtPeak('feast', 1)).toBe(1);
    let previous = 0;
    for (let learners = 0; learners <= 1000; learners += 50) {
      const r = replicasAtPeak('mlflow', learners);
      expect(r).toBeGreaterThanOrEqual(previous);
      previous = r;
    }
  });
});

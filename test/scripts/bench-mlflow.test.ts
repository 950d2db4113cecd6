import { CONFIGURATIONS, Result, summarise } from '../../scripts/bench-mlflow';

/** Results of `rounds` rounds at concurrency 1: req/s per configuration, errors per run. */
function results(perSecond: readonly number[], errors: readonly number[] = [0, 0, 0], rounds = 3): Result[] {
  return Array.from({ length: rounds }, () =>
    CONFIGURATIONS.map((name, i) => ({
      name,
      concurrency: 1,
      requests: Math.round(perSecond[i] * 5),
      errors: errors[i],
      perSecond: perSecond[i],
      p50Ms: 1,
      p95Ms: 2,
    })),
  ).flat();
}

describe('bench-mlflow summarise', () => {
  test('a clean run: every configuration reports 0 errors, the target is met, nothing fails', () => {
    const s = summarise(results([100, 3, 80]), [1]);
    expect(s.targetMet).toBe(true);
    expect(s.withErrors).toEqual([]);
    expect(s.lines).toHaveLength(3);
    for (const line of s.lines) expect(line).toMatch(/ {2}errors 0$/);
  });

  test('errors are summed over the rounds, printed per configuration, and make the run fail', () => {
    const s = summarise(results([100, 3, 80], [0, 2, 0]), [1]);
    expect(s.targetMet).toBe(true);
    expect(s.lines[1]).toMatch(/^c=1 {2}basic-auth, MLflow defaults .* {2}errors 6$/);
    expect(s.withErrors).toEqual(['basic-auth, MLflow defaults at c=1 (6)']);
  });

  test('a configuration with no successful request does not meet the target', () => {
    const s = summarise(results([100, 3, 0], [0, 0, 40]), [1]);
    expect(s.targetMet).toBe(false);
    expect(summarise(results([0, 0, 0], [9, 9, 9]), [1]).targetMet).toBe(false);
  });
});

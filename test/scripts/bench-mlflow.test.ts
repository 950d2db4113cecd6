import { Learner, mlflowRequest } from '../../lib/local/mlflow-load';
import { RoundResult, summariseRounds } from '../../lib/local/load';

const learners: Learner[] = [0, 1].map((i) => ({
  auth: `Basic learner-${i}`,
  experimentId: String(10 + i),
  seedRunId: `seed-${i}`,
}));

/** One round's result of `server` with req/s `perSecond` and p99 `p99Ms`. */
function run(
  server: string,
  round: number,
  perSecond: number,
  p99Ms: number,
  errors = 0,
  resets = 0,
): RoundResult {
  return {
    server,
    round,
    requests: perSecond * 10,
    errors,
    resets,
    seconds: 10,
    perSecond,
    p50Ms: 1,
    p95Ms: 2,
    p99Ms,
    cpuMsPerRequest: 5,
    samples: [],
  };
}

describe('bench-mlflow load shapes', () => {
  test('write: a learner creates a run in their experiment, logs to it and finishes it, as themselves', () => {
    const paths = [0, 1, 2, 3, 4, 5].map((n) => mlflowRequest('write', learners, 1, n));
    expect(paths.map((r) => r.path.replace('/api/2.0/mlflow/', ''))).toEqual([
      'runs/create',
      'runs/log-parameter',
      'runs/log-metric',
      'runs/log-metric',
      'runs/set-tag',
      'runs/update',
    ]);
    expect(paths[0].body).toMatchObject({ experiment_id: '11' });
    expect(paths.every((r) => r.headers?.authorization === 'Basic learner-1')).toBe(true);
  });

  test('read: only reads, on the learner own run and experiment', () => {
    const reads = [0, 1, 2, 3].map((n) => mlflowRequest('read', learners, 0, n));
    expect(reads.map((r) => r.path.split('?')[0].replace('/api/2.0/mlflow/', ''))).toEqual([
      'runs/get',
      'experiments/search',
      'runs/search',
      'metrics/get-history',
    ]);
    expect(reads[0].path).toContain('run_id=seed-0');
  });

  test('mixed: even learners write, odd learners read', () => {
    expect(mlflowRequest('mixed', learners, 0, 0).path).toContain('runs/create');
    expect(mlflowRequest('mixed', learners, 1, 0).path).toContain('runs/get');
  });
});

describe('summariseRounds', () => {
  test('ratios are taken per round against the baseline, then the median; errors and resets are summed', () => {
    const results = [
      run('no auth', 1, 100, 10),
      run('ours', 1, 90, 12),
      run('no auth', 2, 50, 20),
      run('ours', 2, 40, 20, 1, 1),
      run('no auth', 3, 80, 10),
      run('ours', 3, 80, 11),
    ];
    const [base, ours] = summariseRounds(results, ['no auth', 'ours']);
    expect(base.ratio.median).toBe(1);
    expect(ours.ratio).toEqual({ median: 0.9, min: 0.8, max: 1 });
    expect(ours.perSecond).toEqual({ median: 80, min: 40, max: 90 });
    expect(ours.p99Ratio.median).toBeCloseTo(1.1);
    expect(ours.errors).toBe(1);
    expect(ours.resets).toBe(1);
  });
});

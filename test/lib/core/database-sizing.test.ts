import {
  DATABASE_CLASSES,
  databaseAtPeak,
  databaseConnectionBudget,
  databaseConnectionsAtMost,
  MLFLOW_DB_CONNECTIONS_PER_POD,
  rdsMaxConnections,
  REGION_PRICES,
  replicasAtPeak,
  RESERVED_DB_CONNECTIONS,
} from '../../../lib/core';

describe('rdsMaxConnections', () => {
  test("follows RDS's LEAST(DBInstanceClassMemory/9531392, 5000) at 85% of the class's memory", () => {
    // 2 GiB: 2 × 1024³ × 0.85 / 9,531,392 = 191.5; 8 GiB: 766.2 (instances report 198 and 856)
    expect(rdsMaxConnections('t4g.small')).toBe(191);
    expect(rdsMaxConnections('m6g.large')).toBe(766);
    expect(rdsMaxConnections('m6g.2xlarge')).toBe(3064);
  });

  test('every class has more connections than the one before it', () => {
    const figures = DATABASE_CLASSES.map((c) => rdsMaxConnections(c.instanceClass));
    expect(figures).toEqual([...figures].sort((a, b) => a - b));
    expect(new Set(figures).size).toBe(figures.length);
  });

  test('an unknown class is refused, naming the classes it knows', () => {
    expect(() => rdsMaxConnections('r7g.large')).toThrow(
      'database class r7g.large is not one of t4g.micro, t4g.small, t4g.medium, m6g.large, m6g.xlarge, m6g.2xlarge',
    );
  });
});

describe('databaseAtPeak', () => {
  test('each MLflow pod holds two pools of 20 + 10, plus the reserve', () => {
    expect(MLFLOW_DB_CONNECTIONS_PER_POD).toBe(60);
    expect(databaseConnectionsAtMost(7)).toBe(7 * 60 + RESERVED_DB_CONNECTIONS);
  });

  test.each([
    // learners, MLflow replicas, class, allocated GiB, max GiB
    [1, 1, 't4g.micro', 10, 10],
    [100, 2, 't4g.small', 10, 20],
    [320, 4, 't4g.medium', 10, 50],
    [1000, 7, 'm6g.large', 30, 150],
    [1000, 10, 'm6g.large', 30, 150],
  ])(
    '%i learners on %i MLflow pods: db.%s, %i GiB growing to %i',
    (learners, replicas, cls, allocated, max) => {
      const need = databaseAtPeak(learners, replicas);
      expect(need).toEqual({
        instanceClass: cls,
        connections: databaseConnectionsAtMost(replicas),
        allocatedStorageGiB: allocated,
        maxAllocatedStorageGiB: max,
      });
      // the chosen class holds the pools at 80%, the one below it does not
      expect(need.connections).toBeLessThanOrEqual(databaseConnectionBudget(cls));
      const rank = DATABASE_CLASSES.findIndex((c) => c.instanceClass === cls);
      if (rank > 0) {
        expect(need.connections).toBeGreaterThan(
          databaseConnectionBudget(DATABASE_CLASSES[rank - 1].instanceClass),
        );
      }
    },
  );

  test("the roster's own MLflow replicas at 1,000 learners fit the class chosen for them", () => {
    const replicas = replicasAtPeak('mlflow', 1000);
    const need = databaseAtPeak(1000, replicas);
    expect(need.connections).toBeLessThanOrEqual(databaseConnectionBudget(need.instanceClass));
  });

  test('more pods than the largest class holds are refused with the figures', () => {
    expect(() => databaseAtPeak(1000, 60)).toThrow(
      '60 MLflow replicas may open 3612 database connections; no class up to db.m6g.2xlarge holds that many',
    );
  });
});

describe('prices', () => {
  test.each(Object.keys(REGION_PRICES))('%s prices every class the sizing may choose', (region) => {
    for (const c of DATABASE_CLASSES) {
      expect(REGION_PRICES[region].rdsPostgresPerHour[c.instanceClass]).toBeGreaterThan(0);
    }
  });
});

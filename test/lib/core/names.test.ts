import {
  clusterName,
  feastInClusterUrl,
  learnerPrefix,
  mlflowInClusterUrl,
  personalExperimentName,
  secretNames,
  secretPrefix,
  stackName,
} from '../../../lib/core';

// These names are contracts with running cohorts (lib/core/names.ts): a change here is a rename of
// live resources, so each one is pinned.

describe('names', () => {
  test('stacks are cohortlab-<cohort>-<part>, the cluster cohortlab-<cohort>', () => {
    expect(stackName('spring', 'data')).toBe('cohortlab-spring-data');
    expect(clusterName('spring')).toBe('cohortlab-spring');
  });

  test('every secret of a cohort is under cohort-lab/<cohort>/', () => {
    const names = secretNames('spring');
    const all = [
      names.mlflowAdmin,
      names.mlflowFlaskKey,
      names.dbMaster,
      names.dbMlflow,
      names.redis,
      names.learnerMlflow('grace-hopper'),
      names.instructorMlflow('ada-lovelace'),
    ];
    expect(all).toEqual([
      'cohort-lab/spring/mlflow-admin',
      'cohort-lab/spring/mlflow-flask-secret-key',
      'cohort-lab/spring/db-master',
      'cohort-lab/spring/db-mlflow',
      'cohort-lab/spring/redis',
      'cohort-lab/spring/learners/grace-hopper/mlflow',
      'cohort-lab/spring/instructors/ada-lovelace/mlflow',
    ]);
    for (const name of all) {
      expect(name.startsWith(secretPrefix('spring'))).toBe(true);
    }
  });

  test("a learner's secret sits under the same learners/<slug>/ as the learner's S3 prefix", () => {
    expect(secretNames('spring').learnerMlflow('ada')).toBe(
      `${secretPrefix('spring')}${learnerPrefix('ada')}mlflow`,
    );
  });

  test("a learner's personal MLflow experiment is learners/<slug>", () => {
    expect(personalExperimentName('grace-hopper')).toBe('learners/grace-hopper');
  });

  test('MLflow and Feast inside the cluster: their Services in the cohort namespace', () => {
    expect(mlflowInClusterUrl()).toBe('http://mlflow.cohort-lab.svc.cluster.local:5000');
    expect(feastInClusterUrl()).toBe('http://feast.cohort-lab.svc.cluster.local:6566');
  });
});

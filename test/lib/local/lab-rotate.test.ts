import { SavedSecret } from '../../../lib/local/aws-state';
import { LabUsageError, rotationTargets } from '../../../lib/local/lab-rotate';
import { loadCohort } from '../../support/cohort';

const P = 'cohort-lab/demo-2027-spring/';

function secret(name: string, kind?: string): SavedSecret {
  return {
    name: `${P}${name}`,
    tags: kind ? { 'lab:secret-kind': kind } : {},
    rotationEnabled: kind !== undefined,
    current: '{}',
  };
}

describe('what `local rotate` rotates', () => {
  const config = loadCohort('cohorts/demo.yaml');
  const secrets = [
    secret('mlflow-admin', 'mlflow-admin'),
    secret('redis', 'generated-dual'),
    secret('db-master'),
    secret('learners/grace-hopper/mlflow', 'mlflow-user'),
    secret('instructors/ada-lovelace/mlflow', 'mlflow-instructor'),
  ];
  const names = (s: SavedSecret[]) => s.map((x) => x.name.slice(P.length));

  test("everything the rotation function rotates, one secret by its short or full name, or one person's", () => {
    expect(names(rotationTargets(secrets, config, 'all'))).toEqual([
      'mlflow-admin',
      'redis',
      'learners/grace-hopper/mlflow',
      'instructors/ada-lovelace/mlflow',
    ]);
    expect(names(rotationTargets(secrets, config, { secret: 'redis' }))).toEqual(['redis']);
    expect(names(rotationTargets(secrets, config, { secret: `${P}mlflow-admin` }))).toEqual(['mlflow-admin']);
    expect(names(rotationTargets(secrets, config, { person: 'ada-lovelace' }))).toEqual([
      'instructors/ada-lovelace/mlflow',
    ]);
  });

  test('fails when the person is not on the roster (bad input)', () => {
    expect(() => rotationTargets(secrets, config, { person: 'mallory' })).toThrow(
      new LabUsageError(
        'No person mallory on the roster of demo-2027-spring (people: ada-lovelace, grace-hopper, alan-turing, katherine-johnson)',
        2,
      ),
    );
  });

  test('fails when the secret is a database user (AWS rotates those, not the function)', () => {
    expect(() => rotationTargets(secrets, config, { secret: 'db-master' })).toThrow(
      `No secret ${P}db-master that the rotation function rotates (the database users rotate with AWS’s hosted ` +
        'rotation, which does not run locally). Rotated: mlflow-admin, redis, learners/grace-hopper/mlflow, ' +
        'instructors/ada-lovelace/mlflow',
    );
  });
});

import { statSync } from 'fs';
import { join } from 'path';
import { PersonRole } from '../../../lib/core';
import { credentialsFile, rosterPeople, welcomeSheet, writeCredentialsFile } from '../../../lib/local/people';
import { loadCohort } from '../../support/cohort';
import { testTempDir } from '../../support/tmp';

const URLS = {
  mlflow: 'http://127.0.0.1:7100',
  feast: 'http://127.0.0.1:7101',
  issuer: 'http://127.0.0.1:7102',
};

describe('the roster in the local lab', () => {
  const people = rosterPeople(loadCohort('cohorts/demo.yaml'));
  const [ada, grace] = people;

  test('instructors, then learners, with their secret and Cognito group', () => {
    expect(people.map((p) => [p.slug, p.role, p.group, p.secretName])).toEqual([
      [
        'ada-lovelace',
        PersonRole.INSTRUCTOR,
        'instructors',
        'cohort-lab/demo-2027-spring/instructors/ada-lovelace/mlflow',
      ],
      [
        'grace-hopper',
        PersonRole.LEARNER,
        'learners',
        'cohort-lab/demo-2027-spring/learners/grace-hopper/mlflow',
      ],
      [
        'alan-turing',
        PersonRole.LEARNER,
        'learners',
        'cohort-lab/demo-2027-spring/learners/alan-turing/mlflow',
      ],
      [
        'katherine-johnson',
        PersonRole.LEARNER,
        'learners',
        'cohort-lab/demo-2027-spring/learners/katherine-johnson/mlflow',
      ],
    ]);
  });

  test("a learner's credentials file: MLflow with the personal experiment, and Feast's sign-in", () => {
    expect(
      credentialsFile(grace, URLS, {
        mlflowPassword: 'pw-of-grace-123',
        feastClientSecret: 'client-secret-g',
      }),
    ).toBe(
      [
        '# Cohort Lab local lab: learner grace-hopper. Keep it to yourself (mode 0600).',
        '# Load it into a shell with: set -a; . <this file>; set +a',
        'MLFLOW_TRACKING_URI=http://127.0.0.1:7100',
        'MLFLOW_TRACKING_USERNAME=grace-hopper',
        'MLFLOW_TRACKING_PASSWORD=pw-of-grace-123',
        'MLFLOW_EXPERIMENT_NAME=learners/grace-hopper',
        'FEAST_URL=http://127.0.0.1:7101',
        '# A Feast access token (15 minutes): cohort-lab local token <slug>, or with curl:',
        '#   curl -s -u "$FEAST_CLIENT_ID:$FEAST_CLIENT_SECRET" -d grant_type=client_credentials "$FEAST_TOKEN_URL"',
        'FEAST_TOKEN_URL=http://127.0.0.1:7102/token',
        'FEAST_CLIENT_ID=grace-hopper',
        'FEAST_CLIENT_SECRET=client-secret-g',
        '',
      ].join('\n'),
    );
  });

  test("an instructor's has no personal experiment (instructors are MLflow admins)", () => {
    const text = credentialsFile(ada, URLS, {
      mlflowPassword: 'pw-of-ada-1234',
      feastClientSecret: 'client-secret-a',
    });
    expect(text).not.toContain('MLFLOW_EXPERIMENT_NAME');
    expect(text).toContain('MLFLOW_TRACKING_USERNAME=ada-lovelace\n');
  });

  test('the file is written mode 0600 in a 0700 directory', () => {
    const dir = join(testTempDir('cohortlab-people'), 'people');
    const file = writeCredentialsFile(dir, grace, 'x=1\n');
    expect(file).toBe(join(dir, 'grace-hopper.env'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  test('the welcome sheet says what to open, the user name and where the password is, not the password', () => {
    const sheet = welcomeSheet(grace, URLS, '/repo/.lab/demo/people/grace-hopper.env', '/repo');
    expect(sheet).toBe(
      [
        'Grace Hopper (grace-hopper), learner',
        '  MLflow     http://127.0.0.1:7100  user grace-hopper, experiment learners/grace-hopper',
        '  Feast      http://127.0.0.1:7101  group learners; token: cohort-lab local token grace-hopper',
        '  password   in .lab/demo/people/grace-hopper.env (mode 0600; load it with: set -a; . .lab/demo/people/grace-hopper.env; set +a)',
      ].join('\n'),
    );
    expect(welcomeSheet(ada, URLS, '/elsewhere/ada-lovelace.env', '/repo').split('\n')[0]).toBe(
      'ada-lovelace, instructor (MLflow admin; Feast writer)',
    );
  });
});

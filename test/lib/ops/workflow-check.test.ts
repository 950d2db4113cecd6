import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { CiRoleTrust, checkWorkflow, ciRoleTrust } from '../../../lib/ops/workflow-check';
import { REPO_ROOT } from '../../support/cohort';

const DIR = join(REPO_ROOT, 'test', 'fixtures', 'workflows');
const TRUST: CiRoleTrust = {
  repository: 'grace-hopper/cohort-lab-promotion',
  subjects: [
    'repo:grace-hopper/cohort-lab-promotion:environment:staging',
    'repo:grace-hopper/cohort-lab-promotion:environment:production',
  ],
  audience: 'sts.amazonaws.com',
};
const check = (kind: 'good' | 'bad', name: string, trust: CiRoleTrust | undefined = TRUST) =>
  checkWorkflow(readFileSync(join(DIR, kind, name), 'utf8'), name, trust).map(
    (p) => `${p.path}: ${p.message}`,
  );

describe('checkWorkflow', () => {
  test.each(readdirSync(join(DIR, 'good')))('the good fixture %s passes every check', (name) => {
    expect(check('good', name)).toEqual([]);
  });

  // Each bad fixture is one tampering of a good one; the whole message is asserted.
  const bad: Array<[string, string[]]> = [
    [
      'unpinned-action.yml',
      ['jobs.test.steps[0].uses: is not pinned by a full commit SHA (got "actions/checkout@v4")'],
    ],
    [
      'hard-coded-role.yml',
      [
        'line 30: holds a hard-coded IAM role ARN; take it from ${{ vars.COHORT_LAB_CI_ROLE_ARN }}',
        'jobs.register.steps[1].with.role-to-assume: must be ${{ vars.COHORT_LAB_CI_ROLE_ARN }} (got "arn:aws:iam::111122223333:role/cohortlab/demo/ci/ci-grace-hopper-0a1b2c3d")',
      ],
    ],
    [
      'id-token-on-test-job.yml',
      [
        'jobs.test.permissions: grants id-token: write to job test, which does not assume the CI role; grant it only to the jobs that do',
      ],
    ],
    [
      'id-token-workflow-wide.yml',
      [
        'permissions: grants id-token: write to job test, which does not assume the CI role; grant it only to the jobs that do',
      ],
    ],
    [
      'role-job-without-environment.yml',
      [
        'jobs.register.environment: must name a deployment environment: the CI role trusts repo:<owner>/<repo>:environment:<env> subjects only',
      ],
    ],
    [
      'untrusted-environment.yml',
      [
        'jobs.staging.environment: runs in "qa", but the CI role trusts only repo:grace-hopper/cohort-lab-promotion:environment:staging, repo:grace-hopper/cohort-lab-promotion:environment:production (the sub would be repo:grace-hopper/cohort-lab-promotion:environment:qa)',
        'jobs: has no job that assumes the CI role in environment staging (promotion goes staging, then production)',
      ],
    ],
    [
      'promote-without-production.yml',
      [
        'jobs: has no job that assumes the CI role in environment production (promotion goes staging, then production)',
      ],
    ],
  ];

  test.each(bad)('fails when the workflow is %s', (name, expected) => {
    expect(check('bad', name)).toEqual(expected);
  });

  test('every bad fixture has a case', () => {
    expect(readdirSync(join(DIR, 'bad')).sort()).toEqual(bad.map(([n]) => n).sort());
  });

  test("fails when the role trusts another repository: the subjects of the workflow are not the role's", () => {
    const other = { ...TRUST, repository: 'someone-else/fork' };
    expect(check('good', 'promote.yml', other)).toEqual([
      'jobs.staging.environment: runs in "staging", but the CI role trusts only repo:grace-hopper/cohort-lab-promotion:environment:staging, repo:grace-hopper/cohort-lab-promotion:environment:production (the sub would be repo:someone-else/fork:environment:staging)',
      'jobs.production.environment: runs in "production", but the CI role trusts only repo:grace-hopper/cohort-lab-promotion:environment:staging, repo:grace-hopper/cohort-lab-promotion:environment:production (the sub would be repo:someone-else/fork:environment:production)',
    ]);
  });

  test('an environment from a workflow_dispatch input that is not a choice cannot be checked', () => {
    const text = readFileSync(join(DIR, 'good', 'rollback.yml'), 'utf8').replace(
      'type: choice',
      'type: string',
    );
    expect(checkWorkflow(text, 'rollback.yml', TRUST).map((p) => p.message)).toEqual([
      'names input environment, which must be a workflow_dispatch choice input listing the environments',
    ]);
  });

  test('fails when the file is not YAML', () => {
    expect(checkWorkflow('jobs: [unclosed\n', 'x.yml').map((p) => p.message)[0]).toMatch(
      /^is not valid YAML: /,
    );
  });
});

describe('ciRoleTrust', () => {
  test("reads the sub and aud of the role tagged lab:ci=<slug>, and nothing of another learner's", () => {
    const role = (slug: string, sub: unknown) => ({
      Type: 'AWS::IAM::Role',
      Properties: {
        Tags: [{ Key: 'lab:ci', Value: slug }],
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Condition: {
                StringEquals: {
                  'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                  'token.actions.githubusercontent.com:sub': sub,
                },
              },
            },
          ],
        },
      },
    });
    const template = {
      Resources: {
        A: role('alan', 'repo:a/b:environment:x'),
        G: role('grace', ['repo:g/h:environment:staging']),
      },
    };
    expect(ciRoleTrust(template, 'grace', 'g/h')).toEqual({
      repository: 'g/h',
      subjects: ['repo:g/h:environment:staging'],
      audience: 'sts.amazonaws.com',
    });
    expect(ciRoleTrust(template, 'nobody', 'x/y')).toBeUndefined();
  });
});

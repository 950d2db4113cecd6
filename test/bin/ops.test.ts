import { spawnSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { REPO_ROOT, TODAY } from '../support/cohort';
import { testTempDir } from '../support/tmp';

/** Run `cohort-lab plan <file>` as `npm run plan` does (tsx bin/ops.ts), with `env` added. */
function plan(file: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(REPO_ROOT, 'bin', 'ops.ts'),
      'plan',
      file,
      '--today',
      TODAY,
      '--out',
      testTempDir('cohortlab-cli-plan'),
      ...args,
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, COHORT_LAB_DEBUG: '', ...env } },
  );
  const stderr = run.stderr.split('\n').filter((line) => line !== '');
  return { status: run.status, stderr, failed: stderr.filter((line) => line.startsWith('Plan failed')) };
}

/** The demo cohort with a node group of two CPU architectures: the config accepts it, CDK does not. */
function mixedArchitectures(): string {
  const file = join(testTempDir('cohortlab-cli-cohort'), 'mixed.yaml');
  const demo = readFileSync(join(REPO_ROOT, 'cohorts', 'demo.yaml'), 'utf8');
  const mixed = demo.replace('instanceTypes: [m6i.large]', 'instanceTypes: [m6i.large, m6g.large]');
  expect(mixed).not.toBe(demo);
  writeFileSync(file, mixed);
  return file;
}

const STACK_FRAME = /^\s+at /;
const ARCHITECTURES =
  'Plan failed: InstanceTypesDifferentArchitecturesNotAllowed: instanceTypes of different architectures is not allowed';

describe('cohort-lab plan, when something other than the cohort file fails', () => {
  test('fails when CDK refuses the cohort: one line naming the error, exit 1, no stack trace', () => {
    // GIVEN a cohort file that passes validation, with instance types CDK refuses to mix
    // WHEN it is planned
    const run = plan(mixedArchitectures());
    // THEN
    expect(run.status).toBe(1);
    expect(run.stderr).toEqual([ARCHITECTURES]);
  }, 120_000);

  test('fails when the synth throws (TooManyResourcesInStack): one line, exit 1, no stack trace', () => {
    // GIVEN the demo cohort and CDK's own resource limit lowered to 50 through the context
    // (CDK_CONTEXT_JSON, as the CDK CLI passes context), which the cluster stack's 96 resources pass
    // WHEN it is planned
    const run = plan('cohorts/demo.yaml', [], {
      CDK_CONTEXT_JSON: JSON.stringify({ '@aws-cdk/core:stackResourceLimit': 50 }),
    });
    // THEN the synth error is the last line (esbuild's bundling notes come before it)
    expect(run.status).toBe(1);
    expect(run.failed).toEqual([
      expect.stringMatching(
        /^Plan failed: TooManyResourcesInStack: Number of resources in stack 'cohortlab-demo-2027-spring-cluster': \d+ is greater than allowed maximum of 50: AWS::EC2::VPC \(1\), /,
      ),
    ]);
    expect(run.stderr[run.stderr.length - 1]).toBe(run.failed[0]);
    expect(run.stderr.filter((line) => STACK_FRAME.test(line))).toEqual([]);
  }, 180_000);

  test.each([
    ['--verbose', ['--verbose'], {}],
    ['COHORT_LAB_DEBUG=1', [], { COHORT_LAB_DEBUG: '1' }],
  ])(
    'prints the stack trace too with %s',
    (_how, args, env) => {
      const run = plan(mixedArchitectures(), args, env);
      expect(run.status).toBe(1);
      expect(run.stderr[0]).toBe(ARCHITECTURES);
      expect(
        run.stderr.some((line) =>
          /^\s+at new CohortCluster \(.*constructs\/cohort-cluster\/index\.ts:/.test(line),
        ),
      ).toBe(true);
    },
    120_000,
  );

  test('an invalid cohort file is still reported as one, with exit code 2', () => {
    const run = plan('test/fixtures/cohorts/bad/bad-email.yaml');
    expect(run.status).toBe(2);
    expect(run.stderr).toEqual([
      'Invalid cohort file:',
      'test/fixtures/cohorts/bad/bad-email.yaml: learners[1].email: must be an email address (got "alan-at-example.edu")',
    ]);
  }, 120_000);
});

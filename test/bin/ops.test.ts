import { spawnSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { CLI_TIMEOUT_MS, REPO_ROOT, TODAY } from '../support/cohort';
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
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: CLI_TIMEOUT_MS,
      env: { ...process.env, COHORT_LAB_DEBUG: '', ...env },
    },
  );
  const stderr = run.stderr.split('\n').filter((line) => line !== '');
  return {
    status: run.status,
    stdout: run.stdout,
    stderr,
    failed: stderr.filter((line) => line.startsWith('Plan failed')),
  };
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

  test('prints each warning once (not also in the synth report), after the verdict', () => {
    // GIVEN the sandbox example, whose MLflow has no TLS (one warning)
    // WHEN it is planned
    const run = plan('cohorts/sandbox-example.yaml');
    // THEN the warning appears once in everything printed
    const all = `${run.stdout}\n${run.stderr.join('\n')}`;
    expect(run.status).toBe(0);
    expect(all.split('MLFLOW WITHOUT TLS').length - 1).toBe(1);
    expect(run.stdout.split('\n')[0]).toBe('Verdict: READY to deploy sandbox-grace (1 warning(s) below)');
  }, 180_000);

  test.each(['2026-13-45', '2026-02-30', 'tomorrow'])(
    'fails when --today is not a calendar date (%s): one line, exit 2',
    (today) => {
      const run = plan('cohorts/demo.yaml', ['--today', today]);
      expect(run.status).toBe(2);
      expect(run.stderr).toEqual([`--today: must be a calendar date written YYYY-MM-DD (got "${today}")`]);
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

describe('cohort-lab list, sweep, teardown without AWS', () => {
  test('fails with one line and exit 1 when the SDK has no region (no stack trace)', () => {
    // GIVEN an environment with no region, no profile and no credentials
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (!k.startsWith('AWS_')) env[k] = v;
    }
    // WHEN list runs
    const run = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(REPO_ROOT, 'bin', 'ops.ts'), 'list'],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: CLI_TIMEOUT_MS,
        env: {
          ...env,
          AWS_CONFIG_FILE: '/nonexistent',
          AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
          COHORT_LAB_DEBUG: '',
        },
      },
    );
    // THEN
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('list failed: Region is missing\n');
  }, 60_000);

  test('--version prints the package version', () => {
    const run = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        join(REPO_ROOT, 'bin', 'ops.ts'),
        '--version',
      ],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: CLI_TIMEOUT_MS },
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      `${(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`,
    );
  }, 60_000);
});

/**
 * The runner on small workflows of bash steps (real bash, no services): env layering, outputs,
 * $GITHUB_ENV, masks, conditions, needs, approvals and the emulated actions' refusals.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { RunOptions, runWorkflow } from '../../../../lib/local/workflow-runner/runner';
import { parseCommandFile } from '../../../../lib/local/workflow-runner/shell';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cohortlab-runner-'));
  mkdirSync(join(dir, 'repo'));
  writeFileSync(join(dir, 'repo', 'hello.txt'), 'hello\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const CHECKOUT = 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1';
const AWS = 'aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c';

function options(workflow: string, extra: Partial<RunOptions> = {}): RunOptions {
  const file = join(dir, 'wf.yml');
  writeFileSync(file, workflow);
  return {
    workflowFile: file,
    sourceDir: join(dir, 'repo'),
    workDir: join(dir, 'runs'),
    eventName: 'workflow_dispatch',
    vars: { WHO: 'repo-var' },
    secrets: { TOKEN: 'super-secret-value' },
    github: { repository: 'o/r', sha: 'a'.repeat(40), actor: 'octocat', runId: '7' },
    actions: {
      pythonVenv: '/nonexistent',
      awsEnv: { AWS_SECRET_ACCESS_KEY: 'moto-secret' },
      trustedSubjects: ['repo:o/r:environment:prod'],
    },
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    ...extra,
  };
}

describe('the local workflow runner', () => {
  test('env layers, step outputs, $GITHUB_ENV, masks and vars by environment', async () => {
    // GIVEN a job whose steps pass values along every way GitHub offers
    const run = await runWorkflow(
      options(
        `on: workflow_dispatch
env: {LAYER: workflow, KEEP: w}
jobs:
  one:
    environment: prod
    env: {LAYER: job}
    steps:
      - uses: ${CHECKOUT}
      - id: a
        run: |
          cat hello.txt
          echo "x=from-a" >> "$GITHUB_OUTPUT"
          echo "LATER=set-by-a" >> "$GITHUB_ENV"
          echo "::add-mask::masked-value"
          echo "masked-value and \${{ secrets.TOKEN }}"
      - env: {LAYER: step, X: "\${{ steps.a.outputs.x }}", WHO: "\${{ vars.WHO }}"}
        run: echo "$LAYER $KEEP $X $LATER $WHO $GITHUB_SHA"
`,
        { environments: { prod: { vars: { WHO: 'env-var' } } } },
      ),
    );
    // THEN each step saw what GitHub would give it, and the masked values are *** in the log
    expect(run.conclusion).toBe('success');
    const [checkout, a, b] = run.jobs[0].steps;
    expect(checkout.outcome).toBe('success');
    expect(a.log).toBe('hello\n*** and ***\n');
    expect(b.log).toBe(`step w from-a set-by-a env-var ${'a'.repeat(40)}\n`);
  });

  test('a failure skips the next steps but runs if: failure() and always(); a job needing it is skipped', async () => {
    const run = await runWorkflow(
      options(`on: workflow_dispatch
jobs:
  one:
    steps:
      - {id: go, run: "true"}
      - {run: "exit 3"}
      - {name: after, run: "echo no"}
      - {name: rescue, if: "failure() && steps.go.outcome == 'success'", run: "echo rescued"}
      - {name: always, if: "always()", run: "echo always"}
  two:
    needs: one
    steps:
      - {run: "echo never"}
`),
    );
    expect(run.conclusion).toBe('failure');
    expect(run.jobs[0].steps.map((s) => s.outcome)).toEqual([
      'success',
      'failure',
      'skipped',
      'success',
      'success',
    ]);
    expect(run.jobs[0].steps[1].log).toBe('\nexit code 3\n');
    expect(run.jobs[1]).toEqual({ id: 'two', environment: undefined, result: 'skipped', steps: [] });
  });

  test('an environment with required reviewers waits without an approval, and records the one given', async () => {
    const wf = `on: workflow_dispatch
jobs:
  deploy:
    environment: prod
    steps:
      - {run: "echo deployed"}
`;
    const environments = { prod: { requiredReviewers: true } };
    const waiting = await runWorkflow(options(wf, { environments }));
    expect(waiting.conclusion).toBe('waiting');
    expect(waiting.jobs[0].steps).toEqual([]);
    const approved = await runWorkflow(
      options(wf, { environments, approvals: { prod: { reviewer: 'ada' } } }),
    );
    expect(approved.conclusion).toBe('success');
    expect(approved.jobs[0].approval).toEqual({ reviewer: 'ada', environment: 'prod' });
  });

  test.each([
    [
      `permissions: {}\n    steps:\n      - uses: ${AWS}\n        with: {role-to-assume: "arn:aws:iam::123456789012:role/ci", aws-region: us-east-1}`,
      'aws-actions/configure-aws-credentials: the job cannot request an OIDC token: it has no `id-token: write` permission',
    ],
    [
      `permissions: {id-token: write}\n    steps:\n      - uses: ${AWS}\n        with: {role-to-assume: "", aws-region: us-east-1}`,
      'aws-actions/configure-aws-credentials: role-to-assume "" is not an IAM role ARN',
    ],
    [
      `environment: staging\n    permissions: {id-token: write}\n    steps:\n      - uses: ${AWS}\n        with: {role-to-assume: "arn:aws:iam::123456789012:role/ci", aws-region: us-east-1}`,
      'aws-actions/configure-aws-credentials: Not authorized to perform sts:AssumeRoleWithWebIdentity: the role does not trust the subject repo:o/r:environment:staging',
    ],
    [
      'steps:\n      - uses: actions/checkout@v7',
      'actions/checkout@v7: actions must be pinned by a full commit SHA (owner/repo@<40 hex>)',
    ],
    [
      `steps:\n      - uses: docker/login-action@${'b'.repeat(40)}`,
      'docker/login-action: the local runner does not emulate this action (it emulates actions/checkout, actions/setup-python, aws-actions/configure-aws-credentials)',
    ],
  ])('fails when a uses: step cannot run as written (%#)', async (job, message) => {
    const run = await runWorkflow(options(`on: workflow_dispatch\njobs:\n  one:\n    ${job}\n`));
    expect(run.conclusion).toBe('failure');
    expect(run.jobs[0].steps[0].log).toBe(`${message}\n`);
  });

  test('fails when the workflow does not run on the event', async () => {
    await expect(runWorkflow(options('on: push\njobs:\n  a: {steps: [{run: x}]}\n'))).rejects.toThrow(
      `${join(dir, 'wf.yml')}: runs on push, not on workflow_dispatch`,
    );
  });

  test('command files: k=v lines and heredocs', () => {
    expect(parseCommandFile('a=1\nb<<EOF\nline 1\nline=2\nEOF\nc=x=y\n')).toEqual({
      a: '1',
      b: 'line 1\nline=2',
      c: 'x=y',
    });
  });
});

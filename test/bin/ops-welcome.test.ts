import { spawnSync } from 'child_process';
import { readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { CLI_TIMEOUT_MS, REPO_ROOT, TODAY } from '../support/cohort';
import { testTempDir } from '../support/tmp';

/**
 * `cohort-lab welcome` through the real entry point (bin/ops.ts under tsx), offline: no AWS
 * credentials, and nothing here asks for a password (`--reveal` against moto's Secrets Manager is
 * in test/integration/welcome.test.ts, where moto runs).
 */
function welcome(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AWS_')) env[k] = v;
  }
  const run = spawnSync(
    join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
    ['bin/ops.ts', 'welcome', '--today', TODAY, ...args],
    {
      cwd: REPO_ROOT,
      env: { ...env, AWS_EC2_METADATA_DISABLED: 'true' },
      encoding: 'utf8',
      timeout: CLI_TIMEOUT_MS,
    },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('cohort-lab welcome', () => {
  test("prints everyone's sheet and writes each .env, mode 0600, holding no password", () => {
    // GIVEN the demo cohort WHEN welcome runs for everyone
    const out = testTempDir('cohortlab-welcome-cli');
    const run = welcome('cohorts/demo.yaml', '--out', out);
    // THEN it exits 0 with four sheets and four files only their owner may read
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.match(/^Cohort Lab demo-2027-spring: welcome, /gm)).toHaveLength(4);
    expect(readdirSync(out).sort()).toEqual([
      'ada-lovelace.env',
      'alan-turing.env',
      'grace-hopper.env',
      'katherine-johnson.env',
    ]);
    for (const file of readdirSync(out)) {
      expect(statSync(join(out, file)).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(out, file), 'utf8')).toMatch(/^MLFLOW_TRACKING_PASSWORD=$/m);
    }
    expect(run.stdout).toContain(`Your settings file: ${join(out, 'grace-hopper.env')} (mode 0600`);
  });

  test('--learner with --json: one person, the deployed values filled in, no password field', () => {
    const out = testTempDir('cohortlab-welcome-json');
    const run = welcome(
      'cohorts/demo.yaml',
      '--learner',
      'Katherine-Johnson',
      '--json',
      '--bucket',
      'cohortlab-demo-artifacts-1a2b3c',
      '--out',
      out,
    );
    expect(run.status).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.people.map((p: { slug: string }) => p.slug)).toEqual(['katherine-johnson']);
    expect(doc.people[0].s3.uri).toBe('s3://cohortlab-demo-artifacts-1a2b3c/learners/katherine-johnson/');
    expect(doc.people[0].envFile).toBe(join(out, 'katherine-johnson.env'));
    expect('password' in doc.people[0].mlflow).toBe(false);
    expect(readdirSync(out)).toEqual(['katherine-johnson.env']);
  });

  test('fails when the person is unknown: exit 2, the message with a suggestion, nothing written', () => {
    const out = testTempDir('cohortlab-welcome-unknown');
    const run = welcome('cohorts/demo.yaml', '--person', 'grace.hoper', '--out', join(out, 'w'));
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'cohorts/demo.yaml: no learner or instructor "grace.hoper" in cohort demo-2027-spring. Did you mean "grace-hopper"?\n',
    );
    expect(readdirSync(out)).toEqual([]);
  });

  test('fails when --reveal names nobody: exit 2 before anything is read', () => {
    const run = welcome('cohorts/demo.yaml', '--reveal');
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      "--reveal prints one person's password: name them with --person <slug> (or --learner <slug>)\n",
    );
  });

  test('fails when the cohort file is bad: exit 2 with the file, field and value', () => {
    const run = welcome('test/fixtures/cohorts/bad/bad-email.yaml');
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      'Invalid cohort file:\n' +
        'test/fixtures/cohorts/bad/bad-email.yaml: learners[1].email: must be an email address (got "alan-at-example.edu")\n',
    );
  });
});

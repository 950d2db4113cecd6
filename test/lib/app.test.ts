import { execFileSync } from 'child_process';
import { testTempDir } from '../support/tmp';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { addCohortStacks, newCohortApp, stackName } from '../../lib/app';
import { loadCohort, REPO_ROOT } from '../support/cohort';

function synthTemplates(file: string): Record<string, string> {
  const outdir = testTempDir('cohortlab-det');
  const app = newCohortApp(outdir);
  addCohortStacks(app, loadCohort(file));
  app.synth();
  return Object.fromEntries(
    readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json'))
      .map((f) => [f, readFileSync(join(outdir, f), 'utf8')]),
  );
}

describe('the cohort app', () => {
  test.each(['cohorts/demo.yaml', 'cohorts/sandbox-example.yaml'])(
    'two synths of %s give byte-identical templates',
    (file) => {
      const first = synthTemplates(file);
      const second = synthTemplates(file);
      expect(Object.keys(first).length).toBeGreaterThan(0);
      expect(Object.keys(second)).toEqual(Object.keys(first));
      for (const name of Object.keys(first)) {
        expect(second[name]).toBe(first[name]);
      }
    },
  );

  test('stack names are cohortlab-<cohort>-<part>', () => {
    const config = loadCohort('cohorts/demo.yaml');
    const app = newCohortApp(testTempDir('cohortlab-names'));
    const stacks = addCohortStacks(app, config);
    expect(stacks.data.stackName).toBe(stackName(config, 'data'));
    expect(stacks.data.stackName).toBe('cohortlab-demo-2027-spring-data');
    expect(stacks.cluster.stackName).toBe('cohortlab-demo-2027-spring-cluster');
  });

  test('the cluster stack comes after the data stack and shares its environment and tags', () => {
    const config = loadCohort('cohorts/demo.yaml');
    const app = newCohortApp(testTempDir('cohortlab-order'));
    const stacks = addCohortStacks(app, config);
    expect(stacks.cluster.dependencies.map((s) => s.stackName)).toEqual([stacks.data.stackName]);
    expect(stacks.cluster.region).toBe('eu-west-1');
    expect(stacks.cluster.terminationProtection).toBe(true);
    expect(stacks.cluster.tags.tagValues()).toEqual(
      expect.objectContaining({ 'lab:cohort': 'demo-2027-spring', 'lab:profile': 'cohort' }),
    );
  });

  test('`cdk synth` runs offline with no AWS credentials and is deterministic', () => {
    // The real CDK CLI, with every AWS variable removed and the instance metadata service off.
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (!k.startsWith('AWS_')) {
        env[k] = v;
      }
    }
    env.AWS_EC2_METADATA_DISABLED = 'true';
    env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent';
    env.AWS_CONFIG_FILE = '/nonexistent';
    const run = (outdir: string) =>
      execFileSync(
        join(REPO_ROOT, 'node_modules', '.bin', 'cdk'),
        [
          'synth',
          '--quiet',
          '--no-notices',
          '--no-version-reporting',
          '-c',
          'cohort=cohorts/demo.yaml',
          '-o',
          outdir,
        ],
        { cwd: REPO_ROOT, env, encoding: 'utf8', stdio: 'pipe' },
      );
    const a = testTempDir('cohortlab-cli-a');
    const b = testTempDir('cohortlab-cli-b');
    run(a);
    run(b);
    const templates = readdirSync(a).filter((f) => f.endsWith('.template.json'));
    expect(templates).toContain('cohortlab-demo-2027-spring-data.template.json');
    expect(templates).toContain('cohortlab-demo-2027-spring-cluster.template.json');
    for (const t of templates) {
      expect(readFileSync(join(b, t), 'utf8')).toBe(readFileSync(join(a, t), 'utf8'));
    }
  }, 180_000);

  test('`cdk synth` fails with the file, field and value when the cohort file is bad', () => {
    let stderr = '';
    try {
      execFileSync(
        join(REPO_ROOT, 'node_modules', '.bin', 'cdk'),
        [
          'synth',
          '--quiet',
          '--no-notices',
          '-c',
          'cohort=test/fixtures/cohorts/bad/bad-email.yaml',
          '-o',
          testTempDir('cohortlab-cli-bad'),
        ],
        { cwd: REPO_ROOT, encoding: 'utf8', stdio: 'pipe' },
      );
    } catch (err) {
      stderr = (err as { stderr: string }).stderr;
    }
    expect(stderr).toContain(
      'test/fixtures/cohorts/bad/bad-email.yaml: learners[1].email: must be an email address (got "alan-at-example.edu")',
    );
  }, 180_000);
});

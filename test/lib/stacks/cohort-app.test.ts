import { execFileSync } from 'child_process';
import { testTempDir } from '../../support/tmp';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { App } from 'aws-cdk-lib';
import { stackName } from '../../../lib/core';
import { addCohortStacks, loadCohortFromContext, newCohortApp } from '../../../lib/stacks/cohort-app';
import { loadCohort, REPO_ROOT, TODAY } from '../../support/cohort';

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
    expect(stacks.data.stackName).toBe(stackName(config.name, 'data'));
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

  test('`cdk synth` runs offline with no AWS credentials and no Docker, and is deterministic', () => {
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
    // Docker: a `docker` first on PATH (and as CDK_DOCKER) that records any call and fails.
    const shim = testTempDir('cohortlab-no-docker');
    const calls = join(shim, 'calls.log');
    writeFileSync(join(shim, 'docker'), `#!/bin/sh\necho "$@" >> '${calls}'\nexit 1\n`, { mode: 0o755 });
    env.PATH = `${shim}:${process.env.PATH}`;
    env.CDK_DOCKER = join(shim, 'docker');
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
          '-c',
          `today=${TODAY}`,
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
    // The synth bundled both Lambdas (local esbuild) and declared the images, calling no Docker.
    expect(readdirSync(a).filter((f) => f.startsWith('asset.')).length).toBeGreaterThanOrEqual(4);
    expect(existsSync(calls)).toBe(false);
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

  describe('the cohort from the app context (what `cdk synth`, `deploy` and `destroy` load)', () => {
    // GIVEN the demo cohort with a course that ended on 2026-11-27
    const expired = join(testTempDir('cohortlab-expired'), 'expired.yaml');
    writeFileSync(
      expired,
      readFileSync(join(REPO_ROOT, 'cohorts', 'demo.yaml'), 'utf8')
        .replace(/start: '[0-9-]+'/, "start: '2026-09-01'")
        .replace(/end: '[0-9-]+'/, "end: '2026-11-27'"),
    );
    const load = (context: Record<string, string>) => () =>
      loadCohortFromContext(new App({ context: { cohort: expired, today: TODAY, ...context } }));

    test('an expired cohort is refused by default, with the file, field, value and the way out', () => {
      expect(load({})).toThrow(
        `${expired}: course.end: is in the past (today is 2026-11-29); the expiry must be today or later; to tear it down, allowExpired=true (got "2026-11-27")`,
      );
    });

    test('-c allowExpired=true loads it, so `cdk destroy` can synthesise an expired cohort', () => {
      const config = load({ allowExpired: 'true' })();
      expect(config.name).toBe('demo-2027-spring');
      expect(config.expires).toBe('2026-11-27');
    });

    test('-c today moves the date the rule compares with', () => {
      expect(load({ today: '2026-11-27' })().expires).toBe('2026-11-27');
    });

    test.each([
      [{ allowExpired: 'yes' }, '-c allowExpired must be true or false (got "yes")'],
      [{ today: '29.11.2026' }, '-c today must be YYYY-MM-DD (got "29.11.2026")'],
    ])('fails on bad context %j', (context, message) => {
      expect(load(context)).toThrow(message);
    });
  });
});

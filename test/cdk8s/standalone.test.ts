import { execFileSync } from 'child_process';
import { readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { loadEnvironmentFile } from '../../lib/config';
import { buildStacks, loadCohort, REPO_ROOT, TODAY } from '../support/cohort';
import { K8s } from '../support/charts';
import { testTempDir } from '../support/tmp';

/**
 * `kind namespace/name`, with the content hash taken off the names that carry one (Jobs and the
 * feature-repository ConfigMap are named after their content, which holds deploy-time values).
 */
function identity(o: K8s): string {
  const hashed = o.kind === 'Job' || o.kind === 'ConfigMap';
  const name = hashed ? o.metadata.name.replace(/-[0-9a-f]{8}$/, '-<hash>') : o.metadata.name;
  return `${o.kind} ${o.metadata.namespace ?? ''}/${name}`;
}

/** The objects a standalone `cdk8s synth` (bin/manifests.ts, the real entry) writes. */
function standaloneObjects(cohortFile: string, learners: number): K8s[] {
  const outdir = testTempDir('cohortlab-standalone');
  execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['bin/manifests.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      COHORT_FILE: cohortFile,
      COHORT_ENVIRONMENT: 'cohorts/demo.environment.json',
      COHORT_TODAY: TODAY,
      CDK8S_OUTDIR: outdir,
    },
    stdio: 'pipe',
  });
  const files = readdirSync(outdir).filter((f) => f.endsWith('.k8s.yaml'));
  // namespaces, mlflow, feast, then one file per learner
  expect(files.length).toBe(3 + learners);
  return files.flatMap((f) =>
    parseAllDocuments(readFileSync(join(outdir, f), 'utf8')).map((d) => d.toJS() as K8s),
  );
}

describe('standalone manifests (cdk8s synth for an existing cluster)', () => {
  test('fails when COHORT_ENVIRONMENT is not set, naming it and writing nothing', () => {
    // GIVEN no environment file
    const outdir = testTempDir('cohortlab-standalone-noenv');
    const env: NodeJS.ProcessEnv = { ...process.env, COHORT_TODAY: TODAY, CDK8S_OUTDIR: outdir };
    delete env.COHORT_ENVIRONMENT;
    // WHEN the standalone entry runs
    let status = 0;
    let stderr = '';
    try {
      execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['bin/manifests.ts'], {
        cwd: REPO_ROOT,
        env,
        stdio: 'pipe',
      });
    } catch (err) {
      status = (err as { status: number }).status;
      stderr = String((err as { stderr: Buffer }).stderr);
    }
    // THEN it refuses with exit code 2, names the variable, and synthesises nothing
    expect(status).toBe(2);
    expect(stderr).toContain('COHORT_ENVIRONMENT is not set: name the environment file of the cluster');
    expect(readdirSync(outdir)).toEqual([]);
  });

  test.each(['cohorts/demo.yaml', 'cohorts/sandbox-example.yaml'])(
    'hold the same objects the apps stack applies for %s, bar the load balancer binding',
    (file) => {
      const config = loadCohort(file);
      const standaloneAll = standaloneObjects(file, config.learners.length);
      const standalone = standaloneAll.map(identity).sort();
      const { stacks } = buildStacks(config);
      const { namespaces, mlflow, feast } = stacks.apps.charts;
      const learnerCharts = [...stacks.learners.values()].flatMap((s) => [...s.charts.values()]);
      expect(learnerCharts).toHaveLength(config.learners.length);
      const applied = [namespaces, mlflow, feast, ...learnerCharts]
        .flatMap((c) => c.toJson() as K8s[])
        .map(identity)
        .sort();
      // The apps stack binds MLflow's pods to its private load balancer's target group; an existing
      // cluster has no such target group, so the standalone manifests leave the binding out.
      expect(applied.filter((i) => !standalone.includes(i))).toEqual([
        'TargetGroupBinding cohort-lab/mlflow-private',
      ]);
      expect(standalone.filter((i) => !applied.includes(i))).toEqual([]);
      expect(standalone.length).toBeGreaterThan(25);
      // And the workloads run the same way: per container, the command and the flags it passes.
      const shape = (objects: K8s[]) =>
        objects
          .filter((o) => o.kind === 'Deployment' || o.kind === 'Job')
          .flatMap((o) => {
            const pod = (o.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } })
              .template.spec;
            return pod.containers.map((c) => {
              const args = ((c.args as string[] | undefined) ?? []).filter((a) => a.startsWith('--'));
              return `${identity(o)} ${String(c.name)}: ${JSON.stringify(c.command)} ${args.join(' ')}`;
            });
          })
          .sort();
      const appliedObjects = [namespaces, mlflow, feast, ...learnerCharts].flatMap(
        (c) => c.toJson() as K8s[],
      );
      expect(shape(standaloneAll)).toEqual(shape(appliedObjects));
    },
  );

  test('the environment file is checked like a cohort file: file, field and value', () => {
    const dir = testTempDir('cohortlab-env');
    const good = JSON.parse(
      readFileSync(join(REPO_ROOT, 'cohorts', 'demo.environment.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(loadEnvironmentFile(join(REPO_ROOT, 'cohorts', 'demo.environment.json')).region).toBe(good.region);
    const write = (name: string, content: unknown) => {
      const file = join(dir, name);
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      return file;
    };
    const cases: Array<[string, unknown, string]> = [
      [
        'region.json',
        { ...good, region: 'Europe' },
        'region: must be an AWS region such as eu-west-1 (got "Europe")',
      ],
      [
        'db.json',
        { ...good, database: { ...(good.database as object), sslMode: 'disable' } },
        'database.sslMode: must be require or verify-full (got "disable")',
      ],
      ['extra.json', { ...good, tls: true }, ': has unknown field(s) tls'],
      ['broken.json', '{"region": ', ': cannot be read as JSON'],
    ];
    for (const [name, content, message] of cases) {
      const file = write(name, content);
      expect(() => loadEnvironmentFile(file)).toThrow(
        `${file}${message.startsWith(':') ? '' : ': '}${message}`,
      );
    }
  });
});

/**
 * No secret value is ever logged, as far as the manifests decide it: every Kubernetes object the
 * stacks apply (apps and every learners-N stack), read by test/support/secret-leaks.ts. What the
 * processes actually write is read on the local lab's logs: test/integration/ (every MLflow, Feast
 * and rotation test ends with "no secret value in any log").
 */
import { loadCohort } from '../../support/cohort';
import { ObjectLike, secretLeaks } from '../../support/secret-leaks';
import { resourcesOf, synthCohort } from '../../support/synth';
import { kubernetesObjects } from '../../support/template-json';

function appliedObjects(file: string): { stacks: string[]; objects: ObjectLike[] } {
  const cohort = synthCohort(loadCohort(file));
  const stacks: string[] = [];
  const objects: ObjectLike[] = [];
  for (const [name, template] of cohort.templates) {
    const manifests = Object.values(resourcesOf(template, 'Custom::AWSCDK-EKS-KubernetesResource'));
    if (manifests.length > 0) stacks.push(name);
    for (const r of manifests) objects.push(...kubernetesObjects(r.Manifest));
  }
  return { stacks, objects };
}

describe('no secret value reaches a log: the manifests', () => {
  test.each(['cohorts/demo.yaml', 'cohorts/sandbox-example.yaml'])(
    '%s: no Secret, no secret literal, no secret on a command line, no debug logging',
    (file) => {
      // GIVEN every object the cohort's stacks apply
      const { stacks, objects } = appliedObjects(file);
      // (the shared services and every learner's namespace are among them)
      expect(stacks.some((s) => s.endsWith('-apps'))).toBe(true);
      expect(stacks.some((s) => /-learners-\d+$/.test(s))).toBe(true);
      const workloads = objects.filter((o) => ['Deployment', 'Job'].includes(o.kind)).length;
      expect(workloads).toBeGreaterThanOrEqual(5);
      // WHEN they are read for the ways a secret value could reach a log
      // THEN there is none
      expect(secretLeaks(objects)).toEqual([]);
    },
  );
});

describe('secretLeaks finds each way a secret could reach a log', () => {
  const deployment = (container: Record<string, unknown>): ObjectLike => ({
    kind: 'Deployment',
    metadata: { name: 'app' },
    spec: { template: { spec: { containers: [{ name: 'main', ...container }] } } },
  });
  const fromSecret = { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } };

  test.each<[string, ObjectLike, string]>([
    [
      'a Secret object',
      { kind: 'Secret', metadata: { name: 'db' }, stringData: { password: 'x' } },
      'Secret/db: a Secret in the manifest (its values would be in the template and the apply log)',
    ],
    [
      'a secret-named variable with a literal',
      deployment({ env: [{ name: 'MLFLOW_AUTH_ADMIN_PASSWORD', value: 'password1234' }] }),
      'Deployment/app container main env MLFLOW_AUTH_ADMIN_PASSWORD: a secret-named variable not taken from a Secret',
    ],
    [
      "a Secret's variable expanded into the command line",
      deployment({ env: [fromSecret], args: ['--password', '$(DB_PASSWORD)'] }),
      "Deployment/app container main command line: expands $(DB_PASSWORD), a Secret's value",
    ],
    [
      "a Secret's variable expanded into another variable",
      deployment({ env: [fromSecret, { name: 'DB_URI', value: 'postgresql://u:$(DB_PASSWORD)@db/x' }] }),
      "Deployment/app container main env DB_URI: expands $(DB_PASSWORD), a Secret's value",
    ],
    [
      'a debug log level on the command line',
      deployment({ command: ['feast', 'serve'], args: ['--log-level', 'debug'] }),
      'Deployment/app container main command line: debug logs more than errors and access lines',
    ],
    [
      'a debug log level in a variable',
      deployment({ env: [{ name: 'MLFLOW_LOGGING_LEVEL', value: 'DEBUG' }] }),
      'Deployment/app container main env MLFLOW_LOGGING_LEVEL: a debug or verbose log level',
    ],
    [
      "MLflow's development server",
      deployment({ command: ['mlflow', 'server'], args: ['--dev'] }),
      'Deployment/app container main command line: --dev logs more than errors and access lines',
    ],
    [
      'a literal password in a ConfigMap',
      {
        kind: 'ConfigMap',
        metadata: { name: 'auth' },
        data: { 'basic_auth.ini': '[mlflow]\nadmin_password = password1234\n' },
      },
      'ConfigMap/auth data.basic_auth.ini: a literal assigned to admin_password',
    ],
    [
      "Redis's verbose log level",
      {
        kind: 'ConfigMap',
        metadata: { name: 'redis' },
        data: { 'redis.conf': 'maxmemory 1mb\nloglevel verbose\n' },
      },
      'ConfigMap/redis data.redis.conf: a debug or verbose log level',
    ],
  ])('fails when %s', (_what, object, message) => {
    expect(secretLeaks([object])).toEqual([message]);
  });

  test('a reference to a variable in a ConfigMap, and a Secret-backed variable, are fine', () => {
    expect(
      secretLeaks([
        {
          kind: 'ConfigMap',
          metadata: { name: 'f' },
          data: { 'f.yaml': 'connection_string: r:6379,password=${P}\n' },
        },
        deployment({
          env: [fromSecret, { name: 'PGHOST', value: 'db' }],
          args: ['serve', '--no-access-log'],
        }),
      ]),
    ).toEqual([]);
  });
});

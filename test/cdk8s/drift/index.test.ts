import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { LearnerChart, LearnerChartProps } from '../../../cdk8s/learner';
import { DRIFT_CONFIG_PATH, DriftValues } from '../../../cdk8s/drift';
import { ImageSource } from '../../../cdk8s';
import { chartApp, childIds, K8s, objects, ofKind, one } from '../../support/charts';

const DRIFT: DriftValues = {
  cohortName: 'spring',
  image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/cohort-lab-monitoring:0.1.0-1',
  imageSource: ImageSource.ENVIRONMENT_FILE,
  schedule: '0 6 * * *',
  alertTopicArn: 'arn:aws:sns:eu-west-1:111122223333:cohortlab-spring-alerts',
  feastProject: 'spring',
  artifactBucketName: 'cohortlab-test-artifacts',
};

const PROPS: LearnerChartProps = {
  slug: 'grace-hopper',
  namespace: 'learner-grace-hopper',
  servicesNamespace: 'cohort-lab',
  roleArn: 'arn:aws:iam::111122223333:role/cohortlab/spring/people/lab-grace-hopper-0a1b2c3d',
  region: 'eu-west-1',
  mlflowSecretName: 'cohort-lab/spring/learners/grace-hopper/mlflow',
  refreshIntervalSeconds: 60,
  mlflowTrackingUri: 'http://mlflow.cohort-lab.svc.cluster.local:5000',
  experimentName: 'learners/grace-hopper',
  drift: DRIFT,
};

/** The learner chart with the drift values overridden by `drift`, or without drift values (null). */
function synth(drift: Partial<DriftValues> | null = {}): K8s[] {
  const props = drift === null ? { ...PROPS, drift: undefined } : { ...PROPS, drift: { ...DRIFT, ...drift } };
  return objects(new LearnerChart(chartApp(), 'learner', props));
}

interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken: boolean;
  restartPolicy: string;
  securityContext: Record<string, unknown>;
  volumes: Array<Record<string, unknown>>;
  containers: Array<{
    name: string;
    image: string;
    command: string[];
    args: string[];
    env: Array<{ name: string; value: string }>;
    envFrom: Array<Record<string, { name: string }>>;
    securityContext: Record<string, unknown>;
    resources: { requests: Record<string, string>; limits: Record<string, string> };
  }>;
}

interface CronJobSpec {
  schedule: string;
  timeZone: string;
  concurrencyPolicy: string;
  startingDeadlineSeconds: number;
  successfulJobsHistoryLimit: number;
  failedJobsHistoryLimit: number;
  jobTemplate: { spec: { activeDeadlineSeconds: number; backoffLimit: number; template: { spec: PodSpec } } };
}

function cronJob(all: K8s[]): CronJobSpec {
  return one(all, 'CronJob', 'drift').spec as CronJobSpec;
}

describe('DriftJob in the learner chart', () => {
  // GIVEN one learner with the cohort's drift values
  const all = synth();
  const spec = cronJob(all);
  const pod = spec.jobTemplate.spec.template.spec;
  const [container] = pod.containers;

  test('one CronJob `drift` in the learner namespace, on the schedule, one run at a time', () => {
    // THEN it runs on the configured schedule in UTC, never overlapping, bounded and with history limits
    const job = one(all, 'CronJob', 'drift');
    expect(job.metadata.namespace).toBe('learner-grace-hopper');
    expect(ofKind(all, 'CronJob')).toHaveLength(1);
    expect(spec).toMatchObject({
      schedule: '0 6 * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 1800,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    expect(spec.jobTemplate.spec).toMatchObject({ activeDeadlineSeconds: 900, backoffLimit: 2 });
  });

  test('runs `python -m drift --config /etc/drift/drift.yaml` from the ConfigMap, as ServiceAccount drift', () => {
    // THEN the command is the job's entry point, with the mounted config
    expect([...container.command, ...container.args]).toEqual([
      'python',
      '-m',
      'drift',
      '--config',
      DRIFT_CONFIG_PATH,
    ]);
    expect(container.image).toBe(DRIFT.image);
    expect(pod.serviceAccountName).toBe('drift');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(one(all, 'ServiceAccount', 'drift').automountServiceAccountToken).toBe(false);
    expect(pod.volumes).toContainEqual({ name: 'config', configMap: { name: 'drift-config' } });
  });

  test("environment per the contract: the alert topic, the cohort, and the learner's MLflow settings and credentials", () => {
    // THEN the topic and cohort are plain values, MLflow comes from the learner's objects by reference
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'COHORT_LAB_ALERT_TOPIC_ARN', value: DRIFT.alertTopicArn },
        { name: 'COHORT_LAB_COHORT', value: 'spring' },
        { name: 'AWS_REGION', value: 'eu-west-1' },
        { name: 'AWS_DEFAULT_REGION', value: 'eu-west-1' },
      ]),
    );
    expect(container.envFrom).toEqual([
      { configMapRef: { name: 'mlflow-settings' } },
      { secretRef: { name: 'mlflow-credentials' } },
    ]);
  });

  test('hardened: non-root, read-only root, no escalation, no capabilities, seccomp, requests and limits', () => {
    // THEN the pod and container security contexts and the resources are those of every lab workload
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.securityContext).toMatchObject({ runAsGroup: 10001, fsGroup: 10001 });
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(Object.keys(container.resources.requests).sort()).toEqual(['cpu', 'ephemeral-storage', 'memory']);
    expect(Object.keys(container.resources.limits).sort()).toEqual(['cpu', 'ephemeral-storage', 'memory']);
  });

  test("drift.yaml names the learner, the default model, the learner's reference and the sample features, and nothing more", () => {
    // WHEN the ConfigMap's files are parsed
    const data = one(all, 'ConfigMap', 'drift-config').data as Record<string, string>;
    const drift = parse(data['drift.yaml']) as Record<string, unknown>;
    const example = parse(
      readFileSync(join(__dirname, '..', '..', '..', 'labs', 'monitoring', 'drift.example.yaml'), 'utf8'),
    ) as Record<string, unknown>;
    // THEN the values are the learner's, and the features and thresholds are the documented example's
    expect(drift).toMatchObject({
      cohort: 'spring',
      learner: 'grace-hopper',
      model: 'promotion.grace-hopper',
      experiment: 'learners/grace-hopper',
      reference: { path: 's3://cohortlab-test-artifacts/learners/grace-hopper/drift/reference.parquet' },
      current: { feast_repo: '.' },
    });
    // AND the example's features (its ranges are the validation suite's), the job's default thresholds
    const features = example.features as Array<{ name: string; kind: string }>;
    expect(drift.features).toEqual(features.map(({ name, kind }) => ({ name, kind })));
    expect(Object.keys(drift).sort()).toEqual(
      ['cohort', 'current', 'experiment', 'features', 'learner', 'model', 'reference'].sort(),
    );
    // AND feature_store.yaml reads the cohort's registry and the file offline store
    expect(parse(data['feature_store.yaml'])).toMatchObject({
      project: 'spring',
      registry: 's3://cohortlab-test-artifacts/feast/registry.db',
      offline_store: { type: 'file' },
    });
  });

  test('the checkov exceptions are recorded on the CronJob with their reasons', () => {
    // THEN the prebuilt tag and the env credentials are acknowledged, nothing else
    const annotations = one(all, 'CronJob', 'drift').metadata.annotations ?? {};
    expect(Object.values(annotations).map((a) => a.split('=')[0])).toEqual(['CKV_K8S_43', 'CKV_K8S_35']);
  });

  test('an image by digest needs no image exception', () => {
    // WHEN the image is pinned by digest
    const job = one(synth({ image: `repo/monitoring@sha256:${'a'.repeat(64)}` }), 'CronJob', 'drift');
    // THEN only the env-credentials exception remains
    expect(Object.values(job.metadata.annotations ?? {}).map((a) => a.split('=')[0])).toEqual(['CKV_K8S_35']);
  });

  test('without drift values the chart has no drift objects', () => {
    // WHEN the chart is synthesised without drift values
    const without = synth(null);
    // THEN there is no CronJob, no drift ServiceAccount and no drift ConfigMap
    expect(ofKind(without, 'CronJob')).toEqual([]);
    expect(without.filter((o) => o.metadata.name.startsWith('drift'))).toEqual([]);
  });

  test('fails when the schedule is not a five-field cron schedule', () => {
    // WHEN / THEN
    expect(() => synth({ schedule: '0 25 * * *' })).toThrow(
      'drift schedule "0 25 * * *" for learner grace-hopper: hour "25" must be within 0-23',
    );
  });

  test('construct IDs are a contract (renaming one replaces the objects)', () => {
    // GIVEN the chart; THEN the drift job's children keep their IDs
    const chart = new LearnerChart(chartApp(), 'learner', PROPS);
    expect(childIds(chart)).toContain('Drift');
    expect(chart.drift?.node.children.map((c) => c.node.id)).toEqual([
      'ServiceAccount',
      'Config',
      'Resource',
    ]);
  });
});

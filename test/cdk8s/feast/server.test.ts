import * as kplus from 'cdk8s-plus-27';
import { CDK_ASSET_IMAGE_EXCEPTION } from '../../../cdk8s/common/checkov';
import { ContainerSizing } from '../../../cdk8s/common/hardening';
import { createFeatureServer } from '../../../cdk8s/feast/server';
import { FEAST_PORT } from '../../../lib/core';
import {
  bareChart,
  checkovAnnotations,
  childIds,
  envOf,
  one,
  SIZING,
  synthChart,
  synthFeast,
} from './support';

const LABELS = { 'app.kubernetes.io/name': 'feast' };
const SERVER_SIZING: ContainerSizing = {
  cpuRequestMillis: 300,
  cpuLimitMillis: 900,
  memoryRequestMebibytes: 700,
  memoryLimitMebibytes: 1400,
  ephemeralStorageLimitGibibytes: 3,
};

/** The feature server built on its own in an empty chart, from only the values it takes. */
function buildServer() {
  const chart = bareChart();
  const serviceAccount = new kplus.ServiceAccount(chart, 'ServiceAccount', { metadata: { name: 'feast' } });
  const config = new kplus.ConfigMap(chart, 'Config', { metadata: { name: 'feast-config' } });
  const server = createFeatureServer(chart, {
    namespace: 'lab',
    labels: LABELS,
    image: 'registry.example.edu/feast:1',
    imageExceptions: [CDK_ASSET_IMAGE_EXCEPTION],
    replicas: 3,
    sizing: SERVER_SIZING,
    waitSizing: SIZING,
    serviceAccount,
    env: { FOO: kplus.EnvValue.fromValue('bar') },
    config,
    redisSecretName: 'redis-pass',
  });
  return { chart, server, objects: synthChart(chart) };
}

describe('createFeatureServer', () => {
  test('adds its objects to the chart under the contract IDs', () => {
    // GIVEN the server built in a chart that holds its service account and config
    const { chart } = buildServer();
    // WHEN the chart's children are listed
    // THEN the server's carry the IDs the manifests and the apps stack are named after, in order
    expect(childIds(chart)).toEqual([
      'ServiceAccount',
      'Config',
      'Tmp',
      'ConfigVolume',
      'Deployment',
      'Pdb',
      'Service',
    ]);
  });

  test('uses the replicas, sizes, env, config and Secret name it is given', () => {
    // GIVEN the server built from explicit values
    const { objects } = buildServer();
    // WHEN the Deployment is read back
    const d = one(objects, 'Deployment', 'feast');
    const pod = d.spec.template.spec;
    const [init] = pod.initContainers;
    const [c] = pod.containers;
    // THEN each value lands where it belongs
    expect(d.spec.replicas).toBe(3);
    expect(d.metadata.annotations).toMatchObject({
      'secret.reloader.stakater.com/reload': 'redis-pass',
      'configmap.reloader.stakater.com/reload': 'feast-config',
      'checkov.io/skip1': `${CDK_ASSET_IMAGE_EXCEPTION.id}=${CDK_ASSET_IMAGE_EXCEPTION.reason}`,
    });
    expect(c.resources).toEqual({
      requests: { cpu: '300m', memory: '700Mi', 'ephemeral-storage': '1Gi' },
      limits: { cpu: '900m', memory: '1400Mi', 'ephemeral-storage': '3Gi' },
    });
    expect(init.resources).toEqual({
      requests: { cpu: '100m', memory: '256Mi', 'ephemeral-storage': '1Gi' },
      limits: { cpu: '500m', memory: '1024Mi', 'ephemeral-storage': '1Gi' },
    });
    expect(pod.volumes).toEqual([
      { name: 'tmp', emptyDir: { sizeLimit: '3072Mi' } },
      { name: 'config', configMap: { name: 'feast-config' } },
    ]);
    expect(c.env).toEqual([{ name: 'FOO', value: 'bar' }]);
    expect(init.env).toEqual(c.env);
    expect(pod.serviceAccountName).toBe('feast');
  });

  test('rolls one new pod at a time and never takes an old one down first', () => {
    // GIVEN the server built on its own
    const d = one(buildServer().objects, 'Deployment', 'feast');
    // WHEN its strategy is read back
    // THEN it surges by one with no unavailability
    expect(d.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
  });

  test('probes /health: startup up to 3 minutes, then readiness and liveness', () => {
    // GIVEN the server built on its own
    const [c] = one(buildServer().objects, 'Deployment', 'feast').spec.template.spec.containers;
    // WHEN its probes are read back
    const get = { path: '/health', port: FEAST_PORT, scheme: 'HTTP' };
    // THEN all three are unauthenticated /health checks on the Feast port
    expect(c.startupProbe).toEqual({
      httpGet: get,
      periodSeconds: 5,
      timeoutSeconds: 5,
      failureThreshold: 36,
    });
    expect(c.readinessProbe).toEqual({
      httpGet: get,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    expect(c.livenessProbe).toEqual({
      httpGet: get,
      periodSeconds: 20,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
  });

  test('a PDB lets one pod go at a time, and the Service is ClusterIP on the Feast port', () => {
    // GIVEN the server built on its own
    const { objects, server } = buildServer();
    // WHEN the PDB and the Service are read back
    // THEN the PDB selects the server's pods and the Service exposes only the Feast port in-cluster
    expect(one(objects, 'PodDisruptionBudget', 'feast').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: LABELS },
    });
    expect(one(objects, 'Service', 'feast').spec).toMatchObject({
      type: 'ClusterIP',
      ports: [{ name: 'http', port: FEAST_PORT, targetPort: FEAST_PORT }],
    });
    expect(server.service.name).toBe('feast');
  });
});

describe('FeastChart feature server', () => {
  test('the server reads the yaml from the ConfigMap and the Redis password from the synced Secret', () => {
    // GIVEN the base cohort
    const server = one(synthFeast(), 'Deployment', 'feast');
    // WHEN the server container is read back
    const [c] = server.spec.template.spec.containers;
    const env = envOf(c);
    // THEN it serves through the wrapper with the registry cache, and its env points at the mounted
    // yaml and the Secret
    expect(c.command).toEqual(['python', '-m', 'cohort_lab_feast']);
    expect(c.args).toEqual([
      'serve',
      '--host',
      '0.0.0.0',
      '--port',
      '6566',
      '--workers',
      '1',
      '--max-requests',
      '0',
      '--no-access-log',
      '--registry_ttl_sec',
      '60',
    ]);
    expect(env.FEAST_FS_YAML_FILE_PATH).toEqual({
      name: 'FEAST_FS_YAML_FILE_PATH',
      value: '/etc/feast/feature_store.yaml',
    });
    expect(env.FEAST_REDIS_PASSWORD.valueFrom).toEqual({
      secretKeyRef: { name: 'feast-redis', key: 'password', optional: false },
    });
    expect(env.XDG_RUNTIME_DIR.value).toBe('/tmp');
    expect(c.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'config', mountPath: '/etc/feast', readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
      ]),
    );
    expect(server.spec.template.spec.volumes).toEqual(
      expect.arrayContaining([{ name: 'config', configMap: { name: 'feast-config' } }]),
    );
    expect(server.metadata.annotations).toEqual(
      expect.objectContaining({
        'secret.reloader.stakater.com/reload': 'feast-redis',
        'configmap.reloader.stakater.com/reload': 'feast-config',
      }),
    );
    expect(Object.keys(checkovAnnotations(server))).toEqual(['checkov.io/skip1', 'checkov.io/skip2']);
  });

  test("no server pod is ready before the registry holds the apply Job's permissions", () => {
    // GIVEN the base cohort
    const pod = one(synthFeast(), 'Deployment', 'feast').spec.template.spec;
    // WHEN the init containers are read back
    // THEN one waits for the permissions, with the server's own env
    expect(pod.initContainers).toHaveLength(1);
    const [init] = pod.initContainers;
    expect(init.name).toBe('wait-for-registry');
    expect(init.command).toEqual(['python', '-m', 'cohort_lab_feast']);
    expect(init.args).toEqual(['wait-for-permissions', '300']);
    expect(init.env).toEqual(pod.containers[0].env);
  });

  test('in-cluster only: a ClusterIP Service and no Ingress; a PDB; a service account without a token', () => {
    // GIVEN the base cohort
    const objects = synthFeast();
    // WHEN the exposure objects are read back
    // THEN nothing leaves the cluster
    expect(objects.filter((o) => o.kind === 'Ingress')).toEqual([]);
    for (const name of ['feast', 'redis']) {
      expect(one(objects, 'Service', name).spec.type).toBe('ClusterIP');
    }
    expect(one(objects, 'Service', 'feast').spec.ports).toEqual([
      { name: 'http', port: FEAST_PORT, targetPort: FEAST_PORT },
    ]);
    expect(one(objects, 'PodDisruptionBudget', 'feast').spec.maxUnavailable).toBe(1);
    expect(one(objects, 'ServiceAccount', 'feast').automountServiceAccountToken).toBe(false);
  });
});

import { LearnerChart, LearnerChartProps, MODEL_SERVER_SIZING, ModelServing } from '../../../cdk8s/learner';
import { LEARNER_QUOTA } from '../../../cdk8s/common/quotas';
import { chartApp, emptyChart, K8s, objects, ofKind, one } from '../../support/charts';

const IMAGE = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/cohort-lab-mlflow:3.17.2-1';

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
  serving: { image: IMAGE, imageExceptions: [{ id: 'CKV_K8S_43', reason: 'pinned by tag' }] },
};

function synth(props: Partial<LearnerChartProps> = {}): K8s[] {
  return objects(new LearnerChart(chartApp(), 'learner', { ...PROPS, ...props }));
}

type Container = {
  name: string;
  command: string[];
  args: string[];
  envFrom: unknown[];
  securityContext: Record<string, unknown>;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  readinessProbe: { httpGet: { path: string; port: number } };
};
const podSpec = (o: K8s) =>
  (
    o.spec as {
      template: {
        spec: { containers: Container[]; automountServiceAccountToken: boolean; securityContext?: unknown };
      };
    }
  ).template.spec;

describe('ModelServing (the learner chart of a learner with a repository)', () => {
  // GIVEN a learner with a repository
  const all = synth();

  test('model-champion serves @champion and model-canary serves @challenger, 3 and 1 replicas', () => {
    const champion = one(all, 'Deployment', 'model-champion');
    const canary = one(all, 'Deployment', 'model-canary');
    expect(champion.metadata.namespace).toBe('learner-grace-hopper');
    expect((champion.spec as { replicas: number }).replicas).toBe(3);
    expect((canary.spec as { replicas: number }).replicas).toBe(1);
    const [c] = podSpec(champion).containers;
    expect(c.command).toEqual(['python', '-m', 'cohort_lab_serve']);
    expect(c.args).toEqual([
      '--model-uri',
      'models:/promotion.grace-hopper@champion',
      '--port',
      '8080',
      '--poll-seconds',
      '30',
    ]);
    expect(podSpec(canary).containers[0].args[1]).toBe('models:/promotion.grace-hopper@challenger');
  });

  test("one Service model on 8080 selects both Deployments' pods, labelled model-server", () => {
    const service = one(all, 'Service', 'model');
    const spec = service.spec as { selector: Record<string, string>; ports: Array<{ port: number }> };
    expect(spec.selector).toEqual({ 'app.kubernetes.io/name': 'model-server' });
    expect(spec.ports.map((p) => p.port)).toEqual([8080]);
    for (const name of ['model-champion', 'model-canary']) {
      const d = one(all, 'Deployment', name).spec as {
        template: { metadata: { labels: Record<string, string> } };
        selector: { matchLabels: Record<string, string> };
      };
      expect(d.template.metadata.labels['app.kubernetes.io/name']).toBe('model-server');
      // each Deployment selects its own track only, so the two never adopt each other's pods
      expect(d.selector.matchLabels['cohort-lab.io/track']).toBe(
        name === 'model-champion' ? 'champion' : 'canary',
      );
    }
  });

  test("credentials come from the learner's mlflow-credentials Secret and mlflow-settings, never from the manifest", () => {
    const [c] = podSpec(one(all, 'Deployment', 'model-champion')).containers;
    expect(c.envFrom).toEqual([
      { secretRef: { name: 'mlflow-credentials' } },
      { configMapRef: { name: 'mlflow-settings' } },
    ]);
    expect(JSON.stringify(all)).not.toMatch(/MLFLOW_TRACKING_PASSWORD"\s*:\s*"?\w/);
  });

  test('hardened: non-root, read-only root fs, no privilege escalation, ALL dropped, requests and limits, readiness on /ping, no token', () => {
    for (const name of ['model-champion', 'model-canary']) {
      const pod = podSpec(one(all, 'Deployment', name));
      const [c] = pod.containers;
      expect(pod.automountServiceAccountToken).toBe(false);
      // (non-root, the uid and seccomp on the pod; the container's own settings)
      expect(pod.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.securityContext).toEqual({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.resources.limits).toMatchObject({ cpu: '250m', memory: '512Mi' });
      expect(c.readinessProbe.httpGet).toMatchObject({ path: '/ping', port: 8080 });
    }
  });

  test("the learner's quota grows by exactly the servers' requests and limits, so they take none of a notebook's room", () => {
    const quota = ofKind(all, 'ResourceQuota')[0].spec as { hard: Record<string, string> };
    const n = 3 + 1;
    expect(quota.hard).toMatchObject({
      'requests.cpu': `${LEARNER_QUOTA.requestsCpuMillis + n * MODEL_SERVER_SIZING.cpuRequestMillis}m`,
      'limits.cpu': `${LEARNER_QUOTA.limitsCpuMillis + n * MODEL_SERVER_SIZING.cpuLimitMillis}m`,
      'requests.memory': `${LEARNER_QUOTA.requestsMemoryMebibytes + n * MODEL_SERVER_SIZING.memoryRequestMebibytes}Mi`,
      'limits.memory': `${LEARNER_QUOTA.limitsMemoryMebibytes + n * MODEL_SERVER_SIZING.memoryLimitMebibytes}Mi`,
      pods: LEARNER_QUOTA.pods + n,
    });
  });

  test("its NetworkPolicy admits 8080 from the learner's own namespace only (egress is the namespace's)", () => {
    const policy = one(all, 'NetworkPolicy', 'model-server');
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'model-server' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] }],
    });
  });

  test('the replica split is configurable (champion 2, canary 2 = half to the canary)', () => {
    const chart = emptyChart('serving');
    new ModelServing(chart, 'Serving', {
      slug: 'grace-hopper',
      namespace: 'learner-grace-hopper',
      servicesNamespace: 'cohort-lab',
      image: IMAGE,
      imageExceptions: [],
      credentialsSecret: 'mlflow-credentials',
      settingsConfigMap: 'mlflow-settings',
      championReplicas: 2,
      canaryReplicas: 2,
    });
    const objs = objects(chart);
    expect((one(objs, 'Deployment', 'model-canary').spec as { replicas: number }).replicas).toBe(2);
  });

  test('fails when the champion has no replica', () => {
    const chart = emptyChart('serving');
    expect(
      () =>
        new ModelServing(chart, 'Serving', {
          slug: 'grace-hopper',
          namespace: 'learner-grace-hopper',
          servicesNamespace: 'cohort-lab',
          image: IMAGE,
          imageExceptions: [],
          credentialsSecret: 'mlflow-credentials',
          settingsConfigMap: 'mlflow-settings',
          championReplicas: 0,
        }),
    ).toThrow('ModelServing Serving: championReplicas must be 1 or more (got 0)');
  });

  test('a learner without a repository gets no model server', () => {
    const none = synth({ serving: undefined });
    expect(ofKind(none, 'Deployment')).toEqual([]);
    expect(ofKind(none, 'Service')).toEqual([]);
  });
});

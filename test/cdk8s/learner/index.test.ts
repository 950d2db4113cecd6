import { LearnerChart, LearnerChartProps, learnerSecretStoreName } from '../../../cdk8s/learner';
import { LEARNER_QUOTA } from '../../../cdk8s/common/quotas';
import { chartApp, K8s, objects, ofKind, one } from '../../support/charts';

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
};

function synth(props: Partial<LearnerChartProps> = {}): K8s[] {
  return objects(new LearnerChart(chartApp(), 'learner', { ...PROPS, ...props }));
}

describe('LearnerChart', () => {
  // GIVEN one learner
  const all = synth();

  test("the learner's namespace: the lab baseline, the learner quota, marked as a learner's", () => {
    // WHEN the namespace and its baseline objects are read back
    const ns = one(all, 'Namespace', 'learner-grace-hopper');
    const quota = ofKind(all, 'ResourceQuota')[0].spec as { hard: Record<string, unknown> };
    // THEN it is restricted, labelled with the learner, and has the learner's quota
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'cohort-lab.io/learner': 'true',
      'cohort-lab.io/learner-slug': 'grace-hopper',
    });
    expect(quota.hard).toMatchObject({
      'requests.cpu': `${LEARNER_QUOTA.requestsCpuMillis}m`,
      'limits.memory': `${LEARNER_QUOTA.limitsMemoryMebibytes}Mi`,
    });
    expect(ofKind(all, 'LimitRange').map((o) => o.metadata.namespace)).toEqual(['learner-grace-hopper']);
  });

  test('pods may reach MLflow, Feast, S3 over TLS and the Pod Identity agent; nothing else besides DNS', () => {
    // WHEN the learner's allow policy is read back
    const allow = one(all, 'NetworkPolicy', 'allow-lab-services');
    const to = (app: string) => [
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cohort-lab' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': app } },
      },
    ];
    // THEN it allows egress to exactly these
    expect(allow.metadata.namespace).toBe('learner-grace-hopper');
    expect(allow.spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        { to: to('mlflow'), ports: [{ protocol: 'TCP', port: 5000 }] },
        { to: to('feast'), ports: [{ protocol: 'TCP', port: 6566 }] },
        {
          to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }],
          ports: [{ protocol: 'TCP', port: 443 }],
        },
        { to: [{ ipBlock: { cidr: '169.254.170.23/32' } }], ports: [{ protocol: 'TCP', port: 80 }] },
      ],
    });
  });

  test("the learner's secret store reads as the learner's role, from the learner's namespace only", () => {
    // WHEN the ClusterSecretStore is read back
    const store = one(all, 'ClusterSecretStore', learnerSecretStoreName('grace-hopper'));
    // THEN it assumes the learner's role and only the learner's namespace may use it
    expect(store.spec).toEqual({
      provider: { aws: { service: 'SecretsManager', region: 'eu-west-1', role: PROPS.roleArn } },
      conditions: [{ namespaces: ['learner-grace-hopper'] }],
    });
  });

  test("the learner's MLflow credentials are synced into the namespace as MLFLOW_TRACKING_* variables", () => {
    // WHEN the ExternalSecret is read back
    const secret = one(all, 'ExternalSecret', 'mlflow-credentials');
    const spec = secret.spec as {
      secretStoreRef: unknown;
      refreshInterval: string;
      data: Array<{ secretKey: string; remoteRef: { key: string; property: string } }>;
      target: { template: { data: Record<string, string> } };
    };
    // THEN it reads the learner's secret through the learner's store and renders the env names
    expect(secret.metadata.namespace).toBe('learner-grace-hopper');
    expect(spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'learner-grace-hopper' });
    expect(spec.refreshInterval).toBe('60s');
    expect(spec.data.map((d) => [d.secretKey, d.remoteRef.key, d.remoteRef.property])).toEqual([
      ['username', PROPS.mlflowSecretName, 'username'],
      ['password', PROPS.mlflowSecretName, 'password'],
    ]);
    expect(spec.target.template.data).toEqual({
      MLFLOW_TRACKING_USERNAME: '{{ .username }}',
      MLFLOW_TRACKING_PASSWORD: '{{ .password }}',
    });
  });

  test('jobs find the tracking URI and the personal experiment in mlflow-settings', () => {
    // WHEN the ConfigMap is read back; THEN it holds exactly these two settings
    expect(one(all, 'ConfigMap', 'mlflow-settings').data).toEqual({
      MLFLOW_TRACKING_URI: 'http://mlflow.cohort-lab.svc.cluster.local:5000',
      MLFLOW_EXPERIMENT_NAME: 'learners/grace-hopper',
    });
  });

  test('the lab service account mounts no token (Pod Identity needs none)', () => {
    // WHEN the service account is read back; THEN it is `lab` without an automounted token
    const sa = one(all, 'ServiceAccount', 'lab');
    expect(sa.metadata.namespace).toBe('learner-grace-hopper');
    expect(sa.automountServiceAccountToken).toBe(false);
  });

  test("two learners' objects never share a name across namespaces or the cluster scope", () => {
    // GIVEN two learners
    const other = synth({ slug: 'alan-turing', namespace: 'learner-alan-turing' });
    const id = (o: K8s) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    // THEN no object of one is an object of the other (removing one leaves the other's in place)
    expect(all.map(id).filter((x) => other.map(id).includes(x))).toEqual([]);
  });

  test('fails when the namespace is not a DNS label', () => {
    // WHEN the namespace is invalid; THEN the chart refuses it, naming the value
    expect(() => synth({ namespace: 'Learner_Grace' })).toThrow(
      'LabNamespace: name "Learner_Grace" is not a DNS-1123 label',
    );
  });
});

import { createNetworkPolicy } from '../../../cdk8s/mlflow/network-policy';
import { objects, one } from '../../support/charts';
import { bareChart, childIds, specOf, synthMlflow } from './support';

const LABELS = { 'app.kubernetes.io/name': 'mlflow' };
const tcp = (port: number) => [{ protocol: 'TCP', port }];

describe('createNetworkPolicy', () => {
  test('in from the VPC and learner namespaces on 5000; out to PostgreSQL, S3 and Pod Identity only', () => {
    // GIVEN the policy built on its own for a VPC and a database port
    const chart = bareChart();
    createNetworkPolicy(chart, {
      namespace: 'lab',
      labels: LABELS,
      vpcCidr: '10.9.0.0/16',
      databasePort: 5433,
    });
    // WHEN it is read back
    const np = one(objects(chart), 'NetworkPolicy', 'mlflow');
    // THEN it is `NetworkPolicy` with exactly these rules
    expect(childIds(chart)).toEqual(['NetworkPolicy']);
    expect(np.metadata).toEqual({ name: 'mlflow', namespace: 'lab', labels: LABELS });
    expect(np.spec).toEqual({
      podSelector: { matchLabels: LABELS },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [{ ipBlock: { cidr: '10.9.0.0/16' } }], ports: tcp(5000) },
        {
          from: [{ namespaceSelector: { matchLabels: { 'cohort-lab.io/learner': 'true' } } }],
          ports: tcp(5000),
        },
      ],
      egress: [
        { to: [{ ipBlock: { cidr: '10.9.0.0/16' } }], ports: tcp(5433) },
        {
          to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }],
          ports: tcp(443),
        },
        { to: [{ ipBlock: { cidr: '169.254.170.23/32' } }], ports: tcp(80) },
      ],
    });
  });
});

describe('MlflowChart NetworkPolicy', () => {
  test("selects the server's pods, with the cohort's VPC and database port", () => {
    // GIVEN the demo cohort on the test infrastructure
    const all = synthMlflow();
    // WHEN the policy and the server's pod labels are read back
    const np = specOf(one(all, 'NetworkPolicy', 'mlflow'));
    const podLabels = specOf(one(all, 'Deployment', 'mlflow')).template.metadata.labels;
    // THEN it guards the server's pods and uses the infrastructure's values
    expect(podLabels).toMatchObject(np.podSelector.matchLabels);
    expect(np.ingress[0].from).toEqual([{ ipBlock: { cidr: '10.80.0.0/16' } }]);
    expect(np.egress[0]).toEqual({ to: [{ ipBlock: { cidr: '10.80.0.0/16' } }], ports: tcp(5432) });
  });
});

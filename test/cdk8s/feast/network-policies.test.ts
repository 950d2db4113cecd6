import { createNetworkPolicies } from '../../../cdk8s/feast/network-policies';
import { FEAST_PORT, LEARNER_NAMESPACE_LABEL, POD_IDENTITY_AGENT, REDIS_PORT } from '../../../lib/core';
import { bareChart, childIds, Obj, one, synthChart, synthFeast } from './support';

const SERVER = { app: 'feast' };
const REDIS = { app: 'redis' };
const APPLY = { app: 'feast-apply' };
const tcp = (port: number) => [{ protocol: 'TCP', port }];
/** What the server and the apply Job reach outside the cluster: AWS over TLS and the Pod Identity agent. */
const AWS_EGRESS = [
  {
    to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }],
    ports: tcp(443),
  },
  { to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }], ports: tcp(POD_IDENTITY_AGENT.port) },
];

/** The policies built on their own in an empty chart. */
function buildPolicies() {
  const chart = bareChart();
  createNetworkPolicies(chart, {
    namespace: 'lab',
    serverLabels: SERVER,
    redisLabels: REDIS,
    applyLabels: APPLY,
  });
  return { chart, objects: synthChart(chart) };
}

describe('createNetworkPolicies', () => {
  test('adds its objects to the chart under the contract IDs', () => {
    // GIVEN the policies built in an empty chart
    // WHEN the chart's children are listed
    // THEN they carry the IDs the manifests and the apps stack are named after, in order
    expect(childIds(buildPolicies().chart)).toEqual([
      'NetworkPolicy',
      'ApplyNetworkPolicy',
      'RedisNetworkPolicy',
    ]);
  });

  test('the server: in from learner namespaces and its own namespace; out to Redis and AWS', () => {
    // GIVEN the policies built on their own
    const policy = one(buildPolicies().objects, 'NetworkPolicy', 'feast');
    // WHEN the server's policy is read back
    // THEN it is exactly these rules
    expect(policy.metadata).toMatchObject({ namespace: 'lab', labels: SERVER });
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: SERVER },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { [LEARNER_NAMESPACE_LABEL]: 'true' } } }],
          ports: tcp(FEAST_PORT),
        },
        { from: [{ podSelector: {} }], ports: tcp(FEAST_PORT) },
      ],
      egress: [{ to: [{ podSelector: { matchLabels: REDIS } }], ports: tcp(REDIS_PORT) }, ...AWS_EGRESS],
    });
  });

  test('the apply Job: nothing in; out to Redis and AWS like the server', () => {
    // GIVEN the policies built on their own
    const policy = one(buildPolicies().objects, 'NetworkPolicy', 'feast-apply');
    // WHEN the apply Job's policy is read back
    // THEN it takes no traffic and reaches what the server reaches
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: APPLY },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [{ to: [{ podSelector: { matchLabels: REDIS } }], ports: tcp(REDIS_PORT) }, ...AWS_EGRESS],
    });
  });

  test('Redis: in from the server and the apply Job only; out to nobody', () => {
    // GIVEN the policies built on their own
    const policy = one(buildPolicies().objects, 'NetworkPolicy', 'redis');
    // WHEN Redis's policy is read back
    // THEN only the two Feast workloads reach it, and it reaches nothing
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: REDIS },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: SERVER } }, { podSelector: { matchLabels: APPLY } }],
          ports: tcp(REDIS_PORT),
        },
      ],
      egress: [],
    });
  });
});

describe('FeastChart NetworkPolicies', () => {
  test('select the pods of the workloads they guard', () => {
    // GIVEN the base cohort
    const objects = synthFeast();
    // WHEN each policy's selector is compared with its workload's pod labels
    const podLabels = (o: Obj) => o.spec.template.metadata.labels;
    // THEN each selector matches exactly those pods' own labels
    const pairs: Array<[string, Obj]> = [
      ['feast', one(objects, 'Deployment', 'feast')],
      ['redis', one(objects, 'Deployment', 'redis')],
      ['feast-apply', one(objects, 'Job', /^feast-apply-/)],
    ];
    for (const [policy, workload] of pairs) {
      const selector = one(objects, 'NetworkPolicy', policy).spec.podSelector.matchLabels;
      expect(podLabels(workload)).toMatchObject(selector);
      expect(selector['app.kubernetes.io/name']).toBe(podLabels(workload)['app.kubernetes.io/name']);
    }
  });
});

import { LabNamespace, NamespaceQuota, POD_SECURITY_VERSION } from '../../../cdk8s/common/lab-namespace';
import { childIds, emptyChart, objects, one } from '../../support/charts';

const QUOTA: NamespaceQuota = {
  requestsCpuMillis: 1500,
  limitsCpuMillis: 3000,
  requestsMemoryMebibytes: 1024,
  limitsMemoryMebibytes: 2048,
  pods: 7,
  persistentVolumeClaims: 1,
  loadBalancers: 0,
};

/** One namespace built on its own in an empty chart. */
function build(labels?: Record<string, string>) {
  const chart = emptyChart('ns');
  const ns = new LabNamespace(chart, 'Team', { name: 'team-a', quota: QUOTA, labels });
  return { chart, ns, objects: objects(chart) };
}

describe('LabNamespace', () => {
  test('Pod Security restricted is enforced, audited and warned, pinned to the cluster version', () => {
    // GIVEN a namespace with an extra label
    const { objects: all } = build({ team: 'a' });
    // WHEN the Namespace object is read back
    // THEN it carries exactly the Pod Security labels, the lab's and the extra one
    expect(one(all, 'Namespace', 'team-a').metadata.labels).toEqual({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': POD_SECURITY_VERSION,
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': POD_SECURITY_VERSION,
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': POD_SECURITY_VERSION,
      'app.kubernetes.io/part-of': 'cohort-lab',
      team: 'a',
    });
    expect(POD_SECURITY_VERSION).toBe('v1.36');
  });

  test('the quota is the one given, with no node ports', () => {
    // GIVEN a namespace with a quota
    // WHEN its ResourceQuota is read back
    // THEN each figure is the given one, in Kubernetes units
    expect(one(build().objects, 'ResourceQuota', 'lab-quota')).toMatchObject({
      metadata: { namespace: 'team-a' },
      spec: {
        hard: {
          'requests.cpu': '1500m',
          'limits.cpu': '3000m',
          'requests.memory': '1024Mi',
          'limits.memory': '2048Mi',
          pods: 7,
          persistentvolumeclaims: 1,
          'services.loadbalancers': 0,
          'services.nodeports': 0,
        },
      },
    });
  });

  test('a limit range gives containers without requests or limits sane ones', () => {
    // GIVEN a namespace
    // WHEN its LimitRange is read back
    // THEN containers default to 100m/128Mi requests and 500m/512Mi limits, at most 4 CPU and 8 GiB
    expect(one(build().objects, 'LimitRange', 'lab-limits').spec).toEqual({
      limits: [
        {
          type: 'Container',
          defaultRequest: { cpu: '100m', memory: '128Mi' },
          default: { cpu: '500m', memory: '512Mi' },
          max: { cpu: '4', memory: '8Gi' },
        },
      ],
    });
  });

  test('a default-deny policy that allows DNS to kube-dns only', () => {
    // GIVEN a namespace
    // WHEN its NetworkPolicy is read back
    // THEN every pod is denied in and out, except DNS to kube-dns
    expect(one(build().objects, 'NetworkPolicy', 'default-deny').spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress', 'Ingress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 53, protocol: 'TCP' },
          ],
        },
      ],
    });
  });

  test('its objects sit in one construct under the ID given, the Namespace as Resource', () => {
    // GIVEN a namespace built as `Team`
    const { chart, ns } = build();
    // WHEN the construct tree is read
    // THEN the chart has the one child and the Namespace is its primary resource
    expect(childIds(chart)).toEqual(['Team']);
    expect(ns.node.children.map((c) => c.node.id)).toEqual(
      expect.arrayContaining(['Resource', 'Quota', 'Limits', 'DefaultDeny']),
    );
    expect(ns.name).toBe('team-a');
  });

  test('fails when a namespace name is not a DNS label', () => {
    // GIVEN a name with capitals and an underscore
    // WHEN a namespace is built with it
    // THEN it is refused, naming the value
    expect(() => new LabNamespace(emptyChart('bad'), 'bad', { name: 'Not_A_Label', quota: QUOTA })).toThrow(
      'LabNamespace: name "Not_A_Label" is not a DNS-1123 label',
    );
  });
});

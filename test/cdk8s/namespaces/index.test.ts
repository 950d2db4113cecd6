import { NamespaceChart } from '../../../cdk8s/namespaces';
import { LabNamespace } from '../../../cdk8s/namespaces/lab-namespace';
import { loadCohort } from '../../support/cohort';
import { chartApp, K8s, objects, ofKind, one, testValues } from '../../support/charts';

describe('NamespaceChart', () => {
  const config = loadCohort('cohorts/demo.yaml');
  const all = objects(new NamespaceChart(chartApp(), 'ns', { values: testValues(config) }));

  test('one namespace for the services and one per learner', () => {
    expect(ofKind(all, 'Namespace').map((n) => n.metadata.name)).toEqual([
      'cohort-lab',
      'learner-grace-hopper',
      'learner-alan-turing',
      'learner-katherine-johnson',
    ]);
    expect(one(all, 'Namespace', 'learner-alan-turing').metadata.labels).toEqual(
      expect.objectContaining({
        'cohort-lab.io/learner': 'true',
        'cohort-lab.io/learner-slug': 'alan-turing',
      }),
    );
  });

  test('Pod Security restricted is enforced, audited and warned on every namespace', () => {
    for (const ns of ofKind(all, 'Namespace')) {
      for (const mode of ['enforce', 'audit', 'warn']) {
        expect(ns.metadata.labels?.[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
        expect(ns.metadata.labels?.[`pod-security.kubernetes.io/${mode}-version`]).toBe('v1.36');
      }
    }
  });

  test('every namespace has a quota, a limit range and a default-deny policy that allows DNS only', () => {
    for (const ns of ofKind(all, 'Namespace').map((n) => n.metadata.name)) {
      const inNs = (kind: string): K8s[] => ofKind(all, kind).filter((o) => o.metadata.namespace === ns);
      const [quota] = inNs('ResourceQuota');
      expect((quota.spec as { hard: Record<string, unknown> }).hard).toEqual(
        expect.objectContaining({
          'services.loadbalancers': 0,
          'services.nodeports': 0,
          pods: expect.any(Number),
        }),
      );
      expect(inNs('LimitRange')).toHaveLength(1);
      const [deny] = inNs('NetworkPolicy');
      expect(deny.spec).toEqual({
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
    }
  });

  test('learner pods may reach MLflow (5000) and Feast (6566) in the services namespace, nothing else', () => {
    const allow = all.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-lab-services');
    expect(allow.map((o) => o.metadata.namespace)).toEqual([
      'learner-grace-hopper',
      'learner-alan-turing',
      'learner-katherine-johnson',
    ]);
    const spec = allow[0].spec as {
      policyTypes: string[];
      egress: Array<{
        to: Array<{ podSelector: { matchLabels: Record<string, string> } }>;
        ports: Array<{ port: number }>;
      }>;
    };
    expect(spec.policyTypes).toEqual(['Egress']);
    expect(
      spec.egress.map((e) => [e.to[0].podSelector.matchLabels['app.kubernetes.io/name'], e.ports[0].port]),
    ).toEqual([
      ['mlflow', 5000],
      ['feast', 6566],
    ]);
  });

  test('the services namespace is larger for a cohort than for a sandbox', () => {
    const sandbox = objects(
      new NamespaceChart(chartApp(), 'ns', {
        values: testValues(loadCohort('cohorts/sandbox-example.yaml')),
      }),
    );
    const cpu = (objs: K8s[]) =>
      (one(objs, 'ResourceQuota', 'lab-quota').spec as { hard: Record<string, string> }).hard['limits.cpu'];
    const services = (objs: K8s[]) => objs.filter((o) => o.metadata.namespace === 'cohort-lab');
    expect(cpu(services(all))).toBe('10000m');
    expect(cpu(services(sandbox))).toBe('5000m');
  });

  test('matches the snapshot (guards object names)', () => {
    expect(all).toMatchSnapshot();
  });

  test('fails when a namespace name is not a DNS label', () => {
    expect(
      () =>
        new LabNamespace(chartApp(), 'bad', {
          name: 'Not_A_Label',
          quota: {
            requestsCpuMillis: 1,
            limitsCpuMillis: 1,
            requestsMemoryMebibytes: 1,
            limitsMemoryMebibytes: 1,
            pods: 1,
            persistentVolumeClaims: 0,
            loadBalancers: 0,
          },
        }),
    ).toThrow('LabNamespace: name "Not_A_Label" is not a DNS-1123 label');
  });
});

import { NamespaceChart } from '../../../cdk8s/namespaces';
import { LEARNER_QUOTA, SERVICES_QUOTA } from '../../../cdk8s/namespaces/quotas';
import { loadCohort } from '../../support/cohort';
import { chartApp, K8s, objects, ofKind, one, testValues } from '../../support/charts';

/** The `hard` figures of the one ResourceQuota in namespace `ns`. */
const quotaOf = (all: K8s[], ns: string) =>
  (
    ofKind(all, 'ResourceQuota').filter((o) => o.metadata.namespace === ns)[0].spec as {
      hard: Record<string, unknown>;
    }
  ).hard;

describe('NamespaceChart', () => {
  const config = loadCohort('cohorts/demo.yaml');
  const all = objects(new NamespaceChart(chartApp(), 'ns', { values: testValues(config) }));

  test('one namespace for the services and one per learner', () => {
    // GIVEN the demo cohort (three learners)
    // WHEN its namespaces are listed
    // THEN there is the services namespace, then one per learner, labelled with the learner's slug
    expect(ofKind(all, 'Namespace').map((n) => n.metadata.name)).toEqual([
      'cohort-lab',
      'learner-grace-hopper',
      'learner-alan-turing',
      'learner-katherine-johnson',
    ]);
    expect(one(all, 'Namespace', 'learner-alan-turing').metadata.labels).toMatchObject({
      'cohort-lab.io/learner': 'true',
      'cohort-lab.io/learner-slug': 'alan-turing',
    });
    expect(one(all, 'Namespace', 'cohort-lab').metadata.labels?.['cohort-lab.io/learner']).toBeUndefined();
  });

  test('every namespace is a LabNamespace: restricted, with a quota, a limit range and a default-deny policy', () => {
    // GIVEN the demo cohort
    for (const ns of ofKind(all, 'Namespace')) {
      // WHEN each namespace's objects are read back
      const inNs = (kind: string): K8s[] =>
        ofKind(all, kind).filter((o) => o.metadata.namespace === ns.metadata.name);
      // THEN each has the secure baseline
      expect(ns.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      expect(inNs('ResourceQuota').map((o) => o.metadata.name)).toEqual(['lab-quota']);
      expect(inNs('LimitRange').map((o) => o.metadata.name)).toEqual(['lab-limits']);
      expect(inNs('NetworkPolicy').map((o) => o.metadata.name)).toContain('default-deny');
    }
  });

  test('learners get the learner quota; the services namespace the quota of the profile', () => {
    // GIVEN the demo cohort and the sandbox example
    const sandbox = objects(
      new NamespaceChart(chartApp(), 'ns', {
        values: testValues(loadCohort('cohorts/sandbox-example.yaml')),
      }),
    );
    // WHEN the quotas are read back
    // THEN each is the quota its namespace is meant to have
    expect(quotaOf(all, 'learner-alan-turing')).toMatchObject({
      'limits.cpu': `${LEARNER_QUOTA.limitsCpuMillis}m`,
    });
    expect(quotaOf(all, 'cohort-lab')).toMatchObject({
      'limits.cpu': `${SERVICES_QUOTA.cohort.limitsCpuMillis}m`,
    });
    expect(quotaOf(sandbox, 'cohort-lab')).toMatchObject({
      'limits.cpu': `${SERVICES_QUOTA.sandbox.limitsCpuMillis}m`,
    });
    expect([quotaOf(all, 'cohort-lab')['limits.cpu'], quotaOf(sandbox, 'cohort-lab')['limits.cpu']]).toEqual([
      '10000m',
      '5000m',
    ]);
  });

  test('learner pods may reach MLflow (5000) and Feast (6566) in the services namespace, nothing else', () => {
    // GIVEN the demo cohort
    // WHEN the learners' allow policies are read back
    const allow = all.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-lab-services');
    // THEN each learner namespace has one, allowing egress to exactly the two services
    expect(allow.map((o) => o.metadata.namespace)).toEqual([
      'learner-grace-hopper',
      'learner-alan-turing',
      'learner-katherine-johnson',
    ]);
    const to = (app: string) => [
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cohort-lab' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': app } },
      },
    ];
    for (const policy of allow) {
      expect(policy.spec).toEqual({
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          { to: to('mlflow'), ports: [{ protocol: 'TCP', port: 5000 }] },
          { to: to('feast'), ports: [{ protocol: 'TCP', port: 6566 }] },
        ],
      });
    }
  });

  test('matches the snapshot (guards object names)', () => {
    // GIVEN the demo cohort; WHEN synthesised; THEN the objects (names included) are unchanged
    expect(all).toMatchSnapshot();
  });
});

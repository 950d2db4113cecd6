import { NamespaceChart } from '../../../cdk8s/namespaces';
import { SERVICES_QUOTA } from '../../../cdk8s/common/quotas';
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

  test('holds the services namespace only; learner namespaces come with each learner', () => {
    // GIVEN the demo cohort (three learners)
    // WHEN its namespaces are listed
    // THEN there is exactly the services namespace, not marked as a learner's
    expect(ofKind(all, 'Namespace').map((n) => n.metadata.name)).toEqual(['cohort-lab']);
    expect(one(all, 'Namespace', 'cohort-lab').metadata.labels?.['cohort-lab.io/learner']).toBeUndefined();
  });

  test('the services namespace is a LabNamespace: restricted, with a quota, a limit range and a default-deny policy', () => {
    // GIVEN the demo cohort; WHEN the namespace's objects are read back
    const inNs = (kind: string): K8s[] =>
      ofKind(all, kind).filter((o) => o.metadata.namespace === 'cohort-lab');
    // THEN it has the secure baseline
    expect(one(all, 'Namespace', 'cohort-lab').metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe(
      'restricted',
    );
    expect(inNs('ResourceQuota').map((o) => o.metadata.name)).toEqual(['lab-quota']);
    expect(inNs('LimitRange').map((o) => o.metadata.name)).toEqual(['lab-limits']);
    expect(inNs('NetworkPolicy').map((o) => o.metadata.name)).toEqual(['default-deny']);
  });

  test('the services namespace gets the quota of the profile', () => {
    // GIVEN the demo cohort and the sandbox example
    const sandbox = objects(
      new NamespaceChart(chartApp(), 'ns', {
        values: testValues(loadCohort('cohorts/sandbox-example.yaml')),
      }),
    );
    // WHEN the quotas are read back; THEN each is its profile's
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

  test('matches the snapshot (guards object names)', () => {
    // GIVEN the demo cohort; WHEN synthesised; THEN the objects (names included) are unchanged
    expect(all).toMatchSnapshot();
  });
});

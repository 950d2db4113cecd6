import { NamespaceQuota } from '../../../cdk8s/common/lab-namespace';
import { LEARNER_QUOTA, SERVICES_QUOTA } from '../../../cdk8s/common/quotas';

const FIGURES = Object.keys(LEARNER_QUOTA) as Array<keyof NamespaceQuota>;

describe('namespace quotas', () => {
  test("a cohort's services namespace is at least as large as a sandbox's in every figure", () => {
    // GIVEN the services quotas of both profiles
    const { cohort, sandbox } = SERVICES_QUOTA;
    // WHEN they are compared figure by figure
    const smaller = FIGURES.filter((f) => cohort[f] < sandbox[f]);
    // THEN none of the cohort's is smaller
    expect(smaller).toEqual([]);
  });

  test('limits are never below requests', () => {
    // GIVEN every quota
    for (const quota of [SERVICES_QUOTA.cohort, SERVICES_QUOTA.sandbox, LEARNER_QUOTA]) {
      // WHEN requests and limits are compared
      // THEN the limits hold the requests
      expect(quota.limitsCpuMillis).toBeGreaterThanOrEqual(quota.requestsCpuMillis);
      expect(quota.limitsMemoryMebibytes).toBeGreaterThanOrEqual(quota.requestsMemoryMebibytes);
    }
  });

  test('no namespace may create a load balancer (each one is an AWS load balancer that costs money)', () => {
    // GIVEN every quota
    // WHEN their load balancer figures are listed
    // THEN all are 0: the one ALB comes from the Ingress, through the AWS Load Balancer Controller
    expect(
      [SERVICES_QUOTA.cohort, SERVICES_QUOTA.sandbox, LEARNER_QUOTA].map((q) => q.loadBalancers),
    ).toEqual([0, 0, 0]);
  });
});

import { clusterRule } from '../../../../lib/config/rules';
import { COHORT, CONTEXT, messages } from './support';

const SUFFIX = 'set cluster.allowPublicAccessFromAnywhere: true if that is intended';

describe('clusterRule', () => {
  test('accepts the default, a private endpoint', () => {
    // WHEN / THEN
    expect(clusterRule({ cluster: {} }, COHORT, CONTEXT)).toEqual([]);
  });

  test('accepts a public endpoint with network addresses listed once', () => {
    // GIVEN
    const doc = {
      cluster: {
        endpointAccess: 'public' as const,
        publicAccessCidrs: ['203.0.113.0/24', '198.51.100.7/32'],
      },
    };

    // WHEN / THEN
    expect(clusterRule(doc, COHORT, CONTEXT)).toEqual([]);
  });

  test('accepts 0.0.0.0/0 next to the explicit opt-in', () => {
    // GIVEN
    const doc = {
      cluster: {
        endpointAccess: 'public' as const,
        publicAccessCidrs: ['0.0.0.0/0'],
        allowPublicAccessFromAnywhere: true,
      },
    };

    // WHEN / THEN
    expect(clusterRule(doc, COHORT, CONTEXT)).toEqual([]);
  });

  test('fails when a private endpoint comes with public settings', () => {
    // GIVEN
    const doc = { cluster: { publicAccessCidrs: ['203.0.113.0/24'], allowPublicAccessFromAnywhere: false } };

    // WHEN
    const problems = clusterRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: cluster.publicAccessCidrs: only applies when cluster.endpointAccess is public; remove it or make the endpoint public (got ["203.0.113.0/24"])',
      'cohort.yaml: cluster.allowPublicAccessFromAnywhere: only applies when cluster.endpointAccess is public; remove it or make the endpoint public (got false)',
    ]);
  });

  test('fails when a public endpoint lists no CIDR block', () => {
    // GIVEN
    const doc = { cluster: { endpointAccess: 'public' as const } };

    // WHEN
    const problems = clusterRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: cluster.publicAccessCidrs: must list at least one CIDR block when cluster.endpointAccess is public (EKS would read an empty list as 0.0.0.0/0)',
    ]);
  });

  test('fails when a block has host bits set, and when a block is listed twice', () => {
    // GIVEN
    const doc = {
      cluster: {
        endpointAccess: 'public' as const,
        publicAccessCidrs: ['203.0.113.7/24', '198.51.100.0/24', '198.51.100.0/24'],
      },
    };

    // WHEN
    const problems = clusterRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: cluster.publicAccessCidrs[0]: has host bits set; write the network address 203.0.113.0/24 (got "203.0.113.7/24")',
      'cohort.yaml: cluster.publicAccessCidrs[2]: duplicates cluster.publicAccessCidrs[1] (got "198.51.100.0/24")',
    ]);
  });

  test('fails when the whole internet or a block broader than /8 is listed without the opt-in', () => {
    // GIVEN
    const doc = {
      cluster: {
        endpointAccess: 'public' as const,
        publicAccessCidrs: ['0.0.0.0/0', '64.0.0.0/2', '10.0.0.0/8'],
      },
    };

    // WHEN
    const problems = clusterRule(doc, COHORT, CONTEXT);

    // THEN /8 itself is not world-scale
    expect(messages(problems)).toEqual([
      `cohort.yaml: cluster.publicAccessCidrs[0]: opens the API endpoint to the whole internet; ${SUFFIX} (got "0.0.0.0/0")`,
      `cohort.yaml: cluster.publicAccessCidrs[1]: is broader than /8 and opens the API endpoint to a large part of the internet; ${SUFFIX} (got "64.0.0.0/2")`,
    ]);
  });
});

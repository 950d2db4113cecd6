import { computeRule } from '../../../../lib/config/rules';
import { COHORT, CONTEXT, messages, SANDBOX } from './support';

describe('computeRule', () => {
  test("accepts a file that leaves compute to the profile's defaults", () => {
    // WHEN / THEN
    expect(computeRule({ compute: {} }, COHORT, CONTEXT)).toEqual([]);
  });

  test('accepts several different instance types and a minimum equal to the maximum', () => {
    // GIVEN
    const doc = { compute: { instanceTypes: ['m6i.large', 'm7i.large'], minNodes: 3, maxNodes: 3 } };

    // WHEN / THEN
    expect(computeRule(doc, COHORT, CONTEXT)).toEqual([]);
  });

  test('fails when an instance type is listed twice, naming the first', () => {
    // GIVEN
    const doc = { compute: { instanceTypes: ['m6i.large', 'm7i.large', 'm6i.large'] } };

    // WHEN
    const problems = computeRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: compute.instanceTypes[2]: duplicates compute.instanceTypes[0] (got "m6i.large")',
    ]);
  });

  test('fails when minNodes exceeds the maxNodes the file gives', () => {
    // GIVEN
    const doc = { compute: { minNodes: 5, maxNodes: 3 } };

    // WHEN
    const problems = computeRule(doc, COHORT, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: compute.minNodes: must not exceed compute.maxNodes (3) (got 5)',
    ]);
  });

  test("fails when minNodes exceeds the profile's default maxNodes", () => {
    // GIVEN a sandbox (at most 2 nodes by default) that only raises the minimum
    const doc = { compute: { minNodes: 3 } };

    // WHEN
    const problems = computeRule(doc, SANDBOX, CONTEXT);

    // THEN
    expect(messages(problems)).toEqual([
      'cohort.yaml: compute.minNodes: must not exceed compute.maxNodes (2) (got 3)',
    ]);
  });
});

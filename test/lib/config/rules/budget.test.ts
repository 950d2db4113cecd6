import { budgetRule } from '../../../../lib/config/rules';
import { COHORT, CONTEXT, messages } from './support';

describe('budgetRule', () => {
  test('accepts a priced region and instance type without an amount (the default is estimated)', () => {
    expect(budgetRule({ budget: {}, region: 'eu-west-1', compute: {} }, COHORT, CONTEXT)).toEqual([]);
  });

  test('accepts an unpriced region when the amount is written', () => {
    expect(
      budgetRule({ budget: { monthlyUsd: 900 }, region: 'ap-south-2', compute: {} }, COHORT, CONTEXT),
    ).toEqual([]);
  });

  test('fails when the region has no prices and no amount is written', () => {
    const problems = budgetRule({ budget: {}, region: 'ap-south-2', compute: {} }, COHORT, CONTEXT);
    expect(messages(problems)).toEqual([
      'cohort.yaml: budget.monthlyUsd: must be set: the price table has no prices for region ap-south-2 (priced: us-east-1, eu-west-1), so no default can be estimated',
    ]);
  });

  test('fails when an instance type has no price, and when a percentage repeats', () => {
    const doc = {
      budget: { actualPercent: [80, 80] },
      region: 'eu-west-1',
      compute: { instanceTypes: ['m6i.large', 'r8g.large'] },
    };
    expect(messages(budgetRule(doc, COHORT, CONTEXT))).toEqual([
      'cohort.yaml: budget.actualPercent[1]: is listed twice (got 80)',
      'cohort.yaml: budget.monthlyUsd: must be set: the price table has no price for r8g.large in eu-west-1, so no default can be estimated',
    ]);
  });
});

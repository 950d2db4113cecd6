import { DEFAULT_PRICE_REGION, nodeAllocatable, REGION_PRICES } from '../../core';
import { computeWithDefaults } from '../defaults';
import { ConfigProblem } from '../errors';
import { Profile } from '../profile';
import { CohortFile } from '../schema';
import { problemAt, RuleContext } from './rule';

/**
 * The budget: no actual-spend percentage is listed twice, and a file that leaves
 * `budget.monthlyUsd` out is one the price table (lib/core/prices.ts) can price: its region (or
 * the default) and every instance type, since the default amount comes from the estimate.
 */
export function budgetRule(
  doc: Pick<CohortFile, 'budget' | 'region' | 'compute'>,
  profile: Profile,
  context: RuleContext,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<number>();
  (doc.budget.actualPercent ?? []).forEach((pct, i) => {
    if (seen.has(pct)) {
      problems.push(problemAt(context, ['budget', 'actualPercent', i], 'is listed twice', pct));
    }
    seen.add(pct);
  });
  if (doc.budget.monthlyUsd !== undefined) {
    return problems;
  }
  const region = doc.region ?? DEFAULT_PRICE_REGION;
  const prices = REGION_PRICES[region];
  const priced = Object.keys(REGION_PRICES).join(', ');
  if (prices === undefined) {
    problems.push(
      problemAt(
        context,
        ['budget', 'monthlyUsd'],
        `must be set: the price table has no prices for region ${region} (priced: ${priced}), so no default can be estimated`,
        undefined,
      ),
    );
    return problems;
  }
  const types = computeWithDefaults(doc.compute, profile).instanceTypes;
  const unpriced = types.filter((t) => prices.ec2PerHour[t] === undefined);
  if (unpriced.length > 0) {
    problems.push(
      problemAt(
        context,
        ['budget', 'monthlyUsd'],
        `must be set: the price table has no price for ${unpriced.join(', ')} in ${region}, so no default can be estimated`,
        undefined,
      ),
    );
  } else if (!types.some((t) => nodeAllocatable(t) !== undefined)) {
    problems.push(
      problemAt(
        context,
        ['budget', 'monthlyUsd'],
        `must be set: lib/core/capacity.ts has no sizing figures for ${types.join(', ')}, so no default can be estimated`,
        undefined,
      ),
    );
  }
  return problems;
}

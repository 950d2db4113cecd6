import { computeWithDefaults } from '../defaults';
import { ConfigProblem } from '../errors';
import { Profile } from '../profile';
import { CohortFile } from '../schema';
import { problemAt, RuleContext } from './rule';

/**
 * Worker capacity: no instance type listed twice, and the node group's minimum not above its
 * maximum (each as written, or the profile's default).
 */
export function computeRule(
  doc: Pick<CohortFile, 'compute'>,
  profile: Profile,
  context: RuleContext,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  // EKS would accept a repeated instance type; it is a typo (usually for a second type) all the same.
  const seen = new Map<string, number>();
  (doc.compute.instanceTypes ?? []).forEach((type, index) => {
    const first = seen.get(type);
    if (first !== undefined) {
      problems.push(
        problemAt(
          context,
          ['compute', 'instanceTypes', index],
          `duplicates compute.instanceTypes[${first}]`,
          type,
        ),
      );
    } else {
      seen.set(type, index);
    }
  });
  const { minNodes, maxNodes } = computeWithDefaults(doc.compute, profile);
  if (minNodes > maxNodes) {
    problems.push(
      problemAt(context, ['compute', 'minNodes'], `must not exceed compute.maxNodes (${maxNodes})`, minNodes),
    );
  }
  return problems;
}

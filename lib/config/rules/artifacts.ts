import { retentionWithDefault } from '../defaults';
import { ConfigProblem } from '../errors';
import { Profile } from '../profile';
import { CohortFile } from '../schema';
import { problemAt, RuleContext } from './rule';

/** The artifact retention (written or the profile's default) must be one the profile allows. */
export function artifactsRule(
  doc: Pick<CohortFile, 'artifacts'>,
  profile: Profile,
  context: RuleContext,
): ConfigProblem[] {
  const retention = retentionWithDefault(doc.artifacts, profile);
  if (profile.allowedRetentions.includes(retention)) {
    return [];
  }
  return [
    problemAt(
      context,
      ['artifacts', 'retention'],
      `is not allowed for profile ${profile.name}; use one of ${profile.allowedRetentions.join(', ')} ` +
        '(a cohort keeps its artifacts; export them before teardown instead)',
      retention,
    ),
  ];
}

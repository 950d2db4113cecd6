import { ApiEndpointAccess } from '../../core';
import { endpointAccessWithDefault } from '../defaults';
import { ConfigProblem } from '../errors';
import { Profile } from '../profile';
import { CohortFile } from '../schema';
import { cidrListProblems } from './cidrs';
import { problemAt, RuleContext } from './rule';

/**
 * The API endpoint: private by default, and then no public settings; public only with at least
 * one CIDR block, each a network address listed once, and never 0.0.0.0/0 (or anything broader
 * than a /8) unless `allowPublicAccessFromAnywhere: true` says so.
 */
export function clusterRule(
  doc: Pick<CohortFile, 'cluster'>,
  _profile: Profile,
  context: RuleContext,
): ConfigProblem[] {
  const written = doc.cluster;
  const problems: ConfigProblem[] = [];
  const add = (rest: PropertyKey[], message: string, value?: unknown) =>
    problems.push(problemAt(context, ['cluster', ...rest], message, value));

  if (endpointAccessWithDefault(written) === ApiEndpointAccess.PRIVATE) {
    const why = 'only applies when cluster.endpointAccess is public; remove it or make the endpoint public';
    if (written.publicAccessCidrs !== undefined) {
      add(['publicAccessCidrs'], why, written.publicAccessCidrs);
    }
    if (written.allowPublicAccessFromAnywhere !== undefined) {
      add(['allowPublicAccessFromAnywhere'], why, written.allowPublicAccessFromAnywhere);
    }
    return problems;
  }

  const cidrs = written.publicAccessCidrs ?? [];
  if (cidrs.length === 0) {
    add(
      ['publicAccessCidrs'],
      'must list at least one CIDR block when cluster.endpointAccess is public ' +
        '(EKS would read an empty list as 0.0.0.0/0)',
      written.publicAccessCidrs,
    );
  }
  for (const p of cidrListProblems({
    cidrs,
    field: 'cluster.publicAccessCidrs',
    optInField: 'cluster.allowPublicAccessFromAnywhere',
    optedIn: written.allowPublicAccessFromAnywhere ?? false,
    opens: 'the API endpoint',
  })) {
    add(['publicAccessCidrs', p.index], p.message, p.value);
  }
  return problems;
}

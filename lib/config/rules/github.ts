import {
  ciTrustPolicyChars,
  GITHUB_OIDC_PROVIDER_ARN_PATTERN,
  githubSubject,
  DEFAULT_GITHUB_ENVIRONMENTS,
  TRUST_POLICY_CHARS,
} from '../../core';
import { ConfigProblem } from '../errors';
import { Profile } from '../profile';
import { problemAt, RuleContext, RuleInput } from './rule';

/**
 * The learners' GitHub repositories (Lab 2) and the cohort's OIDC provider:
 *
 * - a repository is given to one learner only (any case: GitHub names are case-insensitive), or
 *   one repository's jobs could assume two learners' CI roles;
 * - a learner's environments are listed once each (any case: GitHub environment names are not
 *   case-sensitive);
 * - the CI role's trust policy, one subject per environment, stays within IAM's 2,048 characters;
 * - a learner's repository needs the cohort's `github` section (the provider and the CI policy
 *   exist with the section, not with the roster, so the data stack never changes with a learner);
 * - an existing OIDC provider is in the cohort's account when the file names one.
 */
export function githubRule(
  doc: Pick<RuleInput, 'learners' | 'account' | 'github'>,
  _profile: Profile,
  context: RuleContext,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: ReadonlyArray<PropertyKey>, message: string, value?: unknown) =>
    problems.push(problemAt(context, path, message, value));

  const seenRepository = new Map<string, string>();
  doc.learners.forEach((learner, index) => {
    const github = learner.github;
    if (github === undefined) {
      return;
    }
    const where = ['learners', index, 'github'];
    if (doc.github === undefined) {
      add(
        where,
        "needs the cohort's github section (github: { oidcProvider: create }, or the existing provider's ARN): it holds GitHub's OIDC provider and the CI policy whatever the roster",
      );
    }
    const repositoryKey = github.repository.toLowerCase();
    const first = seenRepository.get(repositoryKey);
    if (first !== undefined) {
      add(
        [...where, 'repository'],
        `duplicates ${first} (one repository's jobs could assume both learners' CI roles)`,
        github.repository,
      );
    } else {
      seenRepository.set(repositoryKey, `learners[${index}].github.repository`);
    }
    const environments = github.environments ?? DEFAULT_GITHUB_ENVIRONMENTS;
    const seenEnvironment = new Map<string, number>();
    environments.forEach((environment, e) => {
      const key = environment.toLowerCase();
      const firstAt = seenEnvironment.get(key);
      if (firstAt !== undefined) {
        add(
          [...where, 'environments', e],
          `duplicates learners[${index}].github.environments[${firstAt}] (GitHub environment names are not case-sensitive)`,
          environment,
        );
      } else {
        seenEnvironment.set(key, e);
      }
    });
    const chars = ciTrustPolicyChars(environments.map((e) => githubSubject(github.repository, e)));
    if (chars > TRUST_POLICY_CHARS.budget) {
      add(
        where,
        `makes the CI role's trust policy about ${chars} characters; IAM allows ${TRUST_POLICY_CHARS.serviceLimit} (${TRUST_POLICY_CHARS.source}): list fewer or shorter environments`,
      );
    }
  });

  const provider = doc.github?.oidcProvider;
  const account = provider === undefined ? undefined : GITHUB_OIDC_PROVIDER_ARN_PATTERN.exec(provider)?.[2];
  if (doc.account !== undefined && account !== undefined && account !== doc.account) {
    add(
      ['github', 'oidcProvider'],
      `is in account ${account}, but the cohort deploys to account ${doc.account}; a role trusts a provider of its own account`,
      provider,
    );
  }
  return problems;
}

import { ConfigProblem } from '../errors';
import { Profile } from '../profile';
import { CohortFile } from '../schema';
import { cidrListProblems } from './cidrs';
import { problemAt, RuleContext } from './rule';

/**
 * MLflow's Ingress: a cohort serves MLflow (basic-auth passwords) over TLS only, so it needs a
 * certificate; a sandbox may go without, loudly. A certificate needs the host name it is for.
 */
export function ingressRule(
  doc: Pick<CohortFile, 'mlflow'>,
  profile: Profile,
  context: RuleContext,
): ConfigProblem[] {
  const { hostname, certificateArn } = doc.mlflow;
  const problems: ConfigProblem[] = [];
  if (profile.requiresTls && certificateArn === undefined) {
    problems.push(
      problemAt(
        context,
        ['mlflow', 'certificateArn'],
        `is required for profile ${profile.name}: learners' MLflow passwords must travel over TLS`,
      ),
    );
  }
  if (certificateArn !== undefined && hostname === undefined) {
    problems.push(
      problemAt(
        context,
        ['mlflow', 'hostname'],
        'is required with mlflow.certificateArn: the certificate is for a host name',
      ),
    );
  }
  return problems;
}

/**
 * Who reaches MLflow's Ingress: without `mlflow.allowedCidrs` the internet (behind the web ACL's
 * rate limit); with it only the listed networks, each a network address listed once, and never
 * 0.0.0.0/0 (or anything broader than a /8) unless `mlflow.allowAccessFromAnywhere: true` says so.
 * The opt-in without a list, and an empty list, say nothing the default does not, so both are
 * rejected rather than guessed at.
 */
export function mlflowAccessRule(
  doc: Pick<CohortFile, 'mlflow'>,
  _profile: Profile,
  context: RuleContext,
): ConfigProblem[] {
  const { allowedCidrs, allowAccessFromAnywhere } = doc.mlflow;
  const problems: ConfigProblem[] = [];
  const add = (rest: PropertyKey[], message: string, value?: unknown) =>
    problems.push(problemAt(context, ['mlflow', ...rest], message, value));
  if (allowedCidrs === undefined) {
    if (allowAccessFromAnywhere !== undefined) {
      add(
        ['allowAccessFromAnywhere'],
        'only applies with mlflow.allowedCidrs; without that list MLflow admits the internet already',
        allowAccessFromAnywhere,
      );
    }
    return problems;
  }
  if (allowedCidrs.length === 0) {
    add(
      ['allowedCidrs'],
      'must list at least one CIDR block; leave mlflow.allowedCidrs out to admit the internet',
      allowedCidrs,
    );
  }
  for (const p of cidrListProblems({
    cidrs: allowedCidrs,
    field: 'mlflow.allowedCidrs',
    optInField: 'mlflow.allowAccessFromAnywhere',
    optedIn: allowAccessFromAnywhere ?? false,
    opens: 'MLflow',
  })) {
    add(['allowedCidrs', p.index], p.message, p.value);
  }
  return problems;
}

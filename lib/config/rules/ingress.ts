import { ConfigProblem } from '../errors';
import { Profile } from '../profile';
import { CohortFile } from '../schema';
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

import { ConfigProblem, formatProblem, Profile } from '../../../../lib/config';
import { RuleContext } from '../../../../lib/config/rules';
import { TODAY } from '../../../support/cohort';

/** The context every rule test runs in: a fixed file name and today. */
export const CONTEXT: RuleContext = { file: 'cohort.yaml', today: TODAY, allowExpired: false };

export const COHORT = Profile.cohort();
export const SANDBOX = Profile.sandbox();

/** Problems as the user reads them: `file: path: message (got value)`. */
export function messages(problems: readonly ConfigProblem[]): string[] {
  return problems.map(formatProblem);
}

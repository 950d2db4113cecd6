import { ConfigProblem, formatPath } from '../errors';
import { Profile } from '../profile';
import { CohortFile } from '../schema';

/** What a rule may know besides the cohort file and its profile. */
export interface RuleContext {
  /** File name every problem names. */
  readonly file: string;
  /** Today's date, `YYYY-MM-DD` (the expiry rule). */
  readonly today: string;
  /** Accept a course end in the past (teardown of an expired cohort). */
  readonly allowExpired: boolean;
}

/**
 * One family of cross-field rules: a pure function from a cohort file that passed the schema (and
 * its profile) to every problem it finds, in file order; no problems means the rules hold.
 */
export type CohortRule = (doc: CohortFile, profile: Profile, context: RuleContext) => ConfigProblem[];

/** A problem at `path` of the context's file. */
export function problemAt(
  context: RuleContext,
  path: ReadonlyArray<PropertyKey>,
  message: string,
  value?: unknown,
): ConfigProblem {
  return { file: context.file, path: formatPath(path), message, value };
}

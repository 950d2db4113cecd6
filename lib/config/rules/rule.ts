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

/** One person of a roster as the rules read it: a field is missing when the schema rejected it. */
export type RosterEntry<Person> = Partial<Person>;

/**
 * A cohort file as the rules read it: a file that passed the schema, or the sections of one that
 * did not which passed on their own (validate.ts). Rosters are read person by person and field by
 * field, so one bad email does not hide a colliding id; a rule reading a roster skips the fields
 * that are missing (the schema has reported them) and counts the entries as written.
 */
export type RuleInput = Omit<CohortFile, 'instructors' | 'learners'> & {
  readonly instructors: ReadonlyArray<RosterEntry<CohortFile['instructors'][number]>>;
  readonly learners: ReadonlyArray<RosterEntry<CohortFile['learners'][number]>>;
};

/** A top-level section of a cohort file. */
export type Section = keyof RuleInput;

/**
 * One family of cross-field rules: a pure function from the sections it reads (and the file's
 * profile) to every problem it finds, in file order; no problems means the rules hold.
 */
export type CohortRule<K extends Section = Section> = (
  doc: Pick<RuleInput, K>,
  profile: Profile,
  context: RuleContext,
) => ConfigProblem[];

/** A rule with the sections it reads: it runs only when each of them passed the schema. */
export interface RuleEntry {
  readonly name: string;
  readonly sections: readonly Section[];
  readonly check: CohortRule;
}

/** Register `check` as reading `sections`; the compiler holds it to reading no others. */
export function rule<K extends Section>(
  name: string,
  sections: readonly K[],
  check: CohortRule<K>,
): RuleEntry {
  return { name, sections, check };
}

/** A problem at `path` of the context's file. */
export function problemAt(
  context: RuleContext,
  path: ReadonlyArray<PropertyKey>,
  message: string,
  value?: unknown,
): ConfigProblem {
  return { file: context.file, path: formatPath(path), message, value };
}

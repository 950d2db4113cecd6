import { buildCohortConfig } from './build';
import { ConfigProblem } from './errors';
import { Profile } from './profile';
import { COHORT_RULES, RuleContext } from './rules';
import { cohortFileSchema } from './schema';
import { CohortConfig } from './types';
import { zodProblems } from './zod-problems';

/** Options for {@link validateCohort}. */
export interface ValidateOptions {
  /** File name used in every error message. */
  readonly file: string;
  /**
   * Today's date, `YYYY-MM-DD`, for the "expiry in the past" rule.
   * @default - the current UTC date
   */
  readonly today?: string;
  /**
   * Accept a course end in the past: for tearing down (`cdk destroy`) or inspecting a cohort that
   * has expired. Never for deploying one.
   * @default false
   */
  readonly allowExpired?: boolean;
}

/** Outcome of validation: a config, or every problem found. */
export type ValidationResult =
  | { readonly ok: true; readonly config: CohortConfig }
  | { readonly ok: false; readonly problems: ConfigProblem[] };

/**
 * Check a parsed cohort document (plain data from YAML) against the schema (schema.ts) and the
 * cross-field rules (rules/), and return the normalised config (build.ts) or the full list of
 * problems.
 */
export function validateCohort(raw: unknown, options: ValidateOptions): ValidationResult {
  const { file } = options;
  const parsed = cohortFileSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, problems: zodProblems(parsed.error, raw, file, cohortFileSchema) };
  }
  const doc = parsed.data;
  const profile = Profile.fromName(doc.profile);
  const context: RuleContext = {
    file,
    today: options.today ?? new Date().toISOString().slice(0, 10),
    allowExpired: options.allowExpired ?? false,
  };
  const problems = COHORT_RULES.flatMap((rule) => rule(doc, profile, context));
  if (problems.length > 0) {
    return { ok: false, problems };
  }
  return { ok: true, config: buildCohortConfig(doc, profile, file) };
}

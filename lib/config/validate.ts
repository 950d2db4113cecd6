import { buildCohortConfig } from './build';
import { ConfigProblem } from './errors';
import { Profile } from './profile';
import { COHORT_RULES, RuleContext, RuleInput, Section } from './rules';
import { salvageSections } from './salvage';
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
  const context: RuleContext = {
    file,
    today: options.today ?? new Date().toISOString().slice(0, 10),
    allowExpired: options.allowExpired ?? false,
  };
  const parsed = cohortFileSchema.safeParse(raw);
  if (!parsed.success) {
    // Every problem at once: the rules whose sections passed the schema on their own run too.
    const schemaProblems = zodProblems(parsed.error, raw, file, cohortFileSchema);
    const { doc, passed } = salvageSections(raw);
    return { ok: false, problems: [...schemaProblems, ...runRules(doc, passed, context)] };
  }
  const doc = parsed.data;
  const problems = runRules(doc, ALL_SECTIONS, context);
  if (problems.length > 0) {
    return { ok: false, problems };
  }
  return { ok: true, config: buildCohortConfig(doc, Profile.fromName(doc.profile), file) };
}

const ALL_SECTIONS: ReadonlySet<Section> = new Set(Object.keys(cohortFileSchema.shape) as Section[]);

/**
 * The problems of every rule whose sections all `passed` the schema. The profile sets the limits
 * the rules check against, so without one no rule runs.
 */
function runRules(
  doc: Partial<RuleInput>,
  passed: ReadonlySet<Section>,
  context: RuleContext,
): ConfigProblem[] {
  if (doc.profile === undefined) {
    return [];
  }
  const profile = Profile.fromName(doc.profile);
  const runnable = COHORT_RULES.filter((entry) => entry.sections.every((section) => passed.has(section)));
  // Every section a runnable rule reads is in doc: the cast only forgets the others.
  return runnable.flatMap((entry) => entry.check(doc as RuleInput, profile, context));
}

import { readFileSync } from 'fs';
import { LineCounter, parseDocument } from 'yaml';
import { CohortConfigError } from './errors';
import { CohortConfig } from './types';
import { validateCohort } from './validate';
import { withWrittenValues, yamlProblems } from './yaml-problems';

/** Options for {@link loadCohortFile}. */
export interface LoadOptions {
  /**
   * Today's date, `YYYY-MM-DD`, for the "expiry in the past" rule.
   * @default - the current UTC date
   */
  readonly today?: string;
  /**
   * Accept a course end in the past (teardown of an expired cohort).
   * @default false
   */
  readonly allowExpired?: boolean;
}

/**
 * Read, parse and validate a cohort file. Throws {@link CohortConfigError} listing every problem
 * (file, field path, bad value); never returns a partly valid config.
 */
export function loadCohortFile(file: string, options: LoadOptions = {}): CohortConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CohortConfigError([{ file, path: '', message: `cannot be read: ${(err as Error).message}` }]);
  }
  return parseCohortYaml(text, file, options);
}

/** Parse and validate cohort YAML text; `file` names it in errors. */
export function parseCohortYaml(text: string, file: string, options: LoadOptions = {}): CohortConfig {
  // YAML 1.2 core schema: dates stay strings, duplicate keys are errors.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: true, lineCounter });
  if (doc.errors.length > 0) {
    throw new CohortConfigError(yamlProblems(text, doc, lineCounter, file));
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CohortConfigError([
      { file, path: '', message: 'must be a YAML mapping of cohort fields', value: raw },
    ]);
  }
  const result = validateCohort(raw, { file, today: options.today, allowExpired: options.allowExpired });
  if (!result.ok) {
    throw new CohortConfigError(withWrittenValues(result.problems, doc));
  }
  return result.config;
}

import { z } from 'zod';
import { RuleInput, Section } from './rules';
import { cohortFileSchema, instructorSchema, learnerSchema } from './schema';

/**
 * The sections of a cohort file that pass the schema on their own, for running the rules when the
 * whole file does not: the problems the rules find then show beside the schema's, not after it is
 * fixed. Only what the file really says is kept, so a rule never reports on a guess:
 *
 * - a section that fails is left out (the rules reading it do not run);
 * - a roster that fails keeps every entry, and of each entry the fields that pass, so counts and
 *   indexes stay those of the file;
 * - when the file has a field the schema does not know (perhaps a misspelt section), a missing
 *   section is left out rather than given its default: `mlfow:` must not read as "no certificate".
 */
export function salvageSections(raw: unknown): SalvagedSections {
  const passed = new Set<Section>();
  if (!isPlainObject(raw)) {
    return { doc: {}, passed };
  }
  const shape = cohortFileSchema.shape;
  const sections = Object.keys(shape) as Array<keyof typeof shape>;
  const hasUnknownField = Object.keys(raw).some((key) => !(sections as string[]).includes(key));
  const out: Record<string, unknown> = {};
  for (const section of sections) {
    if (!(section in raw) && hasUnknownField) {
      continue;
    }
    const parsed = shape[section].safeParse(raw[section]);
    if (parsed.success) {
      out[section] = parsed.data;
      passed.add(section);
    } else if (section === 'instructors' || section === 'learners') {
      const entries = raw[section];
      if (Array.isArray(entries)) {
        const person = section === 'instructors' ? instructorSchema : learnerSchema;
        out[section] = entries.map((entry) => salvageFields(entry, person));
        passed.add(section);
      }
    }
  }
  return { doc: out as Partial<RuleInput>, passed };
}

/** What {@link salvageSections} kept: the sections that passed, with their values. */
export interface SalvagedSections {
  readonly doc: Partial<RuleInput>;
  /** The sections in `doc` (an optional one that passed may be in it as undefined). */
  readonly passed: ReadonlySet<Section>;
}

/** The fields of `entry` that pass their own schema in `person`. */
function salvageFields(entry: unknown, person: z.ZodObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isPlainObject(entry)) {
    return out;
  }
  for (const [field, schema] of Object.entries(person.shape)) {
    const parsed = (schema as z.ZodType).safeParse(entry[field]);
    if (parsed.success && parsed.data !== undefined) {
      out[field] = parsed.data;
    }
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

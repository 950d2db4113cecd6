import { z } from 'zod';
import { ConfigProblem, formatPath } from './errors';
import { closestKey } from './suggest';

/**
 * Turn zod's issues into problems that name the field path and the bad value: an unknown field
 * gets a "did you mean" from the fields `schema` allows there, a bad record key is reported as
 * the key, and a missing field is "is required" whatever zod called it.
 */
export function zodProblems(
  error: z.ZodError,
  raw: unknown,
  file: string,
  schema: z.ZodType,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const suggestion = closestKey(key, knownKeysAt(schema, issue.path));
        const hint = suggestion === undefined ? '' : `; did you mean "${suggestion}"?`;
        problems.push({
          file,
          path: formatPath([...issue.path, key]),
          message: `is not a known field${hint}`,
          value: key,
        });
      }
      continue;
    }
    if (issue.code === 'invalid_key') {
      // A record key failed its own check: report the key, not the value behind it.
      const key = issue.path[issue.path.length - 1];
      problems.push({
        file,
        path: formatPath(issue.path),
        message: issue.issues[0]?.message ?? issue.message,
        value: key,
      });
      continue;
    }
    const present = hasPath(raw, issue.path);
    const value = present ? valueAt(raw, issue.path) : undefined;
    const message = !present ? 'is required' : issue.message;
    problems.push({ file, path: formatPath(issue.path), message, value });
  }
  return problems;
}

/** The field names `schema` allows at `path` (array indexes skipped), for "did you mean". */
export function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let cur: z.ZodType | undefined = unwrap(schema);
  for (const part of path) {
    if (cur instanceof z.ZodArray) {
      cur = unwrap(cur.element as z.ZodType);
      if (typeof part === 'number') {
        continue;
      }
    }
    cur = cur instanceof z.ZodObject ? unwrap(cur.shape[String(part)] as z.ZodType | undefined) : undefined;
  }
  if (cur instanceof z.ZodArray) {
    cur = unwrap(cur.element as z.ZodType);
  }
  return cur instanceof z.ZodObject ? Object.keys(cur.shape) : [];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let cur = schema;
  while (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional) {
    cur = cur.unwrap() as z.ZodType;
  }
  return cur;
}

function hasPath(root: unknown, path: ReadonlyArray<PropertyKey>): boolean {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object' || !(key in (cur as object))) {
      return false;
    }
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return true;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = root;
  for (const key of path) {
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

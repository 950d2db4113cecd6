import { readFileSync } from 'fs';
import {
  Document,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  Node,
  Pair,
  parseDocument,
  visit,
  YAMLError,
} from 'yaml';
import { CohortConfigError, ConfigProblem, formatPath } from './errors';
import { CohortConfig } from './types';
import { validateCohort } from './validate';

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
    const problems: ConfigProblem[] = doc.errors.map(
      (e) =>
        duplicateKeyProblem(doc, e, lineCounter, file) ?? {
          file,
          path: '',
          message: `is not valid YAML: ${firstLine(e.message).replace(/:$/, '')}`,
        },
    );
    throw new CohortConfigError(problems);
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CohortConfigError([
      { file, path: '', message: 'must be a YAML mapping of cohort fields', value: raw },
    ]);
  }
  const result = validateCohort(raw, { file, today: options.today, allowExpired: options.allowExpired });
  if (!result.ok) {
    throw new CohortConfigError(result.problems);
  }
  return result.config;
}

/**
 * A duplicate key reported with the field path of the key and the key itself. The yaml library
 * reports only a position; the pair whose key starts there is found in the parsed document, and
 * the path is read off its ancestors. Undefined when the error is not a duplicate key or no pair
 * starts at its position (the caller then keeps the library's own message).
 */
function duplicateKeyProblem(
  doc: Document,
  error: YAMLError,
  lineCounter: LineCounter,
  file: string,
): ConfigProblem | undefined {
  if (error.code !== 'DUPLICATE_KEY') {
    return undefined;
  }
  let found: ConfigProblem | undefined;
  visit(doc, {
    Pair(_, pair, ancestors) {
      if (!isNode(pair.key) || pair.key.range?.[0] !== error.pos[0]) {
        return undefined;
      }
      const chain = [...ancestors, pair];
      const path: PropertyKey[] = [];
      chain.forEach((node, i) => {
        if (isPair(node)) {
          path.push(String(keyValue(node)));
        } else if (isSeq(node)) {
          path.push(node.items.indexOf(chain[i + 1] as Node));
        }
      });
      const parent = ancestors[ancestors.length - 1];
      const first = isMap(parent) ? parent.items.find((p) => p !== pair && sameKey(p, pair)) : undefined;
      const firstStart = first !== undefined && isNode(first.key) ? first.key.range?.[0] : undefined;
      const firstAt = firstStart === undefined ? '' : `; the first is at ${at(lineCounter, firstStart)}`;
      found = {
        file,
        path: formatPath(path),
        message: `duplicate key at ${at(lineCounter, error.pos[0])}${firstAt}`,
        value: keyValue(pair),
      };
      return visit.BREAK;
    },
  });
  return found;
}

function keyValue(pair: Pair): unknown {
  return isScalar(pair.key) ? pair.key.value : String(pair.key);
}

/** The comparison yaml's `uniqueKeys: true` makes: same node, or scalars with equal values. */
function sameKey(a: Pair, b: Pair): boolean {
  return a.key === b.key || (isScalar(a.key) && isScalar(b.key) && a.key.value === b.key.value);
}

function at(lineCounter: LineCounter, offset: number): string {
  const { line, col } = lineCounter.linePos(offset);
  return `line ${line}, column ${col}`;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

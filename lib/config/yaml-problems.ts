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
  parseAllDocuments,
  visit,
  YAMLError,
} from 'yaml';
import { ConfigProblem, formatPath } from './errors';

/**
 * The yaml library's errors as problems in the project's words: a tab in the indentation as the
 * one problem of the file, more than one document as one line, a duplicate key with its field
 * path and both positions, anything else as "is not valid YAML" with the library's first line.
 */
export function yamlProblems(
  text: string,
  doc: Document,
  lineCounter: LineCounter,
  file: string,
): ConfigProblem[] {
  // A tab where indentation belongs derails the parser: the lines after it nest wrongly and show
  // as duplicate keys or stray entries that are not in the file. The first tab is the problem.
  const tab = doc.errors.find((e) => e.code === 'TAB_AS_INDENT');
  if (tab !== undefined) {
    const message = `${at(lineCounter, tab.pos[0])}: tabs are not allowed for indentation in YAML; indent with spaces`;
    return [{ file, path: '', message }];
  }
  const problems: ConfigProblem[] = [];
  let documentsCounted = false;
  for (const e of doc.errors) {
    if (e.code === 'MULTIPLE_DOCS') {
      if (!documentsCounted) {
        const count = parseAllDocuments(text).length;
        problems.push({
          file,
          path: '',
          message: `holds ${count} YAML documents; a cohort file is one document`,
        });
        documentsCounted = true;
      }
      continue;
    }
    problems.push(
      duplicateKeyProblem(doc, e, lineCounter, file) ?? {
        file,
        path: '',
        message: `is not valid YAML: ${firstLine(e.message).replace(/:$/, '')}`,
      },
    );
  }
  return problems;
}

/**
 * `problems` with the value each names as the file spells it, where YAML read a number, a boolean
 * or null there: `id: 007` is the number 7 to YAML, and `(got 7)` would not show what is wrong.
 */
export function withWrittenValues(problems: readonly ConfigProblem[], doc: Document): ConfigProblem[] {
  const written = new Map<string, { value: unknown; source: string }>();
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key !== 'key' && typeof node.value !== 'string' && node.source) {
        written.set(formatPath(pathOf([...ancestors, node])), { value: node.value, source: node.source });
      }
    },
  });
  return problems.map((p) => {
    const scalar = written.get(p.path);
    return scalar !== undefined && p.value !== undefined && Object.is(scalar.value, p.value)
      ? { ...p, written: scalar.source }
      : p;
  });
}

/** The field path of the last node of `chain` (a node and its ancestors, outermost first). */
function pathOf(chain: ReadonlyArray<unknown>): PropertyKey[] {
  const path: PropertyKey[] = [];
  chain.forEach((node, i) => {
    if (isPair(node)) {
      path.push(String(keyValue(node)));
    } else if (isSeq(node)) {
      path.push(node.items.indexOf(chain[i + 1] as Node));
    }
  });
  return path;
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
      const path = pathOf([...ancestors, pair]);
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

/**
 * A small evaluator of the CloudWatch Logs text filter patterns the project writes (see
 * filterPatternOf in lib/core/observability.ts), to check on real log lines what a metric filter
 * would count. It accepts exactly two forms and throws on anything else:
 *
 * - `"a" "b" ...`: every quoted term appears in the event (AND);
 * - `?"a" ?"b" ...`: at least one does (OR).
 *
 * Quoted terms match as case-sensitive substrings (the CloudWatch Logs documentation: a term in
 * double quotes matches that exact phrase anywhere in the event); `\"` and `\\` are escapes. No
 * unquoted terms, `-` exclusions, wildcards, JSON or space-delimited patterns, or regex.
 */

interface Term {
  readonly optional: boolean;
  readonly text: string;
}

/** The terms of `pattern`, or an error naming what is not supported. */
export function parseTextPattern(pattern: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  while (i < pattern.length) {
    if (pattern[i] === ' ') {
      i += 1;
      continue;
    }
    const optional = pattern[i] === '?';
    if (optional) i += 1;
    if (pattern[i] !== '"') {
      throw new Error(`unsupported filter pattern at ${i}: only quoted terms are supported (${pattern})`);
    }
    i += 1;
    let text = '';
    for (;;) {
      if (i >= pattern.length) throw new Error(`unterminated term in filter pattern ${pattern}`);
      const c = pattern[i];
      if (c === '\\') {
        text += pattern[i + 1];
        i += 2;
        continue;
      }
      i += 1;
      if (c === '"') break;
      text += c;
    }
    terms.push({ optional, text });
  }
  if (terms.length === 0) throw new Error('empty filter pattern');
  const optional = terms.filter((t) => t.optional).length;
  if (optional !== 0 && optional !== terms.length) {
    throw new Error(`unsupported filter pattern: mixes ?-terms and plain terms (${pattern})`);
  }
  return terms;
}

/** True when CloudWatch Logs would count `event` under `pattern`. */
export function matchesTextPattern(pattern: string, event: string): boolean {
  const terms = parseTextPattern(pattern);
  return terms[0].optional
    ? terms.some((t) => event.includes(t.text))
    : terms.every((t) => event.includes(t.text));
}

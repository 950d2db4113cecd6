/**
 * GitHub Actions expressions (`${{ ... }}`), the part our workflows use: context paths
 * (`github.event.pull_request.head.sha`, `steps.train.outputs.model_uri`, `vars.X`), string,
 * number and boolean literals, `!`, `==`, `!=`, `&&`, `||`, parentheses, and the status functions
 * `success()`, `failure()`, `always()`, `cancelled()`. Written by hand: no npm package evaluates
 * GitHub's expression language outside GitHub's own runner. Anything else is an error that names
 * the expression, never a silent empty string.
 */

/** A value of the expression language. */
export type ExprValue = string | number | boolean | null | { readonly [k: string]: ExprValue } | ExprValue[];

/** The contexts and the job's status, for the status functions. */
export interface ExprScope {
  readonly contexts: Readonly<Record<string, ExprValue>>;
  /** `success()` is true when nothing before failed; `failure()` when something did. */
  readonly failed: boolean;
}

export class ExpressionError extends Error {}

type Token = { kind: 'op' | 'str' | 'num' | 'ident'; text: string };

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ExpressionError(`unterminated string in \${{ ${src} }}`);
        if (src[i] === "'" && src[i + 1] === "'") {
          text += "'";
          i += 2;
        } else if (src[i] === "'") {
          i++;
          break;
        } else text += src[i++];
      }
      tokens.push({ kind: 'str', text });
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      tokens.push({ kind: 'num', text: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))!;
      tokens.push({ kind: 'ident', text: m[0] });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (['==', '!=', '&&', '||'].includes(two)) {
        tokens.push({ kind: 'op', text: two });
        i += 2;
      } else if ('!().[],'.includes(c)) {
        tokens.push({ kind: 'op', text: c });
        i++;
      } else throw new ExpressionError(`unexpected "${c}" in \${{ ${src} }}`);
    }
  }
  return tokens;
}

function truthy(v: ExprValue): boolean {
  return !(v === null || v === false || v === 0 || v === '');
}

function equal(a: ExprValue, b: ExprValue): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return a === b;
}

/** Evaluate one expression (the text inside `${{ }}`, or a bare `if:`). */
export function evaluate(src: string, scope: ExprScope): ExprValue {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const take = (text?: string): Token => {
    const t = tokens[pos];
    if (t === undefined || (text !== undefined && t.text !== text)) {
      throw new ExpressionError(`expected ${text ?? 'more'} in \${{ ${src} }}`);
    }
    pos++;
    return t;
  };

  const primary = (): ExprValue => {
    const t = take();
    if (t.kind === 'str') return t.text;
    if (t.kind === 'num') return Number(t.text);
    if (t.kind === 'op' && t.text === '(') {
      const v = or();
      take(')');
      return v;
    }
    if (t.kind !== 'ident') throw new ExpressionError(`unexpected "${t.text}" in \${{ ${src} }}`);
    if (t.text === 'true') return true;
    if (t.text === 'false') return false;
    if (t.text === 'null') return null;
    if (peek()?.text === '(') {
      take('(');
      take(')');
      switch (t.text) {
        case 'success':
          return !scope.failed;
        case 'failure':
          return scope.failed;
        case 'always':
          return true;
        case 'cancelled':
          return false;
        default:
          throw new ExpressionError(`function ${t.text}() is not supported here, in \${{ ${src} }}`);
      }
    }
    if (!(t.text in scope.contexts)) {
      throw new ExpressionError(
        `unknown context "${t.text}" in \${{ ${src} }} (known: ${Object.keys(scope.contexts).join(', ')})`,
      );
    }
    let value: ExprValue = scope.contexts[t.text];
    for (;;) {
      let key: string;
      if (peek()?.text === '.') {
        take('.');
        key = take().text;
      } else if (peek()?.text === '[') {
        take('[');
        key = String(or());
        take(']');
      } else break;
      value =
        value !== null && typeof value === 'object' && !Array.isArray(value) && key in value
          ? (value as Record<string, ExprValue>)[key]
          : null;
    }
    return value;
  };
  const unary = (): ExprValue => {
    if (peek()?.text === '!') {
      take('!');
      return !truthy(unary());
    }
    return primary();
  };
  const eq = (): ExprValue => {
    let left = unary();
    while (peek()?.text === '==' || peek()?.text === '!=') {
      const op = take().text;
      const right = unary();
      left = op === '==' ? equal(left, right) : !equal(left, right);
    }
    return left;
  };
  const and = (): ExprValue => {
    let left = eq();
    while (peek()?.text === '&&') {
      take('&&');
      const right = eq();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const or = (): ExprValue => {
    let left = and();
    while (peek()?.text === '||') {
      take('||');
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };

  const value = or();
  if (pos !== tokens.length) throw new ExpressionError(`unexpected "${tokens[pos].text}" in \${{ ${src} }}`);
  return value;
}

/** A value as GitHub writes it into a string: null is empty, objects are JSON. */
export function asString(v: ExprValue): string {
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Replace every `${{ ... }}` of a string. */
export function interpolate(text: string, scope: ExprScope): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, inner: string) => asString(evaluate(inner.trim(), scope)));
}

/** An `if:` condition: with or without `${{ }}`; the default is `success()`. */
export function condition(text: string | undefined, scope: ExprScope): boolean {
  if (text === undefined) return !scope.failed;
  const m = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(text);
  const src = m ? m[1] : text;
  // As on GitHub: a condition without a status function runs only when nothing failed.
  const hasStatus = /\b(success|failure|always|cancelled)\s*\(/.test(src);
  return (hasStatus || !scope.failed) && truthy(evaluate(src, scope));
}

/** One thing wrong with a cohort file: where, what, and the value that was there. */
export interface ConfigProblem {
  readonly file: string;
  /** Field path such as `learners[2].email`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
  /** The offending value; undefined when the field is missing. */
  readonly value?: unknown;
  /**
   * The value as the file spells it, where the parser read it as something else (`007`, which
   * YAML reads as the number 7); shown instead of `value`.
   */
  readonly written?: string;
}

/** Render a path array (`['learners', 2, 'email']`) as `learners[2].email`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') {
      out += `[${part}]`;
    } else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(part))) {
      out += out === '' ? String(part) : `.${String(part)}`;
    } else {
      out += `[${JSON.stringify(String(part))}]`;
    }
  }
  return out;
}

/** `file: path: message (got value)`; the one format every config error uses. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.path === '' ? p.file : `${p.file}: ${p.path}`;
  const shown = p.written ?? (p.value === undefined ? undefined : renderValue(p.value));
  const got = shown === undefined ? '' : ` (got ${shown})`;
  return `${where}: ${p.message}${got}`;
}

function renderValue(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) {
    return String(value);
  }
  return json.length > 120 ? `${json.slice(0, 117)}...` : json;
}

/** Thrown when a cohort file is unusable; `message` lists every problem, one per line. */
export class CohortConfigError extends Error {
  public readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'CohortConfigError';
    this.problems = problems;
  }
}

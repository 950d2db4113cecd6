/**
 * Is the key kept apart? `keyLeaks` looks through texts learners are handed for three signs of the
 * key: the key file itself (its `kind: quiz-key`), an explanation from it (12 consecutive words,
 * or the whole explanation when shorter, compared case- and punctuation-insensitively), and
 * answers written next to their question ids (`registry-alias-uri: b`, YAML or JSON) for
 * {@link MIN_ANSWER_LINES} questions or more. Option letters alone prove nothing (every quiz shows
 * them), so a single `id: b` line is not counted as a leak; three are.
 */
import { parse } from 'yaml';
import { answerText, KEY_KIND, QuizKey } from './model';

/** Consecutive words of an explanation that count as a copy. */
export const EXPLANATION_WORDS = 12;
/** Question ids with the key's answer beside them that count as a copy of the answers. */
export const MIN_ANSWER_LINES = 3;

export interface KeyLeak {
  readonly file: string;
  readonly reason: string;
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

function shingles(explanation: string): string[] {
  const w = words(explanation);
  if (w.length <= EXPLANATION_WORDS) return [w.join(' ')];
  const out: string[] = [];
  for (let i = 0; i + EXPLANATION_WORDS <= w.length; i++)
    out.push(w.slice(i, i + EXPLANATION_WORDS).join(' '));
  return out;
}

/**
 * An id and the value written beside it, in YAML (`id: b`, `id: [a, c]`) or JSON (`"id": "b"`), on
 * its own line or inside a flow mapping.
 */
const ID_AND_VALUE =
  /(?<![A-Za-z0-9-])["']?([a-z0-9][a-z0-9-]*)["']?[ \t]*[:=][ \t]*(\[[^\]\n]*\]|"[^"\n]*"|'[^'\n]*'|[^\s,}\]#]+)/g;

/** The question ids in `text` written with the key's own answer beside them. */
export function answeredIds(text: string, key: QuizKey): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(ID_AND_VALUE)) {
    const entry = key.answers[m[1]];
    if (entry === undefined) continue;
    let value: unknown;
    try {
      value = parse(m[2]) as unknown;
    } catch {
      continue;
    }
    const written = Array.isArray(value)
      ? value.map(String)
      : typeof value === 'number' || typeof value === 'string'
        ? value
        : undefined;
    if (written !== undefined && answerText(written) === answerText(entry.answer)) found.add(m[1]);
  }
  return [...found];
}

/** Every sign of `key` in `files`; an empty list when the key is kept apart. */
export function keyLeaks(key: QuizKey, files: ReadonlyArray<{ path: string; text: string }>): KeyLeak[] {
  const explanations = Object.entries(key.answers)
    .filter(([, e]) => e.explanation !== undefined)
    .map(([id, e]) => ({ id, shingles: shingles(e.explanation as string) }));
  const marker = new RegExp(`^\\s*["']?kind["']?\\s*:\\s*["']?${KEY_KIND}\\b`, 'm');
  const leaks: KeyLeak[] = [];
  for (const { path, text } of files) {
    if (marker.test(text)) leaks.push({ file: path, reason: `holds a quiz key (kind: ${KEY_KIND})` });
    const flat = ` ${words(text).join(' ')} `;
    for (const e of explanations) {
      if (e.shingles.some((s) => flat.includes(` ${s} `)))
        leaks.push({ file: path, reason: `holds the key's explanation of ${e.id}` });
    }
    const answered = answeredIds(text, key);
    if (answered.length >= MIN_ANSWER_LINES) {
      leaks.push({
        file: path,
        reason: `holds the key's answers of ${answered.length} questions (${answered.join(', ')})`,
      });
    }
  }
  return leaks;
}

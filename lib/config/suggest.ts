/**
 * "Did you mean": the known name closest to a misspelt one. Only feeds a hint in an error
 * message, so it is deliberately small: case-insensitive Levenshtein distance, at most 2 edits.
 */

/** Furthest a known name may be from the misspelt one (in edits) and still be suggested. */
export const MAX_SUGGESTION_DISTANCE = 2;

/** The known name within {@link MAX_SUGGESTION_DISTANCE} edits of `name`, ignoring case; the first closest wins. */
export function closestKey(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = MAX_SUGGESTION_DISTANCE + 1;
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance: the fewest insertions, deletions and substitutions that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

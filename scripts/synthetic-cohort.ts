/**
 * Large rosters for the synth benchmark (scripts/bench-synth.ts) and the scale tests: the demo
 * cohort (cohorts/demo.yaml) with its learners filled up to any number. The cohort name and
 * everything but the roster stay the demo's, so templates compare with the demo's own.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { parse, stringify } from 'yaml';

/** The demo cohort file, `cohorts/demo.yaml`. */
export const DEMO_COHORT_FILE = join(__dirname, '..', 'cohorts', 'demo.yaml');

/** The demo cohort as plain data (a fresh copy on every call). */
export function demoDocument(): Record<string, unknown> {
  return parse(readFileSync(DEMO_COHORT_FILE, 'utf8')) as Record<string, unknown>;
}

/** Options of {@link withLearners}. */
export interface SyntheticLearnerOptions {
  /**
   * Every this-many-th added learner gets an `iamPrincipalArn` (so an access entry, and a longer
   * trust policy).
   * @default 10
   */
  readonly principalEvery?: number;
  /**
   * Every this-many-th added learner names a GitHub repository (Lab 2: a CI role, its secret and
   * the serving Deployments).
   * @default - none does
   */
  readonly repositoryEvery?: number;
}

/**
 * `doc` with its learners filled up to `learners`: its own first, then `learner-0001`,
 * `learner-0002`, ... Deterministic: the same call gives the same roster, so the same shards.
 */
export function withLearners(
  doc: Record<string, unknown>,
  learners: number,
  options: SyntheticLearnerOptions = {},
): Record<string, unknown> {
  const own = (doc.learners ?? []) as unknown[];
  if (!Number.isInteger(learners) || learners < own.length) {
    throw new Error(`withLearners: ${learners} learners is fewer than the ${own.length} the cohort has`);
  }
  const every = options.principalEvery ?? 10;
  const added = Array.from({ length: learners - own.length }, (_, i) => {
    const n = String(i + 1).padStart(4, '0');
    return {
      id: `learner-${n}`,
      email: `learner-${n}@cohort-lab.example`,
      displayName: `Learner ${n}`,
      ...((i + 1) % every === 0 ? { iamPrincipalArn: `arn:aws:iam::111122223333:role/learner-${n}` } : {}),
      ...(options.repositoryEvery !== undefined && (i + 1) % options.repositoryEvery === 0
        ? { github: { repository: `learner-${n}/cohort-lab-promotion` } }
        : {}),
    };
  });
  return { ...doc, learners: [...own, ...added] };
}

/** `doc` as cohort-file YAML. */
export function cohortYaml(doc: Record<string, unknown>): string {
  return stringify(doc);
}

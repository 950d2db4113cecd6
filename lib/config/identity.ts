/**
 * The one normalisation rule for people in a cohort file.
 *
 * An id (learner or instructor) becomes, after normalisation, the person's MLflow username, the
 * suffix of their Kubernetes namespace (`learner-<slug>`) and their S3 prefix (`learners/<slug>/`).
 * Rule: lower-case it, turn every run of `.`, `_` or `-` into a single `-`, and strip `-` from both
 * ends. The result must start with a letter, end with a letter or digit, and be at most
 * {@link MAX_SLUG_LENGTH} characters, so that `learner-<slug>` is a valid DNS-1123 label. Two ids
 * that normalise to the same slug are a collision and the cohort file is rejected.
 */
export const MAX_SLUG_LENGTH = 40;

/** Characters a raw id may contain before normalisation. */
export const RAW_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

const SLUG_PATTERN = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

/** Normalise a raw id to its slug (see the module comment for the rule). */
export function normaliseId(rawId: string): string {
  return rawId
    .toLowerCase()
    .replace(/[._-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Why a slug is unusable, or undefined when it is fine. */
export function slugProblem(slug: string): string | undefined {
  if (slug.length === 0) {
    return 'normalises to an empty name';
  }
  if (slug.length > MAX_SLUG_LENGTH) {
    return `normalises to "${slug}", longer than ${MAX_SLUG_LENGTH} characters`;
  }
  if (!SLUG_PATTERN.test(slug)) {
    return `normalises to "${slug}", which must start with a letter and end with a letter or digit`;
  }
  return undefined;
}

/** The Kubernetes namespace of a learner's personal space. */
export function learnerNamespace(slug: string): string {
  return `learner-${slug}`;
}

/** The S3 key prefix of a learner's personal space (always ends in `/`). */
export function learnerPrefix(slug: string): string {
  return `learners/${slug}/`;
}

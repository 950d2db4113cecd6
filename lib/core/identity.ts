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

/** What a slug looks like (a DNS-1123 label that starts with a letter). */
export const SLUG_PATTERN = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

/**
 * MLflow admin user name; its password lives in Secrets Manager. The config rules reserve it, the
 * MLflow chart and the secrets use it.
 */
export const MLFLOW_ADMIN_USERNAME = 'admin';

/**
 * Slugs no person may have, and who holds each. A slug is an MLflow username: a learner whose id
 * normalises to the admin's name would share the admin's MLflow account (and their rotated
 * credential secret would carry the admin's username).
 */
export const RESERVED_SLUGS: ReadonlyMap<string, string> = new Map([
  [MLFLOW_ADMIN_USERNAME, 'the MLflow admin'],
]);

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
  const holder = RESERVED_SLUGS.get(slug);
  if (holder !== undefined) {
    return `normalises to "${slug}", which is reserved for ${holder}`;
  }
  return undefined;
}

/** The Kubernetes namespace of a learner's personal space. */
export function learnerNamespace(slug: string): string {
  return `learner-${slug}`;
}

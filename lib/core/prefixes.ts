/**
 * The artifact bucket's layout. S3 has no folders: the layout is the set of prefixes the grants
 * are scoped to, so each prefix here is also a permission boundary. Every prefix ends in `/`.
 */

/** Course material: instructors write, learners read. */
export const SHARED_PREFIX = 'shared/';
/** Parent of every learner's own space, `learners/<slug>/`. */
export const LEARNERS_PREFIX = 'learners/';
/** MLflow's proxied artifact store (`--artifacts-destination`); only MLflow's role writes. */
export const MLFLOW_PREFIX = 'mlflow/';
/** The Feast registry and offline data; only Feast's role writes. */
export const FEAST_PREFIX = 'feast/';

/** The S3 key prefix of a learner's personal space (always ends in `/`). */
export function learnerPrefix(slug: string): string {
  return `${LEARNERS_PREFIX}${slug}/`;
}

/** `prefix` without its trailing `/`, for URIs such as `s3://<bucket>/mlflow`. */
export function withoutTrailingSlash(prefix: string): string {
  return prefix.replace(/\/$/, '');
}

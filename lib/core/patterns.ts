/**
 * Name patterns more than one layer checks: the config rules reject bad values with a message,
 * the constructs and charts re-check what they are given.
 */

/** A cohort name: a DNS-1123 label of at most 40 characters, so derived names (stack, bucket, namespace) fit. */
export const COHORT_NAME_PATTERN = /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/;

/** A Feast project: a letter, then letters, digits and `_`, at most 63 characters. */
export const FEAST_PROJECT_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

/** A Kubernetes namespace name (DNS-1123 label, at most 63 characters). */
export const DNS_LABEL_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A Kubernetes object name such as a service account (DNS-1123 subdomain). */
export const DNS_SUBDOMAIN_PATTERN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** `text` with every regular-expression metacharacter escaped, for building a RegExp from a name. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

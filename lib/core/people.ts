import { createHash } from 'crypto';
import { PRODUCT_PREFIX } from './names';

/**
 * The AWS identity of each person on a roster. Every learner and instructor gets one IAM role,
 * tagged with who they are; the bucket, key and secret policies grant by those tags
 * (`${aws:PrincipalTag/lab:learner}`), so no policy grows with the roster.
 */

/** What a person is in a cohort. */
export enum PersonRole {
  LEARNER = 'learner',
  INSTRUCTOR = 'instructor',
}

/**
 * The tags on a person's role (and on their secrets) that the policies grant by. A learner's role
 * carries `lab:learner=<slug>`, an instructor's `lab:instructor=<slug>`; both carry `lab:role`
 * and the cohort's `lab:cohort`.
 */
export const PERSON_TAG = {
  role: 'lab:role',
  learner: 'lab:learner',
  instructor: 'lab:instructor',
} as const;

/** The tag that names a person of `role` (`lab:learner` or `lab:instructor`). */
export function personTagKey(role: PersonRole): string {
  return role === PersonRole.LEARNER ? PERSON_TAG.learner : PERSON_TAG.instructor;
}

/** The IAM path of every person's role of a cohort: `/cohortlab/<cohort>/people/`. */
export function peopleRolePath(cohort: string): string {
  return `/${PRODUCT_PREFIX}/${cohort}/people/`;
}

/**
 * The IAM role name of one person: `lab-<slug>-<8 hex digits of the cohort name>`, at most 53
 * characters (IAM allows 64). Role names are unique in the account whatever their path, so the
 * cohort's hash keeps two cohorts' people with the same slug apart; the name is computed, not
 * generated, so the welcome sheet can print the ARN without asking AWS.
 */
export function personRoleName(cohort: string, slug: string): string {
  return `lab-${slug}-${createHash('sha256').update(cohort, 'utf8').digest('hex').slice(0, 8)}`;
}

/** The resource part of a person's role ARN: `cohortlab/<cohort>/people/<role name>` (path and name). */
export function personRoleResource(cohort: string, slug: string): string {
  return `${peopleRolePath(cohort).slice(1)}${personRoleName(cohort, slug)}`;
}

/**
 * The ARN of a person's role, `arn:<partition>:iam::<account>:role/cohortlab/<cohort>/people/<name>`,
 * computed without asking AWS (the welcome sheet prints it; a standalone `cdk8s synth` writes it
 * into the learner's ClusterSecretStore).
 */
export function personRoleArn(partition: string, account: string, cohort: string, slug: string): string {
  return `arn:${partition}:iam::${account}:role/${personRoleResource(cohort, slug)}`;
}

/**
 * The Kubernetes service account in a learner's namespace whose pods get the learner's role through
 * EKS Pod Identity (and so the learner's own S3 prefix and secrets).
 */
export const LEARNER_SERVICE_ACCOUNT = 'lab';

/**
 * The people of a roster in the cohort's services: their Cognito groups, their roles, and the
 * CloudFormation custom resource that adds a person to the services and takes them away again.
 * The rotation Lambda imports this module on its own (no CDK in it).
 */

/** Group names of the cohort's user pool; the Feast permissions (labs/feature_repo/permissions.py) use them. */
export const COHORT_GROUPS = {
  learners: 'learners',
  instructors: 'instructors',
} as const;

/** What a person is on the roster, as the member resource's `Role` property spells it. */
export const ROSTER_ROLES = ['learner', 'instructor'] as const;

/** One of {@link ROSTER_ROLES}. */
export type RosterRole = (typeof ROSTER_ROLES)[number];

/** The user-pool group of a role: `learners` or `instructors`. */
export function rosterGroup(role: RosterRole): string {
  return role === 'instructor' ? COHORT_GROUPS.instructors : COHORT_GROUPS.learners;
}

/**
 * Resource type of one roster member: the shared rotation function creates the person's Cognito
 * user (in the role's group) and, on Delete, removes their MLflow and Cognito users.
 */
export const ROSTER_MEMBER_RESOURCE_TYPE = 'Custom::CohortLabRosterMember';

/**
 * The people of a roster in the cohort's services: their Cognito groups, their roles, and the
 * CloudFormation custom resource that adds a person to the services and takes them away again.
 * The rotation Lambda imports this module on its own (no CDK in it).
 */
import { PersonRole } from './people';

/** Group names of the cohort's user pool; the Feast permissions (labs/feature_repo/permissions.py) use them. */
export const COHORT_GROUPS = {
  learners: 'learners',
  instructors: 'instructors',
} as const;

/** What a person is on the roster, as the member resource's `Role` property spells it. */
export const ROSTER_ROLES: readonly PersonRole[] = [PersonRole.LEARNER, PersonRole.INSTRUCTOR];

/** A person's role on the roster (the one enum of lib/core/people.ts). */
export type RosterRole = PersonRole;

/** The user-pool group of a role: `learners` or `instructors`. */
export function rosterGroup(role: RosterRole): string {
  return role === PersonRole.INSTRUCTOR ? COHORT_GROUPS.instructors : COHORT_GROUPS.learners;
}

/**
 * Resource type of one roster member: the shared rotation function creates the person's Cognito
 * user (in the role's group) and, on Delete, removes their MLflow and Cognito users.
 */
export const ROSTER_MEMBER_RESOURCE_TYPE = 'Custom::CohortLabRosterMember';

import { COHORT_GROUPS, ROSTER_MEMBER_RESOURCE_TYPE, ROSTER_ROLES, rosterGroup } from '../../../lib/core';
import { COHORT_GROUPS as IDENTITY_GROUPS } from '../../../constructs/cohort-identity';

// The group names are contracts with the Feast permissions (labs/feature_repo/permissions.py) and
// the pre-token trigger; the resource type with every deployed member resource.

describe('roster', () => {
  test('the two groups of the user pool, and the role each roster role lands in', () => {
    expect(COHORT_GROUPS).toEqual({ learners: 'learners', instructors: 'instructors' });
    expect(ROSTER_ROLES.map((role) => [role, rosterGroup(role)])).toEqual([
      ['learner', 'learners'],
      ['instructor', 'instructors'],
    ]);
  });

  test('CohortIdentity still exports the same group names', () => {
    expect(IDENTITY_GROUPS).toBe(COHORT_GROUPS);
  });

  test('the member resource type', () => {
    expect(ROSTER_MEMBER_RESOURCE_TYPE).toBe('Custom::CohortLabRosterMember');
  });
});

import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { handler, tokenClaims } from '../../constructs/cohort-identity/pre-token-generation.handler';

/** A V2_0 event as Cognito sends it for a user in `groups`. */
function event(groups?: string[]): PreTokenGenerationV2TriggerEvent {
  return {
    version: '2',
    triggerSource: 'TokenGeneration_Authentication',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_Example',
    userName: 'grace.hopper',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'example-client' },
    request: {
      userAttributes: { sub: '1b2c', email: 'grace@example.edu' },
      groupConfiguration: groups === undefined ? {} : { groupsToOverride: groups },
      scopes: ['aws.cognito.signin.user.admin'],
    },
    response: { claimsAndScopeOverrideDetails: {} },
  };
}

describe('pre-token-generation handler', () => {
  test('a learner gets groups=[learners] and no role, on both tokens', async () => {
    // GIVEN a member of learners WHEN the trigger runs
    const out = await handler(event(['learners']));
    // THEN both tokens carry the same two claims
    const expected = { groups: ['learners'], roles: [] };
    expect(out.response.claimsAndScopeOverrideDetails).toEqual({
      idTokenGeneration: { claimsToAddOrOverride: expected },
      accessTokenGeneration: { claimsToAddOrOverride: expected },
    });
  });

  test('an instructor gets the feast-writer role', async () => {
    const out = await handler(event(['instructors']));
    expect(out.response.claimsAndScopeOverrideDetails.accessTokenGeneration?.claimsToAddOrOverride).toEqual({
      groups: ['instructors'],
      roles: ['feast-writer'],
    });
  });

  test('groups are sorted and unique; unknown groups grant no role', async () => {
    expect(tokenClaims(['learners', 'instructors', 'learners', 'other-cohort'])).toEqual({
      groups: ['instructors', 'learners', 'other-cohort'],
      roles: ['feast-writer'],
    });
    expect(tokenClaims(['other-cohort'])).toEqual({ groups: ['other-cohort'], roles: [] });
  });

  test('a user in no group gets empty claims (Feast then refuses everything)', async () => {
    const out = await handler(event());
    expect(out.response.claimsAndScopeOverrideDetails.idTokenGeneration?.claimsToAddOrOverride).toEqual({
      groups: [],
      roles: [],
    });
  });

  test('keeps the rest of the event and is idempotent', async () => {
    const once = await handler(event(['learners']));
    const twice = await handler(JSON.parse(JSON.stringify(once)));
    expect(twice).toEqual(once);
    expect(once.userName).toBe('grace.hopper');
    expect(once.request.userAttributes.email).toBe('grace@example.edu');
  });

  test('claim values are arrays (V2_0 allows them; Feast reads lists)', async () => {
    const out = await handler(event(['learners']));
    const claims = out.response.claimsAndScopeOverrideDetails.accessTokenGeneration
      ?.claimsToAddOrOverride as unknown as Record<string, unknown>;
    expect(Array.isArray(claims.groups)).toBe(true);
    expect(Array.isArray(claims.roles)).toBe(true);
  });
});

/**
 * Cognito pre-token-generation trigger (event version V2_0): puts the user's groups and roles where
 * OpenID resource servers look for them.
 *
 * Cognito writes group membership only to `cognito:groups`. Feast (and most OIDC resource servers)
 * read groups from `groups` and roles from `roles`, so without this trigger every Cognito token is
 * valid but carries no group, and Feast answers 403 to everyone. The trigger adds, to both the
 * access token and the ID token:
 * - `groups`: the user's groups, as Cognito lists them;
 * - `roles`: the roles those groups map to (`instructors` -> `feast-writer`).
 *
 * The mapping is a pure function ({@link tokenClaims}) so it is tested without Lambda and reused by
 * the integration test's OpenID provider, which signs tokens with exactly these claims.
 */
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';

/** Roles each group grants. A group not listed grants none. */
export const GROUP_ROLES: Readonly<Record<string, readonly string[]>> = {
  instructors: ['feast-writer'],
};

/** The claims the trigger adds to both tokens. */
export interface TokenClaims {
  readonly groups: string[];
  readonly roles: string[];
}

/** Claims for a user in `groups` (sorted, without duplicates, so tokens are stable). */
export function tokenClaims(groups: readonly string[]): TokenClaims {
  const uniqueGroups = [...new Set(groups.filter((g) => typeof g === 'string' && g.length > 0))].sort();
  const roles = [...new Set(uniqueGroups.flatMap((g) => GROUP_ROLES[g] ?? []))].sort();
  return { groups: uniqueGroups, roles };
}

/**
 * The trigger's entry point. Event version V2_0 returns claims for both tokens in one response;
 * V2_0 claim values may be arrays (the `aws-lambda` types only allow strings, hence the cast).
 */
export async function handler(
  event: PreTokenGenerationV2TriggerEvent,
): Promise<PreTokenGenerationV2TriggerEvent> {
  const claims = tokenClaims(event.request.groupConfiguration?.groupsToOverride ?? []);
  const claimsToAddOrOverride = { ...claims } as unknown as Record<string, string>;
  event.response = {
    ...event.response,
    claimsAndScopeOverrideDetails: {
      ...event.response?.claimsAndScopeOverrideDetails,
      idTokenGeneration: { claimsToAddOrOverride },
      accessTokenGeneration: { claimsToAddOrOverride },
    },
  };
  return event;
}

// A real OpenID provider on loopback (npm `oidc-provider`), standing in for the cohort's Cognito
// user pool on loopback. Started as its own Node process by oidc.ts because the
// package is ESM-only. It publishes a discovery document with jwks_uri, authorization_endpoint and
// token_endpoint (Feast needs all three) and issues RS256 JWT access tokens by the
// client-credentials grant, one client per user.
//
// Input (env):  OIDC_PORT, OIDC_CLIENTS = JSON [{ id, secret, claims, tokenSeconds? }]
//               (tokenSeconds: the lifetime of that client's access tokens, default 900)
// Output:       one line "ready <issuer>" on stdout once it listens.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const clients = JSON.parse(process.env.OIDC_CLIENTS ?? '[]');
const issuer = `http://127.0.0.1:${port}`;
const audience = 'urn:cohort-lab:feast';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
const claimsOf = new Map(clients.map((c) => [c.id, c.claims]));
const ttlOf = new Map(clients.map((c) => [c.id, c.tokenSeconds ?? 900]));

const provider = new Provider(issuer, {
  jwks: { keys: [jwk] },
  clients: clients.map((c) => ({
    client_id: c.id,
    client_secret: c.secret,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
  })),
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, _resource, client) => ({
        scope: 'features:read',
        audience,
        accessTokenTTL: ttlOf.get(client.clientId) ?? 900,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  extraTokenClaims: (_ctx, token) => claimsOf.get(token.clientId) ?? {},
});
provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));

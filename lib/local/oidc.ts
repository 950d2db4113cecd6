/**
 * The loopback OpenID provider (oidc-provider.mjs), standing in for the cohort's Cognito user
 * pool: one client per user, each with the claims a Cognito token of that user would carry after
 * the pre-token-generation trigger ({@link cognitoClaims} runs that very trigger). Client secrets
 * are random unless given; tokens and secrets belong in `redact`.
 */
import { randomBytes } from 'crypto';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { handler as preTokenGeneration } from '../../constructs/cohort-identity/pre-token-generation.handler';
import { freePort, readyOrStop, RunningProcess, RunOptions, waitForHttp } from './processes';

/** The `aud` of every access token the provider issues (the Feast resource server). */
export const OIDC_AUDIENCE = 'urn:cohort-lab:feast';

export interface OidcProvider {
  readonly issuer: string;
  readonly discoveryUrl: string;
  readonly process: RunningProcess;
  /** A fresh access token of `user` (client-credentials grant). */
  token(user: string): Promise<string>;
  /** Client secrets, for redaction. */
  readonly secrets: readonly string[];
}

/** Where and how the provider runs. */
export interface OidcOptions {
  /** @default - a free port */
  readonly port?: number;
  /** Directory of its log file. @default - a new temporary directory */
  readonly logDir?: string;
  /** Each user's client secret. @default - a random one per user */
  readonly clientSecrets?: Readonly<Record<string, string>>;
  /** Lifetime of a user's access tokens, in seconds. @default 900 for every user */
  readonly tokenSeconds?: Readonly<Record<string, number>>;
  readonly run?: RunOptions;
}

/**
 * Claims a Cognito access token of `user`, a member of `groups`, carries: Cognito's own
 * (`username`, `cognito:groups`) and what the cohort's pre-token-generation trigger adds.
 */
export async function cognitoClaims(user: string, groups: string[]): Promise<Record<string, unknown>> {
  const event = {
    version: '2',
    triggerSource: 'TokenGeneration_Authentication',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_Local',
    userName: user,
    callerContext: { awsSdkVersion: 'local', clientId: 'local' },
    request: { userAttributes: {}, groupConfiguration: { groupsToOverride: groups } },
    response: { claimsAndScopeOverrideDetails: {} },
  } as const;
  const out = await preTokenGeneration(JSON.parse(JSON.stringify(event)));
  return {
    username: user,
    'cognito:groups': groups,
    ...out.response.claimsAndScopeOverrideDetails.accessTokenGeneration?.claimsToAddOrOverride,
  };
}

/** A new client secret (hex: safe in env files and form bodies). */
export function newClientSecret(): string {
  return randomBytes(18).toString('hex');
}

/** Start the provider with `users`: user name -> extra access-token claims. */
export async function startOidcProvider(
  users: Record<string, Record<string, unknown>>,
  opts: OidcOptions = {},
): Promise<OidcProvider> {
  const port = opts.port ?? (await freePort());
  const logDir = opts.logDir ?? mkdtempSync(join(tmpdir(), 'cohortlab-oidc-'));
  const clients = Object.entries(users).map(([id, claims]) => ({
    id,
    secret: opts.clientSecrets?.[id] ?? newClientSecret(),
    claims,
    tokenSeconds: opts.tokenSeconds?.[id],
  }));
  const proc = new RunningProcess(
    'oidc-provider',
    {
      command: process.execPath,
      args: [join(__dirname, 'oidc-provider.mjs')],
      // The client secrets go in the environment, which only this user (and root) can read.
      env: { PATH: process.env.PATH ?? '', OIDC_PORT: String(port), OIDC_CLIENTS: JSON.stringify(clients) },
      cwd: logDir,
      mounts: {},
    },
    logDir,
    opts.run,
  );
  const issuer = `http://127.0.0.1:${port}`;
  const discoveryUrl = `${issuer}/.well-known/openid-configuration`;
  const secrets = clients.map((c) => c.secret);
  await readyOrStop(proc, waitForHttp(discoveryUrl, proc, secrets, 30_000));
  return {
    issuer,
    discoveryUrl,
    process: proc,
    secrets,
    async token(user: string): Promise<string> {
      const client = clients.find((c) => c.id === user);
      if (!client) throw new Error(`no test user ${user}`);
      return fetchToken(issuer, client.id, client.secret);
    },
  };
}

/** An access token from the provider at `issuer` by the client-credentials grant. */
export async function fetchToken(issuer: string, clientId: string, clientSecret: string): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'features:read' }),
  });
  const body = (await res.json()) as { access_token?: string; error?: string };
  if (!res.ok || !body.access_token) {
    throw new Error(`token for ${clientId}: HTTP ${res.status} ${body.error ?? ''}`);
  }
  return body.access_token;
}

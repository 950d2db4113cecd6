/**
 * The loopback OpenID provider (oidc-provider.mjs), standing in for the cohort's Cognito user
 * pool: one client per user, each with the claims a Cognito token of that user would carry after
 * the pre-token-generation trigger. Client secrets are random per run; tokens and secrets belong
 * in `redact`.
 */
import { randomBytes } from 'crypto';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { freePort, RunningProcess, waitForHttp } from './processes';

export interface OidcProvider {
  readonly issuer: string;
  readonly discoveryUrl: string;
  readonly process: RunningProcess;
  /** A fresh access token of `user` (client-credentials grant). */
  token(user: string): Promise<string>;
  /** Client secrets, for redaction. */
  readonly secrets: readonly string[];
}

/** Start the provider with `users`: user name -> extra access-token claims. */
export async function startOidcProvider(
  users: Record<string, Record<string, unknown>>,
): Promise<OidcProvider> {
  const port = await freePort();
  const logDir = mkdtempSync(join(tmpdir(), 'cohortlab-oidc-'));
  const clients = Object.entries(users).map(([id, claims]) => ({
    id,
    secret: randomBytes(18).toString('hex'),
    claims,
  }));
  const proc = new RunningProcess(
    'oidc-provider',
    {
      command: process.execPath,
      args: [join(__dirname, 'oidc-provider.mjs')],
      env: { PATH: process.env.PATH ?? '', OIDC_PORT: String(port), OIDC_CLIENTS: JSON.stringify(clients) },
      cwd: logDir,
      mounts: {},
    },
    logDir,
  );
  const issuer = `http://127.0.0.1:${port}`;
  const discoveryUrl = `${issuer}/.well-known/openid-configuration`;
  const secrets = clients.map((c) => c.secret);
  await waitForHttp(discoveryUrl, proc, secrets, 30_000);
  return {
    issuer,
    discoveryUrl,
    process: proc,
    secrets,
    async token(user: string): Promise<string> {
      const client = clients.find((c) => c.id === user);
      if (!client) throw new Error(`no test user ${user}`);
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'features:read' }),
      });
      const body = (await res.json()) as { access_token?: string; error?: string };
      if (!res.ok || !body.access_token) {
        throw new Error(`token for ${user}: HTTP ${res.status} ${body.error ?? ''}`);
      }
      return body.access_token;
    },
  };
}

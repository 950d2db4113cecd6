/**
 * How long a change to who may read features can still be ignored by our feature server
 * (images/feast/cohort_lab_feast.py; docs/secrets.md), on real processes as
 * test/integration/feast.test.ts: the chart's feature server with the pinned Feast packages, real
 * Redis, moto's S3 and a real OpenID provider.
 *
 * - A Permission revoked: the registry cache (fixes 1 and 6 read permissions and feature views
 *   from it), `cache_ttl_seconds` and `--registry_ttl_sec`, 60 s in the chart.
 * - A signing key removed (the provider restarted with a new key, as Cognito rotating its keys):
 *   Feast's JWKS cache (`jwks_cache_lifespan_seconds`, 300 s by default) plus our verified-token
 *   cache (60 s).
 * The figures are lowered here (4 s each, through the feature_store.yaml, the server's argument
 * and COHORT_LAB_TOKEN_CACHE_SECONDS) so the test sees each whole bound in seconds; the
 * arithmetic is the same at the chart's figures.
 */
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from '../../lib/local/container';
import { FeastLab, startFeastLab } from '../../lib/local/feast-bench';
import { freePort, redact } from '../../lib/local/processes';

jest.setTimeout(300_000);

const JWKS_SECONDS = 4;
const TOKEN_CACHE_SECONDS = 4;
const REGISTRY_SECONDS = 4;
/** Revokes or restores the learners' read Permission of labs/feature_repo/permissions.py. */
const PERMISSION_SCRIPT = `
import os, sys
from pathlib import Path
from feast import FeatureStore
sys.path.insert(0, sys.argv[2])
from permissions import learners_read
store = FeatureStore(fs_yaml_file=Path(os.environ["FEAST_FS_YAML_FILE_PATH"]))
if sys.argv[1] == "revoke":
    store.registry.delete_permission(learners_read.name, store.project)
else:
    store.registry.apply_permission(learners_read, store.project)
print(sys.argv[1], "done")
`;
/** Slack for polling and process scheduling on a loaded machine. */
const SLACK_SECONDS = 3;

describe("Feast: the caches' bounds", () => {
  let lab: FeastLab;
  let url: string;
  let serverYaml: string;

  beforeAll(async () => {
    lab = await startFeastLab('cohortlab-it-feast-keys');
    const port = await freePort();
    const spec = lab.serverSpec(port);
    const yaml = parse(lab.featureStoreYaml) as {
      auth: Record<string, unknown>;
      registry: Record<string, unknown>;
    };
    yaml.auth.jwks_cache_lifespan_seconds = JWKS_SECONDS;
    yaml.registry.cache_ttl_seconds = REGISTRY_SECONDS;
    serverYaml = stringify(yaml);
    const ttl = spec.args.indexOf('--registry_ttl_sec');
    expect(ttl).toBeGreaterThan(0);
    const args = [...spec.args];
    args[ttl + 1] = String(REGISTRY_SECONDS);
    await lab.startServer(
      'feast-bounds',
      { ...spec, args, env: { ...spec.env, COHORT_LAB_TOKEN_CACHE_SECONDS: String(TOKEN_CACHE_SECONDS) } },
      serverYaml,
    );
    url = `http://127.0.0.1:${port}/get-online-features`;
  });

  afterAll(async () => {
    await lab?.close();
  });

  const read = async (token: string): Promise<number> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        features: ['learner_activity:minutes_active'],
        entities: { learner_id: [1001] },
      }),
    });
    await res.arrayBuffer();
    return res.status;
  };

  /** Poll `read` until it answers `want`; the seconds from `since` to the first such answer. */
  const secondsUntil = async (token: string, want: number, since: number, limitSeconds: number) => {
    let last = 0;
    while (Date.now() - since < limitSeconds * 1000) {
      last = await read(token);
      if (last === want) return (Date.now() - since) / 1000;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`still HTTP ${last}, not ${want}, ${limitSeconds} s after the change`);
  };

  test('a revoked Permission refuses reads within the registry cache; restored, reads work again', async () => {
    // GIVEN a learner reading features
    const token = await lab.oidc.token('learner');
    lab.secrets.push(token);
    expect(await read(token)).toBe(200);
    const repo = join(REPO_ROOT, 'labs', 'feature_repo');
    try {
      // WHEN the learners' read Permission leaves the registry
      await lab.runPython('feast-revoke', PERMISSION_SCRIPT, ['revoke', repo], serverYaml);
      const revoked = Date.now();
      // THEN the same token is refused (403) within the registry cache's TTL
      const refused = await secondsUntil(token, 403, revoked, REGISTRY_SECONDS * 2 + SLACK_SECONDS + 10);
      console.log(`permission revoked: refused after ${refused.toFixed(1)} s (bound ${REGISTRY_SECONDS} s)`);
      expect(refused).toBeLessThanOrEqual(REGISTRY_SECONDS + SLACK_SECONDS);
      expect(await read(token)).toBe(403);
    } finally {
      // AND restored, it reads again within the same bound
      await lab.runPython('feast-restore', PERMISSION_SCRIPT, ['restore', repo], serverYaml);
    }
    const restored = Date.now();
    const back = await secondsUntil(token, 200, restored, REGISTRY_SECONDS * 2 + SLACK_SECONDS + 10);
    expect(back).toBeLessThanOrEqual(REGISTRY_SECONDS + SLACK_SECONDS);
  });

  test('tokens of the removed key are refused within the JWKS cache plus the token cache; the new key works', async () => {
    // GIVEN a learner's token, signed by the provider's key, verified and remembered by the server
    const old = await lab.oidc.token('learner');
    lab.secrets.push(old);
    expect(await read(old)).toBe(200);

    // WHEN the provider replaces its key (the old one leaves the JWKS)
    await lab.replaceSigningKey();
    const removed = Date.now();

    // THEN the old token keeps working at most JWKS_SECONDS + TOKEN_CACHE_SECONDS after the removal
    let lastAccepted = removed;
    let refused: number | undefined;
    while (Date.now() - removed < (JWKS_SECONDS + TOKEN_CACHE_SECONDS + SLACK_SECONDS + 10) * 1000) {
      const status = await read(old);
      if (status === 200) {
        lastAccepted = Date.now();
      } else {
        expect(status).toBe(401);
        refused = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (t: number) => ((t - removed) / 1000).toFixed(1);
    console.log(
      redact(
        `removed signing key: old token last accepted at +${seconds(lastAccepted)} s, ` +
          `refused from +${refused === undefined ? 'never' : seconds(refused)} s ` +
          `(bound ${JWKS_SECONDS} + ${TOKEN_CACHE_SECONDS} s)`,
        lab.secrets,
      ),
    );
    expect(refused).toBeDefined();
    expect(refused! - removed).toBeLessThanOrEqual(
      (JWKS_SECONDS + TOKEN_CACHE_SECONDS + SLACK_SECONDS) * 1000,
    );
    // ... and stays refused
    expect(await read(old)).toBe(401);
    expect(await read(old)).toBe(401);

    // AND a token of the new key is accepted (an unknown key id makes Feast fetch the JWKS again)
    const fresh = await lab.oidc.token('learner');
    lab.secrets.push(fresh);
    expect(await read(fresh)).toBe(200);
  });
});

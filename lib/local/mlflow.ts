/**
 * MLflow on loopback: the MLflow chart synthesised with loopback infrastructure values (infra.ts),
 * each container turned into a local process (container.ts), and {@link MlflowDeployment}, one
 * running deployment (bootstrap Job, then per "pod start" the `sync-admin` init container and the
 * server) behind a stand-in for the load balancer.
 *
 * The tests' deployments ({@link MlflowDeployment.create}) share the machine's PostgreSQL and its
 * chart's fixed database names (`mlflow`, `mlflow_auth`), so they run one after the other (the
 * tests use `--runInBand`); the local lab's has a PostgreSQL of its own (lab.ts).
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { loadCohortFile } from '../config';
import { MlflowPermission, POSTGRES_PORT } from '../core';
import { containerOf, find, K8sObject, podSpecOf } from './manifest';
import { containerProcess, ProcessSpec, REPO_ROOT, SecretValues } from './container';
import { localChartValues, synthCohortManifests } from './infra';
import { IngressProxy, startIngressProxy } from './ingress-proxy';
import {
  freePort,
  rawLogsIn,
  readyOrStop,
  RunningProcess,
  RunOptions,
  runToCompletion,
  waitForHttp,
} from './processes';
import { createMasterRole, dropTestObjects, Moto, randomPassword } from './services';

/** The Python of the MLflow image stand-in (images/mlflow/requirements.lock.txt). */
export const MLFLOW_PYTHON = join(REPO_ROOT, '.venvs', 'mlflow', 'bin', 'python');

/** Databases the chart's bootstrap Job creates. */
export const MLFLOW_DATABASES = ['mlflow', 'mlflow_auth'] as const;

/** What stands in for AWS (moto's endpoint and dummy keys for EKS Pod Identity). */
export type AwsStandIn = Pick<Moto, 'endpoint' | 'awsEnv'>;

export interface MlflowManifest {
  /** Every object of the MLflow chart, as `kubectl apply` would receive it. */
  readonly objects: K8sObject[];
  /** The Host header the load balancer stand-in sends (see CohortManifests.mlflowHostname). */
  readonly hostname: string;
}

/**
 * The demo cohort's MLflow chart, with the machine's PostgreSQL and `bucket` for artifacts;
 * `defaultPermission` replaces the demo file's `mlflow.defaultPermission` when given.
 */
export function synthMlflowManifest(bucket: string, defaultPermission?: MlflowPermission): MlflowManifest {
  const demo = loadCohortFile(join(REPO_ROOT, 'cohorts', 'demo.yaml'), { today: '2026-11-29' });
  const config =
    defaultPermission === undefined ? demo : { ...demo, mlflow: { ...demo.mlflow, defaultPermission } };
  const manifests = synthCohortManifests(
    localChartValues(config, { bucket, database: { host: '127.0.0.1', port: POSTGRES_PORT } }),
  );
  return { objects: manifests.mlflow, hostname: manifests.mlflowHostname };
}

export interface MlflowContainerOptions {
  readonly objects: readonly K8sObject[];
  readonly workload: K8sObject;
  readonly container: string;
  /** What the ESO-synced Kubernetes Secrets hold. */
  readonly secrets: SecretValues;
  readonly root: string;
  readonly moto: AwsStandIn;
  readonly argOverrides?: Record<string, string>;
}

/** One container of the MLflow chart as a local process, with moto standing in for AWS. */
export function mlflowContainerSpec(opts: MlflowContainerOptions): ProcessSpec {
  return containerProcess({
    objects: opts.objects,
    pod: podSpecOf(opts.workload),
    container: containerOf(podSpecOf(opts.workload), opts.container),
    image: 'mlflow',
    secrets: opts.secrets,
    root: opts.root,
    extraEnv: { ...opts.moto.awsEnv, MLFLOW_S3_ENDPOINT_URL: opts.moto.endpoint },
    argOverrides: opts.argOverrides,
  });
}

/** One MLflow deployment: its objects, what its Secrets hold, where its processes run. */
export interface MlflowDeploymentOptions {
  readonly manifest: MlflowManifest;
  /** What the ESO-synced Kubernetes Secrets hold; `start()` reads the admin password from here. */
  readonly secrets: SecretValues;
  readonly aws: AwsStandIn;
  /** Directory the pods' mounted files are written under. */
  readonly root: string;
  /** Directory of every process log (bootstrap, sync-admin, server, load balancer). */
  readonly logDir: string;
  /** The pod's port (the chart's `--port`). */
  readonly port: number;
  /** The load balancer stand-in's port. @default - a free port */
  readonly proxyPort?: number;
  /** How the processes run (the local lab appends to its logs). */
  readonly run?: RunOptions;
  /** Log file names: one per run (tests), or one per container (the local lab). @default per run */
  readonly logPerRun?: boolean;
}

/** What the tests' deployments on the machine's PostgreSQL are made of. */
export interface MlflowTestDeploymentOptions {
  readonly moto: Moto;
  /** Artifact bucket named in the manifest (the server does not touch it until artifacts are logged). */
  readonly bucket: string;
  /** Initial admin password (what the `mlflow-admin` Kubernetes Secret holds). */
  readonly adminPassword: string;
  /** Prefix of the PostgreSQL roles this deployment creates. */
  readonly rolePrefix: string;
  /**
   * MLflow's permission where none was granted (`default_permission` in basic_auth.ini).
   * @default - the demo cohort file's `mlflow.defaultPermission`
   */
  readonly defaultPermission?: MlflowPermission;
}

/**
 * One MLflow deployment on loopback: `runBootstrapJob()` is the chart's bootstrap Job; `start()`
 * is a pod start (sync-admin init container, then the server), `stop()` takes the pod away. The
 * load balancer stand-in ({@link startProxy}) stays up across restarts, as the load balancer does
 * (it answers 502 while no pod runs).
 */
export class MlflowDeployment {
  /**
   * A test deployment on the machine's PostgreSQL (scripts/services.sh): an RDS-like master role
   * and fresh databases, the bootstrap Job run once, a pod started, the load balancer up.
   * {@link close} drops what it created.
   */
  public static async create(opts: MlflowTestDeploymentOptions): Promise<MlflowDeployment> {
    const master = await createMasterRole(opts.rolePrefix);
    const appUser = `${opts.rolePrefix}_${randomPassword(3)}`;
    const root = mkdtempSync(join(tmpdir(), 'cohortlab-mlflow-root-'));
    const d = new MlflowDeployment({
      manifest: synthMlflowManifest(opts.bucket, opts.defaultPermission),
      secrets: {
        'mlflow-db-master': { username: master.username, password: master.password },
        'mlflow-db': { username: appUser, password: randomPassword() },
        'mlflow-admin': { password: opts.adminPassword },
        'mlflow-flask': { secretKey: randomPassword(32) },
      },
      aws: opts.moto,
      root,
      logDir: mkdtempSync(join(tmpdir(), 'cohortlab-mlflow-logs-')),
      port: await freePort(),
    });
    d.cleanup = async () => {
      await dropTestObjects(MLFLOW_DATABASES, []);
      await dropTestObjects([], [appUser, `${appUser}_clone`, master.username]);
      rmSync(root, { recursive: true, force: true });
    };
    await dropTestObjects(MLFLOW_DATABASES, []);
    await d.runBootstrapJob();
    await d.start();
    await d.startProxy();
    return d;
  }

  public readonly manifest: MlflowManifest;
  /** Directory of every process log (bootstrap, sync-admin, server), one file per run. */
  public readonly logDir: string;
  /** What the Kubernetes Secrets hold; `start()` takes the admin password from here. */
  public readonly secrets: SecretValues;
  /** The pod's port. */
  public readonly port: number;
  private server: RunningProcess | undefined;
  private proxy: IngressProxy | undefined;
  private starts = 0;
  private cleanup: (() => Promise<void>) | undefined;

  constructor(private readonly opts: MlflowDeploymentOptions) {
    this.manifest = opts.manifest;
    this.logDir = opts.logDir;
    this.secrets = opts.secrets;
    this.port = opts.port;
  }

  /** Base URL of the stand-in load balancer (it sends MLflow the Ingress host name). */
  public get url(): string {
    if (!this.proxy) throw new Error('MLflow deployment not started');
    return this.proxy.url;
  }

  /** The running server (the pod's `mlflow` container), if any. */
  public get serverProcess(): RunningProcess | undefined {
    return this.server;
  }

  /** The load balancer stand-in, once started. */
  public get proxyProcess(): RunningProcess | undefined {
    return this.proxy?.process;
  }

  /** Passwords and keys of the service secrets (never user names), for log checks. */
  public serviceSecretValues(): string[] {
    return Object.values(this.secrets).flatMap((s) =>
      Object.entries(s)
        .filter(([k]) => k !== 'username')
        .map(([, v]) => v),
    );
  }

  /** The chart's `mlflow-db-bootstrap-<hash>` Job's name (Kubernetes runs a Job of one name once). */
  public get bootstrapJobName(): string {
    return find(this.manifest.objects, 'Job', 'mlflow-db-bootstrap').metadata.name;
  }

  /** Run the bootstrap Job to completion; returns its output. */
  public async runBootstrapJob(): Promise<string> {
    return runToCompletion(
      'bootstrap',
      this.spec(find(this.manifest.objects, 'Job', 'mlflow-db-bootstrap'), 'bootstrap'),
      this.logDir,
      this.serviceSecretValues(),
      this.opts.run,
    );
  }

  /**
   * A pod start: the `sync-admin` init container with the admin password the Kubernetes Secret
   * holds (set `secrets['mlflow-admin'].password` first, as ESO would; `syncAdminEnv` as
   * `kubectl set env -c sync-admin` would), then the server until /health answers. Returns
   * sync-admin's output and the server's start time.
   */
  public async start(
    syncAdminEnv: Record<string, string> = {},
  ): Promise<{ syncAdmin: string; readyMs: number }> {
    if (this.server) throw new Error('MLflow server already running');
    this.starts += 1;
    const suffix = this.opts.logPerRun === false ? '' : `-${this.starts}`;
    const deployment = find(this.manifest.objects, 'Deployment', 'mlflow');
    const syncSpec = this.spec(deployment, 'sync-admin');
    const syncAdmin = await runToCompletion(
      `sync-admin${suffix}`,
      { ...syncSpec, env: { ...syncSpec.env, ...syncAdminEnv } },
      this.logDir,
      this.serviceSecretValues(),
      this.opts.run,
    );
    const server = new RunningProcess(
      `mlflow-server${suffix}`,
      this.spec(deployment, 'mlflow', { '--host': '127.0.0.1', '--port': String(this.port) }),
      this.logDir,
      this.opts.run,
    );
    this.server = server;
    const readyMs = await readyOrStop(
      server,
      waitForHttp(`http://127.0.0.1:${this.port}/health`, server, this.serviceSecretValues(), 120_000),
    );
    return { syncAdmin, readyMs };
  }

  /** Start the load balancer stand-in in front of the pod. */
  public async startProxy(): Promise<IngressProxy> {
    this.proxy = await startIngressProxy(this.port, this.manifest.hostname, {
      port: this.opts.proxyPort,
      logDir: this.logDir,
      run: this.opts.run,
    });
    return this.proxy;
  }

  /** Take the pod away (SIGTERM, then SIGKILL). */
  public async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
  }

  /** The raw (unredacted) text of every process log so far, for "no secret in any log" checks. */
  public rawLogs(): string {
    return Object.values(rawLogsIn(this.logDir)).join('\n');
  }

  /**
   * Stop everything; a test deployment also drops the databases and roles it created and removes
   * the pod files (they hold the mounted Secret values). The logs stay in {@link logDir} for a look
   * after a failure.
   */
  public async close(): Promise<void> {
    await this.proxy?.close();
    this.proxy = undefined;
    await this.stop();
    await this.cleanup?.();
  }

  private spec(workload: K8sObject, container: string, argOverrides?: Record<string, string>): ProcessSpec {
    return mlflowContainerSpec({
      objects: this.manifest.objects,
      workload,
      container,
      secrets: this.secrets,
      root: this.opts.root,
      moto: this.opts.aws,
      argOverrides,
    });
  }
}

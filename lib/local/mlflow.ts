/**
 * MLflow on loopback: the demo cohort's MLflow chart synthesised with loopback infrastructure
 * values, each container turned into a local process (container.ts), and
 * {@link MlflowDeployment}, one running deployment (bootstrap Job, then per "pod start" the
 * `sync-admin` init container and the server) behind a stand-in for the load balancer.
 *
 * The tracking and auth databases have the chart's fixed names (`mlflow`, `mlflow_auth`), so two
 * deployments on one PostgreSQL server run one after the other (the tests use `--runInBand`).
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'cdk8s';
import { addCohortCharts, chartValues, ImageSource } from '../../cdk8s';
import { loadCohortFile } from '../config';
import { MlflowPermission, POSTGRES_PORT } from '../core';
import { containerOf, find, K8sObject, objectsOf, podSpecOf } from './manifest';
import { containerProcess, ProcessSpec, REPO_ROOT, SecretValues } from './container';
import { IngressProxy, startIngressProxy } from './ingress-proxy';
import { freePort, rawLogsIn, RunningProcess, runToCompletion, waitForHttp } from './processes';
import { createMasterRole, dropTestObjects, Moto, randomPassword } from './services';

/** The Python of the MLflow image stand-in (images/mlflow/requirements.lock.txt). */
export const MLFLOW_PYTHON = join(REPO_ROOT, '.venvs', 'mlflow', 'bin', 'python');

/** Databases the chart's bootstrap Job creates. */
export const MLFLOW_DATABASES = ['mlflow', 'mlflow_auth'] as const;

export interface MlflowManifest {
  /** Every object of the MLflow chart, as `kubectl apply` would receive it. */
  readonly objects: K8sObject[];
  /** The Ingress host name, which MLflow's `--allowed-hosts` accepts. */
  readonly hostname: string;
}

/**
 * The demo cohort's MLflow chart, with loopback PostgreSQL and `bucket` for artifacts;
 * `defaultPermission` replaces the demo file's `mlflow.defaultPermission` when given.
 */
export function synthMlflowManifest(bucket: string, defaultPermission?: MlflowPermission): MlflowManifest {
  const demo = loadCohortFile(join(REPO_ROOT, 'cohorts', 'demo.yaml'), { today: '2026-11-29' });
  const config =
    defaultPermission === undefined ? demo : { ...demo, mlflow: { ...demo.mlflow, defaultPermission } };
  const charts = addCohortCharts(
    new App(),
    chartValues(config, {
      region: 'us-east-1',
      artifactBucketName: bucket,
      vpcCidr: '10.0.0.0/16',
      database: { host: '127.0.0.1', port: POSTGRES_PORT, sslMode: 'require' },
      // Stand-ins for the images CDK builds from images/ (the venvs run them here).
      images: { mlflow: 'cohort-lab-mlflow:test', feast: 'cohort-lab-feast:test' },
      imageSources: { mlflow: ImageSource.CDK_ASSET, feast: ImageSource.CDK_ASSET },
      oidc: {
        discoveryUrl: 'https://idp.invalid/.well-known/openid-configuration',
        issuer: 'https://idp.invalid',
      },
      secretStoreName: 'test-store',
    }),
  );
  return { objects: objectsOf(charts.mlflow), hostname: config.mlflow.hostname! };
}

export interface MlflowContainerOptions {
  readonly objects: readonly K8sObject[];
  readonly workload: K8sObject;
  readonly container: string;
  /** What the ESO-synced Kubernetes Secrets hold. */
  readonly secrets: SecretValues;
  readonly root: string;
  readonly moto: Moto;
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

export interface MlflowDeploymentOptions {
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
 * One MLflow deployment on loopback: the bootstrap Job has run once; `start()` is a pod start
 * (sync-admin init container, then the server), `stop()` takes the pod away. The ingress proxy
 * stays up across restarts, as the load balancer does (it answers 502 while no pod runs).
 */
export class MlflowDeployment {
  public static async create(opts: MlflowDeploymentOptions): Promise<MlflowDeployment> {
    const d = new MlflowDeployment(opts, await freePort());
    dropTestObjects(MLFLOW_DATABASES, []);
    await runToCompletion(
      'bootstrap',
      d.spec(find(d.manifest.objects, 'Job', 'mlflow-db-bootstrap'), 'bootstrap'),
      d.logDir,
      d.serviceSecretValues(),
    );
    await d.start();
    d.proxy = await startIngressProxy(d.port, d.manifest.hostname);
    return d;
  }

  public readonly manifest: MlflowManifest;
  /** Directory of every process log (bootstrap, sync-admin, server), one file per run. */
  public readonly logDir: string;
  /** What the Kubernetes Secrets hold; `start()` takes the admin password from here. */
  public readonly secrets: SecretValues;
  private readonly root: string;
  private readonly masterRole: string;
  private readonly appUser: string;
  private server: RunningProcess | undefined;
  private proxy: IngressProxy | undefined;
  private starts = 0;

  private constructor(
    private readonly opts: MlflowDeploymentOptions,
    private readonly port: number,
  ) {
    this.manifest = synthMlflowManifest(opts.bucket, opts.defaultPermission);
    this.root = mkdtempSync(join(tmpdir(), 'cohortlab-mlflow-root-'));
    this.logDir = mkdtempSync(join(tmpdir(), 'cohortlab-mlflow-logs-'));
    const master = createMasterRole(opts.rolePrefix);
    this.masterRole = master.username;
    this.appUser = `${opts.rolePrefix}_${randomPassword(3)}`;
    this.secrets = {
      'mlflow-db-master': { username: master.username, password: master.password },
      'mlflow-db': { username: this.appUser, password: randomPassword() },
      'mlflow-admin': { password: opts.adminPassword },
      'mlflow-flask': { secretKey: randomPassword(32) },
    };
  }

  /** Base URL of the stand-in load balancer (it sends MLflow the Ingress host name). */
  public get url(): string {
    if (!this.proxy) throw new Error('MLflow deployment not started');
    return this.proxy.url;
  }

  /** Passwords and keys of the service secrets (never user names), for log checks. */
  public serviceSecretValues(): string[] {
    return Object.values(this.secrets).flatMap((s) =>
      Object.entries(s)
        .filter(([k]) => k !== 'username')
        .map(([, v]) => v),
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
    const deployment = find(this.manifest.objects, 'Deployment', 'mlflow');
    const syncSpec = this.spec(deployment, 'sync-admin');
    const syncAdmin = await runToCompletion(
      `sync-admin-${this.starts}`,
      { ...syncSpec, env: { ...syncSpec.env, ...syncAdminEnv } },
      this.logDir,
      this.serviceSecretValues(),
    );
    const server = new RunningProcess(
      `mlflow-server-${this.starts}`,
      this.spec(deployment, 'mlflow', { '--host': '127.0.0.1', '--port': String(this.port) }),
      this.logDir,
    );
    this.server = server;
    const readyMs = await waitForHttp(
      `http://127.0.0.1:${this.port}/health`,
      server,
      this.serviceSecretValues(),
      120_000,
    );
    return { syncAdmin, readyMs };
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
   * Stop everything, drop the databases and roles it created, and remove the pod files (they hold
   * the mounted Secret values). The logs stay in {@link logDir} for a look after a failure.
   */
  public async close(): Promise<void> {
    await this.proxy?.close();
    await this.stop();
    dropTestObjects(MLFLOW_DATABASES, []);
    dropTestObjects([], [this.appUser, `${this.appUser}_clone`, this.masterRole]);
    rmSync(this.root, { recursive: true, force: true });
  }

  private spec(workload: K8sObject, container: string, argOverrides?: Record<string, string>): ProcessSpec {
    return mlflowContainerSpec({
      objects: this.manifest.objects,
      workload,
      container,
      secrets: this.secrets,
      root: this.root,
      moto: this.opts.moto,
      argOverrides,
    });
  }
}

/**
 * Feast on loopback: the Feast chart's own objects, each container a local process (container.ts),
 * in the order the cluster runs them: Redis (the chart's `redis-server` command with its config and
 * the ESO-rendered ACL file; Debian's redis-server stands in for the Redis image), the
 * `feast-apply-<hash>` Job (registry and Permission objects into S3), then per pod start the
 * `wait-for-registry` init container and the feature server.
 *
 * Stand-ins, said plainly: cluster DNS (the yaml's `redis.<ns>.svc.cluster.local:6379` is pointed
 * at the loopback Redis), the External Secrets Operator (the caller renders the Secrets with
 * external-secrets.ts), EKS Pod Identity (moto's dummy keys), and `kubectl exec` into the server's
 * pod for an instructor's `materialize-incremental` ({@link seedSampleData}).
 */
import { join } from 'path';
import { REDIS_PORT } from '../core';
import { containerOf, find, K8sObject, podSpecOf } from './manifest';
import { containerProcess, ProcessSpec, REPO_ROOT, SecretValues } from './container';
import { AwsStandIn } from './mlflow';
import {
  readyOrStop,
  RunningProcess,
  RunOptions,
  runToCompletion,
  waitForHttp,
  waitForTcp,
} from './processes';

/** The Python of the Feast image stand-in (images/feast/requirements.lock.txt). */
export const FEAST_PYTHON = join(REPO_ROOT, '.venvs', 'feast', 'bin', 'python');

/** The newest row of one learner in the sample data (labs/feature_repo/gen_data.py prints them). */
export interface SampleFeatures {
  readonly minutes_active: number;
  readonly lessons_completed: number;
  readonly avg_quiz_score: number;
}

export interface FeastDeploymentOptions {
  /** Every object of the Feast chart, as synthesised. */
  readonly objects: readonly K8sObject[];
  /** Namespace of the chart's objects (the Redis Service's DNS name is in the yaml). */
  readonly namespace: string;
  /** The artifact bucket (registry and sample data under `feast/`). */
  readonly bucket: string;
  /** What the ESO-synced Kubernetes Secrets hold (`feast-redis`). */
  readonly secrets: SecretValues;
  readonly aws: AwsStandIn;
  /** Directory the pods' mounted files are written under. */
  readonly root: string;
  readonly logDir: string;
  readonly redisPort: number;
  readonly feastPort: number;
  /** Redis's data directory (the chart's `/data` emptyDir). @default - the pod's emptyDir */
  readonly redisDataDir?: string;
  /** Secret values to keep out of error messages. */
  readonly redact?: readonly string[];
  readonly run?: RunOptions;
}

/** One Feast deployment on loopback (Redis, the apply Job, the feature server). */
export class FeastDeployment {
  /** The objects with the Redis address of `feature_store.yaml` pointed at the loopback Redis. */
  public readonly objects: readonly K8sObject[];
  private redis: RunningProcess | undefined;
  private server: RunningProcess | undefined;

  constructor(private readonly opts: FeastDeploymentOptions) {
    // Cluster DNS stand-in: the Service address in the generated yaml -> the loopback Redis.
    const service = `redis.${opts.namespace}.svc.cluster.local:${REDIS_PORT}`;
    this.objects = opts.objects.map((o) =>
      o.kind === 'ConfigMap' && o.metadata.name === 'feast-config'
        ? {
            ...o,
            data: { 'feature_store.yaml': feastYaml(o).replace(service, `127.0.0.1:${opts.redisPort}`) },
          }
        : o,
    );
  }

  public get url(): string {
    return `http://127.0.0.1:${this.opts.feastPort}`;
  }

  public get redisProcess(): RunningProcess | undefined {
    return this.redis;
  }

  public get serverProcess(): RunningProcess | undefined {
    return this.server;
  }

  /** The chart's `feast-apply-<hash>` Job's name (Kubernetes runs a Job of one name once). */
  public get applyJobName(): string {
    return find(this.objects, 'Job', 'feast-apply').metadata.name;
  }

  /** Redis from the manifest's command and args (config file + included ACL file), on loopback. */
  public async startRedis(): Promise<number> {
    const pod = podSpecOf(find(this.objects, 'Deployment', 'redis'));
    const overrides: Record<string, string> = {
      '--port': String(this.opts.redisPort),
      '--bind': '127.0.0.1',
    };
    if (this.opts.redisDataDir) overrides['--dir'] = this.opts.redisDataDir;
    const spec = containerProcess({
      objects: this.objects,
      pod,
      container: containerOf(pod, 'redis'),
      secrets: this.opts.secrets,
      root: this.opts.root,
      argOverrides: overrides,
    });
    this.redis = new RunningProcess('redis', spec, this.opts.logDir, this.opts.run);
    return readyOrStop(this.redis, waitForTcp(this.opts.redisPort, this.redis, this.redactions()));
  }

  /** Run the apply Job (`feast apply`: registry and Permission objects into S3); returns its output. */
  public async runApplyJob(): Promise<string> {
    const pod = podSpecOf(find(this.objects, 'Job', 'feast-apply'));
    return runToCompletion(
      'feast-apply',
      this.containerSpec(pod, 'apply'),
      this.opts.logDir,
      this.redactions(),
      this.opts.run,
    );
  }

  /**
   * What an instructor does before learners read features (labs/feature_repo/README.md): upload
   * the sample data (`gen_data.py --upload`), then materialise it into Redis in the server's pod
   * (`kubectl exec deploy/feast -- python -m cohort_lab_feast materialize-incremental <now>`).
   * Returns the newest row of each learner, as gen_data.py prints them.
   */
  public async seedSampleData(): Promise<{ written: string; latest: Record<string, SampleFeatures> }> {
    const root = this.opts.root;
    const out = await runToCompletion(
      'gen-data',
      {
        command: FEAST_PYTHON,
        args: [
          join(REPO_ROOT, 'labs', 'feature_repo', 'gen_data.py'),
          '--upload',
          '--out',
          join(root, 'learner_activity.parquet'),
        ],
        env: {
          PATH: process.env.PATH ?? '',
          ...this.opts.aws.awsEnv,
          FEAST_S3_ENDPOINT_URL: this.opts.aws.endpoint,
          AWS_DEFAULT_REGION: 'eu-west-1',
          COHORT_LAB_BUCKET: this.opts.bucket,
          PYTHONDONTWRITEBYTECODE: '1',
        },
        cwd: root,
        mounts: {},
      },
      this.opts.logDir,
      this.redactions(),
      this.opts.run,
    );
    const summary = JSON.parse(out.slice(out.indexOf('{'))) as {
      written: string;
      latest: Record<string, SampleFeatures>;
    };
    const server = this.serverSpec();
    const now = new Date().toISOString().slice(0, 19);
    const moduleArgs = server.args.slice(0, server.args.indexOf('serve'));
    await runToCompletion(
      'feast-materialize',
      { ...server, args: [...moduleArgs, 'materialize-incremental', now] },
      this.opts.logDir,
      this.redactions(),
      this.opts.run,
    );
    return summary;
  }

  /**
   * A pod start: the `wait-for-registry` init container (until the apply Job's Permission objects
   * exist), then the feature server until /health answers. Returns the server's start time in ms.
   */
  public async start(): Promise<{ waitMs: number; readyMs: number }> {
    if (this.server) throw new Error('Feast server already running');
    const pod = podSpecOf(find(this.objects, 'Deployment', 'feast'));
    const t0 = Date.now();
    await runToCompletion(
      'feast-wait-for-registry',
      this.containerSpec(pod, 'wait-for-registry'),
      this.opts.logDir,
      this.redactions(),
      this.opts.run,
    );
    const waitMs = Date.now() - t0;
    this.server = new RunningProcess('feast-serve', this.serverSpec(), this.opts.logDir, this.opts.run);
    const readyMs = await readyOrStop(
      this.server,
      waitForHttp(`${this.url}/health`, this.server, this.redactions(), 120_000),
    );
    return { waitMs, readyMs };
  }

  /** Stop the server and Redis (Redis saves its snapshot on SIGTERM). */
  public async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
    await this.redis?.stop();
    this.redis = undefined;
  }

  /** The server container's process (also what `kubectl exec deploy/feast -c feast` runs in). */
  public serverSpec(): ProcessSpec {
    const pod = podSpecOf(find(this.objects, 'Deployment', 'feast'));
    return this.containerSpec(pod, 'feast', {
      '--port': String(this.opts.feastPort),
      '--host': '127.0.0.1',
    });
  }

  private containerSpec(
    pod: ReturnType<typeof podSpecOf>,
    container: string,
    argOverrides?: Record<string, string>,
  ): ProcessSpec {
    return containerProcess({
      objects: this.objects,
      pod,
      container: containerOf(pod, container),
      image: 'feast',
      secrets: this.opts.secrets,
      root: this.opts.root,
      extraEnv: { ...this.opts.aws.awsEnv, FEAST_S3_ENDPOINT_URL: this.opts.aws.endpoint },
      argOverrides,
    });
  }

  private redactions(): string[] {
    const redis = this.opts.secrets['feast-redis'] ?? {};
    return [...Object.values(redis), ...(this.opts.redact ?? [])];
  }
}

function feastYaml(o: K8sObject): string {
  return (o as K8sObject & { data: Record<string, string> }).data['feature_store.yaml'];
}

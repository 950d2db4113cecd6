import { Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { appLabels, SERVICE_ACCOUNTS, SHARED_SERVICE_REQUESTS } from '../../lib/core';
import { imageDigestExceptions } from '../common/checkov';
import { ContainerSizing } from '../common/hardening';
import { ChartValues, imageSetting } from '../common/values';
import { createApplyJob } from './apply-job';
import { LABS_FEATURE_REPO_DIR, readFeatureRepo } from './feature-repo';
import { FEAST_YAML_PATH, featureStoreYaml, REDIS_PASSWORD_ENV } from './feature-store-yaml';
import { createNetworkPolicies } from './network-policies';
import { createRedis, createRedisSecret } from './redis';
import { createFeatureServer } from './server';
import { validateFeastInputs } from './validate';

export { FEATURE_REPO_MOUNT } from './apply-job';
export { checkFeatureRepo, FEATURE_REPO_FILES, LABS_FEATURE_REPO_DIR, readFeatureRepo } from './feature-repo';
export {
  FEAST_CONFIG_DIR,
  FEAST_YAML_PATH,
  featureStoreYaml,
  REDIS_PASSWORD_ENV,
  REGISTRY_CACHE_TTL_SECONDS,
} from './feature-store-yaml';
export { REDIS_AUTH_TEMPLATE } from './redis';
export { FEAST_MAX_REQUESTS, FEAST_WORKERS, REGISTRY_WAIT_SECONDS } from './server';

/** Properties of {@link FeastChart}. */
export interface FeastChartProps extends ChartProps {
  readonly values: ChartValues;
  /**
   * Feature server replicas.
   * @default 2 for a cohort, 1 for a sandbox
   */
  readonly replicas?: number;
  /**
   * Requests and limits of the feature server (one gunicorn worker, FEAST_WORKERS).
   * @default 250m/1 CPU, 768/1536 MiB, 1 GiB scratch
   */
  readonly serverSizing?: ContainerSizing;
  /**
   * Requests and limits of Redis; `maxmemory` is set to three quarters of the memory limit.
   * @default 50m/500m CPU, 128/512 MiB, 1 GiB scratch
   */
  readonly redisSizing?: ContainerSizing;
  /**
   * Directory of the feature repository the apply Job registers.
   * @default {@link LABS_FEATURE_REPO_DIR}, the labs' sample repository
   */
  readonly featureRepoDir?: string;
}

const SERVER_SIZING: ContainerSizing = {
  cpuRequestMillis: SHARED_SERVICE_REQUESTS.feast.cpuMillis,
  cpuLimitMillis: 1000,
  memoryRequestMebibytes: SHARED_SERVICE_REQUESTS.feast.memoryMebibytes,
  memoryLimitMebibytes: 1536,
  ephemeralStorageLimitGibibytes: 1,
};
const REDIS_SIZING: ContainerSizing = {
  cpuRequestMillis: SHARED_SERVICE_REQUESTS.redis.cpuMillis,
  cpuLimitMillis: 500,
  memoryRequestMebibytes: SHARED_SERVICE_REQUESTS.redis.memoryMebibytes,
  memoryLimitMebibytes: 512,
  ephemeralStorageLimitGibibytes: 1,
};
/** The apply Job, and the server's init container that waits for what it registers. */
const APPLY_SIZING: ContainerSizing = {
  cpuRequestMillis: 100,
  cpuLimitMillis: 500,
  memoryRequestMebibytes: 256,
  memoryLimitMebibytes: 1024,
  ephemeralStorageLimitGibibytes: 1,
};

/**
 * The cohort's Feast feature store, authenticated with OpenID Connect.
 *
 * - `feature_store.yaml` generated from config: S3 registry under the bucket's `feast/` prefix,
 *   Redis online store (the password comes from a Secret through `${FEAST_REDIS_PASSWORD}`, which
 *   Feast expands, so the yaml itself is a plain ConfigMap), file offline store, `auth: oidc`
 *   against the cohort's user pool;
 * - `feast serve` through the image's `cohort_lab_feast` wrapper (registry-cached, fail-closed
 *   permission checks), one gunicorn worker, /health probes, PDB, ClusterIP Service. There is no
 *   Ingress: Feast answers `/docs`, `/openapi.json` and `/chat` without a token, so the server is
 *   only reachable inside the cluster (learner namespaces and the cohort namespace);
 * - Redis with `requirepass` from an ESO-templated config file (never in argv or env);
 * - a `feast-apply-<hash>` Job that registers the sample feature repository, Permission objects
 *   included; the server's init container waits for them, so no pod is ready before they exist;
 * - NetworkPolicies: Redis only from Feast's pods; Feast only from learners and the namespace.
 *
 * Each piece is built in its own file (server.ts, redis.ts, apply-job.ts, network-policies.ts;
 * the generated files in feature-store-yaml.ts and feature-repo.ts); this class composes them.
 */
export class FeastChart extends Chart {
  public readonly deployment: kplus.Deployment;
  public readonly service: kplus.Service;
  public readonly redis: kplus.Deployment;
  public readonly redisService: kplus.Service;
  public readonly applyJob: kplus.Job;
  /** The generated `feature_store.yaml`. */
  public readonly featureStoreYaml: string;
  /** The feature repository files the apply Job registers, by file name. */
  public readonly featureRepo: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: FeastChartProps) {
    super(scope, id, { ...props, disableResourceNameHashes: true });
    const { config, infra, namespace, secrets } = props.values;
    validateFeastInputs({
      project: config.feast.project,
      sourceFile: config.sourceFile,
      image: infra.images.feast,
      oidc: infra.oidc,
      replicas: props.replicas,
    });

    const labels = appLabels('feast');
    const redisLabels = appLabels('redis', { 'app.kubernetes.io/component': 'feast-online-store' });
    const applyLabels = appLabels('feast-apply');
    const image = infra.images.feast;
    const source = infra.imageSources.feast;
    const imageExceptions = imageDigestExceptions(image, source, imageSetting('feast', source));

    // The construct IDs below are a contract (they name the objects and the apps stack's
    // resources), and so is the order the objects are created in (the order of the manifest).
    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: SERVICE_ACCOUNTS.feast, namespace, labels },
      automountToken: false,
    });
    const redisSecret = createRedisSecret(this, {
      namespace,
      storeName: infra.secretStoreName,
      refreshIntervalSeconds: props.values.secretRefreshSeconds,
      remoteName: secrets.redis,
    });

    this.featureStoreYaml = featureStoreYaml({
      cohortName: config.name,
      project: config.feast.project,
      artifactBucketName: infra.artifactBucketName,
      namespace,
      oidc: infra.oidc,
    });
    const feastConfig = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: 'feast-config', namespace, labels },
      data: { 'feature_store.yaml': this.featureStoreYaml },
    });
    this.featureRepo = readFeatureRepo(props.featureRepoDir ?? LABS_FEATURE_REPO_DIR);

    // What the server and the apply Job both need to open the feature store.
    const env: Record<string, kplus.EnvValue> = {
      FEAST_FS_YAML_FILE_PATH: kplus.EnvValue.fromValue(FEAST_YAML_PATH),
      [REDIS_PASSWORD_ENV]: redisSecret.env('password'),
      AWS_REGION: kplus.EnvValue.fromValue(infra.region),
      AWS_DEFAULT_REGION: kplus.EnvValue.fromValue(infra.region),
      TMPDIR: kplus.EnvValue.fromValue('/tmp'),
      // gunicorn 27 puts its control socket here; the default ($HOME) is read-only.
      XDG_RUNTIME_DIR: kplus.EnvValue.fromValue('/tmp'),
    };

    const redis = createRedis(this, {
      namespace,
      labels: redisLabels,
      image: config.feast.redisImage,
      sizing: props.redisSizing ?? REDIS_SIZING,
      secret: redisSecret,
    });
    this.redis = redis.deployment;
    this.redisService = redis.service;

    const server = createFeatureServer(this, {
      namespace,
      labels,
      image,
      imageExceptions,
      replicas: props.replicas ?? config.feast.replicas,
      sizing: props.serverSizing ?? SERVER_SIZING,
      waitSizing: APPLY_SIZING,
      serviceAccount,
      env,
      config: feastConfig,
      redisSecretName: redisSecret.name,
    });
    this.deployment = server.deployment;
    this.service = server.service;

    this.applyJob = createApplyJob(this, {
      namespace,
      labels: applyLabels,
      image,
      imageId: infra.imageIds?.feast,
      imageExceptions,
      sizing: APPLY_SIZING,
      serviceAccount,
      env,
      config: feastConfig,
      featureStoreYaml: this.featureStoreYaml,
      featureRepo: this.featureRepo,
      artifactBucketName: infra.artifactBucketName,
    });
    createNetworkPolicies(this, { namespace, serverLabels: labels, redisLabels, applyLabels });
  }
}

import { Chart, ChartProps, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { existsSync, readFileSync } from 'fs';
import { Construct } from 'constructs';
import { join } from 'path';
import { stringify } from 'yaml';
import {
  appLabels,
  DEFAULT_REDIS_IMAGE,
  FEAST_PORT,
  FEAST_PREFIX,
  FEAST_PROJECT_PATTERN,
  HTTPS_PORT,
  LEARNER_NAMESPACE_LABEL,
  POD_IDENTITY_AGENT,
  PRIVATE_IPV4_RANGES,
  REDIS_PORT,
  SERVICE_ACCOUNTS,
  WORLD_CIDR,
} from '../../lib/core';
import { addHighAvailability } from '../common/availability';
import { ExternalSecret } from '../common/external-secret';
import {
  acknowledgeCheckov,
  CheckovException,
  FEAST_ENV_SECRET_EXCEPTION,
  imageDigestExceptions,
} from '../common/checkov';
import {
  ContainerSizing,
  hardenPodSpec,
  resources,
  restrictedPodSecurityContext,
  restrictedSecurityContext,
} from '../common/hardening';
import {
  ChartValues,
  ImageSource,
  imageSetting,
  isDeployTimeToken,
  stableFingerprint,
} from '../common/values';

/** Directory the generated `feature_store.yaml` is mounted in (a ConfigMap: it carries no secret). */
export const FEAST_CONFIG_DIR = '/etc/feast';
/** In-pod path of the generated `feature_store.yaml` (`FEAST_FS_YAML_FILE_PATH`). */
export const FEAST_YAML_PATH = `${FEAST_CONFIG_DIR}/feature_store.yaml`;
/** Where the apply Job mounts the sample feature repository's definitions. */
export const FEATURE_REPO_MOUNT = '/opt/feature-repo';
/** The sample feature repository in this source tree, read at synth time. */
export const LABS_FEATURE_REPO_DIR = join(__dirname, '..', '..', 'labs', 'feature_repo');
/** The files of the feature repository `feast apply` imports (scripts such as gen_data.py stay out). */
export const FEATURE_REPO_FILES = ['features.py', 'permissions.py'] as const;
/**
 * Seconds a registry read stays cached in the server (`cache_ttl_seconds` and `--registry_ttl_sec`).
 * It is also how long a changed Permission takes to reach the server (the image's
 * cohort_lab_feast wrapper makes permission checks use this cache, feast-dev/feast#6329).
 */
export const REGISTRY_CACHE_TTL_SECONDS = 60;
/**
 * Redis ACL of the online store (an included config file rendered by ESO): the default user with
 * the current and the previous password, nothing else. It may run every command except scripting
 * (EVAL, FCALL, FUNCTION, SCRIPT: the Lua engine is where CVE-2025-49844 and its kin live) and
 * the `@dangerous` ones (FLUSHALL, FLUSHDB, KEYS, INFO, CONFIG, DEBUG, MODULE, MONITOR, ACL,
 * SHUTDOWN, CLIENT KILL, REPLICAOF, ...). Feast 0.67's Redis online store needs none of them: it
 * sends AUTH and CLIENT SETINFO on connect, then HSET, EXPIRE, HMGET, HKEYS, HDEL, DEL and SCAN,
 * batched in non-transactional pipelines (feast/infra/online_stores/redis.py).
 */
export const REDIS_AUTH_TEMPLATE =
  'user default on resetpass >{{ .password }} >{{ .previousPassword }} ~* &* +@all -@scripting -@dangerous\n';

/** Environment variable `feature_store.yaml` reads the Redis password from (Feast expands `${VAR}`). */
export const REDIS_PASSWORD_ENV = 'FEAST_REDIS_PASSWORD';
/** How long the server's init container waits for the apply Job's permissions before it fails (and is retried). */
export const REGISTRY_WAIT_SECONDS = 300;
/** gunicorn workers per pod: one worker stalls ~1 s every 1,000 requests when gunicorn recycles it. */
export const FEAST_WORKERS = 2;

/** Properties of {@link FeastChart}. */
export interface FeastChartProps extends ChartProps {
  readonly values: ChartValues;
  /**
   * Feature server replicas.
   * @default 2 for a cohort, 1 for a sandbox
   */
  readonly replicas?: number;
  /**
   * Requests and limits of the feature server (two gunicorn workers use ~600 MiB).
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
  cpuRequestMillis: 250,
  cpuLimitMillis: 1000,
  memoryRequestMebibytes: 768,
  memoryLimitMebibytes: 1536,
  ephemeralStorageLimitGibibytes: 1,
};
const REDIS_SIZING: ContainerSizing = {
  cpuRequestMillis: 50,
  cpuLimitMillis: 500,
  memoryRequestMebibytes: 128,
  memoryLimitMebibytes: 512,
  ephemeralStorageLimitGibibytes: 1,
};
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
 *   permission checks), two gunicorn workers, /health probes, PDB, ClusterIP Service. There is no
 *   Ingress: Feast answers `/docs`, `/openapi.json` and `/chat` without a token, so the server is
 *   only reachable inside the cluster (learner namespaces and the cohort namespace);
 * - Redis with `requirepass` from an ESO-templated config file (never in argv or env);
 * - a `feast-apply-<hash>` Job that registers the sample feature repository, Permission objects
 *   included; the server's init container waits for them, so no pod is ready before they exist;
 * - NetworkPolicies: Redis only from Feast's pods; Feast only from learners and the namespace.
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
    const { values } = props;
    const { config, infra, namespace, secrets } = values;
    validate(values, props);

    const labels = appLabels('feast');
    const redisLabels = appLabels('redis', { 'app.kubernetes.io/component': 'feast-online-store' });
    const applyLabels = appLabels('feast-apply');
    const image = infra.images.feast;
    const source = infra.imageSources.feast;
    const imageExceptions = imageDigestExceptions(image, source, imageSetting('feast', source));

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: SERVICE_ACCOUNTS.feast, namespace, labels },
      automountToken: false,
    });

    // One Secret, two views: `password` for Feast's env and `auth.conf` for Redis, rendered by
    // ESO's template engine so Redis reads it from a file, not argv or env. Redis accepts the
    // current AND the previous password (the rotation keeps both), so Feast pods that still hold
    // the old one keep working until Reloader has rolled them: rotation never cuts Feast off.
    const redisSecret = new ExternalSecret(this, 'RedisSecret', {
      name: 'feast-redis',
      namespace,
      storeName: infra.secretStoreName,
      refreshIntervalSeconds: values.secretRefreshSeconds,
      keys: [
        { secretKey: 'password', remoteName: secrets.redis, property: 'password' },
        { secretKey: 'previousPassword', remoteName: secrets.redis, property: 'previousPassword' },
      ],
      templateData: {
        password: '{{ .password }}',
        'auth.conf': REDIS_AUTH_TEMPLATE,
      },
    });

    this.featureStoreYaml = featureStoreYaml(values);
    const feastConfig = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: 'feast-config', namespace, labels },
      data: { 'feature_store.yaml': this.featureStoreYaml },
    });
    this.featureRepo = readFeatureRepo(props.featureRepoDir ?? LABS_FEATURE_REPO_DIR);

    const commonEnv: Record<string, kplus.EnvValue> = {
      FEAST_FS_YAML_FILE_PATH: kplus.EnvValue.fromValue(FEAST_YAML_PATH),
      [REDIS_PASSWORD_ENV]: redisSecret.env('password'),
      AWS_REGION: kplus.EnvValue.fromValue(infra.region),
      AWS_DEFAULT_REGION: kplus.EnvValue.fromValue(infra.region),
      TMPDIR: kplus.EnvValue.fromValue('/tmp'),
      // gunicorn 27 puts its control socket here; the default ($HOME) is read-only.
      XDG_RUNTIME_DIR: kplus.EnvValue.fromValue('/tmp'),
    };

    const redis = this.createRedis(values, redisLabels, redisSecret, props.redisSizing ?? REDIS_SIZING);
    this.redis = redis.deployment;
    this.redisService = redis.service;

    const sizing = props.serverSizing ?? SERVER_SIZING;
    const tmp = kplus.Volume.fromEmptyDir(this, 'Tmp', 'tmp', {
      sizeLimit: Size.gibibytes(sizing.ephemeralStorageLimitGibibytes),
    });
    const configVolume = kplus.Volume.fromConfigMap(this, 'ConfigVolume', feastConfig, { name: 'config' });
    const health = (period: number, failures: number) =>
      kplus.Probe.fromHttpGet('/health', {
        port: FEAST_PORT,
        periodSeconds: Duration.seconds(period),
        timeoutSeconds: Duration.seconds(5),
        failureThreshold: failures,
      });

    this.deployment = new kplus.Deployment(this, 'Deployment', {
      metadata: {
        name: 'feast',
        namespace,
        labels,
        // Reloader rolls the pods when the Redis password or the generated yaml changes.
        annotations: {
          'secret.reloader.stakater.com/reload': redisSecret.name,
          'configmap.reloader.stakater.com/reload': feastConfig.name,
        },
      },
      podMetadata: { labels },
      replicas: props.replicas ?? config.feast.replicas,
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: restrictedPodSecurityContext(),
      spread: false,
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      volumes: [tmp, configVolume],
      initContainers: [
        {
          // `feast serve` on a missing registry creates an empty one and reports healthy; wait for
          // the apply Job's Permission objects instead, so a pod is only ready once they exist.
          name: 'wait-for-registry',
          image,
          command: ['python', '-m', 'cohort_lab_feast'],
          args: ['wait-for-permissions', String(REGISTRY_WAIT_SECONDS)],
          envVariables: commonEnv,
          volumeMounts: [
            { volume: tmp, path: '/tmp' },
            { volume: configVolume, path: FEAST_CONFIG_DIR, readOnly: true },
          ],
          securityContext: restrictedSecurityContext(),
          resources: resources(APPLY_SIZING),
        },
      ],
      containers: [
        {
          name: 'feast',
          image,
          command: ['python', '-m', 'cohort_lab_feast'],
          args: [
            'serve',
            '--host',
            '0.0.0.0',
            '--port',
            String(FEAST_PORT),
            '--workers',
            String(FEAST_WORKERS),
            '--no-access-log',
            '--registry_ttl_sec',
            String(REGISTRY_CACHE_TTL_SECONDS),
          ],
          ports: [{ number: FEAST_PORT, name: 'http' }],
          envVariables: commonEnv,
          volumeMounts: [
            { volume: tmp, path: '/tmp' },
            { volume: configVolume, path: FEAST_CONFIG_DIR, readOnly: true },
          ],
          securityContext: restrictedSecurityContext(),
          resources: resources(sizing),
          // /health is unauthenticated and answers 503 while the registry cannot be read.
          startup: health(5, 36),
          readiness: health(10, 3),
          liveness: health(20, 3),
        },
      ],
    });
    hardenPodSpec(this.deployment);
    acknowledgeCheckov(this.deployment, [...imageExceptions, FEAST_ENV_SECRET_EXCEPTION]);
    addHighAvailability(this, this.deployment, { name: 'feast', namespace, labels });

    // In-cluster only (see the class comment for why there is no Ingress).
    this.service = new kplus.Service(this, 'Service', {
      metadata: { name: 'feast', namespace, labels },
      type: kplus.ServiceType.CLUSTER_IP,
      selector: this.deployment,
      ports: [{ name: 'http', port: FEAST_PORT, targetPort: FEAST_PORT }],
    });

    this.applyJob = this.createApplyJob(
      values,
      image,
      imageExceptions,
      commonEnv,
      feastConfig,
      applyLabels,
      serviceAccount,
    );
    this.createNetworkPolicies(values, labels, redisLabels, applyLabels);
  }

  private createRedis(
    values: ChartValues,
    labels: Record<string, string>,
    secret: ExternalSecret,
    sizing: ContainerSizing,
  ): { deployment: kplus.Deployment; service: kplus.Service } {
    const { namespace, config } = values;
    const maxMemoryMebibytes = Math.floor((sizing.memoryLimitMebibytes * 3) / 4);
    const redisConf = [
      '# Feast online store of the cohort. Paths, port and bind address are on the command line;',
      '# the password comes from an included file rendered from the Secret.',
      'protected-mode yes',
      `maxmemory ${maxMemoryMebibytes}mb`,
      // A full store refuses writes rather than silently dropping features.
      'maxmemory-policy noeviction',
      // Snapshots survive a container restart in the same pod; otherwise re-materialise.
      'save 300 1',
      'appendonly no',
      // Nobody needs to reconfigure Redis at run time (e.g. CONFIG SET dir to write files).
      'rename-command CONFIG ""',
      '',
    ].join('\n');
    const redisConfig = new kplus.ConfigMap(this, 'RedisConfig', {
      metadata: { name: 'redis-config', namespace, labels },
      data: { 'redis.conf': redisConf },
    });
    const confVolume = kplus.Volume.fromConfigMap(this, 'RedisConfVolume', redisConfig, { name: 'config' });
    const authVolume = kplus.Volume.fromSecret(this, 'RedisAuthVolume', secret.secret, {
      name: 'auth',
      items: { 'auth.conf': { path: 'auth.conf' } },
      defaultMode: 0o400,
    });
    const data = kplus.Volume.fromEmptyDir(this, 'RedisData', 'data', {
      sizeLimit: Size.mebibytes(maxMemoryMebibytes * 2),
    });
    const tmp = kplus.Volume.fromEmptyDir(this, 'RedisTmp', 'tmp', { sizeLimit: Size.mebibytes(64) });
    const tcp = (period: number, failures: number) =>
      kplus.Probe.fromTcpSocket({
        port: REDIS_PORT,
        periodSeconds: Duration.seconds(period),
        timeoutSeconds: Duration.seconds(3),
        failureThreshold: failures,
      });

    const deployment = new kplus.Deployment(this, 'Redis', {
      metadata: {
        name: 'redis',
        namespace,
        labels,
        annotations: {
          'secret.reloader.stakater.com/reload': secret.name,
          'configmap.reloader.stakater.com/reload': redisConfig.name,
        },
      },
      podMetadata: { labels },
      // One instance: the online store is a cache that `feast materialize` can refill.
      replicas: 1,
      strategy: kplus.DeploymentStrategy.recreate(),
      automountServiceAccountToken: false,
      securityContext: restrictedPodSecurityContext(),
      spread: false,
      volumes: [confVolume, authVolume, data, tmp],
      containers: [
        {
          name: 'redis',
          image: config.feast.redisImage,
          // `command` bypasses the image's entrypoint script (it would try to chown and switch user).
          command: ['redis-server'],
          args: [
            '/etc/redis/redis.conf',
            '--include',
            '/etc/redis-auth/auth.conf',
            '--bind',
            '0.0.0.0',
            '--port',
            String(REDIS_PORT),
            '--dir',
            '/data',
          ],
          ports: [{ number: REDIS_PORT, name: 'redis' }],
          volumeMounts: [
            { volume: confVolume, path: '/etc/redis', readOnly: true },
            { volume: authVolume, path: '/etc/redis-auth', readOnly: true },
            { volume: data, path: '/data' },
            { volume: tmp, path: '/tmp' },
          ],
          securityContext: restrictedSecurityContext(),
          resources: resources(sizing),
          // TCP probes: an authenticated PING would need the password in this container's env.
          startup: tcp(2, 30),
          readiness: tcp(10, 3),
          liveness: tcp(20, 3),
        },
      ],
    });
    hardenPodSpec(deployment);
    const redisSetting =
      config.feast.redisImage === DEFAULT_REDIS_IMAGE
        ? "the cohort file's feast.redisImage (unset: Cohort Lab's default)"
        : "the cohort file's feast.redisImage";
    acknowledgeCheckov(
      deployment,
      imageDigestExceptions(config.feast.redisImage, ImageSource.COHORT_FILE, redisSetting),
    );

    const service = new kplus.Service(this, 'RedisService', {
      metadata: { name: 'redis', namespace, labels },
      type: kplus.ServiceType.CLUSTER_IP,
      selector: deployment,
      ports: [{ name: 'redis', port: REDIS_PORT, targetPort: REDIS_PORT }],
    });
    return { deployment, service };
  }

  private createApplyJob(
    values: ChartValues,
    image: string,
    imageExceptions: readonly CheckovException[],
    commonEnv: Record<string, kplus.EnvValue>,
    feastConfig: kplus.ConfigMap,
    labels: Record<string, string>,
    serviceAccount: kplus.IServiceAccount,
  ): kplus.Job {
    const { namespace, infra } = values;
    // Jobs are immutable: any change to what it applies gets a new name, so `kubectl apply`
    // creates a new Job that runs `feast apply` again (it is idempotent).
    const fingerprint = stableFingerprint([
      values.infra.imageIds?.feast ?? image,
      this.featureStoreYaml,
      this.featureRepo,
    ]);
    const repoConfig = new kplus.ConfigMap(this, 'FeatureRepo', {
      metadata: { name: `feast-feature-repo-${fingerprint}`, namespace, labels },
      data: { ...this.featureRepo },
    });
    const tmp = kplus.Volume.fromEmptyDir(this, 'ApplyTmp', 'tmp', { sizeLimit: Size.gibibytes(1) });
    const configVolume = kplus.Volume.fromConfigMap(this, 'ApplyConfigVolume', feastConfig, {
      name: 'config',
    });
    const repoVolume = kplus.Volume.fromConfigMap(this, 'FeatureRepoVolume', repoConfig, { name: 'repo' });

    const job = new kplus.Job(this, 'Apply', {
      metadata: { name: `feast-apply-${fingerprint}`, namespace, labels },
      podMetadata: { labels },
      backoffLimit: 6,
      activeDeadline: Duration.minutes(15),
      ttlAfterFinished: Duration.days(1),
      serviceAccount,
      automountServiceAccountToken: false,
      securityContext: restrictedPodSecurityContext(),
      volumes: [tmp, configVolume, repoVolume],
      containers: [
        {
          name: 'apply',
          image,
          command: ['python', '-m', 'cohort_lab_feast'],
          // No source validation: the registry is created before any data is uploaded.
          args: ['--chdir', FEATURE_REPO_MOUNT, 'apply', '--skip-source-validation'],
          envVariables: {
            ...commonEnv,
            // features.py builds s3://<bucket>/feast/data/learner_activity.parquet from it.
            COHORT_LAB_BUCKET: kplus.EnvValue.fromValue(infra.artifactBucketName),
          },
          volumeMounts: [
            { volume: tmp, path: '/tmp' },
            { volume: configVolume, path: FEAST_CONFIG_DIR, readOnly: true },
            { volume: repoVolume, path: FEATURE_REPO_MOUNT, readOnly: true },
          ],
          securityContext: restrictedSecurityContext(),
          resources: resources(APPLY_SIZING),
        },
      ],
    });
    hardenPodSpec(job);
    acknowledgeCheckov(job, [...imageExceptions, FEAST_ENV_SECRET_EXCEPTION]);
    return job;
  }

  private createNetworkPolicies(
    values: ChartValues,
    labels: Record<string, string>,
    redisLabels: Record<string, string>,
    applyLabels: Record<string, string>,
  ): void {
    const { namespace } = values;
    const port = (n: number) => [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(n) }];
    const awsEgress = [
      {
        // S3 (registry, offline data) and the user pool's JWKS over TLS, at public addresses.
        to: [{ ipBlock: { cidr: WORLD_CIDR, except: [...PRIVATE_IPV4_RANGES] } }],
        ports: port(HTTPS_PORT),
      },
      {
        // EKS Pod Identity agent: where the SDK gets the service account's credentials.
        to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }],
        ports: port(POD_IDENTITY_AGENT.port),
      },
    ];
    const toRedis = { to: [{ podSelector: { matchLabels: redisLabels } }], ports: port(REDIS_PORT) };

    // Written as raw objects, like the MLflow chart: ipBlock peers with exceptions next to
    // namespace selectors.
    new kplus.k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: 'feast', namespace, labels },
      spec: {
        podSelector: { matchLabels: labels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            // Learners' notebooks and pipelines in their own namespaces.
            from: [{ namespaceSelector: { matchLabels: { [LEARNER_NAMESPACE_LABEL]: 'true' } } }],
            ports: port(FEAST_PORT),
          },
          {
            // The cohort namespace's own pods (MLflow, jobs, an instructor's debug pod).
            from: [{ podSelector: {} }],
            ports: port(FEAST_PORT),
          },
        ],
        egress: [toRedis, ...awsEgress],
      },
    });

    new kplus.k8s.KubeNetworkPolicy(this, 'ApplyNetworkPolicy', {
      metadata: { name: 'feast-apply', namespace, labels: applyLabels },
      spec: {
        podSelector: { matchLabels: applyLabels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [],
        egress: [toRedis, ...awsEgress],
      },
    });

    new kplus.k8s.KubeNetworkPolicy(this, 'RedisNetworkPolicy', {
      metadata: { name: 'redis', namespace, labels: redisLabels },
      spec: {
        podSelector: { matchLabels: redisLabels },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [{ podSelector: { matchLabels: labels } }, { podSelector: { matchLabels: applyLabels } }],
            ports: port(REDIS_PORT),
          },
        ],
        // Redis talks to nobody.
        egress: [],
      },
    });
  }
}

/** The `feature_store.yaml` of the cohort (deterministic: same values, same bytes). */
export function featureStoreYaml(values: ChartValues): string {
  const { config, infra, namespace } = values;
  const auth: Record<string, string> = {
    type: 'oidc',
    auth_discovery_url: infra.oidc.discoveryUrl,
    ...(infra.oidc.clientId !== undefined ? { client_id: infra.oidc.clientId } : {}),
    // `iss` is verified; `aud` is not (Cognito access tokens carry `client_id`, not `aud`).
    issuer: infra.oidc.issuer,
  };
  const doc = {
    project: config.feast.project,
    provider: 'local',
    registry: {
      registry_type: 'file',
      path: `s3://${infra.artifactBucketName}/${FEAST_PREFIX}registry.db`,
      cache_ttl_seconds: REGISTRY_CACHE_TTL_SECONDS,
    },
    online_store: {
      type: 'redis',
      redis_type: 'redis',
      // Feast expands ${VAR} from the environment; the Secret supplies the value.
      connection_string: `redis.${namespace}.svc.cluster.local:${REDIS_PORT},password=\${${REDIS_PASSWORD_ENV}}`,
    },
    offline_store: { type: 'file' },
    entity_key_serialization_version: 3,
    auth,
  };
  return `# Generated by Cohort Lab (cdk8s/feast-chart.ts) for cohort ${config.name}; do not edit.\n${stringify(doc)}`;
}

/** The feature repository files, read at synth time; throws when one is missing or unsafe. */
export function readFeatureRepo(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of FEATURE_REPO_FILES) {
    const path = join(dir, name);
    if (!existsSync(path)) {
      throw new Error(`FeastChart: feature repository ${dir} has no ${name}`);
    }
    files[name] = readFileSync(path, 'utf8');
  }
  // Feast 0.67 cannot read an AllowAll permission back from the registry (every later read fails),
  // and a repository without permissions grants every signed-in user full access.
  const code = withoutCommentsAndDocstrings(files['permissions.py']);
  if (/\bAllowAll\b/.test(code)) {
    throw new Error(
      `FeastChart: ${join(dir, 'permissions.py')} uses AllowAll, which corrupts the Feast 0.67 registry; use GroupBasedPolicy or RoleBasedPolicy`,
    );
  }
  if (!/\bPermission\s*\(/.test(code)) {
    throw new Error(
      `FeastChart: ${join(dir, 'permissions.py')} defines no Permission; without one Feast grants every signed-in user full access`,
    );
  }
  return files;
}

/** Python source without `#` comments and triple-quoted strings (a guard, not a parser). */
function withoutCommentsAndDocstrings(source: string): string {
  return source
    .replace(/("""|''')[\s\S]*?\1/g, '')
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join('\n');
}

function validate(values: ChartValues, props: FeastChartProps): void {
  const { config, infra } = values;
  const project = config.feast.project;
  if (!FEAST_PROJECT_PATTERN.test(project)) {
    throw new Error(
      `FeastChart: feast.project "${project}" (from ${config.sourceFile}) must start with a letter and contain only letters, digits and "_" (at most 63 characters)`,
    );
  }
  if (infra.images.feast.trim() === '') {
    throw new Error('FeastChart: infra.images.feast is empty; give the Feast image to run');
  }
  for (const [field, url] of [
    ['infra.oidc.discoveryUrl', infra.oidc.discoveryUrl],
    ['infra.oidc.issuer', infra.oidc.issuer],
  ] as const) {
    if (isDeployTimeToken(url)) continue;
    if (!isSecureUrl(url)) {
      throw new Error(
        `FeastChart: ${field} "${url}" must be an https:// URL (plain http only on loopback, for tests)`,
      );
    }
  }
  const discovery = infra.oidc.discoveryUrl;
  if (!isDeployTimeToken(discovery) && !discovery.endsWith('/.well-known/openid-configuration')) {
    throw new Error(
      `FeastChart: infra.oidc.discoveryUrl "${discovery}" must end in /.well-known/openid-configuration`,
    );
  }
  if (props.replicas !== undefined && (!Number.isInteger(props.replicas) || props.replicas < 1)) {
    throw new Error(`FeastChart: replicas ${props.replicas} must be a whole number of at least 1`);
  }
}

function isSecureUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { DEFAULT_REDIS_IMAGE, REDIS_PORT } from '../../lib/core';
import { acknowledgeCheckov, imageDigestExceptions } from '../common/checkov';
import { ExternalSecret } from '../common/external-secret';
import {
  ContainerSizing,
  hardenPodSpec,
  resources,
  restrictedPodSecurityContext,
  restrictedSecurityContext,
} from '../common/hardening';
import { ImageSource } from '../common/values';

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

/** Properties of {@link createRedisSecret}. */
export interface RedisSecretProps {
  readonly namespace: string;
  /** ClusterSecretStore that reads the cohort's Secrets Manager secrets. */
  readonly storeName: string;
  /** How often ESO re-reads Secrets Manager, in seconds. */
  readonly refreshIntervalSeconds: number;
  /** Secrets Manager name of the Redis secret (`password` and `previousPassword`). */
  readonly remoteName: string;
}

/**
 * The `feast-redis` Secret (ExternalSecret `RedisSecret` of `chart`). One Secret, two views:
 * `password` for Feast's env and `auth.conf` for Redis, rendered by ESO's template engine so Redis
 * reads it from a file, not argv or env. Redis accepts the current AND the previous password (the
 * rotation keeps both), so Feast pods that still hold the old one keep working until Reloader has
 * rolled them: rotation never cuts Feast off.
 */
export function createRedisSecret(chart: Chart, props: RedisSecretProps): ExternalSecret {
  return new ExternalSecret(chart, 'RedisSecret', {
    name: 'feast-redis',
    namespace: props.namespace,
    storeName: props.storeName,
    refreshIntervalSeconds: props.refreshIntervalSeconds,
    keys: [
      { secretKey: 'password', remoteName: props.remoteName, property: 'password' },
      { secretKey: 'previousPassword', remoteName: props.remoteName, property: 'previousPassword' },
    ],
    templateData: {
      password: '{{ .password }}',
      'auth.conf': REDIS_AUTH_TEMPLATE,
    },
  });
}

/** Properties of {@link createRedis}. */
export interface RedisProps {
  readonly namespace: string;
  /** Labels of the Redis objects and pods. */
  readonly labels: Record<string, string>;
  /** The Redis image (the cohort file's `feast.redisImage`). */
  readonly image: string;
  /** Requests and limits; `maxmemory` is three quarters of the memory limit. */
  readonly sizing: ContainerSizing;
  /** The Secret from {@link createRedisSecret}: Redis mounts its `auth.conf`. */
  readonly secret: ExternalSecret;
}

/** The Redis objects of the chart. */
export interface Redis {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;
}

/**
 * Feast's online store in `chart`: the `redis-config` ConfigMap, the `redis` Deployment (one pod,
 * `requirepass` from the Secret's `auth.conf`, never argv or env) and its ClusterIP Service.
 */
export function createRedis(chart: Chart, props: RedisProps): Redis {
  const { namespace, labels, image, sizing, secret } = props;
  const maxMemoryMebibytes = Math.floor((sizing.memoryLimitMebibytes * 3) / 4);
  const redisConfig = new kplus.ConfigMap(chart, 'RedisConfig', {
    metadata: { name: 'redis-config', namespace, labels },
    data: { 'redis.conf': redisConf(maxMemoryMebibytes) },
  });
  const confVolume = kplus.Volume.fromConfigMap(chart, 'RedisConfVolume', redisConfig, { name: 'config' });
  const authVolume = kplus.Volume.fromSecret(chart, 'RedisAuthVolume', secret.secret, {
    name: 'auth',
    items: { 'auth.conf': { path: 'auth.conf' } },
    defaultMode: 0o400,
  });
  const data = kplus.Volume.fromEmptyDir(chart, 'RedisData', 'data', {
    sizeLimit: Size.mebibytes(maxMemoryMebibytes * 2),
  });
  const tmp = kplus.Volume.fromEmptyDir(chart, 'RedisTmp', 'tmp', { sizeLimit: Size.mebibytes(64) });
  const tcp = (period: number, failures: number) =>
    kplus.Probe.fromTcpSocket({
      port: REDIS_PORT,
      periodSeconds: Duration.seconds(period),
      timeoutSeconds: Duration.seconds(3),
      failureThreshold: failures,
    });

  const deployment = new kplus.Deployment(chart, 'Redis', {
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
        image,
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
  const setting =
    image === DEFAULT_REDIS_IMAGE
      ? "the cohort file's feast.redisImage (unset: Cohort Lab's default)"
      : "the cohort file's feast.redisImage";
  acknowledgeCheckov(deployment, imageDigestExceptions(image, ImageSource.COHORT_FILE, setting));

  const service = new kplus.Service(chart, 'RedisService', {
    metadata: { name: 'redis', namespace, labels },
    type: kplus.ServiceType.CLUSTER_IP,
    selector: deployment,
    ports: [{ name: 'redis', port: REDIS_PORT, targetPort: REDIS_PORT }],
  });
  return { deployment, service };
}

/**
 * The `redis.conf` of the online store: paths, port and bind address are on the command line,
 * the password in the included `auth.conf`.
 */
export function redisConf(maxMemoryMebibytes: number): string {
  return [
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
}

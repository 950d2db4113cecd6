import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { FEAST_PORT } from '../../lib/core';
import { addHighAvailability } from '../common/availability';
import { acknowledgeCheckov, CheckovException, FEAST_ENV_SECRET_EXCEPTION } from '../common/checkov';
import {
  ContainerSizing,
  hardenPodSpec,
  resources,
  restrictedPodSecurityContext,
  restrictedSecurityContext,
} from '../common/hardening';
import { FEAST_CONFIG_DIR, REGISTRY_CACHE_TTL_SECONDS } from './feature-store-yaml';

/** How long the server's init container waits for the apply Job's permissions before it fails (and is retried). */
export const REGISTRY_WAIT_SECONDS = 300;
/**
 * gunicorn workers per pod: one, the CPU the pod's 1-CPU limit gives. A second worker adds no CPU
 * under that limit, and it mostly idles anyway: each worker's asyncio loop accepts every pending
 * connection when it wakes, so a burst of keep-alive connections lands on one worker (measured:
 * all 20 of a burst on one worker in 27 of 36 tries, docs/performance.md). Connections are spread
 * over pods by the Service instead; Redis reads are asynchronous, so one worker overlaps them.
 */
export const FEAST_WORKERS = 1;
/**
 * gunicorn's `--max-requests` (`feast serve` defaults to 1,000): 0 = workers are never recycled.
 * A recycled worker closes its keep-alive connections under the requests in flight (clients see
 * ECONNRESET) and every request queued behind it waits for the new worker (~1.4 s). The feature
 * server's memory stays flat under load (docs/performance.md); a leak would show as the pod's
 * memory limit being reached, and the Deployment replaces the pod.
 */
export const FEAST_MAX_REQUESTS = 0;

/** Properties of {@link createFeatureServer}. */
export interface FeatureServerProps {
  readonly namespace: string;
  /** Labels of the server objects and pods. */
  readonly labels: Record<string, string>;
  /** The Feast image. */
  readonly image: string;
  /** The image's checkov exceptions (see imageDigestExceptions). */
  readonly imageExceptions: readonly CheckovException[];
  readonly replicas: number;
  /** Requests and limits of the server container; its scratch size is the `/tmp` emptyDir's limit. */
  readonly sizing: ContainerSizing;
  /** Requests and limits of the init container that waits for the registry's permissions. */
  readonly waitSizing: ContainerSizing;
  readonly serviceAccount: kplus.IServiceAccount;
  /** Environment of both containers: where the yaml is, the Redis password, the region. */
  readonly env: Record<string, kplus.EnvValue>;
  /** The ConfigMap holding `feature_store.yaml`, mounted at {@link FEAST_CONFIG_DIR}. */
  readonly config: kplus.ConfigMap;
  /** Name of the Redis password Secret: Reloader rolls the pods when it changes. */
  readonly redisSecretName: string;
}

/** The feature server objects of the chart. */
export interface FeatureServer {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;
}

/**
 * The `feast` feature server in `chart`: `feast serve` through the image's `cohort_lab_feast`
 * wrapper (registry-cached, fail-closed permission checks), /health probes, an init container that
 * holds the pod back until the apply Job's Permission objects exist, zone and node spread, a PDB
 * ({@link addHighAvailability}) and a ClusterIP Service. There is no Ingress: Feast answers
 * `/docs`, `/openapi.json` and `/chat` without a token, so the server is only reachable inside the
 * cluster.
 */
export function createFeatureServer(chart: Chart, props: FeatureServerProps): FeatureServer {
  const { namespace, labels, image, sizing, env, config } = props;
  const tmp = kplus.Volume.fromEmptyDir(chart, 'Tmp', 'tmp', {
    sizeLimit: Size.gibibytes(sizing.ephemeralStorageLimitGibibytes),
  });
  const configVolume = kplus.Volume.fromConfigMap(chart, 'ConfigVolume', config, { name: 'config' });
  const mounts: kplus.VolumeMount[] = [
    { volume: tmp, path: '/tmp' },
    { volume: configVolume, path: FEAST_CONFIG_DIR, readOnly: true },
  ];
  const health = (period: number, failures: number) =>
    kplus.Probe.fromHttpGet('/health', {
      port: FEAST_PORT,
      periodSeconds: Duration.seconds(period),
      timeoutSeconds: Duration.seconds(5),
      failureThreshold: failures,
    });

  const deployment = new kplus.Deployment(chart, 'Deployment', {
    metadata: {
      name: 'feast',
      namespace,
      labels,
      // Reloader rolls the pods when the Redis password or the generated yaml changes.
      annotations: {
        'secret.reloader.stakater.com/reload': props.redisSecretName,
        'configmap.reloader.stakater.com/reload': config.name,
      },
    },
    podMetadata: { labels },
    replicas: props.replicas,
    serviceAccount: props.serviceAccount,
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
        envVariables: env,
        volumeMounts: mounts,
        securityContext: restrictedSecurityContext(),
        resources: resources(props.waitSizing),
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
          '--max-requests',
          String(FEAST_MAX_REQUESTS),
          '--no-access-log',
          '--registry_ttl_sec',
          String(REGISTRY_CACHE_TTL_SECONDS),
        ],
        ports: [{ number: FEAST_PORT, name: 'http' }],
        envVariables: env,
        volumeMounts: mounts,
        securityContext: restrictedSecurityContext(),
        resources: resources(sizing),
        // /health is unauthenticated and answers 503 while the registry cannot be read.
        startup: health(5, 36),
        readiness: health(10, 3),
        liveness: health(20, 3),
      },
    ],
  });
  hardenPodSpec(deployment);
  acknowledgeCheckov(deployment, [...props.imageExceptions, FEAST_ENV_SECRET_EXCEPTION]);
  addHighAvailability(chart, deployment, { name: 'feast', namespace, labels });

  // In-cluster only (see above for why there is no Ingress).
  const service = new kplus.Service(chart, 'Service', {
    metadata: { name: 'feast', namespace, labels },
    type: kplus.ServiceType.CLUSTER_IP,
    selector: deployment,
    ports: [{ name: 'http', port: FEAST_PORT, targetPort: FEAST_PORT }],
  });
  return { deployment, service };
}

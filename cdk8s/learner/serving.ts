import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { APP_NAME_LABEL, LAB_UID, MODEL_SERVING, promotionModelName } from '../../lib/core';
import { acknowledgeCheckov, CheckovException } from '../common/checkov';
import { ContainerSizing } from '../common/hardening';
import { NamespaceQuota } from '../common/lab-namespace';

/** Requests and limits of one model server container (a scikit-learn model behind MLflow's pyfunc). */
export const MODEL_SERVER_SIZING: ContainerSizing = {
  cpuRequestMillis: 50,
  cpuLimitMillis: 250,
  memoryRequestMebibytes: 256,
  memoryLimitMebibytes: 512,
  ephemeralStorageLimitGibibytes: 1,
};

/**
 * The learner quota with room for the model servers on top (`replicas` pods of
 * {@link MODEL_SERVER_SIZING}), so the servers never take the room a learner's notebook and jobs
 * have. Pure.
 */
export function quotaWithServing(base: NamespaceQuota, replicas: number): NamespaceQuota {
  return {
    ...base,
    requestsCpuMillis: base.requestsCpuMillis + replicas * MODEL_SERVER_SIZING.cpuRequestMillis,
    limitsCpuMillis: base.limitsCpuMillis + replicas * MODEL_SERVER_SIZING.cpuLimitMillis,
    requestsMemoryMebibytes:
      base.requestsMemoryMebibytes + replicas * MODEL_SERVER_SIZING.memoryRequestMebibytes,
    limitsMemoryMebibytes: base.limitsMemoryMebibytes + replicas * MODEL_SERVER_SIZING.memoryLimitMebibytes,
    pods: base.pods + replicas,
  };
}

/** The label that tells the champion's pods from the canary's (the Service selects both). */
export const SERVING_TRACK_LABEL = 'cohort-lab.io/track';

/**
 * Exception for the model server, whose MLflow client reads MLFLOW_TRACKING_USERNAME/PASSWORD from
 * the environment only (from the learner's Secret by envFrom, never in the manifest). The
 * reasons are short on purpose: these objects are in every learner's manifest, and a learners-N
 * template holds up to 40 of them (lib/core/limits.ts, TEMPLATE_BYTES).
 */
export const MODEL_SERVER_ENV_SECRET_EXCEPTION: CheckovException = {
  id: 'CKV_K8S_35',
  reason: 'MLflow reads env only; envFrom a Secret',
};

/** The reason of the image's exceptions here: the same image, pinned as the mlflow Deployment says. */
const SAME_AS_MLFLOW = 'as the mlflow Deployment';

/** Properties of {@link ModelServing}. */
export interface ModelServingProps {
  /** The learner's slug: the model served is `promotion.<slug>`. */
  readonly slug: string;
  /** The learner's namespace. */
  readonly namespace: string;
  /** Namespace of the cohort's MLflow, the only thing the servers reach. */
  readonly servicesNamespace: string;
  /** The MLflow image (it holds `cohort_lab_serve`, mlflow and scikit-learn). */
  readonly image: string;
  /** The image's checkov exceptions (see imageDigestExceptions). */
  readonly imageExceptions: readonly CheckovException[];
  /** Secret with `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD` (the learner's own). */
  readonly credentialsSecret: string;
  /** ConfigMap with `MLFLOW_TRACKING_URI`. */
  readonly settingsConfigMap: string;
  /** Replicas serving `@champion`. @default MODEL_SERVING.championReplicas (3) */
  readonly championReplicas?: number;
  /** Replicas serving `@challenger`: their share of the replicas is the canary's share of the requests. @default MODEL_SERVING.canaryReplicas (1) */
  readonly canaryReplicas?: number;
  /** How often each server re-resolves its alias, in seconds. @default MODEL_SERVING.pollSeconds (30) */
  readonly pollSeconds?: number;
}

/**
 * The learner's model server for the promotion lab (Lab 2): two Deployments of the MLflow image
 * running `python -m cohort_lab_serve`, `model-champion` on `models:/promotion.<slug>@champion`
 * and `model-canary` on `@challenger`, behind one Service `model` (port 8080) that selects both,
 * so the canary takes its share of the replicas' requests. Each server re-resolves its alias every
 * poll and swaps to the new version once loaded, so moving an alias rolls the serving without a
 * new ReplicaSet; rollback moves `@champion` back to `@previous-champion` the same way.
 *
 * Hardened like every lab workload: non-root, read-only root filesystem with a `/tmp` emptyDir,
 * no privilege escalation, capabilities dropped, seccomp, requests and limits, readiness on
 * `/ping` (200 once a model is loaded), no service account token, and a
 * NetworkPolicy that admits port 8080 from the learner's own namespace only and lets the pods
 * reach MLflow only (the learner's `allow-lab-services` leaves them out).
 */
export class ModelServing extends Construct {
  public readonly champion: kplus.k8s.KubeDeployment;
  public readonly canary: kplus.k8s.KubeDeployment;
  public readonly service: kplus.k8s.KubeService;

  constructor(scope: Construct, id: string, props: ModelServingProps) {
    super(scope, id);
    const championReplicas = props.championReplicas ?? MODEL_SERVING.championReplicas;
    const canaryReplicas = props.canaryReplicas ?? MODEL_SERVING.canaryReplicas;
    for (const [what, n] of [
      ['championReplicas', championReplicas],
      ['canaryReplicas', canaryReplicas],
    ] as const) {
      if (!Number.isInteger(n) || n < 0 || n > 10) {
        throw new Error(`ModelServing ${id}: ${what} must be a whole number from 0 to 10 (got ${n})`);
      }
    }
    if (championReplicas === 0) {
      throw new Error(`ModelServing ${id}: championReplicas must be 1 or more (got 0)`);
    }
    const { namespace } = props;
    const model = promotionModelName(props.slug);
    const workload = (wid: string, name: string, alias: string, track: string, replicas: number) =>
      this.deployment(wid, { ...props, name, alias, track, replicas, model });
    this.champion = workload(
      'Champion',
      MODEL_SERVING.championDeployment,
      'champion',
      'champion',
      championReplicas,
    );
    this.canary = workload('Canary', MODEL_SERVING.canaryDeployment, 'challenger', 'canary', canaryReplicas);

    this.service = new kplus.k8s.KubeService(this, 'Service', {
      // ClusterIP, TCP, targetPort = port: Kubernetes' defaults, left out (bytes: see deployment()).
      metadata: { name: MODEL_SERVING.serviceName, namespace },
      spec: { selector: { [APP_NAME_LABEL]: MODEL_SERVING.appName }, ports: [{ port: MODEL_SERVING.port }] },
    });
    this.networkPolicy(props);
  }

  /**
   * One server Deployment, written as a raw object rather than through cdk8s-plus: the plus
   * Deployment spells out every default (about twice the bytes), and these objects sit in every
   * learner's manifest, up to 40 of them in one learners-N template (TEMPLATE_BYTES). The
   * hardening is the lab's (hardening.ts), written out.
   */
  private deployment(
    id: string,
    p: ModelServingProps & { name: string; alias: string; track: string; replicas: number; model: string },
  ): kplus.k8s.KubeDeployment {
    const labels = { [APP_NAME_LABEL]: MODEL_SERVING.appName, [SERVING_TRACK_LABEL]: p.track };
    const port = MODEL_SERVING.port;
    const tcp = kplus.k8s.IntOrString.fromNumber(port);
    const q = (millis: number) => kplus.k8s.Quantity.fromString(`${millis}m`);
    const mi = (mebibytes: number) => kplus.k8s.Quantity.fromString(`${mebibytes}Mi`);
    const gi = kplus.k8s.Quantity.fromString(`${MODEL_SERVER_SIZING.ephemeralStorageLimitGibibytes}Gi`);
    const seccomp = { type: 'RuntimeDefault' };
    const deployment = new kplus.k8s.KubeDeployment(this, id, {
      metadata: {
        name: p.name,
        namespace: p.namespace,
        labels: { [APP_NAME_LABEL]: MODEL_SERVING.appName },
        // A rotated password reaches the pods: Reloader rolls them when the Secret changes.
        annotations: { 'secret.reloader.stakater.com/reload': p.credentialsSecret },
      },
      spec: {
        replicas: p.replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            // The namespace's default service account, without a token: the servers call
            // nothing in the cluster and need no AWS role (MLflow proxies the model artifacts).
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: LAB_UID,
              seccompProfile: seccomp,
            },
            // /tmp is bounded by the container's ephemeral-storage limit (it counts emptyDir use).
            volumes: [{ name: 'tmp', emptyDir: {} }],
            containers: [
              {
                name: 'model-server',
                image: p.image,
                imagePullPolicy: 'Always',
                command: ['python', '-m', 'cohort_lab_serve'],
                args: [
                  '--model-uri',
                  `models:/${p.model}@${p.alias}`,
                  '--port',
                  String(port),
                  '--poll-seconds',
                  String(p.pollSeconds ?? MODEL_SERVING.pollSeconds),
                ],
                envFrom: [
                  { secretRef: { name: p.credentialsSecret } },
                  { configMapRef: { name: p.settingsConfigMap } },
                ],
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
                // runAsNonRoot, the uid and seccomp are the pod's (above); privileged is off by default.
                securityContext: {
                  readOnlyRootFilesystem: true,
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                },
                resources: {
                  requests: {
                    cpu: q(MODEL_SERVER_SIZING.cpuRequestMillis),
                    memory: mi(MODEL_SERVER_SIZING.memoryRequestMebibytes),
                  },
                  limits: {
                    cpu: q(MODEL_SERVER_SIZING.cpuLimitMillis),
                    memory: mi(MODEL_SERVER_SIZING.memoryLimitMebibytes),
                    'ephemeral-storage': gi,
                  },
                },
                // /ping answers 200 once a model is loaded: a pod whose alias points nowhere takes no traffic.
                readinessProbe: {
                  httpGet: { path: '/ping', port: tcp },
                },
                // Alive while it answers at all (no model yet is no reason to restart it).
                livenessProbe: {
                  tcpSocket: { port: tcp },
                },
              },
            ],
          },
        },
      },
    });
    acknowledgeCheckov(deployment, [
      ...p.imageExceptions.map((e) => ({ id: e.id, reason: SAME_AS_MLFLOW })),
      MODEL_SERVER_ENV_SECRET_EXCEPTION,
    ]);
    return deployment;
  }

  /**
   * In: port 8080 from the learner's own namespace only. Out: what every pod of the namespace may
   * reach (its `allow-lab-services`: MLflow, Feast, S3, the Pod Identity agent, which gives these
   * pods nothing, as their service account has no association); a policy of their own for egress
   * would cost bytes in every learner's manifest (see deployment()).
   */
  private networkPolicy(props: ModelServingProps): void {
    new kplus.k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: MODEL_SERVING.appName, namespace: props.namespace },
      spec: {
        podSelector: { matchLabels: { [APP_NAME_LABEL]: MODEL_SERVING.appName } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ podSelector: {} }],
            ports: [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(MODEL_SERVING.port) }],
          },
        ],
      },
    });
  }
}

import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  APP_NAME_LABEL,
  appLabels,
  MLFLOW_PORT,
  MODEL_SERVING,
  NAMESPACE_NAME_LABEL,
  promotionModelName,
} from '../../lib/core';
import { addHighAvailability } from '../common/availability';
import { acknowledgeCheckov, CheckovException } from '../common/checkov';
import {
  ContainerSizing,
  hardenPodSpec,
  resources,
  restrictedPodSecurityContext,
  restrictedSecurityContext,
} from '../common/hardening';

/** Requests and limits of one model server container (a scikit-learn model behind MLflow's pyfunc). */
export const MODEL_SERVER_SIZING: ContainerSizing = {
  cpuRequestMillis: 50,
  cpuLimitMillis: 250,
  memoryRequestMebibytes: 256,
  memoryLimitMebibytes: 512,
  ephemeralStorageLimitGibibytes: 1,
};

/** The label that tells the champion's pods from the canary's (the Service selects both). */
export const SERVING_TRACK_LABEL = 'cohort-lab.io/track';

/** Exception for the model server, which gets MLflow's credentials from its environment only. */
export const MODEL_SERVER_ENV_SECRET_EXCEPTION: CheckovException = {
  id: 'CKV_K8S_35',
  reason:
    "the MLflow client reads MLFLOW_TRACKING_USERNAME/PASSWORD from the environment only; they come from the learner's mlflow-credentials Secret by envFrom and are never in the manifest",
};

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
 * `/ping` (200 once a model is loaded), its own service account without a token, and a
 * NetworkPolicy that admits port 8080 from the learner's own namespace only and lets the pods
 * reach MLflow only (the learner's `allow-lab-services` leaves them out).
 */
export class ModelServing extends Construct {
  public readonly champion: kplus.Deployment;
  public readonly canary: kplus.Deployment;
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
    const selector = appLabels(MODEL_SERVING.appName);
    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: MODEL_SERVING.serviceAccount, namespace, labels: selector },
      automountToken: false,
    });
    const model = promotionModelName(props.slug);
    const workload = (wid: string, name: string, alias: string, track: string, replicas: number) =>
      this.deployment(wid, { ...props, name, alias, track, replicas, model, serviceAccount });
    this.champion = workload(
      'Champion',
      MODEL_SERVING.championDeployment,
      'champion',
      'champion',
      championReplicas,
    );
    this.canary = workload('Canary', MODEL_SERVING.canaryDeployment, 'challenger', 'canary', canaryReplicas);
    addHighAvailability(this, this.champion, {
      name: MODEL_SERVING.championDeployment,
      namespace,
      labels: { ...selector, [SERVING_TRACK_LABEL]: 'champion' },
    });

    this.service = new kplus.k8s.KubeService(this, 'Service', {
      metadata: { name: MODEL_SERVING.serviceName, namespace, labels: selector },
      spec: {
        type: 'ClusterIP',
        selector: { [APP_NAME_LABEL]: MODEL_SERVING.appName },
        ports: [
          {
            name: 'http',
            port: MODEL_SERVING.port,
            targetPort: kplus.k8s.IntOrString.fromNumber(MODEL_SERVING.port),
            protocol: 'TCP',
          },
        ],
      },
    });
    this.networkPolicy(props);
  }

  private deployment(
    id: string,
    p: ModelServingProps & {
      name: string;
      alias: string;
      track: string;
      replicas: number;
      model: string;
      serviceAccount: kplus.IServiceAccount;
    },
  ): kplus.Deployment {
    const labels = { ...appLabels(MODEL_SERVING.appName), [SERVING_TRACK_LABEL]: p.track };
    const tmp = kplus.Volume.fromEmptyDir(this, `${id}Tmp`, 'tmp', {
      sizeLimit: Size.gibibytes(MODEL_SERVER_SIZING.ephemeralStorageLimitGibibytes),
    });
    const deployment = new kplus.Deployment(this, id, {
      metadata: {
        name: p.name,
        namespace: p.namespace,
        labels,
        // A rotated password reaches the pods: Reloader rolls them when the Secret changes.
        annotations: { 'secret.reloader.stakater.com/reload': p.credentialsSecret },
      },
      podMetadata: { labels },
      replicas: p.replicas,
      serviceAccount: p.serviceAccount,
      automountServiceAccountToken: false,
      securityContext: restrictedPodSecurityContext(),
      spread: false,
      select: false,
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      volumes: [tmp],
      containers: [
        {
          name: 'model-server',
          image: p.image,
          command: ['python', '-m', 'cohort_lab_serve'],
          args: [
            '--model-uri',
            `models:/${p.model}@${p.alias}`,
            '--port',
            String(MODEL_SERVING.port),
            '--poll-seconds',
            String(p.pollSeconds ?? MODEL_SERVING.pollSeconds),
          ],
          ports: [{ number: MODEL_SERVING.port, name: 'http' }],
          envFrom: [
            kplus.Env.fromSecret(kplus.Secret.fromSecretName(this, `${id}Credentials`, p.credentialsSecret)),
            kplus.Env.fromConfigMap(
              kplus.ConfigMap.fromConfigMapName(this, `${id}Settings`, p.settingsConfigMap),
            ),
          ],
          envVariables: {
            TMPDIR: kplus.EnvValue.fromValue('/tmp'),
            HOME: kplus.EnvValue.fromValue('/tmp'),
            MLFLOW_DISABLE_TELEMETRY: kplus.EnvValue.fromValue('true'),
            DO_NOT_TRACK: kplus.EnvValue.fromValue('true'),
          },
          volumeMounts: [{ volume: tmp, path: '/tmp' }],
          securityContext: restrictedSecurityContext(),
          resources: resources(MODEL_SERVER_SIZING),
          // /ping answers 200 once a model is loaded: a pod whose alias points nowhere takes no traffic.
          readiness: kplus.Probe.fromHttpGet('/ping', {
            port: MODEL_SERVING.port,
            periodSeconds: Duration.seconds(10),
            failureThreshold: 3,
          }),
          // Alive while it answers at all (no model yet is not a reason to restart it).
          liveness: kplus.Probe.fromTcpSocket({
            port: MODEL_SERVING.port,
            initialDelaySeconds: Duration.seconds(20),
            periodSeconds: Duration.seconds(20),
            failureThreshold: 3,
          }),
        },
      ],
    });
    deployment.select(kplus.LabelSelector.of({ labels }));
    hardenPodSpec(deployment);
    acknowledgeCheckov(deployment, [...p.imageExceptions, MODEL_SERVER_ENV_SECRET_EXCEPTION]);
    return deployment;
  }

  /** In: port 8080 from the learner's own namespace. Out: MLflow only (DNS is the namespace baseline's). */
  private networkPolicy(props: ModelServingProps): void {
    const tcp = (port: number) => [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(port) }];
    new kplus.k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: {
        name: MODEL_SERVING.appName,
        namespace: props.namespace,
        labels: appLabels(MODEL_SERVING.appName),
      },
      spec: {
        podSelector: { matchLabels: { [APP_NAME_LABEL]: MODEL_SERVING.appName } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: {} }], ports: tcp(MODEL_SERVING.port) }],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: props.servicesNamespace } },
                podSelector: { matchLabels: { [APP_NAME_LABEL]: 'mlflow' } },
              },
            ],
            ports: tcp(MLFLOW_PORT),
          },
        ],
      },
    });
  }
}

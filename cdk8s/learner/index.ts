import { ApiObject, Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  APP_NAME_LABEL,
  defaultDriftModel,
  driftReferenceKey,
  FEAST_PORT,
  HTTPS_PORT,
  LEARNER_NAMESPACE_LABEL,
  LEARNER_SERVICE_ACCOUNT,
  LEARNER_SLUG_LABEL,
  MLFLOW_PORT,
  MODEL_SERVING,
  NAMESPACE_NAME_LABEL,
  PART_OF_LABELS,
  POD_IDENTITY_AGENT,
  PRIVATE_IPV4_RANGES,
  WORLD_CIDR,
} from '../../lib/core';
import { ExternalSecret, EXTERNAL_SECRETS_API_VERSION } from '../common/external-secret';
import { LabNamespace } from '../common/lab-namespace';
import { CheckovException } from '../common/checkov';
import { LEARNER_QUOTA } from '../common/quotas';
import { DriftJob, DriftValues } from '../drift';
import { ModelServing, quotaWithServing } from './serving';

export * from './serving';

/** The learner's model server (Lab 2), for a learner whose cohort-file entry names a repository. */
export interface LearnerServingProps {
  /** The MLflow image (it holds `cohort_lab_serve`). */
  readonly image: string;
  /** The image's checkov exceptions (see imageDigestExceptions). */
  readonly imageExceptions: readonly CheckovException[];
  /** Replicas serving `@champion`. @default MODEL_SERVING.championReplicas (3) */
  readonly championReplicas?: number;
  /** Replicas of the canary serving `@challenger`. @default MODEL_SERVING.canaryReplicas (1) */
  readonly canaryReplicas?: number;
}

/** Properties of {@link LearnerChart}. */
export interface LearnerChartProps extends ChartProps {
  /** The learner's slug (their MLflow username). */
  readonly slug: string;
  /** The learner's namespace, `learner-<slug>`. */
  readonly namespace: string;
  /** Namespace of the cohort's shared services (MLflow, Feast), which the learner's pods may reach. */
  readonly servicesNamespace: string;
  /**
   * The learner's IAM role. The External Secrets Operator assumes it to read the learner's own
   * secret (and nothing else), and EKS Pod Identity gives it to pods of the `lab` service account.
   */
  readonly roleArn: string;
  /** AWS region of the cohort's Secrets Manager. */
  readonly region: string;
  /** Secrets Manager name of the learner's MLflow credentials, `{username, password}`. */
  readonly mlflowSecretName: string;
  /** How often ESO re-reads the secret, in seconds (a rotated password reaches the namespace within it). */
  readonly refreshIntervalSeconds: number;
  /** MLflow's address inside the cluster, e.g. `http://mlflow.cohort-lab.svc.cluster.local:5000`. */
  readonly mlflowTrackingUri: string;
  /** The learner's personal experiment, where runs go when a job names none. */
  readonly experimentName: string;
  /**
   * Lab 3's drift CronJob (cdk8s/drift) in the namespace.
   * @default - no drift job (standalone manifests whose environment file names no drift image or alert topic)
   */
  readonly drift?: DriftValues;
  /** The model server of the promotion lab ({@link ModelServing}). @default - none */
  readonly serving?: LearnerServingProps;
}

/** Names of the objects a learner's jobs use, so the welcome sheet and the labs can refer to them. */
export const LEARNER_OBJECTS = {
  /** Secret with `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD` (envFrom). */
  credentialsSecret: 'mlflow-credentials',
  /** ConfigMap with `MLFLOW_TRACKING_URI` and `MLFLOW_EXPERIMENT_NAME` (envFrom). */
  settingsConfigMap: 'mlflow-settings',
} as const;

/** The ClusterSecretStore that reads one learner's secrets with the learner's own role. */
export function learnerSecretStoreName(slug: string): string {
  return `learner-${slug}`;
}

/**
 * One learner's own space on the cluster, applied with the learner's `learners-N` stack:
 *
 * - the namespace with the lab's secure baseline (Pod Security `restricted`, quota, limits,
 *   default-deny NetworkPolicy), labelled so MLflow and Feast accept its traffic;
 * - egress to MLflow and Feast, and to S3 and the Pod Identity agent (the learner's own prefix);
 * - the `lab` service account, which EKS Pod Identity binds to the learner's role;
 * - a ClusterSecretStore usable from this namespace only, reading Secrets Manager as the learner's
 *   role (so it reaches the learner's own secret and no other), and the ExternalSecret that keeps
 *   `mlflow-credentials` in step with the rotated secret;
 * - `mlflow-settings`: the tracking URI and the learner's personal experiment.
 *
 * A job gets everything it needs to log to MLflow with `envFrom` of the Secret and the ConfigMap.
 */
export class LearnerChart extends Chart {
  public readonly labNamespace: LabNamespace;
  public readonly serviceAccount: kplus.ServiceAccount;
  public readonly credentials: ExternalSecret;
  /** Lab 3's drift job, when the chart has one ({@link LearnerChartProps.drift}). */
  public readonly drift?: DriftJob;
  /** The model server (Lab 2), when the learner names a repository. */
  public readonly serving?: ModelServing;

  constructor(scope: Construct, id: string, props: LearnerChartProps) {
    super(scope, id, { ...props, disableResourceNameHashes: true });
    const { namespace } = props;
    this.labNamespace = new LabNamespace(this, 'Namespace', {
      name: namespace,
      // A learner with a model server gets its room on top (quotaWithServing).
      quota:
        props.serving === undefined
          ? LEARNER_QUOTA
          : quotaWithServing(
              LEARNER_QUOTA,
              (props.serving.championReplicas ?? MODEL_SERVING.championReplicas) +
                (props.serving.canaryReplicas ?? MODEL_SERVING.canaryReplicas),
            ),
      labels: { [LEARNER_NAMESPACE_LABEL]: 'true', [LEARNER_SLUG_LABEL]: props.slug },
    });
    this.allowLabTraffic(props);

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: LEARNER_SERVICE_ACCOUNT, namespace, labels: { ...PART_OF_LABELS } },
      automountToken: false,
    });

    const storeName = learnerSecretStoreName(props.slug);
    new ApiObject(this, 'SecretStore', {
      apiVersion: EXTERNAL_SECRETS_API_VERSION,
      kind: 'ClusterSecretStore',
      metadata: { name: storeName, labels: { ...PART_OF_LABELS } },
      spec: {
        // The operator's own identity assumes the learner's role: the store reaches what the
        // learner may read, and only ExternalSecrets in the learner's namespace may use it.
        provider: { aws: { service: 'SecretsManager', region: props.region, role: props.roleArn } },
        conditions: [{ namespaces: [namespace] }],
      },
    });
    this.credentials = new ExternalSecret(this, 'Credentials', {
      name: LEARNER_OBJECTS.credentialsSecret,
      namespace,
      storeName,
      refreshIntervalSeconds: props.refreshIntervalSeconds,
      keys: [
        { secretKey: 'username', remoteName: props.mlflowSecretName, property: 'username' },
        { secretKey: 'password', remoteName: props.mlflowSecretName, property: 'password' },
      ],
      templateData: {
        MLFLOW_TRACKING_USERNAME: '{{ .username }}',
        MLFLOW_TRACKING_PASSWORD: '{{ .password }}',
      },
    });
    new kplus.ConfigMap(this, 'Settings', {
      metadata: { name: LEARNER_OBJECTS.settingsConfigMap, namespace, labels: { ...PART_OF_LABELS } },
      data: { MLFLOW_TRACKING_URI: props.mlflowTrackingUri, MLFLOW_EXPERIMENT_NAME: props.experimentName },
    });
    if (props.drift) {
      this.drift = new DriftJob(this, 'Drift', {
        ...props.drift,
        slug: props.slug,
        namespace,
        region: props.region,
        model: defaultDriftModel(props.slug),
        experimentName: props.experimentName,
        referenceUri: `s3://${props.drift.artifactBucketName}/${driftReferenceKey(props.slug)}`,
        credentialsSecretName: LEARNER_OBJECTS.credentialsSecret,
        settingsConfigMapName: LEARNER_OBJECTS.settingsConfigMap,
      });
      this.drift.node.addDependency(this.credentials);
    }
    if (props.serving !== undefined) {
      this.serving = new ModelServing(this, 'Serving', {
        ...props.serving,
        slug: props.slug,
        namespace,
        servicesNamespace: props.servicesNamespace,
        credentialsSecret: LEARNER_OBJECTS.credentialsSecret,
        settingsConfigMap: LEARNER_OBJECTS.settingsConfigMap,
      });
    }
  }

  /** Besides DNS (the namespace baseline), exactly the lab services, S3 and the Pod Identity agent. */
  private allowLabTraffic(props: LearnerChartProps): void {
    const tcp = (port: number) => [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(port) }];
    const service = (name: string, port: number) => ({
      to: [
        {
          namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: props.servicesNamespace } },
          podSelector: { matchLabels: { [APP_NAME_LABEL]: name } },
        },
      ],
      ports: tcp(port),
    });
    new kplus.k8s.KubeNetworkPolicy(this, 'LabServices', {
      metadata: { name: 'allow-lab-services', namespace: props.namespace },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          service('mlflow', MLFLOW_PORT),
          service('feast', FEAST_PORT),
          // The learner's S3 prefix over TLS, at public addresses (the gateway endpoint).
          {
            to: [{ ipBlock: { cidr: WORLD_CIDR, except: [...PRIVATE_IPV4_RANGES] } }],
            ports: tcp(HTTPS_PORT),
          },
          // EKS Pod Identity agent: where the SDK gets the learner role's credentials.
          { to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }], ports: tcp(POD_IDENTITY_AGENT.port) },
        ],
      },
    });
  }
}

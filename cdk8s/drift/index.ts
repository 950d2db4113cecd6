import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ALERT_TOPIC_ENV, cronScheduleProblem, DRIFT_NAMES, LAB_UID, PART_OF_LABELS } from '../../lib/core';
import { acknowledgeCheckov, CheckovException, imageDigestExceptions } from '../common/checkov';
import { ContainerSizing } from '../common/hardening';
import { ImageSource } from '../common/values';
import {
  DRIFT_CONFIG_DIR,
  DRIFT_CONFIG_PATH,
  DriftConfigFilesProps,
  driftFeatureStoreYaml,
  driftYaml,
} from './drift-config';

export { DRIFT_CONFIG_DIR, DRIFT_CONFIG_PATH, driftFeatureStoreYaml, driftYaml } from './drift-config';
export type { DriftConfigFilesProps } from './drift-config';

/** Requests and limits of the drift container: pandas, scipy and Feast's SDK on a few thousand rows. */
export const DRIFT_SIZING: ContainerSizing = {
  cpuRequestMillis: 100,
  cpuLimitMillis: 1000,
  memoryRequestMebibytes: 384,
  memoryLimitMebibytes: 1024,
  ephemeralStorageLimitGibibytes: 1,
};
/** A run that has not finished in this time is stopped (a run takes well under a minute). */
export const DRIFT_ACTIVE_DEADLINE = Duration.minutes(15);
/** A run that could not start within this time after its schedule is skipped, not run late. */
export const DRIFT_STARTING_DEADLINE = Duration.minutes(30);

/** The MLflow client reads its credentials from the environment only. */
export const DRIFT_ENV_SECRET_EXCEPTION: CheckovException = {
  id: 'CKV_K8S_35',
  reason: 'the MLflow client reads its credentials from env only; they come from a Secret by reference',
};

/** The cohort-wide values of every learner's drift job. */
export interface DriftValues {
  /** The cohort (the `Cohort` dimension and the alerts' `cohort` attribute). */
  readonly cohortName: string;
  /** The drift image (built from images/monitoring). */
  readonly image: string;
  /** Where the image comes from (its checkov image-digest exception). */
  readonly imageSource: ImageSource;
  /** Five-field cron schedule, UTC (the cohort file's drift.schedule). */
  readonly schedule: string;
  /** The cohort's alert topic, where alerts above the threshold go. */
  readonly alertTopicArn: string;
  /** The cohort's Feast project. */
  readonly feastProject: string;
  /** The artifact bucket: the Feast registry under `feast/`, the learners' references under `learners/`. */
  readonly artifactBucketName: string;
}

/** Properties of {@link DriftJob}. */
export interface DriftJobProps extends DriftConfigFilesProps, DriftValues {
  /** The learner's namespace, `learner-<slug>`. */
  readonly namespace: string;
  readonly region: string;
  /** Secret with MLFLOW_TRACKING_USERNAME/PASSWORD (the learner's `mlflow-credentials`). */
  readonly credentialsSecretName: string;
  /** ConfigMap with MLFLOW_TRACKING_URI and MLFLOW_EXPERIMENT_NAME (the learner's `mlflow-settings`). */
  readonly settingsConfigMapName: string;
}

/**
 * Lab 3's drift job in one learner's namespace: the ServiceAccount `drift` (EKS Pod Identity binds
 * the drift role to it: PutMetricData on CohortLab/Drift and Publish on the cohort topic), the
 * ConfigMap `drift-config` (drift.yaml and feature_store.yaml) and the CronJob `drift`, which runs
 * `python -m drift --config /etc/drift/drift.yaml` on the schedule.
 *
 * Hardened like every lab workload: non-root as LAB_UID, read-only root filesystem (an emptyDir at
 * /tmp), no privilege escalation, all capabilities dropped, seccomp RuntimeDefault, requests and
 * limits, no service-account token. One run at a time (concurrencyPolicy Forbid), stopped after
 * {@link DRIFT_ACTIVE_DEADLINE}, three successful and three failed Jobs kept. Egress is the
 * namespace's: default deny, then MLflow, Feast, S3 and AWS APIs over HTTPS, and the Pod Identity
 * agent (cdk8s/learner), the endpoints this job uses.
 */
export class DriftJob extends Construct {
  public readonly serviceAccount: kplus.k8s.KubeServiceAccount;
  public readonly config: kplus.k8s.KubeConfigMap;
  public readonly cronJob: kplus.k8s.KubeCronJob;

  constructor(scope: Construct, id: string, props: DriftJobProps) {
    super(scope, id);
    const problem = cronScheduleProblem(props.schedule);
    if (problem !== undefined) {
      throw new Error(`drift schedule "${props.schedule}" for learner ${props.slug}: ${problem}`);
    }
    const { namespace } = props;
    const labels = { ...PART_OF_LABELS, 'app.kubernetes.io/name': DRIFT_NAMES.cronJob };

    this.serviceAccount = new kplus.k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: DRIFT_NAMES.serviceAccount, namespace, labels: { ...PART_OF_LABELS } },
      automountServiceAccountToken: false,
    });
    this.config = new kplus.k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: DRIFT_NAMES.configMap, namespace, labels: { ...PART_OF_LABELS } },
      data: { 'drift.yaml': driftYaml(props), 'feature_store.yaml': driftFeatureStoreYaml(props) },
    });

    const env = (name: string, value: string) => ({ name, value });
    this.cronJob = new kplus.k8s.KubeCronJob(this, 'Resource', {
      metadata: { name: DRIFT_NAMES.cronJob, namespace, labels },
      spec: {
        schedule: props.schedule,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: DRIFT_STARTING_DEADLINE.toSeconds(),
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: DRIFT_ACTIVE_DEADLINE.toSeconds(),
            ttlSecondsAfterFinished: Duration.days(1).toSeconds(),
            template: {
              metadata: { labels },
              spec: {
                restartPolicy: 'Never',
                serviceAccountName: DRIFT_NAMES.serviceAccount,
                automountServiceAccountToken: false,
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: LAB_UID,
                  runAsGroup: LAB_UID,
                  fsGroup: LAB_UID,
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                volumes: [
                  { name: 'tmp', emptyDir: { sizeLimit: kplus.k8s.Quantity.fromString('512Mi') } },
                  { name: 'config', configMap: { name: DRIFT_NAMES.configMap } },
                ],
                containers: [
                  {
                    name: 'drift',
                    image: props.image,
                    imagePullPolicy: 'Always',
                    command: ['python', '-m', 'drift'],
                    args: ['--config', DRIFT_CONFIG_PATH],
                    env: [
                      env(ALERT_TOPIC_ENV, props.alertTopicArn),
                      env('COHORT_LAB_COHORT', props.cohortName),
                      // boto3 takes its region from AWS_DEFAULT_REGION (botocore reads no AWS_REGION).
                      env('AWS_REGION', props.region),
                      env('AWS_DEFAULT_REGION', props.region),
                    ],
                    envFrom: [
                      { configMapRef: { name: props.settingsConfigMapName } },
                      { secretRef: { name: props.credentialsSecretName } },
                    ],
                    volumeMounts: [
                      { name: 'tmp', mountPath: '/tmp' },
                      { name: 'config', mountPath: DRIFT_CONFIG_DIR, readOnly: true },
                    ],
                    // The uid and gid are the pod's (above); a container adds only what pods cannot set.
                    securityContext: {
                      runAsNonRoot: true,
                      readOnlyRootFilesystem: true,
                      allowPrivilegeEscalation: false,
                      capabilities: { drop: ['ALL'] },
                      seccompProfile: { type: 'RuntimeDefault' },
                    },
                    resources: {
                      requests: {
                        cpu: kplus.k8s.Quantity.fromString(`${DRIFT_SIZING.cpuRequestMillis}m`),
                        memory: kplus.k8s.Quantity.fromString(`${DRIFT_SIZING.memoryRequestMebibytes}Mi`),
                        'ephemeral-storage': kplus.k8s.Quantity.fromString('256Mi'),
                      },
                      limits: {
                        cpu: kplus.k8s.Quantity.fromString(`${DRIFT_SIZING.cpuLimitMillis}m`),
                        memory: kplus.k8s.Quantity.fromString(`${DRIFT_SIZING.memoryLimitMebibytes}Mi`),
                        'ephemeral-storage': kplus.k8s.Quantity.fromString(
                          `${DRIFT_SIZING.ephemeralStorageLimitGibibytes}Gi`,
                        ),
                      },
                    },
                  },
                ],
              },
            },
          },
        },
      },
    });
    acknowledgeCheckov(this.cronJob, [
      ...imageDigestExceptions(props.image, props.imageSource, imageSettingOf(props.imageSource)),
      DRIFT_ENV_SECRET_EXCEPTION,
    ]);
  }
}

/** Where an operator repins the drift image, by where it comes from (checkov reasons). */
function imageSettingOf(source: ImageSource): string {
  switch (source) {
    case ImageSource.CDK_ASSET:
      return 'images/monitoring (built by CDK)';
    case ImageSource.COHORT_FILE:
      return "the cohort file's drift.image";
    case ImageSource.ENVIRONMENT_FILE:
      return "the environment file's images.monitoring";
  }
}

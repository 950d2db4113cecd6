import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { acknowledgeCheckov, CheckovException, FEAST_ENV_SECRET_EXCEPTION } from '../common/checkov';
import {
  ContainerSizing,
  hardenPodSpec,
  resources,
  restrictedPodSecurityContext,
  restrictedSecurityContext,
} from '../common/hardening';
import { stableFingerprint } from '../common/values';
import { FEAST_CONFIG_DIR } from './feature-store-yaml';

/** Where the apply Job mounts the sample feature repository's definitions. */
export const FEATURE_REPO_MOUNT = '/opt/feature-repo';

/** Properties of {@link createApplyJob}. */
export interface ApplyJobProps {
  readonly namespace: string;
  /** Labels of the Job, its pods and its feature-repo ConfigMap. */
  readonly labels: Record<string, string>;
  /** The Feast image. */
  readonly image: string;
  /**
   * Synth-time identity of the image, for the Job's name (a deploy-time image URI is a token).
   * @default - the image reference itself
   */
  readonly imageId?: string;
  /** The image's checkov exceptions (see imageDigestExceptions). */
  readonly imageExceptions: readonly CheckovException[];
  /** Requests and limits of the apply container. */
  readonly sizing: ContainerSizing;
  readonly serviceAccount: kplus.IServiceAccount;
  /** Environment shared with the server: where the yaml is, the Redis password, the region. */
  readonly env: Record<string, kplus.EnvValue>;
  /** The ConfigMap holding `feature_store.yaml`, mounted at {@link FEAST_CONFIG_DIR}. */
  readonly config: kplus.ConfigMap;
  /** The generated `feature_store.yaml` (part of the Job's name: a change re-runs the Job). */
  readonly featureStoreYaml: string;
  /** The feature repository files by name, mounted at {@link FEATURE_REPO_MOUNT}. */
  readonly featureRepo: Readonly<Record<string, string>>;
  /** The artifact bucket `features.py` reads the offline data from (`COHORT_LAB_BUCKET`). */
  readonly artifactBucketName: string;
}

/**
 * The `feast-apply-<hash>` Job in `chart` and its `feast-feature-repo-<hash>` ConfigMap: `feast
 * apply` registers the feature repository, Permission objects included. Jobs are immutable, so
 * any change to what it applies (image, yaml, repository) gets a new name, and `kubectl apply`
 * creates a new Job that runs `feast apply` again (it is idempotent).
 */
export function createApplyJob(chart: Chart, props: ApplyJobProps): kplus.Job {
  const { namespace, labels, image, featureRepo } = props;
  const fingerprint = stableFingerprint([props.imageId ?? image, props.featureStoreYaml, featureRepo]);
  const repoConfig = new kplus.ConfigMap(chart, 'FeatureRepo', {
    metadata: { name: `feast-feature-repo-${fingerprint}`, namespace, labels },
    data: { ...featureRepo },
  });
  const tmp = kplus.Volume.fromEmptyDir(chart, 'ApplyTmp', 'tmp', { sizeLimit: Size.gibibytes(1) });
  const configVolume = kplus.Volume.fromConfigMap(chart, 'ApplyConfigVolume', props.config, {
    name: 'config',
  });
  const repoVolume = kplus.Volume.fromConfigMap(chart, 'FeatureRepoVolume', repoConfig, { name: 'repo' });

  const job = new kplus.Job(chart, 'Apply', {
    metadata: { name: `feast-apply-${fingerprint}`, namespace, labels },
    podMetadata: { labels },
    backoffLimit: 6,
    activeDeadline: Duration.minutes(15),
    ttlAfterFinished: Duration.days(1),
    serviceAccount: props.serviceAccount,
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
          ...props.env,
          // features.py builds s3://<bucket>/feast/data/learner_activity.parquet from it.
          COHORT_LAB_BUCKET: kplus.EnvValue.fromValue(props.artifactBucketName),
        },
        volumeMounts: [
          { volume: tmp, path: '/tmp' },
          { volume: configVolume, path: FEAST_CONFIG_DIR, readOnly: true },
          { volume: repoVolume, path: FEATURE_REPO_MOUNT, readOnly: true },
        ],
        securityContext: restrictedSecurityContext(),
        resources: resources(props.sizing),
      },
    ],
  });
  hardenPodSpec(job);
  acknowledgeCheckov(job, [...props.imageExceptions, FEAST_ENV_SECRET_EXCEPTION]);
  return job;
}

import { stringify } from 'yaml';
import { FEAST_PREFIX } from '../../lib/core';

/** Where the CronJob mounts its ConfigMap: `drift.yaml` and the Feast repo's `feature_store.yaml`. */
export const DRIFT_CONFIG_DIR = '/etc/drift';
/** In-pod path of the job's configuration (`python -m drift --config <this>`). */
export const DRIFT_CONFIG_PATH = `${DRIFT_CONFIG_DIR}/drift.yaml`;

/** What the job's two configuration files are built from. */
export interface DriftConfigFilesProps {
  readonly cohortName: string;
  readonly slug: string;
  /** The registered model the job watches (a CloudWatch dimension). */
  readonly model: string;
  /** The learner's experiment, where the drift runs go. */
  readonly experimentName: string;
  /** The training reference, `s3://<bucket>/learners/<slug>/drift/reference.parquet`. */
  readonly referenceUri: string;
  /** The cohort's Feast project. */
  readonly feastProject: string;
  /** The artifact bucket holding the Feast registry under `feast/`. */
  readonly artifactBucketName: string;
}

/**
 * `drift.yaml` (labs/monitoring/drift.example.yaml documents every field): the learner, the model,
 * the reference and the three features of the sample feature view (labs/feature_repo); thresholds,
 * window and feature view are the job's defaults (the example's values). Kept short on purpose: it
 * is in every learner's manifest, and a learners-N template holds 45 of them under CloudFormation's
 * 1 MB template limit (lib/core/limits.ts). Deterministic: the same props give the same bytes.
 */
export function driftYaml(props: DriftConfigFilesProps): string {
  const doc = {
    cohort: props.cohortName,
    learner: props.slug,
    model: props.model,
    experiment: props.experimentName,
    reference: { path: props.referenceUri },
    // Relative to drift.yaml's folder: feature_store.yaml is mounted beside it.
    current: { feast_repo: '.' },
    features: [
      { name: 'minutes_active', kind: 'numeric' },
      { name: 'lessons_completed', kind: 'categorical' },
      { name: 'avg_quiz_score', kind: 'numeric' },
    ],
  };
  return stringify(doc);
}

/**
 * The job's `feature_store.yaml`: the cohort's registry in S3 and the file offline store, read
 * directly (the job reads the offline store, never the online store or the feature server, so it
 * needs neither Redis nor a token; the online store named here is never opened).
 */
export function driftFeatureStoreYaml(props: DriftConfigFilesProps): string {
  const doc = {
    project: props.feastProject,
    provider: 'local',
    registry: `s3://${props.artifactBucketName}/${FEAST_PREFIX}registry.db`,
    online_store: { type: 'sqlite', path: '/tmp/online.db' },
    offline_store: { type: 'file' },
    entity_key_serialization_version: 3,
  };
  return stringify(doc);
}

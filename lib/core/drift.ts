/**
 * Names shared by the Lab 3 drift job (labs/monitoring), its CronJob chart and the CDK that routes
 * its alerts: the CloudWatch namespace, metrics and dimensions the job publishes, the message
 * attributes of the alerts it sends to the cohort's alert topic, and the service account whose Pod
 * Identity may publish them. Plain data; the constructs turn it into alarms, subscriptions and
 * roles.
 */

/** CloudWatch namespace of every drift metric (the drift role may write to this one only). */
export const DRIFT_METRICS_NAMESPACE = 'CohortLab/Drift';

/** The drift job's metrics: drifted features of a run (Count) and the largest PSI (None). */
export const DRIFT_METRICS = {
  driftedFeatures: 'DriftedFeatures',
  maxPsi: 'MaxPsi',
} as const;

/** Dimensions of every drift datum. */
export const DRIFT_DIMENSIONS = {
  cohort: 'Cohort',
  learner: 'Learner',
  model: 'Model',
} as const;

/** The model a learner's drift metrics are about, by default: their promotion lab's registered model. */
export function defaultDriftModel(slug: string): string {
  return `promotion.${slug}`;
}

/** The Kubernetes service account of the drift CronJob in each learner's namespace. */
export const DRIFT_SERVICE_ACCOUNT = 'drift';

/** Severities of an alert (the `severity` message attribute). */
export enum AlertSeverity {
  CRITICAL = 'critical',
  WARNING = 'warning',
}

/** The String message attributes of an alert the drift job publishes to the cohort topic. */
export const ALERT_ATTRIBUTES = {
  severity: 'severity',
  learner: 'learner',
  cohort: 'cohort',
  source: 'source',
} as const;

/** The `source` attribute of the drift job's alerts. */
export const DRIFT_ALERT_SOURCE = 'drift';

/** Name of a learner's drift alarm: `cohortlab-<cohort>-drift-<slug>` (at most 40 + 63 + 16 characters). */
export function driftAlarmName(cohort: string, slug: string): string {
  return `cohortlab-${cohort}-drift-${slug}`;
}

/** Alarm thresholds when the cohort file gives none (see README, "Drift alerts and routing"). */
export const DEFAULT_DRIFT_ALARM = {
  /** A run in which at least this many features drifted. */
  driftedFeatures: 1,
  /** A run whose largest PSI reaches this (0.25: the usual "significant shift" mark for PSI). */
  maxPsi: 0.25,
} as const;

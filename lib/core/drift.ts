/**
 * Names shared by the Lab 3 drift job (labs/monitoring), its CronJob chart and the CDK that routes
 * its alerts: the CloudWatch namespace, metrics and dimensions the job publishes, the message
 * attributes of the alerts it sends to the cohort's alert topic, and the service account whose Pod
 * Identity may publish them. Plain data; the constructs turn it into alarms, subscriptions and
 * roles.
 */
import { learnerPrefix } from './prefixes';

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

/** The CronJob, its ServiceAccount (EKS Pod Identity binds the drift role to it) and its ConfigMap. */
export const DRIFT_NAMES = {
  cronJob: 'drift',
  serviceAccount: DRIFT_SERVICE_ACCOUNT,
  configMap: 'drift-config',
} as const;

/** Environment variable the job reads the cohort's alert topic ARN from. */
export const ALERT_TOPIC_ENV = 'COHORT_LAB_ALERT_TOPIC_ARN';

/** Daily at 06:00 UTC: before the day's classes, after a night's data. */
export const DEFAULT_DRIFT_SCHEDULE = '0 6 * * *';

/** The folder of a learner's prefix the drift job may read (its role and session policy name it). */
export const DRIFT_REFERENCE_FOLDER = 'drift/';

/** Where a learner keeps the training reference the job compares with: their own S3 prefix. */
export function driftReferenceKey(slug: string): string {
  return `${learnerPrefix(slug)}${DRIFT_REFERENCE_FOLDER}reference.parquet`;
}

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

/** minute hour day-of-month month day-of-week, with their ranges (Kubernetes CronJob, cron(8)). */
const CRON_FIELDS: ReadonlyArray<readonly [string, number, number]> = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12],
  ['day of week', 0, 7],
];

/**
 * Why `schedule` is not a five-field cron schedule, or undefined when it is. Accepts what every
 * cron implementation shares: `*`, numbers, ranges `a-b`, lists `a,b` and steps `/n`; no names,
 * no `@daily` macros, no seconds field (the Kubernetes CronJob takes the standard five fields).
 */
export function cronScheduleProblem(schedule: string): string | undefined {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) {
    return `must have five fields (minute hour day-of-month month day-of-week), has ${fields.length}`;
  }
  for (const [i, field] of fields.entries()) {
    const [name, low, high] = CRON_FIELDS[i];
    for (const item of field.split(',')) {
      const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
      if (!m) return `${name} "${item}" must be *, a number, a range a-b, a list or a step /n`;
      const numbers = [m[2], m[3]].filter((n): n is string => n !== undefined).map(Number);
      if (numbers.some((n) => n < low || n > high)) {
        return `${name} "${item}" must be within ${low}-${high}`;
      }
      if (numbers.length === 2 && numbers[0] > numbers[1]) return `${name} "${item}" is a backwards range`;
      if (m[4] !== undefined && Number(m[4]) === 0) return `${name} "${item}" has a step of 0`;
    }
  }
  return undefined;
}

/**
 * Lab 3's drift job (labs/monitoring): the names it shares with the charts, the CDK that routes its
 * alerts, and the cohort file. The CloudWatch and SNS names are read by alarms and subscription
 * filter policies, so they are a contract: changing one silences the routing.
 */
import { learnerPrefix } from './prefixes';

/** The CronJob, its ServiceAccount (EKS Pod Identity binds the drift role to it) and its ConfigMap. */
export const DRIFT_NAMES = {
  cronJob: 'drift',
  serviceAccount: 'drift',
  configMap: 'drift-config',
} as const;

/** CloudWatch namespace of the drift metrics. */
export const DRIFT_METRIC_NAMESPACE = 'CohortLab/Drift';
/** Metric names: drifted features of one run (Count) and its largest PSI (None). */
export const DRIFT_METRICS = { driftedFeatures: 'DriftedFeatures', maxPsi: 'MaxPsi' } as const;
/** Dimensions of every drift datum. */
export const DRIFT_DIMENSIONS = ['Cohort', 'Learner', 'Model'] as const;
/** Environment variable the job reads the cohort's alert topic ARN from. */
export const ALERT_TOPIC_ENV = 'COHORT_LAB_ALERT_TOPIC_ARN';
/** Message attributes of an alert (String): severity `critical` | `warning`, learner, cohort, source. */
export const DRIFT_ALERT_SOURCE = 'drift';

/** Daily at 06:00 UTC: before the day's classes, after a night's data. */
export const DEFAULT_DRIFT_SCHEDULE = '0 6 * * *';

/** The model a learner's drift job watches by default: the Lab 2 promotion model. */
export function defaultDriftModel(slug: string): string {
  return `promotion.${slug}`;
}

/** Where a learner keeps the training reference the job compares with: their own S3 prefix. */
export function driftReferenceKey(slug: string): string {
  return `${learnerPrefix(slug)}drift/reference.parquet`;
}

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

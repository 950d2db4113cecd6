/**
 * What a local service's log says since it started, counted the way the cohort's CloudWatch metric
 * filters count MLflow's log (the same term groups, `MLFLOW_LOG_METRICS` in lib/core): requests
 * answered, 5xx answered, failed logins (401), and error lines. Pure; the local lab's status reads
 * each service's log file with it.
 *
 * Only a service that writes access lines has request counts: MLflow (uvicorn's access log). Feast
 * runs with `--no-access-log` (as in the cluster), so its requests are not in its log; its error
 * lines are.
 */
import { readFileSync } from 'fs';
import { matchesTermGroups, MLFLOW_LOG_METRICS, TermGroups } from '../core';

/** A Python logging record at ERROR or CRITICAL, or a traceback, as MLflow, Feast and our helpers print them. */
export const ERROR_LINE_TERMS: TermGroups = [
  [' ERROR '],
  ['ERROR:'],
  [' CRITICAL '],
  ['CRITICAL:'],
  ['Traceback (most recent call last)'],
];

export interface LogCounts {
  /** Access lines (every answered request, health checks included). */
  readonly requests: number;
  /** Access lines with a 5xx status. */
  readonly serverErrors: number;
  /** Access lines with 401 Unauthorized. */
  readonly failedLogins: number;
  /** Lines logged at ERROR or CRITICAL, and tracebacks. */
  readonly errorLines: number;
}

/** The counts of `text`, one event per line. */
export function countLogLines(text: string): LogCounts {
  let requests = 0;
  let serverErrors = 0;
  let failedLogins = 0;
  let errorLines = 0;
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    if (matchesTermGroups(MLFLOW_LOG_METRICS.requests.terms, line)) requests += 1;
    if (matchesTermGroups(MLFLOW_LOG_METRICS.serverErrors.terms, line)) serverErrors += 1;
    if (matchesTermGroups(MLFLOW_LOG_METRICS.failedLogins.terms, line)) failedLogins += 1;
    if (matchesTermGroups(ERROR_LINE_TERMS, line)) errorLines += 1;
  }
  return { requests, serverErrors, failedLogins, errorLines };
}

/** The counts of a log file (all zero when it does not exist yet). */
export function countLogFile(file: string): LogCounts {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return countLogLines('');
    throw err;
  }
  return countLogLines(text);
}

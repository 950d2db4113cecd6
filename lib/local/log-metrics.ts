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
import { closeSync, openSync, readSync, statSync } from 'fs';
import { matchesTermGroups, MLFLOW_LOG_METRICS, TermGroups } from '../core';

/** A Python logging record at ERROR or CRITICAL, or a traceback, as MLflow, Feast and our helpers print them. */
export const ERROR_LINE_TERMS: TermGroups = [
  [' ERROR '],
  ['ERROR:'],
  [' CRITICAL '],
  ['CRITICAL:'],
  ['Traceback (most recent call last)'],
];

/** The lab's services whose log has access lines (uvicorn's, in MLflow's server pod). */
export const ACCESS_LOGGED_SERVICES: readonly string[] = ['mlflow-pod'];

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

/**
 * The counts of a log file from byte `from` on (the output of the service's current start; the
 * lab appends each start to the same file). All zero when the file does not exist yet; from the
 * file's start when it is shorter than `from` (it was replaced).
 */
export function countLogFile(file: string, from = 0): LogCounts {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return countLogLines('');
    throw err;
  }
  const start = from <= size ? from : 0;
  const buffer = Buffer.alloc(size - start);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, start);
  } finally {
    closeSync(fd);
  }
  return countLogLines(buffer.toString('utf8'));
}

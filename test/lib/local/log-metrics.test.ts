import { writeFileSync } from 'fs';
import { join } from 'path';
import { countLogFile, countLogLines } from '../../../lib/local/log-metrics';
import { testTempDir } from '../../support/tmp';

/**
 * A stretch of an MLflow server log: the access lines as MLflow 3.17.2 printed them here; the error
 * record in MLflow's logging format (`%(asctime)s %(levelname)s %(name)s: %(message)s`,
 * mlflow/utils/logging_utils.py) with a traceback, written for this test.
 */
const MLFLOW_LOG = [
  '2026/12/06 11:20:06 INFO:     Uvicorn running on http://127.0.0.1:5999 (Press CTRL+C to quit)',
  '2026/12/06 11:20:07 INFO:     127.0.0.1:34100 - "GET /health HTTP/1.1" 200 OK',
  '2026/12/06 11:20:12 INFO:     127.0.0.1:34140 - "GET /api/2.0/mlflow/experiments/search?max_results=1 HTTP/1.1" 401 Unauthorized',
  '2026/12/06 11:20:13 INFO:     127.0.0.1:34172 - "GET /ajax-api/2.0/mlflow/experiments/search?max_results=1 HTTP/1.1" 401 Unauthorized',
  '2026/12/06 11:20:17 INFO:     127.0.0.1:34174 - "GET /api/2.0/mlflow/experiments/search?max_results=1 HTTP/1.1" 200 OK',
  '2026/12/06 11:22:39 ERROR mlflow.server: Exception on /graphql [POST]',
  'Traceback (most recent call last):',
  '  File "/x.py", line 1, in <module>',
  '2026/12/06 11:22:40 INFO:     127.0.0.1:46170 - "POST /graphql HTTP/1.1" 500 Internal Server Error',
  '',
].join('\n');

describe('countLogLines', () => {
  test("counts MLflow's requests, 5xx, 401s and error lines", () => {
    expect(countLogLines(MLFLOW_LOG)).toEqual({
      requests: 5,
      serverErrors: 1,
      failedLogins: 2,
      errorLines: 2,
    });
  });

  test('an empty log counts nothing', () => {
    expect(countLogLines('')).toEqual({ requests: 0, serverErrors: 0, failedLogins: 0, errorLines: 0 });
  });
});

describe('countLogFile', () => {
  test('reads the file; one that does not exist yet counts nothing', () => {
    const dir = testTempDir('cohortlab-log-metrics');
    writeFileSync(join(dir, 'mlflow.log'), MLFLOW_LOG);
    expect(countLogFile(join(dir, 'mlflow.log')).failedLogins).toBe(2);
    expect(countLogFile(join(dir, 'absent.log'))).toEqual({
      requests: 0,
      serverErrors: 0,
      failedLogins: 0,
      errorLines: 0,
    });
  });
});

describe('countLogFile from an offset', () => {
  test('counts only what the service wrote since its current start; a replaced file from its start', () => {
    // GIVEN a log that an earlier start wrote two failed logins into, then this start one more
    const dir = testTempDir('log-offset');
    const file = join(dir, 'mlflow-pod.log');
    const earlier = MLFLOW_LOG.split('\n').slice(0, 4).join('\n') + '\n';
    const now = MLFLOW_LOG.split('\n').slice(2, 3).join('\n') + '\n';
    writeFileSync(file, earlier + now);
    // THEN from the current start's offset there is one request, and it is a failed login
    expect(countLogFile(file, Buffer.byteLength(earlier))).toEqual({
      requests: 1,
      serverErrors: 0,
      failedLogins: 1,
      errorLines: 0,
    });
    // ... and an offset past the end (the file was replaced by a shorter one) counts it all
    expect(countLogFile(file, 10_000).failedLogins).toBe(3);
  });
});

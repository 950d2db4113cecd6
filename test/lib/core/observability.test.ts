import {
  filterPatternOf,
  matchesTermGroups,
  MLFLOW_LOG_METRICS,
  mlflowContainerLogPath,
  mlflowLoadBalancerName,
} from '../../../lib/core';
import { matchesTextPattern, parseTextPattern } from '../../support/filter-pattern';

/** Access lines as MLflow 3.17.2 prints them (uvicorn through MLflow's log format), captured here. */
const LINES = {
  noCredentials:
    '2026/12/06 11:20:12 INFO:     127.0.0.1:34140 - "GET /api/2.0/mlflow/experiments/search?max_results=1 HTTP/1.1" 401 Unauthorized',
  wrongPassword:
    '2026/12/06 11:20:13 INFO:     127.0.0.1:34172 - "GET /ajax-api/2.0/mlflow/experiments/search?max_results=1 HTTP/1.1" 401 Unauthorized',
  ok: '2026/12/06 11:20:17 INFO:     127.0.0.1:34174 - "GET /api/2.0/mlflow/experiments/search?max_results=1 HTTP/1.1" 200 OK',
  notFound:
    '2026/12/06 11:20:19 INFO:     127.0.0.1:46102 - "GET /api/2.0/mlflow/users/get?username=nobody HTTP/1.1" 404 Not Found',
  forbidden:
    '2026/12/06 11:21:02 INFO:     127.0.0.1:46150 - "POST /api/2.0/mlflow/runs/create HTTP/1.1" 403 Forbidden',
  serverError:
    '2026/12/06 11:22:40 INFO:     127.0.0.1:46170 - "POST /graphql HTTP/1.1" 500 Internal Server Error',
  startup: '2026/12/06 11:20:06 INFO:     Uvicorn running on http://127.0.0.1:5999 (Press CTRL+C to quit)',
};

describe('filterPatternOf', () => {
  test('one group is an AND of quoted terms; single-term groups are an OR', () => {
    expect(filterPatternOf([['HTTP/1.1', '401 Unauthorized']])).toBe('"HTTP/1.1" "401 Unauthorized"');
    expect(filterPatternOf([['a'], ['b c']])).toBe('?"a" ?"b c"');
    expect(filterPatternOf([['say "hi"\\']])).toBe('"say \\"hi\\"\\\\"');
  });

  test('fails when alternatives hold several terms (CloudWatch has no grouping for that)', () => {
    expect(() => filterPatternOf([['a', 'b'], ['c']])).toThrow(
      'filterPatternOf: alternatives must be single terms (?"a" ?"b")',
    );
  });
});

describe('the local matcher of text filter patterns', () => {
  test('reads back the terms filterPatternOf writes', () => {
    expect(parseTextPattern('"say \\"hi\\"\\\\" "x"')).toEqual([
      { optional: false, text: 'say "hi"\\' },
      { optional: false, text: 'x' },
    ]);
  });

  test('fails on syntax it does not evaluate', () => {
    expect(() => parseTextPattern('ERROR')).toThrow('only quoted terms are supported');
    expect(() => parseTextPattern('?"a" "b"')).toThrow('mixes ?-terms and plain terms');
    expect(() => parseTextPattern('{ $.status = 401 }')).toThrow('only quoted terms are supported');
  });
});

describe("MLflow's log metrics on MLflow's own lines", () => {
  const count = (metric: keyof typeof MLFLOW_LOG_METRICS) =>
    Object.entries(LINES)
      .filter(([, line]) => matchesTextPattern(filterPatternOf(MLFLOW_LOG_METRICS[metric].terms), line))
      .map(([name]) => name);

  test('failed logins are exactly the 401 answers', () => {
    expect(count('failedLogins')).toEqual(['noCredentials', 'wrongPassword']);
  });

  test('requests are every access line, and nothing else', () => {
    expect(count('requests')).toEqual([
      'noCredentials',
      'wrongPassword',
      'ok',
      'notFound',
      'forbidden',
      'serverError',
    ]);
  });

  test('server errors are the 5xx answers', () => {
    expect(count('serverErrors')).toEqual(['serverError']);
  });
});

describe('matchesTermGroups (what the local lab counts with)', () => {
  test('counts exactly what the rendered filter pattern counts, for every metric and line', () => {
    for (const metric of Object.values(MLFLOW_LOG_METRICS)) {
      for (const line of Object.values(LINES)) {
        expect([metric.metricName, line, matchesTermGroups(metric.terms, line)]).toEqual([
          metric.metricName,
          line,
          matchesTextPattern(filterPatternOf(metric.terms), line),
        ]);
      }
    }
  });

  test('a group matches only when all of its terms appear; groups are alternatives', () => {
    expect(matchesTermGroups([['a', 'b']], 'a only')).toBe(false);
    expect(matchesTermGroups([['a', 'b']], 'b and a')).toBe(true);
    expect(matchesTermGroups([['x'], ['b']], 'b')).toBe(true);
    expect(matchesTermGroups([['401 Unauthorized']], '401 unauthorized')).toBe(false);
  });
});

describe('names', () => {
  test("the MLflow server's log files, as the kubelet names them", () => {
    expect(mlflowContainerLogPath()).toBe('/var/log/containers/mlflow-*_cohort-lab_mlflow-*.log');
  });

  test('load balancer names fit the 32-character limit', () => {
    expect(mlflowLoadBalancerName('x'.repeat(40))).toHaveLength(32);
  });
});

/**
 * Names and figures of a cohort's logs, metrics, alarms and edge protection, shared by the cluster
 * stack (log groups, metric filters), the apps stack (web ACL, dashboard, alarms), the MLflow chart
 * (Ingress annotations) and the tests. Plain data: the constructs turn it into CDK objects.
 */
import { createHash } from 'crypto';
import { COHORT_NAMESPACE } from './names';

/** Namespace of the Container Insights metrics the CloudWatch agent publishes (enhanced observability). */
export const CONTAINER_INSIGHTS_NAMESPACE = 'ContainerInsights';

/** Namespace of the metrics a cohort's own metric filters publish: `CohortLab/<cohort>`. */
export function cohortMetricsNamespace(cohort: string): string {
  return `CohortLab/${cohort}`;
}

/**
 * The log groups of a cluster's pod and node logs. `application`: every container's stdout and
 * stderr but MLflow's server; `mlflow`: the MLflow server container's, raw lines (its metric
 * filters read them); `dataplane`: kubelet, containerd, aws-node, kube-proxy; `performance`: the
 * CloudWatch agent's Container Insights records (the metrics are extracted from them).
 */
export const CLUSTER_LOG_GROUP_KINDS = ['application', 'mlflow', 'dataplane', 'performance'] as const;
export type ClusterLogGroupKind = (typeof CLUSTER_LOG_GROUP_KINDS)[number];

/** `/aws/containerinsights/<cluster>/<kind>`: where Container Insights puts (and looks for) them. */
export function clusterLogGroupName(cluster: string, kind: ClusterLogGroupKind): string {
  return `/aws/containerinsights/${cluster}/${kind}`;
}

/**
 * A CloudWatch Logs text filter pattern written as term groups: an event matches when every term
 * of at least one group appears in it, case-sensitively (quoted phrases; no wildcards, no regex).
 * One group renders as `"a" "b"`; several of one term each as `?"a" ?"b"`.
 */
export type TermGroups = readonly (readonly string[])[];

/** A metric a metric filter publishes from the MLflow log group. */
export interface LogMetric {
  readonly metricName: string;
  /** What it counts, for docs and widget labels. */
  readonly label: string;
  readonly terms: TermGroups;
}

/**
 * Metrics from MLflow's own access log (uvicorn, as MLflow 3.17 formats it):
 * `2026/12/06 11:20:12 INFO:     10.0.1.5:34140 - "GET /api/2.0/mlflow/experiments/search HTTP/1.1" 401 Unauthorized`.
 * The line carries the status but no duration, so MLflow's latency comes from the load balancer.
 */
export const MLFLOW_LOG_METRICS = {
  /**
   * 401 answers: no or wrong credentials. MLflow logs nothing else on a failed login, and its line
   * cannot tell "no credentials" (a browser's first visit, before the password prompt) from a
   * wrong password, so the alarm threshold leaves room for one challenge per person and visit.
   */
  failedLogins: {
    metricName: 'MlflowFailedLogins',
    label: 'Failed logins (401)',
    terms: [['HTTP/1.1', '401 Unauthorized']],
  },
  /** Every request MLflow answered, the kubelet's and the load balancer's health checks included. */
  requests: { metricName: 'MlflowRequests', label: 'Requests answered', terms: [['HTTP/1.1']] },
  /** Server errors MLflow itself answered (502-504 from the load balancer are its own metrics). */
  serverErrors: {
    metricName: 'MlflowServerErrors',
    label: '5xx answered by MLflow',
    terms: [
      ['500 Internal Server Error'],
      ['501 Not Implemented'],
      ['502 Bad Gateway'],
      ['503 Service Unavailable'],
      ['504 Gateway Timeout'],
    ],
  },
} as const satisfies Record<string, LogMetric>;

/** The CloudWatch Logs filter pattern of `terms` (what the metric filter's template holds). */
export function filterPatternOf(terms: TermGroups): string {
  if (terms.length === 0 || terms.some((g) => g.length === 0)) {
    throw new Error('filterPatternOf: every term group needs at least one term');
  }
  const quote = (t: string) => `"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  if (terms.length === 1) {
    return terms[0].map(quote).join(' ');
  }
  if (terms.some((g) => g.length > 1)) {
    throw new Error('filterPatternOf: alternatives must be single terms (?"a" ?"b")');
  }
  return terms.map((g) => `?${quote(g[0])}`).join(' ');
}

/**
 * True when `event` holds every term of at least one group of `terms`: what a metric filter of
 * `filterPatternOf(terms)` counts (quoted terms match as case-sensitive substrings). The local lab
 * counts its services' log lines with it, so it and CloudWatch count alike.
 */
export function matchesTermGroups(terms: TermGroups, event: string): boolean {
  return terms.some((group) => group.every((term) => event.includes(term)));
}

/**
 * The MLflow server's pods and container whose logs go to the `mlflow` log group: the `mlflow`
 * container of the `mlflow` Deployment's pods in the cohort namespace (the chart's names; a unit
 * test holds them together). The kubelet names the log file `<pod>_<namespace>_<container>-<id>.log`.
 */
export const MLFLOW_LOG_SOURCE = {
  namespace: COHORT_NAMESPACE,
  podPrefix: 'mlflow-',
  container: 'mlflow',
} as const;

/** The kubelet's log files of the MLflow server container, as a Fluent Bit tail path. */
export function mlflowContainerLogPath(): string {
  const { podPrefix, namespace, container } = MLFLOW_LOG_SOURCE;
  return `/var/log/containers/${podPrefix}*_${namespace}_${container}-*.log`;
}

/**
 * Name of the MLflow Ingress's load balancer (`alb.ingress.kubernetes.io/load-balancer-name`), so
 * the apps stack can find it for its metrics: at most 32 characters, letters, digits and `-`.
 * `mlflow-<cohort>` when it fits, else the cohort's first characters and a hash of the whole name.
 */
export function mlflowLoadBalancerName(cohort: string): string {
  const full = `mlflow-${cohort}`;
  if (full.length <= 32) {
    return full;
  }
  const hash = createHash('sha256').update(cohort, 'utf8').digest('hex').slice(0, 6);
  const head = cohort.slice(0, 32 - 'mlflow-'.length - hash.length - 1).replace(/-+$/, '');
  return `mlflow-${head}-${hash}`;
}

/**
 * The web ACL's rate-based rule: requests one source address may send in the evaluation window
 * before the rest of that window's requests get 429. High enough for a class behind one campus
 * NAT logging runs (about 7 requests a second), low enough that guessing passwords or flooding
 * MLflow's password hashing from one address stops within a window.
 */
export const MLFLOW_RATE_LIMIT = { requests: 2000, windowSeconds: 300 } as const;

/** Where each alarm's runbook is, relative to the repository root. */
export const RUNBOOKS = {
  mlflowErrors: 'docs/runbooks/mlflow-errors.md',
  database: 'docs/runbooks/database-pressure.md',
  crashLooping: 'docs/runbooks/pods-crash-looping.md',
  nodesAtMax: 'docs/runbooks/nodes-at-max.md',
  failedLogins: 'docs/runbooks/failed-logins.md',
  /** A rotation failed (the rotation function's error alarm and the RotationFailed rule). */
  rotationFailed: 'docs/runbooks/recover-failed-rotation.md',
} as const;

/** One alarm's figures: threshold, period and how many of the last periods must breach. */
export interface AlarmFigures {
  readonly threshold: number;
  readonly periodMinutes: number;
  readonly datapointsToAlarm: number;
  readonly evaluationPeriods: number;
}

/** The cohort's alarms (all go to the alert topic); the node-group one's threshold is `compute.maxNodes`. */
export const ALARM_FIGURES = {
  /** Percent of MLflow requests the load balancer answered with 5xx (MLflow's or its own), at 20+ requests. */
  mlflow5xxPercent: { threshold: 5, periodMinutes: 5, datapointsToAlarm: 2, evaluationPeriods: 3 },
  /** Minimum requests in a period before the 5xx share counts. */
  mlflow5xxMinRequests: 20,
  /** p95 of the load balancer's target response time, seconds. */
  mlflowP95LatencySeconds: { threshold: 2, periodMinutes: 5, datapointsToAlarm: 3, evaluationPeriods: 3 },
  /** Database free storage, GiB (20 GiB allocated; storage autoscaling acts below 10% free). */
  databaseFreeStorageGiB: { threshold: 2, periodMinutes: 5, datapointsToAlarm: 3, evaluationPeriods: 3 },
  /** Database CPU, percent. */
  databaseCpuPercent: { threshold: 80, periodMinutes: 5, datapointsToAlarm: 3, evaluationPeriods: 3 },
  /** Containers waiting in CrashLoopBackOff anywhere in the cluster. */
  crashLooping: { threshold: 1, periodMinutes: 5, datapointsToAlarm: 2, evaluationPeriods: 2 },
  /** Nodes at the node group's maximum (threshold: compute.maxNodes). */
  nodesAtMax: { periodMinutes: 5, datapointsToAlarm: 3, evaluationPeriods: 3 },
  /** MLflow 401 answers in a period. */
  failedLogins: { threshold: 50, periodMinutes: 5, datapointsToAlarm: 1, evaluationPeriods: 1 },
} as const;

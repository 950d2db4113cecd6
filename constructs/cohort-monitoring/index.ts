/**
 * CohortMonitoring: the cohort's one dashboard and its alarms (cdk-monitoring-constructs), each alarm
 * to the alert topic with its runbook. One file on purpose: it is one construct whose private
 * methods are the dashboard's sections in the order they appear (MLflow's edge, MLflow's log,
 * the database, the cluster, rotation, then drift alerts once they exist), sharing one facade, the
 * thresholds and the runbook links; split, each section would be a file of imports around a dozen
 * lines of facade calls. The load balancer lookup it needs is load-balancer.ts.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import {
  AlarmWithAnnotation,
  CustomMetricGroup,
  DefaultDashboardFactory,
  MonitoringFacade,
  SnsAlarmActionStrategy,
} from 'cdk-monitoring-constructs';
import { Construct } from 'constructs';
import {
  ALARM_FIGURES,
  AlarmFigures,
  CONTAINER_INSIGHTS_NAMESPACE,
  LogMetric,
  MLFLOW_LOG_METRICS,
  RUNBOOKS,
} from '../../lib/core';

export { IngressLoadBalancer } from './load-balancer';
export type { IngressLoadBalancerProps } from './load-balancer';

/** Properties of {@link CohortMonitoring}. */
export interface CohortMonitoringProps {
  readonly cohortName: string;
  /** Where every alarm goes (the cohort's alert topic). */
  readonly alarmTopic: sns.ITopic;
  /** The EKS cluster's name (Container Insights `ClusterName`). */
  readonly clusterName: string;
  /** Namespace of the shared services (MLflow, Feast, Redis). */
  readonly namespace: string;
  /** The node group's maximum (`compute.maxNodes`): the node alarm's threshold. */
  readonly maxNodes: number;
  /** Pods one node admits (EKS max pods of the instance type), when known: the pod widget's line. */
  readonly podsPerNode?: number;
  /** `app/<name>/<id>` of MLflow's internet-facing load balancer (a deploy-time value). */
  readonly mlflowLoadBalancerFullName: string;
  /** Namespace of the MLflow log group's metric filters (`CohortLab/<cohort>`). */
  readonly mlflowLogMetricsNamespace: string;
  /** MLflow's web ACL. */
  readonly webAcl: wafv2.CfnWebACL;
  /** MLflow's PostgreSQL. */
  readonly database: rds.IDatabaseInstance;
  /** The secret rotation function. */
  readonly rotationFunction: lambda.IFunction;
  /**
   * The rule on Secrets Manager's `RotationFailed` events of the cohort's secrets (whichever
   * function rotates them, ours or the hosted database rotation): its matches are the failed
   * rotations on the dashboard.
   * @default - the dashboard shows the rotation function's invocations and errors only
   */
  readonly rotationFailedRule?: events.IRule;
  /**
   * Where the runbook links of the alarm descriptions point: the repository root as a URL (or
   * path) the on-call can open.
   * @default '' - paths relative to the repository root, e.g. `docs/runbooks/failed-logins.md`
   */
  readonly runbookBase?: string;
}

/** A metric a later section adds to the dashboard (see {@link CohortMonitoring.addDriftAlerts}). */
export interface DriftMetric {
  readonly metric: cloudwatch.IMetric;
  /** Shown in the widget and the alarm name. */
  readonly label: string;
  /** Alarm when the metric reaches it, with its runbook (relative to the repository root). */
  readonly alarm?: { readonly threshold: number; readonly runbook: string };
}

const MINUTE = 60;

/**
 * The cohort's CloudWatch dashboard and alarms, built with cdk-monitoring-constructs: MLflow at
 * the load balancer (requests, 5xx, latency) and in its own log (requests, 5xx, failed logins),
 * the web ACL, the database (CPU, connections, free storage), the cluster from Container Insights
 * (nodes against the node group's maximum, pods, CrashLoopBackOff, Redis memory) and the rotation
 * outcomes (the function's invocations and errors, every failed rotation of a cohort secret). Every alarm notifies the alert topic and names its runbook.
 */
export class CohortMonitoring extends Construct {
  /** The facade; the dashboard is `facade.createdDashboard()`. */
  public readonly facade: MonitoringFacade;
  private readonly runbookBase: string;
  private readonly props: CohortMonitoringProps;

  constructor(scope: Construct, id: string, props: CohortMonitoringProps) {
    super(scope, id);
    this.props = props;
    this.runbookBase = props.runbookBase ?? '';
    const prefix = `cohortlab-${props.cohortName}`;
    this.facade = new MonitoringFacade(this, 'Resource', {
      alarmFactoryDefaults: {
        alarmNamePrefix: prefix,
        actionsEnabled: true,
        action: new SnsAlarmActionStrategy({ onAlarmTopic: props.alarmTopic }),
      },
      metricFactoryDefaults: { period: Duration.minutes(5) },
      dashboardFactory: new DefaultDashboardFactory(this, 'Dashboards', {
        dashboardNamePrefix: prefix,
        createDashboard: true,
        createSummaryDashboard: false,
        createAlarmDashboard: false,
      }),
    });

    this.facade.addLargeHeader(`Cohort Lab ${props.cohortName}`);
    this.addMlflowEdge();
    this.addMlflowLog();
    this.facade.monitorWebApplicationFirewallAclV2({
      acl: props.webAcl,
      humanReadableName: 'MLflow web ACL',
      region: Stack.of(this).region,
    });
    this.addDatabase();
    this.addCluster();
    this.addRotation();
  }

  /** The dashboard. */
  public get dashboard(): cloudwatch.Dashboard {
    return this.facade.createdDashboard()!;
  }

  /** Every alarm, with what the library knows about it. */
  public get alarms(): AlarmWithAnnotation[] {
    return this.facade.createdAlarms();
  }

  /**
   * The hook for the drift alerts: a "Drift" section with these metrics (and an alarm on each that
   * has one) on the dashboard. Not called yet: no drift metric exists (docs/observability.md).
   */
  public addDriftAlerts(metrics: readonly DriftMetric[]): void {
    if (metrics.length === 0) {
      throw new Error(
        'CohortMonitoring.addDriftAlerts: give at least one metric; an empty section shows nothing',
      );
    }
    this.facade.monitorCustom({
      humanReadableName: 'Drift',
      alarmFriendlyName: 'Drift',
      metricGroups: [
        {
          title: 'Drift',
          metrics: metrics.map((m) =>
            m.alarm === undefined
              ? (m.metric as cloudwatch.Metric)
              : {
                  metric: m.metric as cloudwatch.Metric,
                  alarmFriendlyName: m.label.replace(/[^A-Za-z0-9]/g, ''),
                  addAlarm: {
                    Critical: {
                      threshold: m.alarm.threshold,
                      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                      alarmDescriptionOverride: `Drift: ${m.label} reached ${m.alarm.threshold}.`,
                      runbookLink: this.runbook(m.alarm.runbook),
                    },
                  },
                },
          ),
        },
      ],
    });
  }

  private addMlflowEdge(): void {
    const lb = { LoadBalancer: this.props.mlflowLoadBalancerFullName };
    const alb = (metricName: string, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApplicationELB',
        metricName,
        dimensionsMap: lb,
        statistic,
        period: Duration.minutes(5),
        label,
      });
    const requests = alb('RequestCount', 'Sum', 'Requests');
    const target5xx = alb('HTTPCode_Target_5XX_Count', 'Sum', '5xx from MLflow');
    const elb5xx = alb(
      'HTTPCode_ELB_5XX_Count',
      'Sum',
      '5xx from the load balancer (no healthy pod, timeout)',
    );
    const f5xx = ALARM_FIGURES.mlflow5xxPercent;
    const errorPercent = new cloudwatch.MathExpression({
      expression: `IF(req >= ${ALARM_FIGURES.mlflow5xxMinRequests}, 100 * (FILL(t5, 0) + FILL(e5, 0)) / req, 0)`,
      usingMetrics: { req: requests, t5: target5xx, e5: elb5xx },
      period: minutes(f5xx),
      label: '5xx share of requests (%)',
    });
    const fLatency = ALARM_FIGURES.mlflowP95LatencySeconds;
    const p95 = alb('TargetResponseTime', 'p95', 'p95 response time (s)');
    const p50 = alb('TargetResponseTime', 'p50', 'p50 response time (s)');
    this.facade.monitorCustom({
      humanReadableName: 'MLflow at the load balancer',
      alarmFriendlyName: 'MlflowEdge',
      description: 'MLflow as learners reach it: the Ingress load balancer (behind the web ACL).',
      metricGroups: [
        { title: 'Requests', metrics: [requests] },
        {
          title: '5xx',
          metrics: [
            target5xx,
            elb5xx,
            {
              metric: errorPercent,
              alarmFriendlyName: 'Mlflow5xxRate',
              addAlarm: {
                Critical: this.threshold(f5xx, RUNBOOKS.mlflowErrors, {
                  description: `More than ${f5xx.threshold}% of MLflow requests got a 5xx (at ${ALARM_FIGURES.mlflow5xxMinRequests}+ requests per ${f5xx.periodMinutes} minutes).`,
                }),
              },
            },
          ],
        },
        {
          title: 'Latency',
          metrics: [
            p50,
            {
              metric: p95,
              alarmFriendlyName: 'MlflowP95Latency',
              addAlarm: {
                Critical: this.threshold(fLatency, RUNBOOKS.mlflowErrors, {
                  description: `MLflow's p95 response time is above ${fLatency.threshold} s.`,
                  comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                }),
              },
            },
          ],
        },
      ],
    });
  }

  private addMlflowLog(): void {
    const metric = (m: LogMetric) =>
      new cloudwatch.Metric({
        namespace: this.props.mlflowLogMetricsNamespace,
        metricName: m.metricName,
        statistic: 'Sum',
        period: Duration.minutes(5),
        label: m.label,
      });
    const f = ALARM_FIGURES.failedLogins;
    this.facade.monitorCustom({
      humanReadableName: "MLflow's own access log",
      alarmFriendlyName: 'MlflowLog',
      description:
        "Counted by metric filters on the MLflow log group (the server's access lines; health checks included).",
      metricGroups: [
        {
          title: 'Requests and 5xx MLflow answered',
          metrics: [metric(MLFLOW_LOG_METRICS.requests), metric(MLFLOW_LOG_METRICS.serverErrors)],
        },
        {
          title: 'Failed logins (401)',
          metrics: [
            {
              metric: metric(MLFLOW_LOG_METRICS.failedLogins),
              alarmFriendlyName: 'MlflowFailedLogins',
              addAlarm: {
                Critical: this.threshold(f, RUNBOOKS.failedLogins, {
                  description: `${f.threshold} or more MLflow logins failed (401) in ${f.periodMinutes} minutes: maybe someone is guessing passwords.`,
                }),
              },
            },
          ],
        },
      ],
    });
  }

  private addDatabase(): void {
    const storage = ALARM_FIGURES.databaseFreeStorageGiB;
    const cpu = ALARM_FIGURES.databaseCpuPercent;
    this.facade.monitorRdsInstance({
      instance: this.props.database,
      humanReadableName: "MLflow's PostgreSQL (single instance: no replica, so no replica lag)",
      alarmFriendlyName: 'Database',
      addFreeStorageSpaceAlarm: {
        Critical: {
          minCount: storage.threshold * 1024 ** 3,
          period: minutes(storage),
          datapointsToAlarm: storage.datapointsToAlarm,
          evaluationPeriods: storage.evaluationPeriods,
          alarmDescriptionOverride: `MLflow's database has less than ${storage.threshold} GiB of free storage.`,
          runbookLink: this.runbook(RUNBOOKS.database),
        },
      },
      addCpuUsageAlarm: {
        Critical: {
          maxUsagePercent: cpu.threshold,
          period: minutes(cpu),
          datapointsToAlarm: cpu.datapointsToAlarm,
          evaluationPeriods: cpu.evaluationPeriods,
          alarmDescriptionOverride: `MLflow's database CPU is above ${cpu.threshold}%.`,
          runbookLink: this.runbook(RUNBOOKS.database),
        },
      },
    });
  }

  private addCluster(): void {
    const { clusterName, namespace, maxNodes, podsPerNode } = this.props;
    const ci = (metricName: string, statistic: string, label: string, extra: Record<string, string> = {}) =>
      new cloudwatch.Metric({
        namespace: CONTAINER_INSIGHTS_NAMESPACE,
        metricName,
        dimensionsMap: { ClusterName: clusterName, ...extra },
        statistic,
        period: Duration.minutes(5),
        label,
      });
    const nodesAtMax = ALARM_FIGURES.nodesAtMax;
    const crash = ALARM_FIGURES.crashLooping;
    const groups: CustomMetricGroup[] = [
      {
        title: 'Nodes (line: compute.maxNodes)',
        horizontalAnnotations: [{ value: maxNodes, label: `maxNodes ${maxNodes}` }],
        metrics: [
          {
            metric: ci('cluster_node_count', 'Maximum', 'Nodes'),
            alarmFriendlyName: 'NodesAtMax',
            addAlarm: {
              Critical: this.threshold({ ...nodesAtMax, threshold: maxNodes }, RUNBOOKS.nodesAtMax, {
                description: `The node group is at its maximum of ${maxNodes} nodes (compute.maxNodes): pods that do not fit stay Pending.`,
              }),
            },
          },
          ci('cluster_failed_node_count', 'Maximum', 'Failed nodes'),
        ],
      },
      {
        title: podsPerNode ? `Pods (line: ${podsPerNode} per node × maxNodes)` : 'Pods',
        horizontalAnnotations: podsPerNode
          ? [{ value: podsPerNode * maxNodes, label: `pods at ${maxNodes} nodes` }]
          : undefined,
        metrics: [
          ci('cluster_number_of_running_pods', 'Maximum', 'Running pods (cluster)'),
          ci('namespace_number_of_running_pods', 'Maximum', `Running pods (${namespace})`, {
            Namespace: namespace,
          }),
          ci('node_number_of_running_pods', 'Maximum', 'Running pods (busiest node)'),
        ],
      },
      {
        title: 'Containers in CrashLoopBackOff, restarts',
        metrics: [
          {
            metric: ci(
              'pod_container_status_waiting_reason_crash_loop_back_off',
              'Maximum',
              'CrashLoopBackOff',
            ),
            alarmFriendlyName: 'CrashLooping',
            addAlarm: {
              Critical: this.threshold(crash, RUNBOOKS.crashLooping, {
                description: 'A container in the cohort cluster is crash-looping (CrashLoopBackOff).',
              }),
            },
          },
          ci('pod_number_of_container_restarts', 'Maximum', 'Restarts (most of one pod)'),
        ],
      },
      {
        title: 'Redis memory (% of its limit)',
        metrics: [
          ci('pod_memory_utilization_over_pod_limit', 'Maximum', 'Redis memory / limit (%)', {
            Namespace: namespace,
            PodName: 'redis',
          }),
        ],
      },
    ];
    this.facade.monitorCustom({
      humanReadableName: 'Cluster (Container Insights)',
      alarmFriendlyName: 'Cluster',
      description:
        'From the CloudWatch Observability add-on (Container Insights with enhanced observability).',
      metricGroups: groups,
    });
  }

  /**
   * Rotation outcomes: the function's invocations and errors (each rotation step is one
   * invocation), and, when the rule is given, every failed rotation of a cohort secret (hosted
   * database rotations included) as the rule's matches. The function's error alarm is its own
   * (SecretRotation); the rule mails the alert topic itself.
   */
  private addRotation(): void {
    this.facade.monitorLambdaFunction({
      lambdaFunction: this.props.rotationFunction,
      humanReadableName: 'Secret rotation function (invocations, errors)',
      alarmFriendlyName: 'SecretRotation',
    });
    const rule = this.props.rotationFailedRule;
    if (rule === undefined) return;
    this.facade.monitorCustom({
      humanReadableName: 'Secret rotations that failed',
      alarmFriendlyName: 'RotationOutcomes',
      description: `Secrets Manager's RotationFailed events of the cohort's secrets, any rotation function (runbook: ${this.runbook(RUNBOOKS.rotationFailed)}).`,
      metricGroups: [
        {
          title: 'Failed rotations',
          metrics: [
            new cloudwatch.Metric({
              namespace: 'AWS/Events',
              metricName: 'TriggeredRules',
              dimensionsMap: { RuleName: rule.ruleName },
              statistic: 'Sum',
              period: Duration.minutes(5),
              label: 'Failed rotations (RotationFailed events)',
            }),
          ],
        },
      ],
    });
  }

  private threshold(
    figures: AlarmFigures,
    runbook: string,
    opts: { description: string; comparison?: cloudwatch.ComparisonOperator },
  ) {
    return {
      threshold: figures.threshold,
      comparisonOperator: opts.comparison ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      period: minutes(figures),
      datapointsToAlarm: figures.datapointsToAlarm,
      evaluationPeriods: figures.evaluationPeriods,
      treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescriptionOverride: opts.description,
      runbookLink: this.runbook(runbook),
    };
  }

  private runbook(path: string): string {
    return `${this.runbookBase}${path}`;
  }
}

function minutes(f: { readonly periodMinutes: number }): Duration {
  return Duration.seconds(f.periodMinutes * MINUTE);
}

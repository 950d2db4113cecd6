import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  acknowledgeWildcardResources,
  CLOUDWATCH_AGENT_REQUESTS,
  CLUSTER_LOG_GROUP_KINDS,
  clusterLogGroupName,
  ClusterLogGroupKind,
  CONTAINER_INSIGHTS_NAMESPACE,
  filterPatternOf,
  FLUENT_BIT_REQUESTS,
  LogMetric,
  PodRequests,
} from '../../lib/core';
import { CohortCluster } from '../cohort-cluster';
import { PodIdentityRole } from '../pod-identity-role';
import { fluentBitFiles } from './fluent-bit';

export { fluentBitFiles } from './fluent-bit';
export type { FluentBitLogGroups, FluentBitRouting } from './fluent-bit';

/** An EKS add-on pinned to one version. */
export interface PinnedAddon {
  readonly name: string;
  readonly version: string;
}

/** Properties of {@link ClusterObservability}. */
export interface ClusterObservabilityProps {
  /** The cluster whose nodes ship logs and Container Insights metrics. */
  readonly cluster: CohortCluster;
  /** Encrypts the log groups (the cohort key; its policy admits CloudWatch Logs of the account). */
  readonly encryptionKey: kms.IKey;
  /** Retention of every log group (the profile's). */
  readonly logRetention: logs.RetentionDays;
  /** Tail path of the one container whose raw lines go to the `mlflow` log group. */
  readonly mlflowLogPath: string;
  /** CloudWatch namespace of the metrics the `mlflow` log group's filters publish. */
  readonly metricNamespace: string;
  /** The metric filters of the `mlflow` log group. */
  readonly mlflowMetrics: readonly LogMetric[];
}

/**
 * Pod logs and Container Insights of the cohort's cluster, through the Amazon CloudWatch
 * Observability EKS add-on: its Fluent Bit DaemonSet ships every container's stdout and stderr
 * (and the kubelet's and runtime's journal) into log groups this construct owns, with the profile's
 * retention and the cohort key; its CloudWatch agent publishes the Container Insights metrics
 * (enhanced observability: nodes, pods, restarts, CrashLoopBackOff) from the `performance` group.
 * Application Signals and GPU metrics are off. Both run as the `amazon-cloudwatch/cloudwatch-agent`
 * service account, with a Pod Identity role that may write to these log groups only.
 *
 * The MLflow server's lines go to their own group, unchanged, where metric filters count its
 * answers (requests, 5xx, 401s).
 */
export class ClusterObservability extends Construct {
  /**
   * amazon-cloudwatch-observability v6.4.0 (chart 6.4.0, 2026-07-21: Fluent Bit 3.4.8, agent
   * 1.300070.0b1586, OTel Container Insights off by default since 6.2.0; RELEASE_NOTES of
   * aws-observability/helm-charts). The `-eksbuild.1` build and its support for Kubernetes 1.36
   * were not checked here: `aws eks describe-addon-versions --addon-name
   * amazon-cloudwatch-observability --kubernetes-version 1.36` lists them.
   */
  public static readonly ADDON: PinnedAddon = {
    name: 'amazon-cloudwatch-observability',
    version: 'v6.4.0-eksbuild.1',
  };
  /** Namespace and service account the add-on's agent and Fluent Bit run as. */
  public static readonly NAMESPACE = 'amazon-cloudwatch';
  public static readonly SERVICE_ACCOUNT = 'cloudwatch-agent';

  /** The add-on (primary child, id `Resource`). */
  public readonly addon: eks.CfnAddon;
  /** The log groups, by kind. */
  public readonly logGroups: Readonly<Record<ClusterLogGroupKind, logs.LogGroup>>;
  /** The Pod Identity role of the agent and Fluent Bit. */
  public readonly role: PodIdentityRole;
  /** The metric filters of the `mlflow` log group, by metric name. */
  public readonly metricFilters: Readonly<Record<string, logs.MetricFilter>>;

  constructor(scope: Construct, id: string, props: ClusterObservabilityProps) {
    super(scope, id);
    const clusterName = props.cluster.physicalName;

    const groups = {} as Record<ClusterLogGroupKind, logs.LogGroup>;
    for (const kind of CLUSTER_LOG_GROUP_KINDS) {
      groups[kind] = new logs.LogGroup(this, `${capitalise(kind)}Logs`, {
        logGroupName: clusterLogGroupName(clusterName, kind),
        retention: props.logRetention,
        encryptionKey: props.encryptionKey,
        removalPolicy: RemovalPolicy.DESTROY,
      });
    }
    this.logGroups = groups;

    this.role = props.cluster.addPodIdentityRole(
      'CloudWatchAgentRole',
      ClusterObservability.NAMESPACE,
      ClusterObservability.SERVICE_ACCOUNT,
    );
    this.grantAgent(Object.values(groups));

    const files = fluentBitFiles({
      // The names as text (not references), so the add-on's configuration is a plain string.
      logGroups: {
        application: clusterLogGroupName(clusterName, 'application'),
        mlflow: clusterLogGroupName(clusterName, 'mlflow'),
        dataplane: clusterLogGroupName(clusterName, 'dataplane'),
      },
      mlflowPath: props.mlflowLogPath,
    });
    this.addon = new eks.CfnAddon(this, 'Resource', {
      clusterName: props.cluster.clusterName,
      addonName: ClusterObservability.ADDON.name,
      addonVersion: ClusterObservability.ADDON.version,
      resolveConflicts: 'OVERWRITE',
      configurationValues: JSON.stringify(addonConfiguration(files)),
    });
    // Credentials come from the association when the pods start; the log groups exist first, so
    // nothing is written to a group the stack does not own.
    this.addon.node.addDependency(this.role.association, props.cluster.nodegroup, ...Object.values(groups));

    const filters: Record<string, logs.MetricFilter> = {};
    for (const metric of props.mlflowMetrics) {
      filters[metric.metricName] = new logs.MetricFilter(this, metric.metricName, {
        logGroup: groups.mlflow,
        metricNamespace: props.metricNamespace,
        metricName: metric.metricName,
        filterPattern: logs.FilterPattern.literal(filterPatternOf(metric.terms)),
        metricValue: '1',
        defaultValue: 0,
      });
    }
    this.metricFilters = filters;
  }

  /**
   * What the agent and Fluent Bit call, after AWS's CloudWatchAgentServerPolicy, narrowed: log
   * streams and events in these log groups only (no CreateLogGroup, no PutRetentionPolicy),
   * metrics in the Container Insights namespace only, and the EC2 reads that take no resource.
   */
  private grantAgent(groups: readonly logs.LogGroup[]): void {
    const role = this.role.role;
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogGroups',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: groups.flatMap((g) => [g.logGroupArn, `${g.logGroupArn}:*`]),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'FindLogGroups',
        actions: ['logs:DescribeLogGroups'],
        resources: [
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ContainerInsightsMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': CONTAINER_INSIGHTS_NAMESPACE } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeNodes',
        actions: ['ec2:DescribeInstances', 'ec2:DescribeTags', 'ec2:DescribeVolumes'],
        resources: ['*'],
      }),
    );
    const policy = role.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy;
    acknowledgeWildcardResources(
      policy,
      /Logs[0-9A-F]*\.Arn>:\*$/,
      "Log streams of the cluster's own log groups (one per node and container file); the groups are named.",
    );
    acknowledgeWildcardResources(
      policy,
      /:log-group:\*$/,
      'logs:DescribeLogGroups is a list call; it reveals log group names and settings, no log data.',
    );
    acknowledgeWildcardResources(
      policy,
      /^\*$/,
      'cloudwatch:PutMetricData takes no resource (limited to the ContainerInsights namespace by condition); ec2:DescribeInstances, DescribeTags and DescribeVolumes take no resource and change nothing.',
    );
  }
}

/**
 * The add-on's configuration values: Container Insights with enhanced observability and nothing
 * else from the agent (no Application Signals, so the operator instruments no pod; no GPU
 * metrics), and our Fluent Bit files.
 */
export function addonConfiguration(files: Record<string, string>): Record<string, unknown> {
  return {
    agent: {
      // The chart's defaults, written out so the capacity figures (lib/core/capacity.ts) are what runs.
      resources: { requests: kubernetesRequests(CLOUDWATCH_AGENT_REQUESTS) },
      config: {
        logs: {
          metrics_collected: {
            kubernetes: { enhanced_container_insights: true, accelerated_compute_metrics: false },
          },
        },
      },
    },
    manager: { applicationSignals: { autoMonitor: { monitorAllServices: false } } },
    containerLogs: {
      enabled: true,
      fluentBit: {
        resources: { requests: kubernetesRequests(FLUENT_BIT_REQUESTS) },
        config: { extraFiles: files },
      },
    },
  };
}

function kubernetesRequests(r: PodRequests): { cpu: string; memory: string } {
  return { cpu: `${r.cpuMillis}m`, memory: `${r.memoryMebibytes}Mi` };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

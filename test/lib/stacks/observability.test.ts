/**
 * Running the cohort in the open, as the templates say it: pod logs into log groups the cluster
 * stack owns (the add-on's Fluent Bit configuration), MLflow's log metrics, the web ACL and the
 * edge annotations on the Ingress, every alarm (metric, threshold, period, topic, runbook) and the
 * dashboard. What the failed-login pattern counts on real MLflow lines: test/integration.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { existsSync } from 'fs';
import { join } from 'path';
import {
  ALARM_FIGURES,
  filterPatternOf,
  MLFLOW_LOG_METRICS,
  MLFLOW_RATE_LIMIT,
  NODE_DAEMONSETS,
  RUNBOOKS,
} from '../../../lib/core';
import { CohortConfig } from '../../../lib/config';
import { CohortStacks } from '../../../lib/stacks/cohort-app';
import { buildStacks, loadCohort, REPO_ROOT } from '../../support/cohort';
import { KubernetesObject, kubernetesObjects, parseTemplateJson } from '../../support/template-json';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- template JSON
type Json = any;

function synth(config: CohortConfig): { stacks: CohortStacks; cluster: Template; apps: Template } {
  const { stacks } = buildStacks(config);
  return { stacks, cluster: Template.fromStack(stacks.cluster), apps: Template.fromStack(stacks.apps) };
}

function only(t: Template, type: string, props: Record<string, unknown> = {}): Json {
  const found = Object.values(t.findResources(type, { Properties: props }));
  expect(found).toHaveLength(1);
  return found[0];
}

function mlflowObjects(apps: Template): KubernetesObject[] {
  const found = Object.entries(apps.findResources('Custom::AWSCDK-EKS-KubernetesResource')).filter(([id]) =>
    /^Mlflow[0-9A-F]{8}$/.test(id),
  );
  return kubernetesObjects(found[0][1].Properties.Manifest);
}

const demo = loadCohort('cohorts/demo.yaml');
const CLUSTER = 'cohortlab-demo-2027-spring';

describe('pod logs (cluster stack)', () => {
  let cluster: Template;
  let addonConfig: Json;
  beforeAll(() => {
    ({ cluster } = synth(demo));
    const addon = only(cluster, 'AWS::EKS::Addon', { AddonName: 'amazon-cloudwatch-observability' });
    expect(addon.Properties.AddonVersion).toBe('v6.4.0-eksbuild.1');
    addonConfig = JSON.parse(addon.Properties.ConfigurationValues);
  });

  test('four log groups the stack owns, with the profile retention and the cohort key', () => {
    for (const kind of ['application', 'mlflow', 'dataplane', 'performance']) {
      const group = only(cluster, 'AWS::Logs::LogGroup', {
        LogGroupName: `/aws/containerinsights/${CLUSTER}/${kind}`,
      });
      expect(group.Properties.RetentionInDays).toBe(90);
      expect(JSON.stringify(group.Properties.KmsKeyId)).toContain('CohortKey');
      expect(group.DeletionPolicy).toBe('Delete');
    }
  });

  test('the sandbox keeps them 7 days', () => {
    const { cluster: sandbox } = synth(loadCohort('cohorts/sandbox-example.yaml'));
    const group = only(sandbox, 'AWS::Logs::LogGroup', {
      LogGroupName: '/aws/containerinsights/cohortlab-sandbox-grace/application',
    });
    expect(group.Properties.RetentionInDays).toBe(7);
  });

  test('Fluent Bit reads container stdout/stderr and the kubelet journal only, nothing else', () => {
    const files: Record<string, string> = addonConfig.containerLogs.fluentBit.config.extraFiles;
    expect(Object.keys(files).sort()).toEqual([
      'application-log.conf',
      'dataplane-log.conf',
      'host-log.conf',
    ]);
    const all = Object.values(files).join('\n');
    const inputs = [...all.matchAll(/\[INPUT\]\n((?: {4}.*\n?)+)/g)].map((m) => m[1]);
    expect(inputs).toHaveLength(4);
    for (const input of inputs) {
      const name = /Name\s+(\S+)/.exec(input)![1];
      expect(['tail', 'systemd']).toContain(name);
      if (name === 'tail') expect(input).toMatch(/Path\s+\/var\/log\/containers\//);
      else
        expect(input.match(/_SYSTEMD_UNIT=\S+/g)).toEqual([
          '_SYSTEMD_UNIT=containerd.service',
          '_SYSTEMD_UNIT=kubelet.service',
        ]);
    }
    // No process runs (exec), no environment is read, nothing parsed into the record, no labels or annotations.
    expect(all).not.toMatch(/Name\s+(exec|exec_wasi|proc|node_exporter_metrics)\b/);
    expect(all).not.toMatch(/\benv\b|Merge_Log\s+On|K8S-Logging\.Parser\s+On/);
    expect(all).toMatch(/Labels\s+Off/);
    expect(all).toMatch(/Annotations\s+Off/);
    expect(files['host-log.conf']).not.toContain('[INPUT]');
  });

  test('every output writes to one of the stack groups, and none may create a group', () => {
    const files: Record<string, string> = addonConfig.containerLogs.fluentBit.config.extraFiles;
    const outputs = [
      ...Object.values(files)
        .join('\n')
        .matchAll(/\[OUTPUT\]\n((?: {4}.*\n?)+)/g),
    ].map((m) => m[1]);
    expect(outputs.map((o) => /log_group_name\s+(\S+)/.exec(o)![1])).toEqual([
      `/aws/containerinsights/${CLUSTER}/application`,
      `/aws/containerinsights/${CLUSTER}/mlflow`,
      `/aws/containerinsights/${CLUSTER}/dataplane`,
    ]);
    for (const o of outputs) expect(o).toMatch(/auto_create_group\s+false/);
    // MLflow's lines go as written (the metric filters read them), from its server container only.
    expect(outputs[1]).toMatch(/log_key\s+log/);
    expect(files['application-log.conf']).toContain(
      'Path              /var/log/containers/mlflow-*_cohort-lab_mlflow-*.log',
    );
  });

  test('the agent runs Container Insights only: no Application Signals, no GPU metrics', () => {
    expect(addonConfig.agent).toEqual({
      resources: { requests: { cpu: '250m', memory: '128Mi' } },
      config: {
        logs: {
          metrics_collected: {
            kubernetes: { enhanced_container_insights: true, accelerated_compute_metrics: false },
          },
        },
      },
    });
    expect(addonConfig.manager.applicationSignals.autoMonitor.monitorAllServices).toBe(false);
  });

  test('the DaemonSets request what the capacity figures count on every node', () => {
    // the figures docs/capacity.md adds per node (lib/core/capacity.ts), as the add-on runs them
    const perNode = (name: string) => NODE_DAEMONSETS.find((g) => g.name === name)!;
    const asRequests = (g: { cpuMillis: number; memoryMebibytes: number }) => ({
      cpu: `${g.cpuMillis}m`,
      memory: `${g.memoryMebibytes}Mi`,
    });
    expect(addonConfig.agent.resources.requests).toEqual(
      asRequests(perNode('CloudWatch agent (Container Insights)')),
    );
    expect(addonConfig.containerLogs.fluentBit.resources.requests).toEqual(
      asRequests(perNode('Fluent Bit (pod logs)')),
    );
  });

  test('the agent role writes to the stack log groups and may create none', () => {
    const policy = only(cluster, 'AWS::IAM::Policy', {
      Roles: [
        {
          Ref: Object.keys(cluster.findResources('AWS::IAM::Role')).find((id) =>
            id.startsWith('ClusterCloudWatchAgentRole'),
          )!,
        },
      ],
    });
    const actions = policy.Properties.PolicyDocument.Statement.flatMap((s: Json) => [s.Action].flat());
    expect(actions).not.toContain('logs:CreateLogGroup');
    expect(actions).not.toContain('logs:PutRetentionPolicy');
    expect(actions).toEqual(expect.arrayContaining(['logs:PutLogEvents', 'logs:CreateLogStream']));
  });

  test("MLflow's log metrics: one metric filter each, on the MLflow log group", () => {
    for (const m of Object.values(MLFLOW_LOG_METRICS)) {
      const filter = only(cluster, 'AWS::Logs::MetricFilter', { FilterPattern: filterPatternOf(m.terms) });
      expect(filter.Properties.MetricTransformations).toEqual([
        {
          MetricNamespace: 'CohortLab/demo-2027-spring',
          MetricName: m.metricName,
          MetricValue: '1',
          DefaultValue: 0,
        },
      ]);
      expect(JSON.stringify(filter.Properties.LogGroupName)).toContain('ObservabilityMlflowLogs');
    }
    expect(filterPatternOf(MLFLOW_LOG_METRICS.failedLogins.terms)).toBe('"HTTP/1.1" "401 Unauthorized"');
  });
});

describe('the edge (apps stack)', () => {
  test('a regional web ACL: a rate limit per source address, then AWS common and known-bad-inputs rules', () => {
    const { apps } = synth(demo);
    const acl = only(apps, 'AWS::WAFv2::WebACL').Properties;
    expect(acl.Scope).toBe('REGIONAL');
    expect(acl.DefaultAction).toEqual({ Allow: {} });
    expect(acl.Rules.map((r: Json) => [r.Priority, r.Name])).toEqual([
      [0, 'RateLimitPerSourceIp'],
      [1, 'AwsCommonRuleSet'],
      [2, 'AwsKnownBadInputsRuleSet'],
    ]);
    const [rate, common, bad] = acl.Rules;
    expect(rate.Statement.RateBasedStatement).toEqual({
      AggregateKeyType: 'IP',
      Limit: MLFLOW_RATE_LIMIT.requests,
      EvaluationWindowSec: MLFLOW_RATE_LIMIT.windowSeconds,
    });
    expect(rate.Action.Block.CustomResponse).toMatchObject({ ResponseCode: 429 });
    expect(common.Statement.ManagedRuleGroupStatement).toMatchObject({
      VendorName: 'AWS',
      Name: 'AWSManagedRulesCommonRuleSet',
      RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
    });
    expect(bad.Statement.ManagedRuleGroupStatement).toEqual({
      VendorName: 'AWS',
      Name: 'AWSManagedRulesKnownBadInputsRuleSet',
    });
    for (const r of acl.Rules) expect(r.VisibilityConfig.CloudWatchMetricsEnabled).toBe(true);
  });

  test("the Ingress names the web ACL, its load balancer, and the cohort file's networks", () => {
    const limited = {
      ...demo,
      mlflow: { ...demo.mlflow, allowedCidrs: ['203.0.113.0/24', '198.51.100.0/24'] },
    };
    const { apps } = synth(limited);
    const ingress = mlflowObjects(apps).find((o) => o.kind === 'Ingress')!;
    const aclId = Object.keys(apps.findResources('AWS::WAFv2::WebACL'))[0];
    expect(ingress.metadata.annotations).toMatchObject({
      'alb.ingress.kubernetes.io/wafv2-acl-arn': { 'Fn::GetAtt': [aclId, 'Arn'] },
      'alb.ingress.kubernetes.io/inbound-cidrs': '203.0.113.0/24,198.51.100.0/24',
      'alb.ingress.kubernetes.io/load-balancer-name': 'mlflow-demo-2027-spring',
    });
  });

  test('without a list the Ingress admits the internet (no inbound-cidrs), still behind the web ACL', () => {
    const { apps } = synth(demo);
    const ingress = mlflowObjects(apps).find((o) => o.kind === 'Ingress')!;
    expect(ingress.metadata.annotations!['alb.ingress.kubernetes.io/inbound-cidrs']).toBeUndefined();
    expect(ingress.metadata.annotations!['alb.ingress.kubernetes.io/wafv2-acl-arn']).toBeDefined();
  });

  test("the load balancer's metrics dimension is looked up once the Ingress has an address", () => {
    const { apps } = synth(demo);
    const wait = only(apps, 'Custom::AWSCDK-EKS-KubernetesObjectValue');
    expect(wait.Properties).toMatchObject({
      ObjectType: 'ingress',
      ObjectName: 'mlflow',
      ObjectNamespace: 'cohort-lab',
      JsonPath: '.status.loadBalancer.ingress[0].hostname',
    });
    const lookup = only(apps, 'Custom::AWS');
    expect(JSON.stringify(lookup.Properties.Create)).toContain('mlflow-demo-2027-spring');
    expect(lookup.DependsOn).toEqual(
      expect.arrayContaining([expect.stringMatching(/^MlflowLoadBalancerAddress/)]),
    );
  });
});

describe('alarms and dashboard (apps stack)', () => {
  let apps: Template;
  let alarms: Json[];
  beforeAll(() => {
    ({ apps } = synth(demo));
    alarms = Object.values(apps.findResources('AWS::CloudWatch::Alarm')).map((a: Json) => a.Properties);
  });

  /** Every period an alarm evaluates: its own, or its metrics'. */
  const periods = (a: Json): number[] =>
    a.Period !== undefined
      ? [a.Period]
      : [...new Set<number>(a.Metrics.map((m: Json) => m.MetricStat?.Period ?? m.Period).filter(Boolean))];
  /** The metric names an alarm reads. */
  const metricNames = (a: Json): string[] =>
    a.MetricName !== undefined
      ? [a.MetricName]
      : a.Metrics.filter((m: Json) => m.MetricStat).map((m: Json) => m.MetricStat.Metric.MetricName);

  const expected: Array<[string, string[], number, number, number, number, string, string]> = [
    // name suffix, metrics, threshold, period (s), datapoints, evaluation periods, operator, runbook
    [
      'MlflowEdge-Mlflow5xxRate-Critical',
      ['RequestCount', 'HTTPCode_Target_5XX_Count', 'HTTPCode_ELB_5XX_Count'],
      5,
      300,
      2,
      3,
      'GreaterThanOrEqualToThreshold',
      RUNBOOKS.mlflowErrors,
    ],
    [
      'MlflowEdge-MlflowP95Latency-Critical',
      ['TargetResponseTime'],
      2,
      300,
      3,
      3,
      'GreaterThanThreshold',
      RUNBOOKS.mlflowErrors,
    ],
    [
      'MlflowLog-MlflowFailedLogins-Critical',
      ['MlflowFailedLogins'],
      50,
      300,
      1,
      1,
      'GreaterThanOrEqualToThreshold',
      RUNBOOKS.failedLogins,
    ],
    [
      'Database-Min-Usage-Count-Critical',
      ['FreeStorageSpace'],
      2 * 1024 ** 3,
      300,
      3,
      3,
      'LessThanThreshold',
      RUNBOOKS.database,
    ],
    [
      'Database-CPU-Usage-Critical',
      ['CPUUtilization'],
      80,
      300,
      3,
      3,
      'GreaterThanThreshold',
      RUNBOOKS.database,
    ],
    [
      'Cluster-NodesAtMax-Critical',
      ['cluster_node_count'],
      4,
      300,
      3,
      3,
      'GreaterThanOrEqualToThreshold',
      RUNBOOKS.nodesAtMax,
    ],
    [
      'Cluster-CrashLooping-Critical',
      ['pod_container_status_waiting_reason_crash_loop_back_off'],
      1,
      300,
      2,
      2,
      'GreaterThanOrEqualToThreshold',
      RUNBOOKS.crashLooping,
    ],
  ];

  test.each(expected)(
    '%s: %j, threshold %d, period %d s, %d of %d, %s, runbook %s',
    (suffix, metrics, threshold, period, datapoints, evaluation, operator, runbook) => {
      const alarm = alarms.find((a) => a.AlarmName === `cohortlab-demo-2027-spring-${suffix}`);
      expect(alarm).toBeDefined();
      expect(metricNames(alarm).sort()).toEqual([...metrics].sort());
      expect(alarm.Threshold).toBe(threshold);
      expect(periods(alarm)).toEqual([period]);
      expect(alarm.DatapointsToAlarm).toBe(datapoints);
      expect(alarm.EvaluationPeriods).toBe(evaluation);
      expect(alarm.ComparisonOperator).toBe(operator);
      expect(alarm.AlarmDescription).toMatch(new RegExp(`Runbook: ${runbook.replace(/\./g, '\\.')}$`));
      expect(existsSync(join(REPO_ROOT, runbook))).toBe(true);
    },
  );

  test('every alarm notifies the alert topic and nothing else, and names an existing runbook', () => {
    const topicOutput = /AlertsDB4F5C6B|Alerts[0-9A-F]{8}/;
    expect(alarms).toHaveLength(expected.length + 1); // + the rotation function's own error alarm
    for (const a of alarms) {
      expect(a.AlarmActions).toHaveLength(1);
      expect(JSON.stringify(a.AlarmActions[0])).toMatch(topicOutput);
      const runbook = /Runbook: (\S+)$/.exec(a.AlarmDescription)![1];
      expect(existsSync(join(REPO_ROOT, runbook))).toBe(true);
    }
  });

  test('every alarm description fits CloudWatch (1,024 characters), with a long runbook base too', () => {
    // CloudWatch PutMetricAlarm: AlarmDescription is at most 1,024 characters (API reference).
    for (const a of alarms) expect(a.AlarmDescription.length).toBeLessThanOrEqual(1024);
    const longest = Math.max(...alarms.map((a) => a.AlarmDescription.length));
    // room for a runbook base URL of 200 characters in front of every link
    expect(longest + 200).toBeLessThanOrEqual(1024);
  });

  test('the figures in lib/core are the ones the alarms use', () => {
    expect(ALARM_FIGURES.failedLogins.threshold).toBe(50);
    expect(ALARM_FIGURES.mlflow5xxMinRequests).toBe(20);
  });

  test('one dashboard that names every metric above', () => {
    const dashboard = only(apps, 'AWS::CloudWatch::Dashboard');
    // The body is JSON text with references in it (the region, the load balancer, the function,
    // the rule): parsed, each widget's metric lines are [namespace, name, dimension, value, ...,
    // options], a reference standing as itself.
    const widgets: Json[] = (parseTemplateJson(dashboard.Properties.DashboardBody) as Json).widgets;
    const lines: Json[][] = widgets
      .flatMap((w) => w.properties.metrics ?? [])
      .filter((m: Json[]) => typeof m[0] === 'string');
    const names = new Set(lines.map((m) => m[1]));
    expect(
      [
        'RequestCount',
        'HTTPCode_Target_5XX_Count',
        'HTTPCode_ELB_5XX_Count',
        'TargetResponseTime',
        'MlflowRequests',
        'MlflowServerErrors',
        'MlflowFailedLogins',
        'CPUUtilization',
        'DatabaseConnections',
        'FreeStorageSpace',
        'pod_memory_utilization_over_pod_limit',
        'cluster_node_count',
        'cluster_number_of_running_pods',
        'namespace_number_of_running_pods',
        'node_number_of_running_pods',
        'pod_container_status_waiting_reason_crash_loop_back_off',
        'Invocations',
        'Errors',
        'BlockedRequests',
        'TriggeredRules',
      ].filter((name) => !names.has(name)),
    ).toEqual([]);
    // the failed rotations are the matches of the data stack's RotationFailed rule
    const rotations = lines.find((m) => m[1] === 'TriggeredRules')!;
    expect(rotations.slice(0, 3)).toEqual(['AWS/Events', 'TriggeredRules', 'RuleName']);
    expect(rotations[3]).toEqual({
      'Fn::GetStackOutput': {
        StackName: 'cohortlab-demo-2027-spring-data',
        Region: 'eu-west-1',
        OutputName: expect.stringMatching(/^PublishOutputRefAlertsRotationFailed[0-9A-F]+$/),
      },
    });
    expect(dashboard.Properties.DashboardName).toBe('cohortlab-demo-2027-spring');
  });
});

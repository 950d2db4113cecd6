import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { CohortMonitoring, CohortMonitoringProps } from '../../constructs/cohort-monitoring';
import { testStack } from '../support/cohort';
import { templateText } from '../support/template-json';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- template JSON
type Json = any;

/** A CohortMonitoring on stand-ins for what the stacks give it (imported by name, no wiring). */
function build(extra: Partial<CohortMonitoringProps> = {}): { stack: Stack; monitoring: CohortMonitoring } {
  const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
  const monitoring = new CohortMonitoring(stack, 'Monitoring', {
    cohortName: 'spring',
    alarmTopic: sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:eu-west-1:111122223333:alerts'),
    clusterName: 'cohortlab-spring',
    namespace: 'cohort-lab',
    maxNodes: 6,
    podsPerNode: 29,
    mlflowLoadBalancerFullName: 'app/mlflow-spring/0123456789abcdef',
    mlflowLogMetricsNamespace: 'CohortLab/spring',
    webAcl: new wafv2.CfnWebACL(stack, 'Acl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: { cloudWatchMetricsEnabled: true, metricName: 'acl', sampledRequestsEnabled: true },
    }),
    database: rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Db', {
      instanceIdentifier: 'spring-db',
      instanceEndpointAddress: 'db.example',
      port: 5432,
      securityGroups: [],
    }),
    rotationFunction: lambda.Function.fromFunctionName(stack, 'Rotation', 'spring-rotation'),
    ...extra,
  });
  return { stack, monitoring };
}

function alarms(stack: Stack): Json[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map(
    (a: Json) => a.Properties,
  );
}

/** The dashboard's widgets, parsed (the region is a reference, written `${...}`). */
function widgets(stack: Stack): Json[] {
  const dashboards = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  return JSON.parse(templateText((dashboards[0] as Json).Properties.DashboardBody)).widgets;
}

/** Every metric line of the dashboard: [namespace, name, ...dimensions] without the options. */
function metricLines(stack: Stack): string[][] {
  return widgets(stack)
    .flatMap((w) => w.properties.metrics ?? [])
    .filter((m: Json[]) => typeof m[0] === 'string')
    .map((m: Json[]) => m.filter((x) => typeof x === 'string'));
}

describe('CohortMonitoring', () => {
  test('the node alarm takes compute.maxNodes; the pod widget draws pods per node × maxNodes', () => {
    const { stack } = build();
    const nodes = alarms(stack).find((a) => a.AlarmName === 'cohortlab-spring-Cluster-NodesAtMax-Critical');
    expect(nodes.Threshold).toBe(6);
    const pods = widgets(stack).find((w) => w.properties.title === 'Pods (line: 29 per node × maxNodes)');
    expect(pods.properties.annotations.horizontal).toEqual([
      { value: 174, label: 'pods at 6 nodes', yAxis: 'left' },
    ]);
  });

  test('runbook links start with runbookBase when given', () => {
    const { stack } = build({ runbookBase: 'https://git.example.edu/cohort-lab/blob/main/' });
    const all = alarms(stack);
    expect(all.length).toBeGreaterThanOrEqual(7);
    for (const a of all) {
      expect(a.AlarmDescription).toMatch(
        /Runbook: https:\/\/git\.example\.edu\/cohort-lab\/blob\/main\/docs\/runbooks\/[a-z-]+\.md$/,
      );
    }
  });

  test("failed rotations come from the rule's matches when the rule is given, with no alarm of their own", () => {
    // GIVEN a rule on RotationFailed events
    const withoutRule = build();
    const ruleStack = testStack({ region: 'eu-west-1', account: '111122223333' });
    const rule = events.Rule.fromEventRuleArn(
      ruleStack,
      'Rule',
      'arn:aws:events:eu-west-1:111122223333:rule/spring-rotation-failed',
    );
    const { stack } = build({ rotationFailedRule: rule });
    // THEN the dashboard counts its matches; without it there is no such widget
    expect(metricLines(stack)).toContainEqual([
      'AWS/Events',
      'TriggeredRules',
      'RuleName',
      'spring-rotation-failed',
    ]);
    expect(metricLines(withoutRule.stack).map((m) => m[1])).not.toContain('TriggeredRules');
    expect(alarms(stack)).toHaveLength(alarms(withoutRule.stack).length);
  });

  test('drift alerts add a section, and an alarm with its runbook for a metric that has one', () => {
    // GIVEN the monitoring; WHEN two drift metrics arrive, one with an alarm
    const before = alarms(build().stack).length;
    const { stack, monitoring } = build();
    const metric = (name: string) =>
      new cloudwatch.Metric({ namespace: 'CohortLab/spring', metricName: name });
    monitoring.addDriftAlerts([
      {
        metric: metric('FeatureDrift'),
        label: 'Feature drift share',
        alarm: { threshold: 0.3, runbook: 'docs/runbooks/drift.md' },
      },
      { metric: metric('PredictionDrift'), label: 'Prediction drift' },
    ]);
    // THEN both are on the dashboard, and one alarm more goes to the topic naming its runbook
    const names = metricLines(stack).map((m) => m[1]);
    expect(names).toEqual(expect.arrayContaining(['FeatureDrift', 'PredictionDrift']));
    const added = alarms(stack).filter((a) => a.MetricName === 'FeatureDrift');
    expect(alarms(stack)).toHaveLength(before + 1);
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({
      Threshold: 0.3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: ['arn:aws:sns:eu-west-1:111122223333:alerts'],
    });
    expect(added[0].AlarmDescription).toMatch(/Runbook: docs\/runbooks\/drift\.md$/);
  });

  test('fails when drift alerts are added with no metric', () => {
    const { monitoring } = build();
    expect(() => monitoring.addDriftAlerts([])).toThrow(
      'CohortMonitoring.addDriftAlerts: give at least one metric; an empty section shows nothing',
    );
  });
});

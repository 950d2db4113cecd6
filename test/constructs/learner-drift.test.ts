import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CohortAlerts } from '../../constructs/cohort-alerts';
import { DriftRole, LearnerDrift, LearnerDriftProps } from '../../constructs/learner-drift';
import { testStack } from '../support/cohort';

interface Setup {
  stack: Stack;
  alerts: CohortAlerts;
  driftRole: DriftRole;
  key: kms.Key;
  bucket: s3.Bucket;
}

function setup(): Setup {
  const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'cohortlab-spring' });
  const key = new kms.Key(stack, 'Key');
  const alerts = new CohortAlerts(stack, 'Alerts', { cohortName: 'spring', encryptionKey: key });
  const bucket = new s3.Bucket(stack, 'Bucket', { bucketName: 'spring-artifacts' });
  const driftRole = new DriftRole(stack, 'DriftRole', {
    cluster,
    topic: alerts.topic,
    encryptionKey: key,
    artifactBucket: bucket,
    cohortName: 'spring',
  });
  return { stack, alerts, driftRole, key, bucket };
}

function learner(s: Setup, slug: string, over: Partial<LearnerDriftProps> = {}): LearnerDrift {
  return new LearnerDrift(s.stack, `Person-${slug}`, {
    cohortName: 'spring',
    slug,
    email: `${slug}@example.edu`,
    alerts: s.alerts,
    driftRole: s.driftRole,
    artifactBucketName: 'spring-artifacts',
    thresholds: { driftedFeatures: 2, maxPsi: 0.3 },
    ...over,
  });
}

describe('DriftRole', () => {
  let s: Setup;
  let t: Template;

  beforeAll(() => {
    // GIVEN the shared drift role; WHEN two learners are associated with it
    s = setup();
    learner(s, 'ada');
    learner(s, 'grace');
    t = Template.fromStack(s.stack);
  });

  test('one role for every learner, bound to learner-<slug>/drift by one association each', () => {
    const roleId = s.stack.getLogicalId(s.driftRole.podIdentity.role.node.defaultChild as iam.CfnRole);
    t.resourceCountIs('AWS::EKS::PodIdentityAssociation', 2);
    for (const slug of ['ada', 'grace']) {
      t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
        Namespace: `learner-${slug}`,
        ServiceAccount: 'drift',
        RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
      });
    }
  });

  test("each association's session policy narrows S3 reads to the Feast data and that learner's own references", () => {
    // THEN ada's association allows reads of feast/ and learners/ada/drift/ only (EKS requires the
    // session tags off with a policy), and grace's names hers
    for (const slug of ['ada', 'grace']) {
      t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
        Namespace: `learner-${slug}`,
        DisableSessionTags: true,
        Policy: JSON.stringify({
          Statement: [
            {
              Action: ['cloudwatch:PutMetricData', 'sns:Publish', 'kms:GenerateDataKey*', 'kms:Decrypt'],
              Effect: 'Allow',
              Resource: '*',
            },
            {
              Action: 's3:GetObject',
              Effect: 'Allow',
              Resource: [
                'arn:aws:s3:::spring-artifacts/feast/*',
                `arn:aws:s3:::spring-artifacts/learners/${slug}/drift/*`,
              ],
            },
          ],
          Version: '2012-10-17',
        }),
      });
    }
  });

  test('the role may only put drift metrics, publish to the cohort topic, read the drift data, and use its key through SNS and S3', () => {
    const topicId = s.stack.getLogicalId(s.alerts.topic.node.defaultChild as sns.CfnTopic);
    const keyId = s.stack.getLogicalId(s.key.node.defaultChild as kms.CfnKey);
    const bucketId = s.stack.getLogicalId(s.bucket.node.defaultChild as s3.CfnBucket);
    const objects = (key: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${key}`]] });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Sid: 'DriftMetricsOnly',
            Effect: 'Allow',
            Action: 'cloudwatch:PutMetricData',
            Resource: '*',
            Condition: { StringEquals: { 'cloudwatch:namespace': 'CohortLab/Drift' } },
          },
          { Sid: 'PublishAlerts', Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: topicId } },
          {
            Sid: 'TopicKeyThroughSns',
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
            Condition: { StringEquals: { 'kms:ViaService': 'sns.eu-west-1.amazonaws.com' } },
          },
          {
            Sid: 'ReadDriftData',
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: [objects('feast/*'), objects('learners/*/drift/*')],
          },
          {
            Sid: 'BucketKeyThroughS3',
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
            Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
          },
        ],
      },
    });
    // and nothing else: one policy, no managed policies
    t.resourceCountIs('AWS::IAM::Policy', 1);
    t.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });
});

describe('LearnerDrift', () => {
  let s: Setup;
  let t: Template;

  beforeAll(() => {
    s = setup();
    learner(s, 'ada');
    t = Template.fromStack(s.stack);
  });

  test("one alarm on both drift metrics of the learner's model, missing data not breaching", () => {
    const dims = [
      { Name: 'Cohort', Value: 'spring' },
      { Name: 'Learner', Value: 'ada' },
      { Name: 'Model', Value: 'promotion.ada' },
    ];
    const metric = (id: string, name: string) => ({
      Id: id,
      ReturnData: false,
      MetricStat: {
        Metric: { Namespace: 'CohortLab/Drift', MetricName: name, Dimensions: dims },
        Period: 3600,
        Stat: 'Maximum',
      },
    });
    t.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'cohortlab-spring-drift-ada',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'MAX([drifted / 2, psi / 0.3])', ReturnData: true }),
        metric('drifted', 'DriftedFeatures'),
        metric('psi', 'MaxPsi'),
      ]),
    });
  });

  test('the alarm notifies the alarm topic only', () => {
    const alarmTopicId = s.stack.getLogicalId(s.alerts.alarmTopic.node.defaultChild as sns.CfnTopic);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: alarmTopicId }],
      OKActions: Match.absent(),
    });
  });

  test("the learner's warnings go to their roster email", () => {
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ada@example.edu',
      FilterPolicy: { learner: ['ada'], severity: ['warning'] },
    });
  });

  test('another model can be named', () => {
    const other = setup();
    learner(other, 'grace', { model: 'churn.grace' });
    Template.fromStack(other.stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              Dimensions: Match.arrayWith([{ Name: 'Model', Value: 'churn.grace' }]),
            }),
          }),
        }),
      ]),
    });
  });

  test('fails when the drifted-features threshold is not a whole number of at least 1', () => {
    const bad = setup();
    expect(() => learner(bad, 'ada', { thresholds: { driftedFeatures: 0, maxPsi: 0.2 } })).toThrow(
      /thresholds.driftedFeatures must be a whole number of at least 1 \(got 0\)/,
    );
  });

  test('fails when the PSI threshold is not above 0', () => {
    const bad = setup();
    expect(() => learner(bad, 'ada', { thresholds: { driftedFeatures: 1, maxPsi: -1 } })).toThrow(
      /thresholds.maxPsi must be above 0 \(got -1\)/,
    );
  });

  test('fails when the slug is not a normalised id', () => {
    const bad = setup();
    expect(() => learner(bad, 'Ada_L')).toThrow(/slug "Ada_L" is not a normalised id/);
  });
});

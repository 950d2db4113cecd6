import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CohortAlerts,
  criticalFilterPolicy,
  learnerWarningFilterPolicy,
  ownerFilterPolicy,
} from '../../constructs/cohort-alerts';
import { testStack } from '../support/cohort';

const ARN_PREFIX = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cohort-lab/spring/';

function build(
  emails?: readonly string[],
  extra: { ops?: string[]; slack?: { workspaceId: string; channelId: string } } = {},
): { stack: Stack; alerts: CohortAlerts; key: kms.Key } {
  const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
  const key = new kms.Key(stack, 'Key');
  const alerts = new CohortAlerts(stack, 'Alerts', {
    cohortName: 'spring',
    encryptionKey: key,
    emails,
    ...extra,
  });
  return { stack, alerts, key };
}

const id = (stack: Stack, c: Construct) => stack.getLogicalId(c.node.defaultChild as sns.CfnTopic);

describe('CohortAlerts', () => {
  let t: Template;
  let keyId: string;
  let topicId: string;
  let alarmTopicId: string;
  let auditId: string;
  let deadLettersId: string;

  beforeAll(() => {
    // GIVEN alerts for two addresses; WHEN failed rotations under the cohort prefix are announced
    const { stack, alerts, key } = build(['ops@example.edu', 'ada@example.edu']);
    alerts.alertOnRotationFailure('cohort-lab/spring/');
    t = Template.fromStack(stack);
    keyId = stack.getLogicalId(key.node.defaultChild as kms.CfnKey);
    topicId = stack.getLogicalId(alerts.topic.node.defaultChild as sns.CfnTopic);
    alarmTopicId = stack.getLogicalId(alerts.alarmTopic.node.defaultChild as sns.CfnTopic);
    auditId = stack.getLogicalId(alerts.auditQueue.node.defaultChild as sqs.CfnQueue);
    deadLettersId = stack.getLogicalId(alerts.auditDeadLetterQueue.node.defaultChild as sqs.CfnQueue);
  });

  test('both topics (alerts, drift alarms) are encrypted with the given key and named after the cohort', () => {
    // THEN
    t.resourceCountIs('AWS::SNS::Topic', 2);
    for (const name of ['Cohort Lab spring alerts', 'Cohort Lab spring drift alarms']) {
      t.hasResourceProperties('AWS::SNS::Topic', {
        DisplayName: name,
        KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
    }
  });

  test('the topic refuses publishing without TLS', () => {
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowPublishThroughSSLOnly',
            Effect: 'Deny',
            Principal: '*',
            Action: 'sns:Publish',
            Resource: { Ref: topicId },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ]),
      },
    });
  });

  test("each owner gets the cohort's own notices and critical alerts, and every drift alarm", () => {
    // THEN two owners x two topics, plus the audit queue on both topics
    t.resourceCountIs('AWS::SNS::Subscription', 6);
    for (const email of ['ops@example.edu', 'ada@example.edu']) {
      t.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: topicId },
        FilterPolicy: {
          $or: [{ source: [{ exists: false }] }, { severity: ['critical'] }],
        },
      });
      t.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: alarmTopicId },
        FilterPolicy: Match.absent(),
      });
    }
    expect(ownerFilterPolicy()).toEqual({
      $or: [{ source: [{ exists: false }] }, { severity: ['critical'] }],
    });
  });

  test('without addresses only the audit queue subscribes', () => {
    // GIVEN no emails
    const { stack } = build();
    // THEN both topics exist, with the audit queue as their only subscriber
    const bare = Template.fromStack(stack);
    bare.resourceCountIs('AWS::SNS::Topic', 2);
    bare.resourceCountIs('AWS::SNS::Subscription', 2);
    bare.allResourcesProperties('AWS::SNS::Subscription', { Protocol: 'sqs' });
  });

  test('everything on both topics reaches the audit queue, unfiltered, with a dead-letter queue for what SNS cannot deliver', () => {
    for (const topic of [topicId, alarmTopicId]) {
      t.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        TopicArn: { Ref: topic },
        Endpoint: { 'Fn::GetAtt': [auditId, 'Arn'] },
        FilterPolicy: Match.absent(),
        RawMessageDelivery: Match.absent(),
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLettersId, 'Arn'] } },
      });
    }
  });

  test('the audit queues are encrypted with the cohort key, keep 14 days, and the audit queue has a DLQ', () => {
    t.resourceCountIs('AWS::SQS::Queue', 2);
    t.allResourcesProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    t.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [deadLettersId, 'Arn'] }, maxReceiveCount: 5 },
    });
    // TLS only
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('SNS of this account may use the key to deliver to the encrypted queues', () => {
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowSnsToDeliverToEncryptedQueues',
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
          },
        ]),
      },
    });
  });

  test('ops get critical alerts (filter on severity) and drift alarms (no filter)', () => {
    // GIVEN an ops list
    const { stack, alerts } = build([], { ops: ['noc@example.edu'] });
    // THEN two subscriptions for the address
    const ops = Template.fromStack(stack);
    ops.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'noc@example.edu',
      TopicArn: { Ref: id(stack, alerts.topic) },
      FilterPolicy: { severity: ['critical'] },
    });
    ops.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'noc@example.edu',
      TopicArn: { Ref: id(stack, alerts.alarmTopic) },
      FilterPolicy: Match.absent(),
    });
    expect(criticalFilterPolicy()).toEqual({ severity: ['critical'] });
  });

  test("a learner's subscription gets their own warnings only, in the scope it is given", () => {
    // GIVEN a learner construct in the same stack
    const { stack, alerts } = build();
    const learner = new Construct(stack, 'Person-ada');
    // WHEN
    const sub = alerts.routeLearnerWarnings(learner, 'Warnings', 'ada', 'ada@example.edu');
    // THEN
    expect(sub.node.path).toBe('Test/Person-ada/Warnings');
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ada@example.edu',
      TopicArn: { Ref: id(stack, alerts.topic) },
      FilterPolicy: { learner: ['ada'], severity: ['warning'] },
    });
    expect(learnerWarningFilterPolicy('ada')).toEqual({ learner: ['ada'], severity: ['warning'] });
  });

  test('fails when a learner slug is not a normalised id', () => {
    const { stack, alerts } = build();
    expect(() => alerts.routeLearnerWarnings(stack, 'W', 'Ada Lovelace', 'ada@example.edu')).toThrow(
      /learner slug "Ada Lovelace" is not a normalised id/,
    );
  });

  test('Slack, when configured, gets both topics through a role with no permissions and a deny-all guardrail', () => {
    // GIVEN a Slack channel
    const { stack, alerts } = build([], { slack: { workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23' } });
    const slack = Template.fromStack(stack);
    // THEN
    slack.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      ConfigurationName: 'cohortlab-spring-alerts',
      SlackWorkspaceId: 'T07EA123LEP',
      SlackChannelId: 'C07EZ1ABC23',
      SnsTopicArns: [{ Ref: id(stack, alerts.topic) }, { Ref: id(stack, alerts.alarmTopic) }],
      GuardrailPolicies: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AWSDenyAll']] },
      ],
    });
    slack.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'chatbot.amazonaws.com' } })],
      },
      ManagedPolicyArns: Match.absent(),
      Policies: Match.absent(),
    });
    slack.resourceCountIs('AWS::IAM::Policy', 0);
    // and without Slack there is none
    Template.fromStack(build().stack).resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
  });

  test('CloudWatch alarms and EventBridge of this account may use the key to publish', () => {
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowAlertPublishersToUseTheKey',
            Effect: 'Allow',
            Principal: { Service: ['cloudwatch.amazonaws.com', 'events.amazonaws.com'] },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
          },
        ]),
      },
    });
  });

  test('the RotationFailed rule matches Secrets Manager events for secrets under the prefix only', () => {
    t.resourceCountIs('AWS::Events::Rule', 1);
    t.hasResourceProperties('AWS::Events::Rule', {
      Description: 'Cohort Lab: a secret rotation failed (cohort-lab/spring/*)',
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.secretsmanager'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        detail: {
          eventName: ['RotationFailed'],
          additionalEventData: { SecretId: [{ prefix: ARN_PREFIX }] },
        },
      },
    });
  });

  test('the rule sends the topic a message naming the secret, the time and the runbook', () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        {
          Id: 'Target0',
          Arn: { Ref: topicId },
          InputTransformer: {
            InputPathsMap: {
              'detail-additionalEventData-SecretId': '$.detail.additionalEventData.SecretId',
              time: '$.time',
            },
            InputTemplate:
              '"Secret rotation failed: <detail-additionalEventData-SecretId> at <time>. Runbook: docs/runbooks/recover-failed-rotation.md"',
          },
        },
      ],
    });
    // EventBridge may publish to the topic.
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topicId },
          }),
        ]),
      },
    });
  });

  test('the rule matches the ARN prefix of the name prefix it is given', () => {
    // GIVEN another cohort's prefix
    const { stack, alerts } = build();
    // WHEN
    alerts.alertOnRotationFailure('cohort-lab/autumn/');
    // THEN the pattern names that prefix
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        detail: Match.objectLike({
          additionalEventData: {
            SecretId: [{ prefix: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cohort-lab/autumn/' }],
          },
        }),
      }),
    });
  });
});

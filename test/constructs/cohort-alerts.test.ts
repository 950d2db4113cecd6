import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CohortAlerts } from '../../constructs/cohort-alerts';
import { testStack } from '../support/cohort';

const ARN_PREFIX = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cohort-lab/spring/';

function build(emails?: readonly string[]): { stack: Stack; alerts: CohortAlerts; key: kms.Key } {
  const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
  const key = new kms.Key(stack, 'Key');
  const alerts = new CohortAlerts(stack, 'Alerts', { cohortName: 'spring', encryptionKey: key, emails });
  return { stack, alerts, key };
}

describe('CohortAlerts', () => {
  let t: Template;
  let keyId: string;
  let topicId: string;

  beforeAll(() => {
    // GIVEN alerts for two addresses; WHEN failed rotations under the cohort prefix are announced
    const { stack, alerts, key } = build(['ops@example.edu', 'ada@example.edu']);
    alerts.alertOnRotationFailure('cohort-lab/spring/');
    t = Template.fromStack(stack);
    keyId = stack.getLogicalId(key.node.defaultChild as kms.CfnKey);
    topicId = stack.getLogicalId(alerts.topic.node.defaultChild as sns.CfnTopic);
  });

  test('the topic is encrypted with the given key and named after the cohort', () => {
    // THEN
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'Cohort Lab spring alerts',
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
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

  test('each address gets one email subscription to the topic', () => {
    t.resourceCountIs('AWS::SNS::Subscription', 2);
    for (const email of ['ops@example.edu', 'ada@example.edu']) {
      t.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: topicId },
      });
    }
  });

  test('without addresses there is no subscription', () => {
    // GIVEN no emails
    const { stack } = build();
    // THEN the topic exists without subscribers
    const bare = Template.fromStack(stack);
    bare.resourceCountIs('AWS::SNS::Topic', 1);
    bare.resourceCountIs('AWS::SNS::Subscription', 0);
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

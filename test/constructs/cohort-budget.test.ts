import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CohortBudget } from '../../constructs/cohort-budget';
import { testStack } from '../support/cohort';

describe('CohortBudget', () => {
  test('a monthly cost budget on the cohort tag, forecast and actual thresholds to the topic', () => {
    // GIVEN
    const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
    const key = new kms.Key(stack, 'Key');
    const topic = new sns.Topic(stack, 'Topic', { masterKey: key });
    // WHEN
    new CohortBudget(stack, 'Budget', {
      cohortName: 'spring',
      tagKey: 'lab:cohort',
      monthlyUsd: 500,
      forecastPercent: 100,
      actualPercent: [80, 100],
      topic,
      topicKey: key,
    });
    const t = Template.fromStack(stack);
    const topicRef = { Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) };
    const sub = [{ SubscriptionType: 'SNS', Address: topicRef }];
    // THEN
    t.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: {
        BudgetName: 'cohortlab-spring',
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: 500, Unit: 'USD' },
        CostFilters: { TagKeyValue: ['user:lab:cohort$spring'] },
      },
      NotificationsWithSubscribers: [
        {
          Notification: Match.objectLike({ NotificationType: 'FORECASTED', Threshold: 100 }),
          Subscribers: sub,
        },
        { Notification: Match.objectLike({ NotificationType: 'ACTUAL', Threshold: 80 }), Subscribers: sub },
        { Notification: Match.objectLike({ NotificationType: 'ACTUAL', Threshold: 100 }), Subscribers: sub },
      ],
    });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'AllowBudgetsToPublish', Principal: { Service: 'budgets.amazonaws.com' } }),
        ]),
      },
    });
  });
});

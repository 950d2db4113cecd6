import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CohortExpiry } from '../../constructs/cohort-expiry';
import { testStack } from '../support/cohort';

function build() {
  const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
  const topic = new sns.Topic(stack, 'Topic');
  const expiry = new CohortExpiry(stack, 'Expiry', {
    cohortName: 'spring',
    expires: '2027-04-30',
    notices: topic,
    remindDaysBefore: [14, 3],
    actionDescription: 'the stacks are deleted',
  });
  return { stack, expiry };
}

describe('CohortExpiry', () => {
  test('reminders N days before at 09:00 UTC and the notice at the end of the expiry day, each one-time', () => {
    // GIVEN / WHEN
    const { stack, expiry } = build();
    const t = Template.fromStack(stack);
    // THEN
    expect(expiry.expiresAt.toISOString()).toBe('2027-05-01T00:00:00.000Z');
    const expressions = Object.values(t.findResources('AWS::Scheduler::Schedule')).map(
      (r) => (r.Properties as { ScheduleExpression: string }).ScheduleExpression,
    );
    expect(expressions).toEqual([
      'at(2027-04-16T09:00:00)',
      'at(2027-04-27T09:00:00)',
      'at(2027-05-01T00:00:00)',
    ]);
    t.allResourcesProperties('AWS::Scheduler::Schedule', {
      ScheduleExpressionTimezone: 'Etc/UTC',
      Target: Match.objectLike({ Input: Match.stringLikeRegexp('spring') }),
    });
  });

  test('teardown deletes each stack with the CDK execution role, hours apart, and may pass only that role', () => {
    // GIVEN
    const { stack, expiry } = build();
    // WHEN
    expiry.deleteStack('DeleteApps', 'cohortlab-spring-apps', Duration.hours(1));
    const t = Template.fromStack(stack);
    // THEN
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'at(2027-05-01T01:00:00)',
      Target: Match.objectLike({
        Arn: { 'Fn::Join': ['', Match.arrayWith([':scheduler:::aws-sdk:cloudformation:deleteStack'])] },
        Input: Match.objectLike({
          'Fn::Join': Match.arrayWith([
            Match.arrayWith([Match.stringLikeRegexp('"StackName":"cohortlab-spring-apps"')]),
          ]),
        }),
      }),
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'cloudformation:DeleteStack',
            Resource: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/cohortlab-spring-apps/*',
          }),
          Match.objectLike({
            Action: 'iam:PassRole',
            Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
          }),
        ]),
      },
    });
  });
});

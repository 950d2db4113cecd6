import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CohortKey } from '../../constructs/cohort-key';
import { testStack } from '../support/cohort';

describe('CohortKey', () => {
  test('rotates yearly, is retained by default and has the cohort alias', () => {
    const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
    new CohortKey(stack, 'Key', { cohortName: 'spring' });

    const t = Template.fromStack(stack);
    t.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, PendingWindowInDays: 30 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    t.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/cohort-lab/spring' });
  });

  test('lets CloudWatch Logs use it only for log groups of its own account and region', () => {
    const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
    new CohortKey(stack, 'Key', { cohortName: 'spring' });

    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchLogsOfThisAccount',
            Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-west-1:111122223333:log-group:*',
              },
            },
          }),
        ]),
      },
    });
  });

  test('can be destroyed with a shorter waiting period', () => {
    const stack = testStack();
    new CohortKey(stack, 'Key', {
      cohortName: 'sb',
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });

    Template.fromStack(stack).hasResource('AWS::KMS::Key', {
      Properties: { PendingWindowInDays: 7 },
      DeletionPolicy: 'Delete',
    });
  });

  test("grantPeopleKeyUse: one statement for the cohort's people, through S3 and Secrets Manager only", () => {
    // GIVEN the key; WHEN the cohort's people are granted by tag
    const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
    const key = new CohortKey(stack, 'Key', { cohortName: 'spring' });
    key.grantPeopleKeyUse('spring');
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key')).flatMap(
      (k) => k.Properties.KeyPolicy.Statement as Array<Record<string, unknown>>,
    );
    const people = statements.filter((st) => st.Sid === 'PeopleOfTheCohortThroughS3AndSecretsManager');
    // THEN one statement: principals of this account tagged with the cohort, via the two services
    expect(people).toEqual([
      {
        Sid: 'PeopleOfTheCohortThroughS3AndSecretsManager',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        Resource: '*',
        Condition: {
          StringEquals: {
            'aws:PrincipalAccount': '111122223333',
            'aws:PrincipalTag/lab:cohort': 'spring',
            'kms:ViaService': ['s3.eu-west-1.amazonaws.com', 'secretsmanager.eu-west-1.amazonaws.com'],
          },
        },
      },
    ]);
  });
});

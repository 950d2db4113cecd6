/**
 * SecretRotation on its own: the function, its logs, alarm, permissions and acknowledgements, and
 * the schedules addSecret makes. Its rotation logic is tested in mlflow-rotation/lambda/ and,
 * against moto and a real MLflow, in test/integration/rotation.test.ts.
 *
 * Longer than 300 lines on purpose: the role's policy and its acknowledgements are asserted
 * statement by statement, and they belong with the rest of the construct's test.
 */
import { App, CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { readFileSync } from 'fs';
import { join } from 'path';
import { SecretRotation, SecretRotationProps } from '../../constructs/mlflow-rotation';
import { SecretKind } from '../../lib/core';
import { enablePolicyChecks, synthWithPolicyChecks } from '../../lib/stacks/policy-checks';
import { testStack } from '../support/cohort';

interface Setup {
  readonly stack: Stack;
  readonly rotation: SecretRotation;
  readonly key: kms.Key;
  readonly topic: sns.Topic;
}

function build(overrides: Partial<SecretRotationProps> = {}): Setup {
  const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
  const key = new kms.Key(stack, 'Key');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const topic = new sns.Topic(stack, 'Alerts', { masterKey: key });
  const rotation = new SecretRotation(stack, 'Rotation', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    mlflowUrl: 'http://internal-mlflow.example.internal',
    adminSecretName: 'cohort-lab/spring/mlflow-admin',
    secretNamePrefix: 'cohort-lab/spring/',
    encryptionKey: key,
    alarmTopic: topic,
    ...overrides,
  });
  return { stack, rotation, key, topic };
}

function logicalId(stack: Stack, c: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(c.node.defaultChild as CfnElement);
}

describe('SecretRotation', () => {
  let s: Setup;
  let t: Template;
  let ids: { key: string; fn: string; logs: string; sg: string; role: string };

  beforeAll(() => {
    // GIVEN the function with its defaults
    s = build();
    t = Template.fromStack(s.stack);
    ids = {
      key: logicalId(s.stack, s.key),
      fn: logicalId(s.stack, s.rotation.function),
      logs: s.stack.getLogicalId(s.rotation.node.findChild('Logs').node.defaultChild as CfnElement),
      sg: logicalId(s.stack, s.rotation.securityGroup),
      role: s.stack.getLogicalId(s.rotation.node.findChild('Role').node.defaultChild as CfnElement),
    };
  });

  describe('the function', () => {
    test('Node.js 24 on arm64, 256 MB, 60 s, its own role, the environment encrypted with the key', () => {
      t.hasResourceProperties('AWS::Lambda::Function', {
        Description: 'Cohort Lab: rotates MLflow user passwords and generated keys of one cohort',
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 256,
        Timeout: 60,
        Role: { 'Fn::GetAtt': [ids.role, 'Arn'] },
        KmsKeyArn: { 'Fn::GetAtt': [ids.key, 'Arn'] },
      });
    });

    test('knows where MLflow is and which secret is the admin', () => {
      t.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: {
            MLFLOW_URL: 'http://internal-mlflow.example.internal',
            ADMIN_SECRET_ID: 'cohort-lab/spring/mlflow-admin',
          },
        },
      });
    });

    test('runs in the given subnets behind its own security group', () => {
      t.hasResourceProperties('AWS::Lambda::Function', {
        VpcConfig: {
          SubnetIds: [
            { Ref: Match.stringLikeRegexp('^VpcPrivateSubnet1') },
            { Ref: Match.stringLikeRegexp('^VpcPrivateSubnet2') },
          ],
          SecurityGroupIds: [{ 'Fn::GetAtt': [ids.sg, 'GroupId'] }],
        },
      });
    });

    test('its security group admits nothing and sends only HTTPS', () => {
      t.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription:
          'Cohort Lab secret rotation: MLflow private endpoint and Secrets Manager over HTTPS',
        SecurityGroupIngress: Match.absent(),
        SecurityGroupEgress: [
          {
            CidrIp: '0.0.0.0/0',
            IpProtocol: 'tcp',
            FromPort: 443,
            ToPort: 443,
            Description: 'Secrets Manager API (HTTPS)',
          },
        ],
      });
    });

    test('is not retried asynchronously (Secrets Manager retries the rotation itself)', () => {
      t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: ids.fn },
        MaximumRetryAttempts: 0,
      });
    });

    test('the bundle holds the Lambda entry, without aws-cdk-lib', () => {
      // GIVEN the asset the function was bundled into
      const code = s.rotation.function.node.findChild('Code') as s3assets.Asset;
      const bundle = readFileSync(
        join((s.stack.node.root as App).outdir, code.assetPath, 'index.js'),
        'utf8',
      );
      // THEN it holds the entry's own check, and no CDK code came along
      expect(bundle).toContain('MLFLOW_URL and ADMIN_SECRET_ID must be set');
      expect(bundle).not.toMatch(/aws-cdk-lib|constructs\/lib/);
    });
  });

  describe('logs', () => {
    test('its own log group, encrypted with the key, kept 3 months by default, deleted with the stack', () => {
      t.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: ids.logs } } });
      t.hasResource('AWS::Logs::LogGroup', {
        Properties: { RetentionInDays: 90, KmsKeyId: { 'Fn::GetAtt': [ids.key, 'Arn'] } },
        DeletionPolicy: 'Delete',
      });
    });

    test('logRetention sets the retention', () => {
      const other = build({ logRetention: logs.RetentionDays.ONE_WEEK });
      Template.fromStack(other.stack).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    });
  });

  test('an error in a 5-minute window raises an alarm on the topic', () => {
    t.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.fn } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: logicalId(s.stack, s.topic) }],
      AlarmDescription: Match.stringLikeRegexp('docs/runbooks/recover-failed-rotation\\.md$'),
    });
  });

  describe('permissions', () => {
    test('the role: its own log streams, VPC network interfaces, the cohort secrets, passwords, the key', () => {
      t.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: ids.role }],
        PolicyDocument: {
          Statement: [
            {
              Sid: 'LogsOfThisFunction',
              Effect: 'Allow',
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              Resource: [
                { 'Fn::GetAtt': [ids.logs, 'Arn'] },
                { 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.logs, 'Arn'] }, ':*']] },
              ],
            },
            {
              Sid: 'VpcNetworkInterfaces',
              Effect: 'Allow',
              Action: [
                'ec2:AssignPrivateIpAddresses',
                'ec2:CreateNetworkInterface',
                'ec2:DeleteNetworkInterface',
                'ec2:DescribeNetworkInterfaces',
                'ec2:DescribeSubnets',
                'ec2:UnassignPrivateIpAddresses',
              ],
              Resource: '*',
            },
            {
              Sid: 'RotateCohortSecrets',
              Effect: 'Allow',
              Action: [
                'secretsmanager:DescribeSecret',
                'secretsmanager:GetSecretValue',
                'secretsmanager:PutSecretValue',
                'secretsmanager:UpdateSecretVersionStage',
              ],
              Resource: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cohort-lab/spring/*',
            },
            {
              Sid: 'GeneratePasswords',
              Effect: 'Allow',
              Action: 'secretsmanager:GetRandomPassword',
              Resource: '*',
            },
            {
              Effect: 'Allow',
              Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
              Resource: { 'Fn::GetAtt': [ids.key, 'Arn'] },
            },
          ],
        },
      });
    });

    test('the role has no managed policy', () => {
      t.hasResourceProperties('AWS::IAM::Role', {
        Description: 'Cohort Lab secret rotation function',
        AssumeRolePolicyDocument: {
          Statement: [
            { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
          ],
        },
        ManagedPolicyArns: Match.absent(),
      });
    });

    test('Secrets Manager of this account may invoke the function', () => {
      t.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [ids.fn, 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'secretsmanager.amazonaws.com',
        SourceAccount: '111122223333',
      });
    });

    test('the wildcards of the policy are acknowledged with their reasons', () => {
      t.hasResource('AWS::IAM::Policy', {
        Metadata: {
          cdk_nag: {
            rules_to_suppress: [
              {
                id: 'AwsSolutions-IAM5[Resource::arn:aws:secretsmanager:eu-west-1:111122223333:secret:cohort-lab/spring/*]',
                reason:
                  "Rotation may only touch the cohort's own secrets: the wildcard is the cohort's secret-name prefix.",
              },
              {
                id: `AwsSolutions-IAM5[Resource::<${ids.logs}.Arn>:*]`,
                reason: "Log streams of this function's own log group.",
              },
            ],
          },
        },
      });
      const policy = s.rotation.node.findChild('Role').node.findChild('DefaultPolicy').node
        .defaultChild as iam.CfnPolicy;
      const acknowledged = policy.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.keys(m.data as object));
      expect(acknowledged).toEqual(
        expect.arrayContaining([
          'Annotation::AwsSolutions-IAM5[Resource::*]',
          'Annotation::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
          'Annotation::AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        ]),
      );
    });

    test('cdk-nag finds nothing unacknowledged in the construct', () => {
      // GIVEN the construct in an app with the policy checks on
      const other = build();
      const app = other.stack.node.root as App;
      enablePolicyChecks(app);
      // WHEN
      const { violations } = synthWithPolicyChecks(app);
      // THEN (the test VPC has findings of its own, e.g. no flow log; those are not this construct's)
      expect(violations.filter((v) => v.constructPath.startsWith('Test/Rotation/'))).toEqual([]);
      expect(violations.length).toBeGreaterThan(0);
    });
  });

  describe('addSecret', () => {
    let schedules: Template;
    let secretIds: Record<string, string>;
    let permissionId: string;
    let functionId: string;

    beforeAll(() => {
      // GIVEN two secrets; WHEN one is added to rotate now and one on the schedule
      const { stack, rotation, key } = build();
      const generated = new secretsmanager.Secret(stack, 'Generated', { encryptionKey: key });
      const user = new secretsmanager.Secret(stack, 'User', { encryptionKey: key });
      rotation.addSecret(generated, SecretKind.GENERATED_DUAL, true);
      rotation.addSecret(user, SecretKind.MLFLOW_USER);
      schedules = Template.fromStack(stack);
      secretIds = { generated: logicalId(stack, generated), user: logicalId(stack, user) };
      functionId = logicalId(stack, rotation.function);
      permissionId = stack.getLogicalId(
        rotation.function.node.findChild('InvokedBySecretsManager') as CfnElement,
      );
    });

    test('tags each secret with its kind, which the function dispatches on', () => {
      schedules.hasResourceProperties('AWS::SecretsManager::Secret', {
        Tags: Match.arrayWith([{ Key: 'lab:secret-kind', Value: SecretKind.GENERATED_DUAL }]),
      });
      schedules.hasResourceProperties('AWS::SecretsManager::Secret', {
        Tags: Match.arrayWith([{ Key: 'lab:secret-kind', Value: SecretKind.MLFLOW_USER }]),
      });
    });

    test('puts each secret on the function every 30 days, after the invoke permission exists', () => {
      schedules.resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
      for (const [secret, now] of [
        ['generated', true],
        ['user', false],
      ] as const) {
        schedules.hasResource('AWS::SecretsManager::RotationSchedule', {
          Properties: {
            SecretId: { Ref: secretIds[secret] },
            RotationLambdaARN: { 'Fn::GetAtt': [functionId, 'Arn'] },
            RotationRules: { ScheduleExpression: 'rate(30 days)' },
            RotateImmediatelyOnUpdate: now,
          },
          DependsOn: [permissionId],
        });
      }
    });

    test('rotationInterval sets the schedule', () => {
      const other = build({ rotationInterval: Duration.days(7) });
      other.rotation.addSecret(
        new secretsmanager.Secret(other.stack, 'Secret', { encryptionKey: other.key }),
        SecretKind.GENERATED_KEY,
      );
      Template.fromStack(other.stack).hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        RotationRules: { ScheduleExpression: 'rate(7 days)' },
      });
    });
  });

  test('fails when the secret name prefix does not end in a slash', () => {
    expect(() => build({ secretNamePrefix: 'cohort-lab/spring' })).toThrow(
      new Error('SecretRotation: secretNamePrefix "cohort-lab/spring" must end in "/"'),
    );
  });
});

import { CfnResource, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CohortSecrets } from '../../constructs/cohort-secrets';
import { SecretRotation } from '../../constructs/mlflow-rotation';
import { testStack } from '../support/cohort';

interface Setup {
  readonly stack: Stack;
  readonly secrets: CohortSecrets;
  readonly key: kms.Key;
  readonly rotation: SecretRotation;
  /** Stands in for the applied MLflow manifest. */
  readonly mlflowManifest: CfnResource;
}

function setup(): Setup {
  const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const rotation = new SecretRotation(stack, 'Rotation', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    mlflowUrl: 'http://internal-mlflow.example.internal',
    adminSecretName: 'cohort-lab/spring/mlflow-admin',
    secretNamePrefix: 'cohort-lab/spring/',
    encryptionKey: key,
    alarmTopic: new sns.Topic(stack, 'Alerts', { masterKey: key }),
  });
  const secrets = new CohortSecrets(stack, 'Secrets', { cohortName: 'spring', encryptionKey: key, rotation });
  const mlflowManifest = new CfnResource(stack, 'MlflowManifest', { type: 'Custom::Manifest' });
  return { stack, secrets, key, rotation, mlflowManifest };
}

function logicalId(stack: Stack, c: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(c.node.defaultChild as CfnResource);
}

describe('CohortSecrets', () => {
  let s: Setup;
  let t: Template;

  beforeAll(() => {
    // GIVEN the cohort's service secrets
    s = setup();
    t = Template.fromStack(s.stack);
  });

  test.each([
    ['mlflow-admin', 'mlflow-admin', '{"username":"admin"}', 'password'],
    ['mlflow-flask-secret-key', 'generated-key', '{}', 'secretKey'],
    ['redis', 'generated-dual', '{}', 'password'],
  ])(
    '%s: encrypted with the key, tagged %s, generated from %s with a 32-character %s',
    (name, kind, template, key) => {
      t.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: `cohort-lab/spring/${name}`,
        KmsKeyId: { 'Fn::GetAtt': [logicalId(s.stack, s.key), 'Arn'] },
        Tags: Match.arrayWith([{ Key: 'lab:secret-kind', Value: kind }]),
        GenerateSecretString: {
          SecretStringTemplate: template,
          GenerateStringKey: key,
          PasswordLength: 32,
          ExcludePunctuation: true,
          IncludeSpace: false,
          RequireEachIncludedType: true,
        },
      });
    },
  );

  test('each is on the shared function every 30 days; only Redis rotates at creation, the MLflow ones wait for MLflow', () => {
    const secretIds = Object.fromEntries(
      [s.secrets.mlflowAdmin, s.secrets.flaskKey, s.secrets.redis].map((secret) => [
        secret.node.id,
        logicalId(s.stack, secret),
      ]),
    );
    t.resourceCountIs('AWS::SecretsManager::RotationSchedule', 3);
    for (const [id, now] of [
      ['MlflowAdmin', false],
      ['FlaskKey', false],
      ['Redis', true],
    ] as const) {
      t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        SecretId: { Ref: secretIds[id] },
        RotationLambdaARN: { 'Fn::GetAtt': [logicalId(s.stack, s.rotation.function), 'Arn'] },
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
        RotateImmediatelyOnUpdate: now,
      });
    }
  });
});

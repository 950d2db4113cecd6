import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { readFileSync } from 'fs';
import { join } from 'path';
import { CohortSecrets } from '../../constructs/cohort-secrets';
import { SecretRotation } from '../../constructs/mlflow-rotation';
import { enablePolicyChecks, synthWithPolicyChecks } from '../../lib/stacks/policy-checks';
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

describe('CohortSecrets.addLearner', () => {
  let s: Setup;
  let t: Template;
  let learnerId: string;

  beforeAll(() => {
    // GIVEN the cohort's secrets; WHEN a learner is added after the MLflow manifest
    s = setup();
    const learner = s.secrets.addLearner('grace-hopper', { after: [s.mlflowManifest] });
    learnerId = logicalId(s.stack, learner);
    t = Template.fromStack(s.stack);
  });

  test('one secret named after the learner, encrypted with the cohort key, generated as {username, password}', () => {
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'cohort-lab/spring/learners/grace-hopper/mlflow',
      KmsKeyId: { 'Fn::GetAtt': [logicalId(s.stack, s.key), 'Arn'] },
      GenerateSecretString: {
        SecretStringTemplate: '{"username":"grace-hopper"}',
        GenerateStringKey: 'password',
        PasswordLength: 32,
        ExcludePunctuation: true,
        IncludeSpace: false,
        RequireEachIncludedType: true,
      },
    });
    expect(Object.keys(t.findResources('AWS::SecretsManager::Secret'))).toHaveLength(4);
  });

  test('tagged with the learner and the kind the rotation function dispatches on', () => {
    const secret = t.toJSON().Resources[learnerId];
    expect(secret.Properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'lab:learner', Value: 'grace-hopper' },
        { Key: 'lab:secret-kind', Value: 'mlflow-user' },
      ]),
    );
  });

  test('on the shared function every 30 days, first rotated at deploy time after the MLflow manifest', () => {
    const schedules = t.findResources('AWS::SecretsManager::RotationSchedule', {
      Properties: { SecretId: { Ref: learnerId } },
    });
    const [schedule] = Object.values(schedules);
    expect(Object.keys(schedules)).toHaveLength(1);
    expect(schedule.Properties).toEqual({
      SecretId: { Ref: learnerId },
      RotationLambdaARN: { 'Fn::GetAtt': [logicalId(s.stack, s.rotation.function), 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediatelyOnUpdate: true,
    });
    expect(schedule.DependsOn).toEqual(expect.arrayContaining([s.stack.getLogicalId(s.mlflowManifest)]));
  });

  test('createUserNow: false leaves the first rotation to the schedule', () => {
    const other = setup();
    const learner = other.secrets.addLearner('ada-lovelace', { createUserNow: false });
    Template.fromStack(other.stack).hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: logicalId(other.stack, learner) },
      RotateImmediatelyOnUpdate: false,
    });
  });

  test.each(['Grace', 'grace_hopper', '-grace', 'grace-', '1grace', ''])(
    'fails on the slug %j, which is not a normalised id',
    (slug) => {
      expect(() => setup().secrets.addLearner(slug)).toThrow(
        `CohortSecrets: learner slug "${slug}" is not a normalised id`,
      );
    },
  );

  test('cdk-nag: no Secrets Manager finding on any secret, none acknowledged', () => {
    const other = setup();
    other.secrets.addLearner('grace-hopper');
    const app = other.stack.node.root as App;
    enablePolicyChecks(app);
    const { violations, outdir } = synthWithPolicyChecks(app);
    expect(violations.filter((v) => v.rule.startsWith('AwsSolutions-SMG'))).toEqual([]);
    // (The test VPC has no flow log, so synth reports findings; the template is written regardless.)
    const template = JSON.parse(
      readFileSync(join(outdir, `${other.stack.artifactId}.template.json`), 'utf8'),
    ) as {
      Resources: Record<
        string,
        { Type: string; Metadata?: { cdk_nag?: { rules_to_suppress: Array<{ id: string }> } } }
      >;
    };
    const resources = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::SecretsManager::Secret',
    );
    expect(resources).toHaveLength(4);
    for (const r of resources) {
      const acks = (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((a) => a.id);
      expect(acks.filter((id) => id.startsWith('AwsSolutions-SM'))).toEqual([]);
    }
  });

  test('cdk-nag reports AwsSolutions-SMG4 on a learner secret whose schedule is taken away', () => {
    const other = setup();
    const learner = other.secrets.addLearner('grace-hopper');
    learner.node.tryRemoveChild('Rotation');
    const app = other.stack.node.root as App;
    enablePolicyChecks(app);
    const { violations } = synthWithPolicyChecks(app);
    expect(violations.filter((v) => v.rule === 'AwsSolutions-SMG4').map((v) => v.constructPath)).toEqual([
      `${learner.node.path}/Resource`,
    ]);
  });
});

import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CiPolicy, GithubCiRole, GithubCiRoleProps, GithubOidcProvider } from '../../constructs/github-ci';
import { SecretRotation } from '../../constructs/mlflow-rotation';
import {
  CI_TRUST_POLICY_FIXED_CHARS,
  ciTrustPolicyChars,
  githubSubject,
  policySize,
  SECRET_KIND_TAG,
} from '../../lib/core';
import { enablePolicyChecks, synthWithPolicyChecks } from '../../lib/stacks/policy-checks';
import { testStack } from '../support/cohort';

const PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com';

function setup(stack: Stack = testStack({ region: 'eu-west-1', account: '111122223333' })) {
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
  const bucket = new s3.Bucket(stack, 'Bucket', { enforceSSL: true });
  const policy = new CiPolicy(stack, 'CiPolicy', { cohortName: 'spring', bucket, encryptionKey: key });
  const role = (id: string, props: Partial<GithubCiRoleProps> = {}) =>
    new GithubCiRole(stack, id, {
      cohortName: 'spring',
      slug: 'grace-hopper',
      repository: 'grace-hopper/cohort-lab-promotion',
      environments: ['staging', 'production'],
      oidcProviderArn: GithubOidcProvider.arnIn(undefined),
      policy: policy.policy,
      encryptionKey: key,
      rotation,
      ...props,
    });
  return { stack, key, rotation, policy, role };
}

describe('GithubCiRole', () => {
  test("only the repository's environments' jobs may assume it, through GitHub's OIDC provider, for sts.amazonaws.com", () => {
    // GIVEN
    const s = setup();
    // WHEN
    s.role('Ci');
    // THEN
    Template.fromStack(s.stack).hasResourceProperties('AWS::IAM::Role', {
      RoleName: Match.stringLikeRegexp('^ci-grace-hopper-[0-9a-f]{8}$'),
      Path: '/cohortlab/spring/ci/',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRoleWithWebIdentity',
            Effect: 'Allow',
            Principal: {
              Federated: {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':iam::',
                    { Ref: 'AWS::AccountId' },
                    ':oidc-provider/token.actions.githubusercontent.com',
                  ],
                ],
              },
            },
            Condition: {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                'token.actions.githubusercontent.com:sub': [
                  'repo:grace-hopper/cohort-lab-promotion:environment:staging',
                  'repo:grace-hopper/cohort-lab-promotion:environment:production',
                ],
              },
            },
          },
        ],
      },
      Tags: Match.arrayWith([
        { Key: 'lab:ci', Value: 'grace-hopper' },
        { Key: 'lab:role', Value: 'ci' },
      ]),
    });
  });

  test("the role carries no lab:learner tag, so none of the learner's own grants", () => {
    const s = setup();
    s.role('Ci');
    const roles = Template.fromStack(s.stack).findResources('AWS::IAM::Role', {
      Properties: { Path: '/cohortlab/spring/ci/' },
    });
    const tags = Object.values(roles).flatMap((r) =>
      (r.Properties.Tags as Array<{ Key: string }>).map((t) => t.Key),
    );
    expect(tags).not.toContain('lab:learner');
  });

  test('the CI secret is named mlflow-ci, holds ci.<slug>, is tagged lab:ci and rotates as mlflow-ci now', () => {
    const s = setup();
    s.role('Ci');
    const t = Template.fromStack(s.stack);
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'cohort-lab/spring/learners/grace-hopper/mlflow-ci',
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"ci.grace-hopper"}' }),
      Tags: Match.arrayWith([
        { Key: 'lab:ci', Value: 'grace-hopper' },
        { Key: SECRET_KIND_TAG, Value: 'mlflow-ci' },
      ]),
    });
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotateImmediatelyOnUpdate: true });
  });

  test('an existing provider ARN is trusted as given', () => {
    const s = setup();
    s.role('Ci', { oidcProviderArn: GithubOidcProvider.arnIn(PROVIDER), environments: ['production'] });
    Template.fromStack(s.stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Federated: PROVIDER },
            Condition: {
              StringEquals: Match.objectLike({
                'token.actions.githubusercontent.com:sub':
                  'repo:grace-hopper/cohort-lab-promotion:environment:production',
              }),
            },
          }),
        ],
      },
    });
  });

  test("the config's estimate of the trust policy size is an upper bound of the synthesised one", () => {
    // GIVEN the longest names the config accepts for one environment, and eight environments
    const s = setup();
    const repository = `${'o'.repeat(39)}/${'r'.repeat(100)}`;
    const environments = Array.from({ length: 8 }, (_, i) => `${'e'.repeat(60)}${i}`);
    const role = s.role('Ci', { repository, environments });
    // WHEN
    const trust = Template.fromStack(s.stack).findResources('AWS::IAM::Role', {
      Properties: { Path: '/cohortlab/spring/ci/' },
    });
    const [document] = Object.values(trust).map((r) => r.Properties.AssumeRolePolicyDocument as unknown);
    const actual = policySize(document, 'chars-no-whitespace');
    // THEN the estimate is at least the real size, and not far above it
    const estimate = ciTrustPolicyChars(environments.map((e) => githubSubject(repository, e)));
    expect(role.subjects).toHaveLength(8);
    expect(estimate).toBeGreaterThanOrEqual(actual);
    expect(estimate - actual).toBeLessThan(CI_TRUST_POLICY_FIXED_CHARS / 2 + 8 * 3);
  });

  test.each([
    [
      'an environment list is empty',
      { environments: [] },
      'GithubCiRole Bad: learner "grace-hopper" needs at least one environment',
    ],
    [
      'an environment name has a space',
      { environments: ['pro duction'] },
      'GithubCiRole Bad: "pro duction" is not a GitHub environment name',
    ],
    [
      'the slug is not normalised',
      { slug: 'Grace' },
      'GithubCiRole Bad: slug "Grace" is not a normalised id',
    ],
  ])('fails when %s', (_what, props, message) => {
    const s = setup();
    expect(() => s.role('Bad', props as Partial<GithubCiRoleProps>)).toThrow(message);
  });
});

describe('GithubOidcProvider', () => {
  test('fails when the existing ARN is not a GitHub Actions provider', () => {
    const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
    expect(
      () =>
        new GithubOidcProvider(stack, 'Oidc', {
          existingProviderArn: 'arn:aws:iam::111122223333:oidc-provider/accounts.google.com',
        }),
    ).toThrow(
      'GithubOidcProvider Oidc: existingProviderArn must be a GitHub Actions OIDC provider ARN (got "arn:aws:iam::111122223333:oidc-provider/accounts.google.com")',
    );
  });
});

describe('CiPolicy', () => {
  test("reads only the role's own mlflow-ci secret, writes only its own learners/ prefix, uses the key only through Secrets Manager and S3", () => {
    const s = setup();
    Template.fromStack(s.stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Sid: 'OwnCiSecretOnly',
            Action: 'secretsmanager:GetSecretValue',
            Resource: Match.stringLikeRegexp(
              ':secret:cohort-lab/spring/learners/\\$\\{aws:PrincipalTag/lab:ci\\}/mlflow-ci-\\?{6}$',
            ),
            Condition: {
              StringEquals: {
                'secretsmanager:ResourceTag/lab:ci': '${aws:PrincipalTag/lab:ci}',
                'aws:PrincipalTag/lab:role': 'ci',
              },
            },
          }),
          Match.objectLike({
            Sid: 'WriteOwnLearnerPrefixOnly',
            Action: ['s3:AbortMultipartUpload', 's3:PutObject'],
          }),
          Match.objectLike({
            Sid: 'CohortKeyThroughSecretsManager',
            Action: 'kms:Decrypt',
            Condition: {
              StringEquals: {
                'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com',
                'aws:PrincipalTag/lab:role': 'ci',
              },
            },
          }),
          Match.objectLike({ Sid: 'CohortKeyThroughS3' }),
        ],
      },
    });
  });

  test('cdk-nag finds nothing unacknowledged in the policy and the roles', () => {
    const app = new App();
    const stack = new Stack(app, 'Ci', { env: { region: 'eu-west-1', account: '111122223333' } });
    const s = setup(stack);
    s.role('Ci');
    enablePolicyChecks(app);
    const { violations } = synthWithPolicyChecks(app);
    const ours = violations.filter((v) => /\/(CiPolicy|Ci)\//.test(v.constructPath));
    expect(ours).toEqual([]);
  });
});

import { Match, Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Stack } from 'aws-cdk-lib';
import { PodIdentityRole } from '../../constructs/pod-identity-role';
import { testStack } from '../support/cohort';

function setup(): { stack: Stack; cluster: eks.ICluster; key: kms.Key } {
  const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'cohortlab-spring' });
  return { stack, cluster, key: new kms.Key(stack, 'Key') };
}

describe('PodIdentityRole', () => {
  test('a role only EKS Pod Identity of this account and cluster may assume, and its association', () => {
    // GIVEN
    const { stack, cluster } = setup();
    // WHEN
    new PodIdentityRole(stack, 'Mlflow', { cluster, namespace: 'cohort-lab', serviceAccount: 'mlflow' });
    // THEN
    const t = Template.fromStack(stack);
    const condition = {
      StringEquals: { 'aws:SourceAccount': '111122223333' },
      ArnEquals: { 'aws:SourceArn': 'arn:aws:eks:eu-west-1:111122223333:cluster/cohortlab-spring' },
    };
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'pods.eks.amazonaws.com' },
            Condition: condition,
          },
          {
            Action: 'sts:TagSession',
            Effect: 'Allow',
            Principal: { Service: 'pods.eks.amazonaws.com' },
            Condition: condition,
          },
        ],
      },
      Description: 'Pod Identity: cohort-lab/mlflow',
    });
    t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      ClusterName: 'cohortlab-spring',
      Namespace: 'cohort-lab',
      ServiceAccount: 'mlflow',
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Mlflow'), 'Arn'] },
    });
  });

  test('grantReadSecrets names each secret with the six-character suffix and decrypts only via Secrets Manager', () => {
    const { stack, cluster, key } = setup();
    const role = new PodIdentityRole(stack, 'Feast', {
      cluster,
      namespace: 'cohort-lab',
      serviceAccount: 'feast',
    });
    role.grantReadSecrets(['cohort-lab/spring/redis'], key);

    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Effect: 'Allow',
            Resource: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cohort-lab/spring/redis-??????',
          },
          {
            Action: 'kms:Decrypt',
            Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
          },
        ],
      },
    });
  });

  test('grantReadSecretsUnderPrefix covers the prefix and nothing above it', () => {
    const { stack, cluster } = setup();
    const role = new PodIdentityRole(stack, 'Eso', {
      cluster,
      namespace: 'external-secrets',
      serviceAccount: 'external-secrets',
    });
    role.grantReadSecretsUnderPrefix('cohort-lab/spring/');

    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Resource: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cohort-lab/spring/*',
          }),
        ],
      },
    });
  });

  test('fails when the namespace is not a Kubernetes name', () => {
    const { stack, cluster } = setup();
    expect(
      () => new PodIdentityRole(stack, 'Bad', { cluster, namespace: 'Cohort_Lab', serviceAccount: 'mlflow' }),
    ).toThrow('PodIdentityRole Bad: namespace "Cohort_Lab" is not a Kubernetes namespace name');
  });

  test('fails when the service account is not a Kubernetes name', () => {
    const { stack, cluster } = setup();
    expect(
      () =>
        new PodIdentityRole(stack, 'Bad', { cluster, namespace: 'cohort-lab', serviceAccount: 'ml flow' }),
    ).toThrow('PodIdentityRole Bad: serviceAccount "ml flow" is not a Kubernetes service account name');
  });

  test('fails when a secret prefix does not end in "/"', () => {
    const { stack, cluster } = setup();
    const role = new PodIdentityRole(stack, 'Eso', { cluster, namespace: 'x', serviceAccount: 'y' });
    expect(() => role.grantReadSecretsUnderPrefix('cohort-lab/spring')).toThrow(
      'PodIdentityRole Eso: secret prefix "cohort-lab/spring" must end in "/"',
    );
  });

  test('fails when no secret name is given', () => {
    const { stack, cluster } = setup();
    const role = new PodIdentityRole(stack, 'Empty', { cluster, namespace: 'x', serviceAccount: 'y' });
    expect(() => role.grantReadSecrets([])).toThrow(
      'PodIdentityRole Empty: grantReadSecrets needs at least one secret name',
    );
  });
});

describe('PodIdentityRole shared by several service accounts', () => {
  test('without namespace and service account there is a role and no association until associate()', () => {
    // GIVEN a shared role
    const { stack, cluster } = setup();
    const role = new PodIdentityRole(stack, 'Shared', { cluster });
    const before = setup();
    new PodIdentityRole(before.stack, 'Shared', { cluster: before.cluster });
    Template.fromStack(before.stack).resourceCountIs('AWS::EKS::PodIdentityAssociation', 0);
    // WHEN two service accounts are bound to it, each in its own scope
    const a = role.associate(stack, 'AdaDrift', 'learner-ada', 'drift');
    role.associate(stack, 'GraceDrift', 'learner-grace', 'drift');
    // THEN two associations name the role
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::EKS::PodIdentityAssociation', 2);
    const roleId = stack.getLogicalId(role.role.node.defaultChild as iam.CfnRole);
    for (const namespace of ['learner-ada', 'learner-grace']) {
      t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
        ClusterName: 'cohortlab-spring',
        Namespace: namespace,
        ServiceAccount: 'drift',
        RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
      });
    }
    expect(a.node.path).toBe('Test/AdaDrift');
    t.hasResourceProperties('AWS::IAM::Role', {
      Description: 'Pod Identity: shared by several service accounts',
    });
  });

  test('fails when asked for its own association', () => {
    const { stack, cluster } = setup();
    const role = new PodIdentityRole(stack, 'Shared', { cluster });
    expect(() => role.association).toThrow(/shared role without its own association/);
  });

  test('fails when only one of namespace and serviceAccount is given', () => {
    const { stack, cluster } = setup();
    expect(() => new PodIdentityRole(stack, 'Half', { cluster, namespace: 'learner-ada' })).toThrow(
      /give both namespace and serviceAccount, or neither/,
    );
  });

  test('fails when associate() is given a namespace that is not a DNS label', () => {
    const { stack, cluster } = setup();
    const role = new PodIdentityRole(stack, 'Shared', { cluster });
    expect(() => role.associate(stack, 'Bad', 'Learner_Ada', 'drift')).toThrow(
      /namespace "Learner_Ada" is not a Kubernetes namespace name/,
    );
  });
});

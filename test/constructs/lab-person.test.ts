import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { LabPerson, LabPersonProps, PeoplePolicies } from '../../constructs/lab-person';
import { SecretRotation } from '../../constructs/mlflow-rotation';
import { PersonRole, personRoleName } from '../../lib/core';
import { enablePolicyChecks, synthWithPolicyChecks } from '../../lib/stacks/policy-checks';
import { testStack } from '../support/cohort';

interface Setup {
  readonly stack: Stack;
  readonly key: kms.Key;
  readonly rotation: SecretRotation;
  readonly policies: PeoplePolicies;
  readonly operatorRole: iam.Role;
  person(id: string, props: Partial<LabPersonProps>): LabPerson;
}

const PRINCIPAL = 'arn:aws:iam::111122223333:role/learner-grace-hopper';

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
  const policies = new PeoplePolicies(stack, 'People', { cohortName: 'spring' });
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'cohortlab-spring' });
  const operatorRole = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
  return {
    stack,
    key,
    rotation,
    policies,
    operatorRole,
    person: (id, props) =>
      new LabPerson(stack, id, {
        cohortName: 'spring',
        slug: 'grace-hopper',
        role: PersonRole.LEARNER,
        cluster,
        namespace: 'learner-grace-hopper',
        encryptionKey: key,
        policy: policies.of(props.role ?? PersonRole.LEARNER),
        rotation,
        email: 'grace.hopper@cohort-lab.example',
        userPoolId: 'eu-west-1_AbCdEf123',
        ...props,
      }),
  };
}

const logicalId = (stack: Stack, c: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(c.node.defaultChild as never);

describe('LabPerson: a learner', () => {
  let s: Setup;
  let t: Template;
  let learner: LabPerson;

  beforeAll(() => {
    // GIVEN a learner with a roster principal, whose secrets the operator syncs
    s = setup();
    learner = s.person('Person-grace-hopper', { iamPrincipalArn: PRINCIPAL, trustedRoles: [s.operatorRole] });
    t = Template.fromStack(s.stack);
  });

  test('a role with a computed name under the cohort path, tagged with the learner, with the learners policy', () => {
    // THEN the role is named and tagged so that the policies can grant by tag
    t.hasResourceProperties('AWS::IAM::Role', {
      RoleName: personRoleName('spring', 'grace-hopper'),
      Path: '/cohortlab/spring/people/',
      ManagedPolicyArns: [{ Ref: logicalId(s.stack, s.policies.learners) }],
      Tags: Match.arrayWith([
        { Key: 'lab:cohort', Value: 'spring' },
        { Key: 'lab:learner', Value: 'grace-hopper' },
        { Key: 'lab:role', Value: 'learner' },
      ]),
    });
    expect(personRoleName('spring', 'grace-hopper')).toMatch(/^lab-grace-hopper-[0-9a-f]{8}$/);
  });

  test('Pod Identity binds the role to the `lab` service account of the learner namespace', () => {
    t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      ClusterName: 'cohortlab-spring',
      Namespace: 'learner-grace-hopper',
      ServiceAccount: 'lab',
      RoleArn: { 'Fn::GetAtt': [logicalId(s.stack, learner.role!), 'Arn'] },
    });
  });

  test('the roster principal and the secrets operator may assume the role, beside Pod Identity', () => {
    const role = t.toJSON().Resources[logicalId(s.stack, learner.role!)];
    const statements = role.Properties.AssumeRolePolicyDocument.Statement as Array<{
      Action: string | string[];
      Principal: Record<string, unknown>;
    }>;
    expect(statements.map((st) => [st.Action, Object.keys(st.Principal)[0]])).toEqual([
      ['sts:AssumeRole', 'Service'],
      ['sts:TagSession', 'Service'],
      ['sts:AssumeRole', 'AWS'],
    ]);
    expect(statements[0].Principal).toEqual({ Service: 'pods.eks.amazonaws.com' });
    // (the minimizePolicies feature flag merges the two AWS principals into one statement)
    expect(statements[2].Principal).toEqual({
      AWS: [PRINCIPAL, { 'Fn::GetAtt': [logicalId(s.stack, s.operatorRole), 'Arn'] }],
    });
  });

  test("the roster principal edits the learner's namespace and nothing else of the cluster", () => {
    t.hasResourceProperties('AWS::EKS::AccessEntry', {
      ClusterName: 'cohortlab-spring',
      PrincipalArn: PRINCIPAL,
      AccessPolicies: [
        {
          PolicyArn: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':eks::aws:cluster-access-policy/AmazonEKSEditPolicy'],
            ],
          },
          AccessScope: { Type: 'namespace', Namespaces: ['learner-grace-hopper'] },
        },
      ],
    });
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
      Tags: Match.arrayWith([
        { Key: 'lab:learner', Value: 'grace-hopper' },
        { Key: 'lab:secret-kind', Value: 'mlflow-user' },
      ]),
    });
  });

  test('on the shared function every 30 days, first rotated at deploy time (which creates the MLflow user)', () => {
    const secretId = logicalId(s.stack, learner.mlflowSecret);
    const schedules = t.findResources('AWS::SecretsManager::RotationSchedule', {
      Properties: { SecretId: { Ref: secretId } },
    });
    expect(Object.values(schedules).map((r) => r.Properties)).toEqual([
      {
        SecretId: { Ref: secretId },
        RotationLambdaARN: { 'Fn::GetAtt': [logicalId(s.stack, s.rotation.function), 'Arn'] },
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
        RotateImmediatelyOnUpdate: true,
      },
    ]);
  });

  test('a roster member on the shared function; the secret and its schedule go before it', () => {
    // THEN the member names the person, and the secret and schedule depend on it
    const memberId = s.stack.getLogicalId(learner.member.resource.node.defaultChild as never);
    t.hasResourceProperties('Custom::CohortLabRosterMember', {
      ServiceToken: { 'Fn::GetAtt': [logicalId(s.stack, s.rotation.function), 'Arn'] },
      Slug: 'grace-hopper',
      Email: 'grace.hopper@cohort-lab.example',
      Role: 'learner',
      UserPoolId: 'eu-west-1_AbCdEf123',
    });
    const resources = t.toJSON().Resources;
    expect(resources[logicalId(s.stack, learner.mlflowSecret)].DependsOn).toContain(memberId);
    expect(resources[s.stack.getLogicalId(learner.rotationSchedule)].DependsOn).toContain(memberId);
  });

  test('personRoleArn computes the ARN of the role from its path and name', () => {
    const arn = s.stack.resolve(LabPerson.personRoleArn(s.stack, 'spring', 'grace-hopper')) as unknown;
    expect(JSON.stringify(arn)).toContain(
      `:role/cohortlab/spring/people/${personRoleName('spring', 'grace-hopper')}`,
    );
  });
});

describe('LabPerson: an instructor', () => {
  test('with a principal: a role it may assume, tagged as an instructor, cluster admin, an instructor secret', () => {
    // GIVEN an instructor with a roster principal
    const s = setup();
    const instructor = s.person('Person-ada', {
      slug: 'ada',
      role: PersonRole.INSTRUCTOR,
      namespace: undefined,
      iamPrincipalArn: 'arn:aws:iam::111122223333:role/CohortLabInstructor',
    });
    const t = Template.fromStack(s.stack);
    // THEN the role trusts the principal only, and carries the instructor tags and policy
    t.hasResourceProperties('AWS::IAM::Role', {
      RoleName: personRoleName('spring', 'ada'),
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::111122223333:role/CohortLabInstructor' },
          },
        ],
      },
      ManagedPolicyArns: [{ Ref: logicalId(s.stack, s.policies.instructors) }],
      Tags: Match.arrayWith([
        { Key: 'lab:instructor', Value: 'ada' },
        { Key: 'lab:role', Value: 'instructor' },
      ]),
    });
    t.resourceCountIs('AWS::EKS::PodIdentityAssociation', 0);
    t.hasResourceProperties('AWS::EKS::AccessEntry', {
      AccessPolicies: [
        {
          PolicyArn: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
              ],
            ],
          },
          AccessScope: { Type: 'cluster' },
        },
      ],
    });
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'cohort-lab/spring/instructors/ada/mlflow',
      Tags: Match.arrayWith([
        { Key: 'lab:instructor', Value: 'ada' },
        { Key: 'lab:secret-kind', Value: 'mlflow-instructor' },
      ]),
    });
    expect(instructor.podIdentity).toBeUndefined();
  });

  test('without a principal: MLflow credentials only, no role nobody could assume, no access entry', () => {
    const s = setup();
    const instructor = s.person('Person-ada', {
      slug: 'ada',
      role: PersonRole.INSTRUCTOR,
      namespace: undefined,
    });
    const t = Template.fromStack(s.stack);
    expect(instructor.role).toBeUndefined();
    t.resourceCountIs('AWS::EKS::AccessEntry', 0);
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'cohort-lab/spring/instructors/ada/mlflow',
    });
  });
});

describe('LabPerson: bad input', () => {
  test.each(['Grace', 'grace_hopper', '-grace', 'grace-', '1grace', ''])(
    'fails on the slug %j, which is not a normalised id',
    (slug) => {
      expect(() => setup().person('P', { slug })).toThrow(
        `LabPerson P: slug "${slug}" is not a normalised id`,
      );
    },
  );

  test('fails when a learner has no namespace', () => {
    expect(() => setup().person('P', { namespace: undefined })).toThrow(
      'LabPerson P: learner "grace-hopper" needs a namespace',
    );
  });

  test('fails when an instructor is given a namespace', () => {
    expect(() => setup().person('P', { role: PersonRole.INSTRUCTOR, namespace: 'learner-x' })).toThrow(
      'LabPerson P: instructor "grace-hopper" has no namespace (got "learner-x")',
    );
  });
});

describe('LabPerson: cdk-nag', () => {
  test("no Secrets Manager finding on a person's secret, none acknowledged", () => {
    const s = setup();
    const learner = s.person('Person-grace-hopper', {});
    const app = s.stack.node.root as App;
    enablePolicyChecks(app);
    const { violations } = synthWithPolicyChecks(app);
    expect(violations.filter((v) => v.rule.startsWith('AwsSolutions-SM'))).toEqual([]);
    expect(learner.mlflowSecret.node.metadata.filter((m) => m.type === 'cdk_nag')).toEqual([]);
  });

  test("cdk-nag reports AwsSolutions-SMG4 on a person's secret whose schedule is taken away", () => {
    const s = setup();
    const learner = s.person('Person-grace-hopper', {});
    learner.mlflowSecret.node.tryRemoveChild('Rotation');
    const app = s.stack.node.root as App;
    enablePolicyChecks(app);
    const { violations } = synthWithPolicyChecks(app);
    expect(violations.filter((v) => v.rule === 'AwsSolutions-SMG4').map((v) => v.constructPath)).toEqual([
      `${learner.mlflowSecret.node.path}/Resource`,
    ]);
  });
});

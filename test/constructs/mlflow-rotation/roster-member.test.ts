/**
 * The roster members' CDK side: the RosterMember custom resource, and what SecretRotation offers
 * it (serviceToken, grantRosterMembers). What the function does with a member is tested in
 * lambda/roster-member.test.ts and, against MLflow and moto, in test/integration/roster.test.ts.
 */
import { App, CfnElement, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { readFileSync } from 'fs';
import { join } from 'path';
import {
  ROSTER_MEMBER_ACTIONS,
  RosterMember,
  RosterMemberProps,
  SecretRotation,
} from '../../../constructs/mlflow-rotation';
import { PersonRole, RosterRole } from '../../../lib/core';
import { enablePolicyChecks, synthWithPolicyChecks } from '../../../lib/stacks/policy-checks';
import { testStack } from '../../support/cohort';

function rotationIn(stack: Stack): SecretRotation {
  const key = new kms.Key(stack, 'Key');
  return new SecretRotation(stack, 'Rotation', {
    vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }),
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    mlflowUrl: 'http://internal-mlflow.example.internal',
    adminSecretName: 'cohort-lab/spring/mlflow-admin',
    secretNamePrefix: 'cohort-lab/spring/',
    encryptionKey: key,
    alarmTopic: new sns.Topic(stack, 'Alerts', { masterKey: key }),
  });
}

function logicalId(stack: Stack, c: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(c.node.defaultChild as CfnElement);
}

const GRACE: Omit<RosterMemberProps, 'serviceToken'> = {
  slug: 'grace-hopper',
  email: 'grace.hopper@cohort-lab.example',
  role: PersonRole.LEARNER,
  userPoolId: 'eu-west-1_AbCdEf123',
};

describe('SecretRotation for roster members', () => {
  test('serviceToken is the function ARN', () => {
    // GIVEN the function
    const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
    const rotation = rotationIn(stack);
    // WHEN / THEN
    expect(stack.resolve(rotation.serviceToken)).toEqual({
      'Fn::GetAtt': [logicalId(stack, rotation.function), 'Arn'],
    });
  });

  test("grantRosterMembers allows the member actions on that user pool only, in the function's policy", () => {
    // GIVEN the function and a user pool
    const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
    const rotation = rotationIn(stack);
    const pool = new cognito.UserPool(stack, 'Pool');
    // WHEN
    rotation.grantRosterMembers(pool);
    // THEN one statement: the six actions, the pool's ARN
    const role = stack.getLogicalId(rotation.node.findChild('Role').node.defaultChild as CfnElement);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: [
              'cognito-idp:AdminAddUserToGroup',
              'cognito-idp:AdminCreateUser',
              'cognito-idp:AdminDeleteUser',
              'cognito-idp:AdminGetUser',
              'cognito-idp:AdminRemoveUserFromGroup',
              'cognito-idp:AdminUpdateUserAttributes',
            ],
            Resource: { 'Fn::GetAtt': [logicalId(stack, pool), 'Arn'] },
          },
        ]),
      },
    });
    expect(ROSTER_MEMBER_ACTIONS).toHaveLength(6);
  });

  test('without grantRosterMembers the function may not touch any user pool', () => {
    // GIVEN the function alone; WHEN synthesised THEN no Cognito action anywhere
    const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
    rotationIn(stack);
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('cognito-idp:');
  });

  test('the grant adds no cdk-nag finding (no wildcard)', () => {
    // GIVEN the function granted on a pool, in an app with the policy checks on
    const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
    const rotation = rotationIn(stack);
    rotation.grantRosterMembers(new cognito.UserPool(stack, 'Pool'));
    const app = stack.node.root as App;
    enablePolicyChecks(app);
    // WHEN
    const { violations } = synthWithPolicyChecks(app);
    // THEN nothing under the function
    expect(violations.filter((v) => v.constructPath.startsWith('Test/Rotation/'))).toEqual([]);
  });

  test("the function's bundle holds the member code", () => {
    // GIVEN the bundled function
    const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
    const rotation = rotationIn(stack);
    Template.fromStack(stack);
    const code = rotation.function.node.findChild('Code') as s3assets.Asset;
    const bundle = readFileSync(join((stack.node.root as App).outdir, code.assetPath, 'index.js'), 'utf8');
    // THEN the member handler and the Cognito client came along, and no CDK code
    expect(bundle).toContain('Custom::CohortLabRosterMember');
    expect(bundle).toContain('AdminCreateUser');
    expect(bundle).not.toMatch(/aws-cdk-lib|constructs\/lib/);
  });
});

describe('RosterMember', () => {
  let stack: Stack;
  let rotation: SecretRotation;

  beforeEach(() => {
    stack = testStack({ region: 'eu-west-1', account: '111122223333' });
    rotation = rotationIn(stack);
  });

  const member = (props: Partial<RosterMemberProps> = {}) =>
    new RosterMember(stack, 'Grace', { serviceToken: rotation.serviceToken, ...GRACE, ...props });

  test('a Custom::CohortLabRosterMember served by the function, with the person as properties', () => {
    // GIVEN / WHEN a learner
    const grace = member();
    // THEN the resource carries the function's ARN and the four properties, waits 5 minutes at most,
    // and is deleted (the person removed) with the stack
    Template.fromStack(stack).hasResource('Custom::CohortLabRosterMember', {
      Properties: {
        ServiceToken: { 'Fn::GetAtt': [logicalId(stack, rotation.function), 'Arn'] },
        ServiceTimeout: '300',
        Slug: 'grace-hopper',
        Email: 'grace.hopper@cohort-lab.example',
        Role: 'learner',
        UserPoolId: 'eu-west-1_AbCdEf123',
      },
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
    expect(stack.getLogicalId(grace.resource.node.defaultChild as CfnElement)).toMatch(/^Grace[0-9A-F]{8}$/);
  });

  test('Username and Group are the attributes the function answers', () => {
    // GIVEN a member WHEN its attributes are read THEN they are the resource's Data
    const grace = member();
    const id = logicalId(stack, grace.resource);
    expect(stack.resolve(grace.username)).toEqual({ 'Fn::GetAtt': [id, 'Username'] });
    expect(stack.resolve(grace.group)).toEqual({ 'Fn::GetAtt': [id, 'Group'] });
  });

  test('timeout sets how long CloudFormation waits', () => {
    // GIVEN / WHEN an instructor with a 2-minute timeout THEN
    member({ role: PersonRole.INSTRUCTOR, timeout: Duration.minutes(2) });
    Template.fromStack(stack).hasResourceProperties('Custom::CohortLabRosterMember', {
      ServiceTimeout: '120',
      Role: 'instructor',
    });
  });

  test('a slug known only at deploy time is passed on unchecked', () => {
    // GIVEN / WHEN a slug that is a token THEN no check at synth, the value in the template
    member({ slug: Lazy.string({ produce: () => 'ada' }) });
    Template.fromStack(stack).hasResourceProperties('Custom::CohortLabRosterMember', { Slug: 'ada' });
  });

  test('fails when the slug is not a normalised id', () => {
    // GIVEN / WHEN a raw id THEN
    expect(() => member({ slug: 'Grace.Hopper' })).toThrow(
      new Error('RosterMember: slug "Grace.Hopper" is not a normalised id'),
    );
  });

  test("fails when the slug is the MLflow admin's", () => {
    // GIVEN / WHEN the reserved slug THEN
    expect(() => member({ slug: 'admin' })).toThrow(
      new Error(
        'RosterMember: slug "admin" is not usable: normalises to "admin", which is reserved for the MLflow admin',
      ),
    );
  });

  test('fails when the role is neither learner nor instructor', () => {
    // GIVEN / WHEN an unknown role THEN
    expect(() => member({ role: 'guest' as RosterRole })).toThrow(
      new Error('RosterMember: role "guest" must be one of learner, instructor'),
    );
  });
});

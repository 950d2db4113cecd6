import { CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledgeManagedPolicies, acknowledgeWildcardResources } from '../../../lib/core';
import { testStack } from '../../support/cohort';

interface Setup {
  readonly stack: Stack;
  readonly role: iam.CfnRole;
  readonly policy: iam.CfnPolicy;
  readonly bucketId: string;
}

/**
 * A role with two managed policies and a default policy of: one Allow statement with a wildcard on
 * a bucket's shared/ objects, one on another bucket's objects, one exact resource; and one Deny
 * statement with a wildcard.
 */
function setup(): Setup {
  const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
  const role = new iam.Role(stack, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    managedPolicies: [
      iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole'),
      iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess'),
    ],
  });
  const bucket = new s3.Bucket(stack, 'Bucket');
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects('shared/*'), 'arn:aws:s3:::other-bucket/*', 'arn:aws:s3:::exact'],
    }),
  );
  role.addToPolicy(
    new iam.PolicyStatement({
      effect: iam.Effect.DENY,
      actions: ['s3:DeleteObject'],
      resources: ['arn:aws:s3:::denied-bucket/*'],
    }),
  );
  return {
    stack,
    role: role.node.defaultChild as iam.CfnRole,
    policy: role.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy,
    bucketId: stack.getLogicalId(bucket.node.defaultChild as CfnElement),
  };
}

/** The `aws:cdk:acknowledged-rules` entries of `resource`, as one object. */
function acknowledgedRules(resource: CfnElement): Record<string, string> {
  return Object.assign(
    {},
    ...resource.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .map((m) => m.data as Record<string, string>),
  );
}

describe('acknowledgeWildcardResources', () => {
  test('acknowledges AwsSolutions-IAM5 for each matching wildcard resource, by its resolved name', () => {
    // GIVEN
    const s = setup();
    // WHEN the shared/ wildcard is acknowledged
    acknowledgeWildcardResources(s.policy, /\/shared\/\*$/, 'Reads of the shared prefix.');
    // THEN the template carries the finding with its reason, and only that one
    const id = `AwsSolutions-IAM5[Resource::<${s.bucketId}.Arn>/shared/*]`;
    Template.fromStack(s.stack).hasResource('AWS::IAM::Policy', {
      Metadata: { cdk_nag: { rules_to_suppress: [{ id, reason: 'Reads of the shared prefix.' }] } },
    });
    // AND the CDK's own acknowledgement is on the policy resource
    expect(acknowledgedRules(s.policy)).toEqual({ [`Annotation::${id}`]: 'Reads of the shared prefix.' });
  });

  test('two acknowledgements on one policy add up; a finding already acknowledged keeps its first reason', () => {
    // GIVEN
    const s = setup();
    // WHEN the shared/ wildcard is acknowledged, then every wildcard
    acknowledgeWildcardResources(s.policy, /\/shared\/\*$/, 'First reason.');
    acknowledgeWildcardResources(s.policy, /\*$/, 'Second reason.');
    // THEN both are written, the shared/ one once and with the first reason
    Template.fromStack(s.stack).hasResource('AWS::IAM::Policy', {
      Metadata: {
        cdk_nag: {
          rules_to_suppress: [
            { id: `AwsSolutions-IAM5[Resource::<${s.bucketId}.Arn>/shared/*]`, reason: 'First reason.' },
            { id: 'AwsSolutions-IAM5[Resource::arn:aws:s3:::other-bucket/*]', reason: 'Second reason.' },
          ],
        },
      },
    });
  });

  test('fails when nothing matches: the acknowledgement is stale', () => {
    // GIVEN an acknowledgement for a resource the policy does not hold
    const s = setup();
    acknowledgeWildcardResources(s.policy, /logs:/, 'Log streams.');
    // WHEN the stack is synthesised THEN it fails, naming the resource and the reason
    expect(() => Template.fromStack(s.stack)).toThrow(
      new Error(
        'Validation failed with the following errors:\n' +
          '  [Test/Role/DefaultPolicy/Resource] Test/Role/DefaultPolicy/Resource: nothing to acknowledge; the acknowledgement "Log streams." is stale',
      ),
    );
  });

  test.each([
    ['a resource without a wildcard', /exact$/],
    ['a wildcard of a Deny statement', /denied-bucket/],
  ])('fails when only %s matches', (_name, match) => {
    const s = setup();
    acknowledgeWildcardResources(s.policy, match, 'Not a finding.');
    expect(() => Template.fromStack(s.stack)).toThrow(
      new Error(
        'Validation failed with the following errors:\n' +
          '  [Test/Role/DefaultPolicy/Resource] Test/Role/DefaultPolicy/Resource: nothing to acknowledge; the acknowledgement "Not a finding." is stale',
      ),
    );
  });
});

describe('acknowledgeManagedPolicies', () => {
  test('acknowledges AwsSolutions-IAM4 for each matching managed policy, by its resolved ARN', () => {
    // GIVEN
    const s = setup();
    // WHEN
    acknowledgeManagedPolicies(s.role, /AWSLambdaBasicExecutionRole$/, 'Writes its own logs.');
    // THEN only the matching policy is acknowledged, ReadOnlyAccess is not
    const id =
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';
    Template.fromStack(s.stack).hasResource('AWS::IAM::Role', {
      Metadata: { cdk_nag: { rules_to_suppress: [{ id, reason: 'Writes its own logs.' }] } },
    });
    expect(acknowledgedRules(s.role)).toEqual({ [`Annotation::${id}`]: 'Writes its own logs.' });
  });

  test('leaves the policy document alone', () => {
    const s = setup();
    acknowledgeManagedPolicies(s.role, /ReadOnlyAccess$/, 'Read-only.');
    Template.fromStack(s.stack).hasResource('AWS::IAM::Policy', { Metadata: Match.absent() });
  });

  test('fails when no managed policy matches: the acknowledgement is stale', () => {
    // GIVEN a role without the policy the acknowledgement names
    const s = setup();
    acknowledgeManagedPolicies(s.role, /AWSLambdaVPCAccessExecutionRole$/, 'ENI management.');
    // WHEN the stack is synthesised THEN it fails, naming the role and the reason
    expect(() => Template.fromStack(s.stack)).toThrow(
      new Error(
        'Validation failed with the following errors:\n' +
          '  [Test/Role/Resource] Test/Role/Resource: nothing to acknowledge; the acknowledgement "ENI management." is stale',
      ),
    );
  });
});

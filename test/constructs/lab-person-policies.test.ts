import { Template } from 'aws-cdk-lib/assertions';
import { PeoplePolicies } from '../../constructs/lab-person';
import { PersonRole } from '../../lib/core';
import { testStack } from '../support/cohort';

describe('PeoplePolicies', () => {
  // GIVEN the people policies of cohort spring
  const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
  const policies = new PeoplePolicies(stack, 'People', { cohortName: 'spring' });
  const t = Template.fromStack(stack);
  const documentOf = (policy: PeoplePolicies['learners']) =>
    t.toJSON().Resources[stack.getLogicalId(policy.node.defaultChild as never)].Properties.PolicyDocument;

  test.each([
    [PersonRole.LEARNER, 'lab:learner'],
    [PersonRole.INSTRUCTOR, 'lab:instructor'],
  ])("a %s reads only the cohort's secrets tagged with their own %s", (role, tag) => {
    // WHEN the policy of the role type is read back
    const document = documentOf(policies.of(role));
    // THEN it is one statement keyed on the role's own tag
    expect(document.Statement).toEqual([
      {
        Sid: 'OwnSecretsOnly',
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cohort-lab/spring/*',
        Condition: {
          StringEquals: {
            [`secretsmanager:ResourceTag/${tag}`]: `\${aws:PrincipalTag/${tag}}`,
            'aws:PrincipalTag/lab:role': role,
          },
        },
      },
    ]);
  });

  test('each policy stays far below the 6,144-character limit of a managed policy', () => {
    // THEN the documents, without whitespace as IAM counts them, are small (they never grow)
    for (const policy of [policies.learners, policies.instructors]) {
      expect(JSON.stringify(documentOf(policy)).replace(/\s/g, '').length).toBeLessThan(1000);
    }
  });
});

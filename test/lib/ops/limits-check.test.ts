import { CfnResource, CfnTemplate, SynthesisedTemplate, templateString } from '../../../lib/ops/cfn-template';
import {
  checkTemplateLimits,
  countFilterPolicies,
  filterCombinations,
  filterPoliciesWarning,
  measureTemplate,
  rolesWarning,
} from '../../../lib/ops/limits-check';

/** A template of `resources` (by logical ID), `bytes` long unless said otherwise. */
function template(
  resources: Record<string, CfnResource>,
  extra: Partial<CfnTemplate> = {},
  bytes = 1000,
): SynthesisedTemplate {
  return { stackName: 'cohortlab-x-data', template: { Resources: resources, ...extra }, bytes };
}

/** A policy document of about `chars` characters (one statement with a long resource ARN). */
function document(chars: number): Record<string, unknown> {
  const shell = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '' }],
  };
  const padding = chars - JSON.stringify(shell).length;
  return {
    ...shell,
    Statement: [{ ...shell.Statement[0], Resource: `arn:aws:s3:::b/${'p'.repeat(padding - 15)}` }],
  };
}

const many = (n: number, type = 'AWS::CloudFormation::WaitConditionHandle') =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`R${i}`, { Type: type }]));

describe('limits-check', () => {
  test('a template within every limit has no problem, and every figure is measured', () => {
    // GIVEN a small template with one of each thing measured
    const t = template({
      Policy: { Type: 'AWS::S3::BucketPolicy', Properties: { PolicyDocument: document(300) } },
      Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: document(400) } },
      Managed: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: document(500) } },
      Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: document(200) } },
      RolePolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: document(600) },
      },
      Objects: {
        Type: 'Custom::AWSCDK-EKS-KubernetesResource',
        Properties: { Manifest: '[{"kind":"Namespace"}]' },
      },
    });
    // WHEN / THEN
    expect(checkTemplateLimits(t)).toEqual([]);
    expect(measureTemplate(t).map((m) => [m.limit.what, m.logicalId, m.size])).toEqual([
      ['resources in one CloudFormation stack', undefined, 6],
      ['bytes of one CloudFormation template', undefined, 1000],
      ['outputs of one CloudFormation stack', undefined, 0],
      ['dynamic references in one CloudFormation template', undefined, 0],
      ['bytes of one S3 bucket policy', 'Policy', 300],
      ['bytes of one KMS key policy', 'Key', 400],
      ['characters of one customer managed IAM policy', 'Managed', 500],
      ['characters of the inline policies of one IAM role', 'Role', 600],
      ['characters of one IAM role trust policy', 'Role', 200],
      ['bytes of one manifest the kubectl provider applies (an update event holds it twice)', 'Objects', 22],
    ]);
  });

  test('fails when a template has more resources than the budget', () => {
    expect(checkTemplateLimits(template(many(451))).map((p) => p.message)).toEqual([
      'cohortlab-x-data: template has 451 resources; the budget is 450, below the 500 CloudFormation allows ' +
        '(AWS CloudFormation User Guide, "AWS CloudFormation quotas": Resources, 500 per stack)',
    ]);
    expect(checkTemplateLimits(template(many(450)))).toEqual([]);
  });

  test('fails when a template file is over the byte budget', () => {
    expect(checkTemplateLimits(template({}, {}, 819_201)).map((p) => p.message)).toEqual([
      'cohortlab-x-data: template is 819,201 bytes; the budget is 819,200, below the 1,000,000 CloudFormation allows ' +
        '(AWS CloudFormation User Guide, "AWS CloudFormation quotas": Template body size in an Amazon S3 object, 1 MB)',
    ]);
  });

  test('fails when a template has more than 200 outputs', () => {
    const outputs = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`O${i}`, { Value: 'x' }]));
    expect(checkTemplateLimits(template({}, { Outputs: outputs })).map((p) => p.message)).toEqual([
      'cohortlab-x-data: template has 201 outputs; CloudFormation allows 200 ' +
        '(AWS CloudFormation User Guide, "AWS CloudFormation quotas": Outputs, 200 per stack)',
    ]);
  });

  test('fails when a template has more than 60 dynamic references', () => {
    const resources = Object.fromEntries(
      Array.from({ length: 61 }, (_, i) => [
        `P${i}`,
        {
          Type: 'AWS::SSM::Parameter',
          Properties: { Value: `{{resolve:secretsmanager:s${i}:SecretString:password}}` },
        },
      ]),
    );
    expect(checkTemplateLimits(template(resources)).map((p) => p.message)).toEqual([
      'cohortlab-x-data: template has 61 dynamic references ({{resolve:...}}); CloudFormation allows 60 ' +
        '(AWS CloudFormation User Guide, "Get values stored in other services using dynamic references": 60 per template)',
    ]);
  });

  test('fails when a bucket policy is over 20 KB', () => {
    const t = template({
      ArtifactsPolicy1234: {
        Type: 'AWS::S3::BucketPolicy',
        Properties: { PolicyDocument: document(21_034) },
      },
    });
    expect(checkTemplateLimits(t).map((p) => p.message)).toEqual([
      'cohortlab-x-data: bucket policy ArtifactsPolicy1234 is 21,034 bytes; S3 allows 20,480 ' +
        '(Amazon S3 User Guide, "Bucket policies": a bucket policy is limited to 20 KB)',
    ]);
  });

  test('fails when a key policy is over 32 KB', () => {
    const t = template({
      CohortKey1234: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: document(32_769) } },
    });
    expect(checkTemplateLimits(t).map((p) => p.message)).toEqual([
      'cohortlab-x-data: key policy of CohortKey1234 is 32,769 bytes; AWS KMS allows 32,768 ' +
        '(AWS KMS Developer Guide, "Quotas": key policy document size, 32 KB)',
    ]);
  });

  test('fails when a managed policy is over 6,144 characters, whitespace not counted', () => {
    // GIVEN a policy of 6,145 characters, and one of 6,144 characters plus two spaces in its Sid
    const over = document(6145);
    const within = document(6144 - ',"Sid":"ABC"'.length);
    (within.Statement as Array<Record<string, unknown>>)[0].Sid = 'A B C';
    expect(JSON.stringify(within).length).toBe(6146);
    // THEN only the first is a problem
    const t = template({
      PeopleLearners1234: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: over } },
      Spaced: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: within } },
    });
    expect(checkTemplateLimits(t).map((p) => p.message)).toEqual([
      'cohortlab-x-data: managed policy PeopleLearners1234 is 6,145 characters without whitespace; IAM allows 6,144 ' +
        '(IAM User Guide, "IAM and AWS STS quotas": Managed policy length, 6,144 characters)',
    ]);
  });

  test('fails when the inline policies of one role are over 10,240 characters together', () => {
    // GIVEN a role with policies of its own and two attached policies, each well under the limit
    const t = template({
      Role1234: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: document(200),
          Policies: [{ PolicyName: 'own', PolicyDocument: document(4000) }],
        },
      },
      RoleDefaultPolicy1234: {
        Type: 'AWS::IAM::Policy',
        Properties: { Roles: [{ Ref: 'Role1234' }], PolicyDocument: document(4000) },
      },
      RoleExtra1234: {
        Type: 'AWS::IAM::RolePolicy',
        Properties: { RoleName: { Ref: 'Role1234' }, PolicyDocument: document(2241) },
      },
      Other: {
        Type: 'AWS::IAM::Policy',
        Properties: { Roles: ['imported-role'], PolicyDocument: document(9000) },
      },
    });
    expect(checkTemplateLimits(t).map((p) => p.message)).toEqual([
      'cohortlab-x-data: inline policies of role Role1234 are 10,241 characters without whitespace ' +
        '(Role1234.Policies, RoleDefaultPolicy1234, RoleExtra1234); IAM allows 10,240 ' +
        '(IAM User Guide, "IAM and AWS STS quotas": Role policy size, 10,240 characters)',
    ]);
  });

  test('fails when a trust policy is over 2,048 characters', () => {
    const t = template({
      Personada1234: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: document(2049) } },
    });
    expect(checkTemplateLimits(t).map((p) => p.message)).toEqual([
      'cohortlab-x-data: trust policy of role Personada1234 is 2,049 characters without whitespace; IAM allows 2,048 ' +
        '(IAM User Guide, "IAM and AWS STS quotas": Role trust policy length, 2,048 characters (default))',
    ]);
  });

  test('fails when a kubectl manifest is over its budget, deploy-time values counted as their JSON text', () => {
    // GIVEN a manifest joined from 122,864 bytes of text and a Ref (17 bytes as JSON text)
    const manifest = { 'Fn::Join': ['', [`[{"data":"${'x'.repeat(122_851)}`, { Ref: 'RoleArn' }, '"}]']] };
    expect(templateString({ Ref: 'RoleArn' })).toBe('{"Ref":"RoleArn"}');
    const t = template({
      Objects1234: { Type: 'Custom::AWSCDK-EKS-KubernetesResource', Properties: { Manifest: manifest } },
    });
    expect(checkTemplateLimits(t).map((p) => p.message)).toEqual([
      'cohortlab-x-data: manifest Objects1234 is 122,881 bytes; the budget is 122,880, below the 262,144 Lambda allows ' +
        '(AWS Lambda Developer Guide, "Lambda quotas": invocation payload, 256 KB asynchronous; aws-cdk#19165)',
    ]);
  });

  test('warns when the stacks create more IAM roles than an account holds by default', () => {
    // GIVEN 1,001 roles: 990 people's (by their path) and 11 of the stacks
    const role = (path: string) => ({ Type: 'AWS::IAM::Role', Properties: { Path: path } });
    const people = Object.fromEntries(
      Array.from({ length: 990 }, (_, i) => [`P${i}`, role('/cohortlab/x/people/')]),
    );
    const own = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`S${i}`, role('/')]));
    const templates = [template(people), template(own)];
    // THEN
    expect(rolesWarning(templates, '/cohortlab/x/people/')).toBe(
      'IAM ROLES ABOVE THE DEFAULT QUOTA: the cohort creates 1,001 IAM roles (990 for people, 11 for its stacks), ' +
        'more than the 1,000 IAM allows in an account by default (IAM User Guide, "IAM and AWS STS quotas": ' +
        "Roles in an AWS account, 1,000 (L-FE177D64, adjustable)). Raise the account's quota before deploying, " +
        'with room for the roles the account already holds.',
    );
    expect(
      rolesWarning([template(people), template(many(10, 'AWS::IAM::Role'))], '/cohortlab/x/people/'),
    ).toBe(undefined);
  });

  test("counts the learners' GitHub CI roles apart when their path is given", () => {
    // GIVEN 600 people's roles, 500 CI roles and 3 of the stacks
    const role = (path: string) => ({ Type: 'AWS::IAM::Role', Properties: { Path: path } });
    const of = (n: number, prefix: string, path: string) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, role(path)]));
    const templates = [
      template(of(600, 'P', '/cohortlab/x/people/')),
      template(of(500, 'C', '/cohortlab/x/ci/')),
      template(of(3, 'S', '/')),
    ];
    // THEN
    expect(rolesWarning(templates, '/cohortlab/x/people/', '/cohortlab/x/ci/')).toMatch(
      /^IAM ROLES ABOVE THE DEFAULT QUOTA: the cohort creates 1,103 IAM roles \(600 for people, 500 for learners' GitHub CI, 3 for its stacks\)/,
    );
  });
});

describe('limits-check: SNS filter policies', () => {
  const subscription = (filterPolicy?: unknown): CfnResource => ({
    Type: 'AWS::SNS::Subscription',
    Properties: { Protocol: 'email', Endpoint: 'a@example.edu', TopicArn: 'arn', FilterPolicy: filterPolicy },
  });

  test("the cohort's own policies measure a few combinations each", () => {
    // GIVEN a learner's, a critical and an owner's policy
    const t = template({
      Learner: subscription({ learner: ['ada'], severity: ['warning'] }),
      Critical: subscription({ severity: ['critical'] }),
      Owner: subscription({ $or: [{ source: [{ exists: false }] }, { severity: ['critical'] }] }),
      Audit: subscription(),
    });
    // THEN each is measured ($or branches add up), none is a problem, the unfiltered one is not counted
    expect(
      measureTemplate(t)
        .filter((m) => m.limit.what.includes('filter policy'))
        .map((m) => [m.logicalId, m.size]),
    ).toEqual([
      ['Learner', 1],
      ['Critical', 1],
      ['Owner', 2],
    ]);
    expect(checkTemplateLimits(t)).toEqual([]);
    expect(countFilterPolicies([t])).toBe(3);
    expect(filterCombinations({ a: ['1', '2', '3'], b: ['1'], c: ['1', '2'] })).toBe(6);
  });

  test('fails when a policy has more than 150 combinations or more than five keys', () => {
    // GIVEN a policy of 151 values, and one of six keys
    const values = Array.from({ length: 151 }, (_, i) => `v${i}`);
    const t = template({
      Wide: subscription({ learner: values }),
      Keys: subscription({ a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: ['1'], f: ['1'] }),
    });
    // THEN both are problems, named
    expect(checkTemplateLimits(t).map((p) => p.message)).toEqual([
      expect.stringMatching(/filter policy of Wide has 151 combinations of values; Amazon SNS allows 150/),
      expect.stringMatching(/filter policy of Keys has 6 keys, more than the 5 SNS allows/),
    ]);
  });

  test('a cohort above 200 filter policies gets a warning that names the quota; at 200 it gets none', () => {
    const shard = (n: number, from: number) =>
      template(
        Object.fromEntries(
          Array.from({ length: n }, (_, i) => [`S${from + i}`, subscription({ learner: [`l${from + i}`] })]),
        ),
      );
    expect(filterPoliciesWarning([shard(150, 0), shard(50, 150)])).toBeUndefined();
    const warning = filterPoliciesWarning([shard(150, 0), shard(51, 150)]);
    expect(warning).toMatch(/SNS FILTER POLICIES ABOVE THE DEFAULT QUOTA: the cohort's alert topic gets 201/);
    expect(warning).toMatch(/200 filter policies per topic and 10,000 per account/);
    expect(warning).toMatch(/Raise the quota with Service Quotas/);
  });
});

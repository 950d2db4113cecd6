import { isDeepStrictEqual } from 'util';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CohortConfig } from '../../../lib/config';
import { buildStacks, configFrom, loadCohort, synthWithPolicy } from '../../support/cohort';

function dataTemplate(config: CohortConfig): Template {
  return Template.fromStack(buildStacks(config).stacks.data);
}

const sandboxDelete = () =>
  configFrom((doc) => {
    doc.cohort = 'sandbox-grace';
    doc.profile = 'sandbox';
    doc.course = { start: '2027-01-04', end: '2027-01-31' };
  });

describe('DataStack', () => {
  test('the demo cohort has exactly the key, alias, two buckets, their policies and the alert topic', () => {
    const t = dataTemplate(loadCohort('cohorts/demo.yaml'));
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.resourceCountIs('AWS::KMS::Alias', 1);
    t.resourceCountIs('AWS::S3::Bucket', 2);
    t.resourceCountIs('AWS::S3::BucketPolicy', 2);
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.resourceCountIs('AWS::SNS::TopicPolicy', 1);
    t.resourceCountIs('AWS::SNS::Subscription', 1);
    t.resourceCountIs('AWS::Events::Rule', 1);
    expect(Object.keys(t.toJSON().Resources)).toHaveLength(10);
  });

  // (The topic's TLS policy, the key statement for its publishers and the rule's pattern are
  // CohortAlerts': test/constructs.)
  test('the alert topic is encrypted with the cohort key and mails the owner', () => {
    const t = dataTemplate(loadCohort('cohorts/demo.yaml'));
    t.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CohortKey'), 'Arn'] },
    });
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@cohort-lab.example',
    });
  });

  test('a failed rotation of any cohort secret is announced on the alert topic', () => {
    const t = dataTemplate(loadCohort('cohorts/demo.yaml'));
    t.resourceCountIs('AWS::Events::Rule', 1);
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        detail: Match.objectLike({
          eventName: ['RotationFailed'],
          additionalEventData: {
            SecretId: [
              {
                prefix: {
                  'Fn::Join': [
                    '',
                    [
                      'arn:aws:secretsmanager:eu-west-1:',
                      { Ref: 'AWS::AccountId' },
                      ':secret:cohort-lab/demo-2027-spring/',
                    ],
                  ],
                },
              },
            ],
          },
        }),
      }),
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^Alerts[0-9A-F]{8}$') } })],
    });
  });

  describe('people with an IAM principal reach their part of the bucket (bucket and key policies)', () => {
    const t = dataTemplate(loadCohort('cohorts/demo.yaml'));
    const learner = 'arn:aws:iam::111122223333:role/learner-grace-hopper';
    const instructor = 'arn:aws:iam::111122223333:role/CohortLabInstructor';
    const bucketArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Artifacts[0-9A-F]{8}$'), 'Arn'] };
    const objects = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn, `/${prefix}*`]] });
    const statements = () =>
      Object.values(t.findResources('AWS::S3::BucketPolicy')).flatMap(
        (p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>,
      );
    const resourcesOf = (s: Record<string, unknown>): unknown[] => ([] as unknown[]).concat(s.Resource);
    const principalsOf = (s: Record<string, unknown>): string[] =>
      ([] as string[]).concat((s.Principal as { AWS?: string | string[] } | undefined)?.AWS ?? []);
    const rw = [
      's3:AbortMultipartUpload',
      's3:DeleteObject',
      's3:GetObject',
      's3:GetObjectVersion',
      's3:PutObject',
    ];

    test.each([
      ['learner: reads shared/', learner, ['s3:GetObject', 's3:GetObjectVersion'], 'shared/'],
      ['learner: reads and writes learners/grace-hopper/', learner, rw, 'learners/grace-hopper/'],
      ['instructor: reads and writes shared/', instructor, rw, 'shared/'],
      [
        'instructor: reads every learners/ prefix',
        instructor,
        ['s3:GetObject', 's3:GetObjectVersion'],
        'learners/',
      ],
    ])('%s', (_name, principal, actions, prefix) => {
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            { Action: actions, Effect: 'Allow', Principal: { AWS: principal }, Resource: objects(prefix) },
          ]),
        },
      });
      const listing = statements().filter(
        (s) =>
          s.Action === 's3:ListBucket' &&
          principalsOf(s).includes(principal) &&
          isDeepStrictEqual(s.Condition, { StringLike: { 's3:prefix': [prefix, `${prefix}*`] } }),
      );
      expect(listing).toHaveLength(1);
    });

    test("nobody from the cohort file gets the whole bucket, or another learner's prefix", () => {
      const allows = statements().filter(
        (s) => s.Effect === 'Allow' && principalsOf(s).some((p) => p.includes(':role/')),
      );
      expect(allows.length).toBeGreaterThanOrEqual(7);
      for (const s of allows) {
        // Object ARNs are Fn::Join [bucket ARN, '/<prefix>*']: never '/*' alone.
        const objectPrefixes = resourcesOf(s).flatMap((r) => {
          const parts = (r as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1] ?? [];
          return parts.filter((p): p is string => typeof p === 'string');
        });
        expect(objectPrefixes).not.toContain('/*');
        if (principalsOf(s).includes(learner)) {
          for (const prefix of objectPrefixes.filter((p) => p.startsWith('/learners/'))) {
            expect(prefix).toBe('/learners/grace-hopper/*');
          }
        }
      }
    });

    test('the key serves them only through S3', () => {
      const key = Object.values(t.findResources('AWS::KMS::Key'))[0];
      const forPeople = (key.Properties.KeyPolicy.Statement as Array<Record<string, unknown>>).filter((s) =>
        principalsOf(s).some((p) => p === learner || p === instructor),
      );
      expect(forPeople.length).toBeGreaterThanOrEqual(2);
      for (const s of forPeople) {
        expect(s.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } });
      }
    });

    test('learners without a principal get no statement', () => {
      const config = configFrom((doc) => {
        for (const l of doc.learners as Array<Record<string, unknown>>) delete l.iamPrincipalArn;
        for (const i of doc.instructors as Array<Record<string, unknown>>) delete i.iamPrincipalArn;
      });
      const plain = dataTemplate(config);
      const people = Object.values(plain.findResources('AWS::S3::BucketPolicy')).flatMap((p) =>
        (p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>).filter((s) =>
          principalsOf(s).some((x) => x.includes(':role/')),
        ),
      );
      expect(people).toEqual([]);
    });
  });

  test('the key rotates and has the cohort alias', () => {
    const t = dataTemplate(loadCohort('cohorts/demo.yaml'));
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    t.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/cohort-lab/demo-2027-spring' });
  });

  test('a cohort keeps its key and bucket after teardown', () => {
    const t = dataTemplate(loadCohort('cohorts/demo.yaml'));
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    for (const bucket of Object.values(t.findResources('AWS::S3::Bucket'))) {
      expect(bucket.DeletionPolicy).toBe('Retain');
    }
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('a sandbox with retention delete removes its key and empties its buckets', () => {
    const t = dataTemplate(sandboxDelete());
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    for (const bucket of Object.values(t.findResources('AWS::S3::Bucket'))) {
      expect(bucket.DeletionPolicy).toBe('Delete');
    }
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
    // Sandbox profile keeps noncurrent versions for 7 days, not 90.
    t.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 7 } })]),
      },
    });
  });

  test('a sandbox that chose retain keeps the key too, so retained artifacts stay readable', () => {
    const config = configFrom((doc) => {
      doc.profile = 'sandbox';
      doc.course = { start: '2027-01-04', end: '2027-01-31' };
      doc.artifacts = { retention: 'retain' };
    });
    const t = dataTemplate(config);
    t.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  test('every taggable resource carries the four lab:* tags and the extra tags', () => {
    const config = loadCohort('cohorts/demo.yaml');
    const resources = dataTemplate(config).toJSON().Resources as Record<
      string,
      { Type: string; Properties: Record<string, unknown> }
    >;
    const tagged = Object.entries(resources).filter(([, r]) => 'Tags' in r.Properties);
    expect(tagged.map(([, r]) => r.Type).sort()).toEqual([
      'AWS::Events::Rule',
      'AWS::KMS::Key',
      'AWS::S3::Bucket',
      'AWS::S3::Bucket',
      'AWS::SNS::Topic',
    ]);
    for (const [, r] of tagged) {
      expect(r.Properties.Tags).toEqual(
        expect.arrayContaining([
          { Key: 'lab:cohort', Value: 'demo-2027-spring' },
          { Key: 'lab:owner', Value: 'ops@cohort-lab.example' },
          { Key: 'lab:expires', Value: '2027-04-30' },
          { Key: 'lab:profile', Value: 'cohort' },
          { Key: 'cost-center', Value: 'mlops-course' },
        ]),
      );
    }
  });

  test('the stack itself carries the tags, so CloudFormation propagates them', () => {
    const { stacks } = buildStacks(loadCohort('cohorts/demo.yaml'));
    expect(stacks.data.tags.tagValues()).toEqual(
      expect.objectContaining({ 'lab:cohort': 'demo-2027-spring', 'lab:expires': '2027-04-30' }),
    );
    expect(stacks.data.terminationProtection).toBe(true);
  });

  test('outputs the bucket name and key ARN for ops', () => {
    const t = dataTemplate(loadCohort('cohorts/demo.yaml'));
    t.hasOutput('ArtifactBucketName', { Value: { Ref: Match.stringLikeRegexp('^Artifacts') } });
    t.hasOutput('CohortKeyArn', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CohortKey'), 'Arn'] } });
  });

  test.each([
    ['demo cohort', () => loadCohort('cohorts/demo.yaml')],
    ['sandbox example', () => loadCohort('cohorts/sandbox-example.yaml')],
  ])('cdk-nag AwsSolutions has no unacknowledged finding for the %s', (_name, load) => {
    const { result } = synthWithPolicy(load());
    expect(result.violations).toEqual([]);
  });

  test('an unacknowledged finding is reported, not swallowed', () => {
    // GIVEN a stack with a bucket that breaks AwsSolutions-S1 and S10
    const config = loadCohort('cohorts/demo.yaml');
    const { result } = synthWithPolicy(config, (stacks) => {
      new s3.Bucket(stacks.data, 'Careless');
    });
    expect(result.violations.map((v) => v.rule)).toEqual(
      expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']),
    );
    expect(result.violations.every((v) => v.constructPath.includes('/Careless/'))).toBe(true);
  });

  test('matches the snapshot (guards logical IDs)', () => {
    expect(dataTemplate(loadCohort('cohorts/demo.yaml')).toJSON()).toMatchSnapshot();
  });
});

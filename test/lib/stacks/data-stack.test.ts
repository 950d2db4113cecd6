import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CohortConfig } from '../../../lib/config';
import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { buildStacks, configFrom, loadCohort, REPO_ROOT, synthWithPolicy } from '../../support/cohort';

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
  test("the demo cohort has exactly the key, alias, two buckets, their policies, the alert and drift-alarm topics, the audit queues, the people's and the CI policies and GitHub's OIDC provider", () => {
    const t = dataTemplate(loadCohort('cohorts/demo.yaml'));
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.resourceCountIs('AWS::KMS::Alias', 1);
    t.resourceCountIs('AWS::S3::Bucket', 2);
    t.resourceCountIs('AWS::S3::BucketPolicy', 2);
    t.resourceCountIs('AWS::SNS::Topic', 2);
    t.resourceCountIs('AWS::SNS::TopicPolicy', 2);
    // the owner on both topics, the audit queue on both; instructors and learners are in their shards
    t.resourceCountIs('AWS::SNS::Subscription', 4);
    t.resourceCountIs('AWS::SQS::Queue', 2);
    t.resourceCountIs('AWS::SQS::QueuePolicy', 2);
    t.resourceCountIs('AWS::Events::Rule', 1);
    t.resourceCountIs('AWS::IAM::ManagedPolicy', 3);
    t.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    expect(Object.keys(t.toJSON().Resources)).toHaveLength(29);
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

  test('the ops list and Slack from the cohort file reach the alerts; the owner is not subscribed twice', () => {
    // GIVEN ops addresses (one of them the owner) and a Slack channel
    const t = dataTemplate(
      configFrom((doc) => {
        doc.owner = 'owner@example.edu';
        doc.alerts = {
          ops: ['noc@example.edu', 'owner@example.edu'],
          slack: { workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23' },
        };
      }),
    );
    // THEN the ops address gets the critical filter, the owner only the owner's, and Slack both topics
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: 'noc@example.edu',
      FilterPolicy: { severity: ['critical'] },
    });
    const owner = t.findResources('AWS::SNS::Subscription', {
      Properties: { Endpoint: 'owner@example.edu' },
    });
    expect(Object.keys(owner)).toHaveLength(2);
    t.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T07EA123LEP',
      SlackChannelId: 'C07EZ1ABC23',
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

  describe("people reach their part of the bucket and key by their roles' tags", () => {
    // (What each statement allows is ArtifactBucket's and CohortKey's: test/constructs.)
    const t = dataTemplate(loadCohort('cohorts/demo.yaml'));
    const bucketStatements = () =>
      Object.values(t.findResources('AWS::S3::BucketPolicy')).flatMap(
        (p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>,
      );

    test("the artifact bucket's policy grants the cohort's people by tag, and names nobody", () => {
      // GIVEN the demo cohort (principals for an instructor and a learner)
      const sids = bucketStatements().map((st) => st.Sid);
      // THEN the tag-keyed statements of this cohort are there...
      expect(sids).toEqual(
        expect.arrayContaining(['PeopleReadShared', 'LearnersOwnPrefix', 'InstructorsReadLearners']),
      );
      for (const st of bucketStatements().filter((x) => typeof x.Sid === 'string')) {
        expect(st.Condition).toMatchObject({
          StringEquals: { 'aws:PrincipalTag/lab:cohort': 'demo-2027-spring' },
        });
      }
      // ...and no statement names a person's principal from the cohort file
      expect(JSON.stringify(t.toJSON())).not.toMatch(/role\/(CohortLabInstructor|learner-grace-hopper)/);
    });

    test('the key policy lets the cohort use the key through S3 and Secrets Manager', () => {
      t.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'PeopleOfTheCohortThroughS3AndSecretsManager',
              Condition: {
                StringEquals: Match.objectLike({ 'aws:PrincipalTag/lab:cohort': 'demo-2027-spring' }),
              },
            }),
          ]),
        },
      });
    });

    test("the people's managed policies live here, one per role type, beside the CI roles' one", () => {
      t.resourceCountIs('AWS::IAM::ManagedPolicy', 3);
      t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        Description: Match.stringLikeRegexp('every learner may do, keyed on the role.s lab:learner tag'),
      });
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
      'AWS::IAM::OIDCProvider',
      'AWS::IAM::Role',
      'AWS::KMS::Key',
      'AWS::S3::Bucket',
      'AWS::S3::Bucket',
      'AWS::SNS::Topic',
      'AWS::SNS::Topic',
      'AWS::SQS::Queue',
      'AWS::SQS::Queue',
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
    [
      'demo cohort with ops and Slack',
      () =>
        configFrom(
          (doc) => {
            doc.alerts = {
              ops: ['noc@example.edu'],
              slack: { workspaceId: 'T07EA123LEP', channelId: 'C07EZ1ABC23' },
            };
          },
          parse(readFileSync(join(REPO_ROOT, 'cohorts', 'demo.yaml'), 'utf8')) as Record<string, unknown>,
        ),
    ],
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

  describe("learners' GitHub CI (Lab 2)", () => {
    test("with a repository on the roster, GitHub Actions' OIDC provider is created, for sts.amazonaws.com", () => {
      // GIVEN the demo cohort (Grace names a repository) WHEN synthesised THEN
      const t = dataTemplate(loadCohort('cohorts/demo.yaml'));
      t.resourceCountIs('AWS::IAM::OIDCProvider', 1);
      t.hasResourceProperties('AWS::IAM::OIDCProvider', {
        Url: 'https://token.actions.githubusercontent.com',
        ClientIdList: ['sts.amazonaws.com'],
      });
    });

    test("with an existing provider's ARN in the file, none is created; the CI policy still is", () => {
      // GIVEN
      const config = configFrom((doc) => {
        (doc.learners as Array<Record<string, unknown>>)[0].github = { repository: 'grace/promo' };
        doc.github = {
          oidcProvider: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com',
        };
      });
      // WHEN
      const t = dataTemplate(config);
      // THEN
      t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
      t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        Description: Match.stringLikeRegexp("learner's GitHub CI role may do"),
      });
    });

    test("without the cohort's github section, neither the provider nor the CI policy exists", () => {
      // GIVEN the base fixture (no github section, no learner names a repository)
      const t = dataTemplate(configFrom());
      // THEN
      t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
      t.resourceCountIs('AWS::IAM::ManagedPolicy', 2);
    });

    test('the shared bucket reads are for people only (lab:role learner or instructor), not CI roles', () => {
      const t = dataTemplate(loadCohort('cohorts/demo.yaml'));
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'PeopleReadShared',
              Condition: {
                StringEquals: Match.objectLike({ 'aws:PrincipalTag/lab:role': ['learner', 'instructor'] }),
              },
            }),
          ]),
        },
      });
    });
  });

  test('matches the snapshot (guards logical IDs)', () => {
    expect(dataTemplate(loadCohort('cohorts/demo.yaml')).toJSON()).toMatchSnapshot();
  });
});

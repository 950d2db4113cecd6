import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ArtifactBucket } from '../../constructs/artifact-bucket';
import { ArtifactRetention } from '../../lib/core';
import { testStack } from '../support/cohort';

function setup(retention?: ArtifactRetention): {
  stack: Stack;
  bucket: ArtifactBucket;
  template: () => Template;
} {
  const stack = testStack({ region: 'us-east-1' });
  const key = new kms.Key(stack, 'Key');
  const bucket = new ArtifactBucket(stack, 'Artifacts', {
    encryptionKey: key,
    retention,
    noncurrentVersionExpiration: Duration.days(30),
  });
  return { stack, bucket, template: () => Template.fromStack(stack) };
}

describe('ArtifactBucket', () => {
  test('encrypts with the given key (SSE-KMS, bucket key on)', () => {
    const { template } = setup();
    template().hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
            },
          },
        ],
      },
    });
  });

  test('versions objects and blocks all four kinds of public access on both buckets', () => {
    const { template } = setup();
    const t = template();
    const buckets = t.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(2);
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
    t.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'artifact-bucket/' }),
    });
  });

  test('denies requests without TLS and with TLS older than 1.2', () => {
    const { template } = setup();
    template().hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^Artifacts[0-9A-F]{8}$') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
          }),
        ]),
      },
    });
  });

  test('sends server access logs to the log bucket, which is SSE-S3 and expires them', () => {
    const { template } = setup();
    const t = template();
    const logBuckets = t.findResources('AWS::S3::Bucket', {
      Properties: { LifecycleConfiguration: { Rules: [Match.objectLike({ Id: 'ExpireAccessLogs' })] } },
    });
    const [logId] = Object.keys(logBuckets);
    expect(logId).toMatch(/^ArtifactsAccessLogs/);
    expect(logBuckets[logId].Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    t.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: logId }, LogFilePrefix: 'artifact-bucket/' },
    });
    // The log bucket lets the S3 logging service write, from this account's artifact bucket only.
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
          }),
        ]),
      },
    });
  });

  test('expires noncurrent versions and incomplete multipart uploads', () => {
    const { template } = setup();
    template().hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'ExpireNoncurrentVersions',
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            ExpiredObjectDeleteMarker: true,
            Status: 'Enabled',
          },
          {
            Id: 'AbortIncompleteMultipartUploads',
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            Status: 'Enabled',
          },
        ],
      },
    });
  });

  test.each([ArtifactRetention.RETAIN, ArtifactRetention.EXPORT])(
    'retention %s keeps both buckets and adds no auto-delete (aws-cdk#16603)',
    (retention) => {
      const { template } = setup(retention);
      const t = template();
      for (const bucket of Object.values(t.findResources('AWS::S3::Bucket'))) {
        expect(bucket.DeletionPolicy).toBe('Retain');
        expect(bucket.UpdateReplacePolicy).toBe('Retain');
        expect(bucket.Properties.Tags).toEqual(
          expect.arrayContaining([{ Key: 'lab:retention', Value: retention }]),
        );
        expect(bucket.Properties.Tags).not.toEqual(
          expect.arrayContaining([expect.objectContaining({ Key: 'aws-cdk:auto-delete-objects' })]),
        );
      }
      t.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    },
  );

  test('retention delete empties and deletes both buckets with the stack', () => {
    const { template } = setup(ArtifactRetention.DELETE);
    const t = template();
    for (const bucket of Object.values(t.findResources('AWS::S3::Bucket'))) {
      expect(bucket.DeletionPolicy).toBe('Delete');
      expect(bucket.Properties.Tags).toEqual(
        expect.arrayContaining([{ Key: 'aws-cdk:auto-delete-objects', Value: 'true' }]),
      );
    }
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
  });

  test('grantReadShared and grantReadWritePrefix scope a role of the app to its prefixes', () => {
    const { stack, bucket, template } = setup();
    const role = new iam.Role(stack, 'LearnerRole', { assumedBy: new iam.AccountRootPrincipal() });
    bucket.grantReadShared(role);
    bucket.grantReadWritePrefix(role, 'learners/grace-hopper/');

    const bucketArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Artifacts[0-9A-F]{8}$'), 'Arn'] };
    const expected = [
      {
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Resource: { 'Fn::Join': ['', [bucketArn, '/shared/*']] },
      },
      {
        // Sorted by the minimizePolicies feature flag.
        Action: [
          's3:AbortMultipartUpload',
          's3:DeleteObject',
          's3:GetObject',
          's3:GetObjectVersion',
          's3:PutObject',
        ],
        Resource: { 'Fn::Join': ['', [bucketArn, '/learners/grace-hopper/*']] },
      },
      {
        Action: 's3:ListBucket',
        Resource: bucketArn,
        Condition: { StringLike: { 's3:prefix': ['shared/', 'shared/*'] } },
      },
      {
        Action: 's3:ListBucket',
        Resource: bucketArn,
        Condition: { StringLike: { 's3:prefix': ['learners/grace-hopper/', 'learners/grace-hopper/*'] } },
      },
      {
        // The cohort key only through S3 and only for this bucket (it also encrypts DB, secrets, logs).
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key[0-9A-F]{8}$'), 'Arn'] },
        Condition: {
          StringEquals: {
            'kms:ViaService': 's3.us-east-1.amazonaws.com',
            'kms:EncryptionContext:aws:s3:arn': bucketArn,
          },
        },
      },
    ];
    for (const statement of expected) {
      template().hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow', ...statement })]) },
      });
    }
    // No statement gives the learner the whole bucket.
    const policies = template().findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    for (const s of statements) {
      // Object ARNs are Fn::Join [bucket ARN, '/<prefix>*']: never '/*' alone.
      for (const resource of [].concat(s.Resource)) {
        const parts = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1] ?? [];
        expect(parts).not.toContain('/*');
      }
      if (([] as string[]).concat(s.Action).some((action) => action.startsWith('kms:'))) {
        expect(s.Condition?.StringEquals?.['kms:ViaService']).toBe('s3.us-east-1.amazonaws.com');
      }
    }
  });

  test("grantPeopleByTag: a fixed set of bucket-policy statements keyed on the people's role tags", () => {
    // GIVEN the bucket; WHEN the cohort's people are granted by tag
    const { bucket, template } = setup();
    bucket.grantPeopleByTag('spring');
    const statements = Object.values(template().findResources('AWS::S3::BucketPolicy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>)
      .filter((st) => typeof st.Sid === 'string');
    const bySid = Object.fromEntries(statements.map((st) => [st.Sid as string, st]));
    const bucketArn = { 'Fn::GetAtt': [expect.stringMatching(/^Artifacts[0-9A-F]{8}$/), 'Arn'] };
    const person = (role?: string) => ({
      'aws:PrincipalAccount': { Ref: 'AWS::AccountId' },
      'aws:PrincipalTag/lab:cohort': 'spring',
      ...(role ? { 'aws:PrincipalTag/lab:role': role } : {}),
    });
    // THEN exactly these statements, for principals of this account tagged with the cohort
    expect(Object.keys(bySid).sort()).toEqual([
      'InstructorsListLearners',
      'InstructorsReadLearners',
      'InstructorsWriteShared',
      'LearnersListOwnPrefix',
      'LearnersOwnPrefix',
      'PeopleListShared',
      'PeopleReadShared',
    ]);
    for (const st of statements) {
      expect(st).toMatchObject({ Effect: 'Allow', Principal: { AWS: '*' } });
    }
    // a learner writes its own prefix only: the prefix is the role's own lab:learner tag
    expect(bySid.LearnersOwnPrefix).toMatchObject({
      Condition: { StringEquals: person('learner') },
      Resource: { 'Fn::Join': ['', [bucketArn, '/learners/${aws:PrincipalTag/lab:learner}/*']] },
    });
    expect(bySid.LearnersListOwnPrefix).toMatchObject({
      Action: 's3:ListBucket',
      Condition: {
        StringEquals: person('learner'),
        StringLike: {
          's3:prefix': [
            'learners/${aws:PrincipalTag/lab:learner}/',
            'learners/${aws:PrincipalTag/lab:learner}/*',
          ],
        },
      },
    });
    // instructors read every learner and write shared/; everyone of the cohort reads shared/
    expect(bySid.InstructorsReadLearners).toMatchObject({
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Condition: { StringEquals: person('instructor') },
    });
    expect(bySid.PeopleReadShared).toMatchObject({ Condition: { StringEquals: person() } });
  });

  test('grantPeopleByTag: the bucket policy is the same size for any roster (nothing per person)', () => {
    // GIVEN the grant made once: it takes no person, so its size cannot depend on the roster
    const { bucket, stack } = setup();
    bucket.grantPeopleByTag('spring');
    const size = JSON.stringify(stack.resolve(bucket.bucket.policy!.document.toJSON())).length;
    // THEN it is well within S3's 20 KB bucket policy limit
    expect(size).toBeLessThan(20 * 1024 * 0.25);
  });

  test('fails when a grant prefix does not end in a slash', () => {
    const { stack, bucket } = setup();
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => bucket.grantReadWritePrefix(role, 'learners/grace')).toThrow(
      'ArtifactBucket: prefix "learners/grace" must be relative, end in "/", and use only a-z 0-9 / _ . -',
    );
  });

  test('fails when a grant prefix escapes with ".."', () => {
    const { stack, bucket } = setup();
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => bucket.grantReadWritePrefix(role, 'learners/../')).toThrow(
      /prefix "learners\/\.\.\/" must be relative/,
    );
  });

  test('storage metrics are daily and name the bucket', () => {
    const { bucket, stack } = setup();
    const metric = bucket.metricBucketSizeBytes();
    expect(metric.namespace).toBe('AWS/S3');
    expect(metric.period.toDays()).toBe(1);
    expect(stack.resolve(metric.dimensions)).toEqual({
      BucketName: { Ref: expect.stringMatching(/^Artifacts[0-9A-F]{8}$/) },
      StorageType: 'StandardStorage',
    });
  });
});

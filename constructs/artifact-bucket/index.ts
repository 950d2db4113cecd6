import { Duration, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  ArtifactRetention,
  LAB_TAG,
  LEARNERS_PREFIX,
  PERSON_TAG,
  PersonRole,
  SHARED_PREFIX,
} from '../../lib/core';

/** Properties of {@link ArtifactBucket}. */
export interface ArtifactBucketProps {
  /** Customer-managed key for SSE-KMS on every artifact. */
  readonly encryptionKey: kms.IKey;
  /**
   * What happens to the artifacts when the stack is deleted. RETAIN and EXPORT keep the bucket;
   * DELETE empties and deletes it (auto-delete custom resource).
   * @default ArtifactRetention.RETAIN
   */
  readonly retention?: ArtifactRetention;
  /**
   * How long a replaced or deleted object version is kept before it expires.
   * @default Duration.days(90)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * How long an unfinished multipart upload may sit before its parts are removed.
   * @default Duration.days(7)
   */
  readonly incompleteUploadExpiration?: Duration;
  /**
   * How long S3 server access logs are kept in the log bucket.
   * @default Duration.days(365)
   */
  readonly accessLogExpiration?: Duration;
}

/**
 * The cohort's artifact bucket and its access-log bucket.
 *
 * Layout (S3 has no folders: the layout is the set of prefixes the grants below are scoped to):
 * - `shared/`             course material every learner reads;
 * - `learners/<slug>/`    one learner's own space;
 * - `mlflow/`             MLflow's proxied artifact store (only the MLflow service writes);
 * - `feast/`              the Feast registry and offline data.
 */
export class ArtifactBucket extends Construct {
  /** The artifact bucket (the primary child, id `Resource`). */
  public readonly bucket: s3.Bucket;
  /** The bucket receiving S3 server access logs of the artifact bucket. */
  public readonly accessLogsBucket: s3.Bucket;
  /** The retention that decided the removal policy. */
  public readonly retention: ArtifactRetention;

  constructor(scope: Construct, id: string, props: ArtifactBucketProps) {
    super(scope, id);
    this.retention = props.retention ?? ArtifactRetention.RETAIN;
    const destroy = this.retention === ArtifactRetention.DELETE;
    // aws-cdk#16603: turning autoDeleteObjects off used to empty the bucket. aws-cdk-lib >= 1.126
    // removes the `aws-cdk:auto-delete-objects` tag before the custom resource is deleted, so the
    // handler skips the bucket; the tests assert the tag is only present when DELETE is chosen.
    const removal = {
      removalPolicy: destroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      autoDeleteObjects: destroy,
    };

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      // S3 server access logging delivers only to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: false,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        {
          id: 'ExpireAccessLogs',
          expiration: props.accessLogExpiration ?? Duration.days(365),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      ...removal,
    });
    Validations.of(this.accessLogsBucket.node.defaultChild as s3.CfnBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log target of the artifact bucket; logging it to itself would loop.',
    });

    this.bucket = new s3.Bucket(this, 'Resource', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'artifact-bucket/',
      lifecycleRules: [
        {
          id: 'ExpireNoncurrentVersions',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(90),
          expiredObjectDeleteMarker: true,
        },
        {
          id: 'AbortIncompleteMultipartUploads',
          abortIncompleteMultipartUploadAfter: props.incompleteUploadExpiration ?? Duration.days(7),
        },
      ],
      ...removal,
    });
    Tags.of(this).add(LAB_TAG.retention, this.retention);
  }

  /** Name of the artifact bucket. */
  public get bucketName(): string {
    return this.bucket.bucketName;
  }

  /** ARN of the artifact bucket. */
  public get bucketArn(): string {
    return this.bucket.bucketArn;
  }

  /** ARN pattern of the objects under `prefix` (`prefix` must end in `/`). */
  public arnForPrefix(prefix: string): string {
    assertPrefix(prefix);
    return this.bucket.arnForObjects(`${prefix}*`);
  }

  /** Let `grantee` list and read `shared/`. */
  public grantReadShared(grantee: iam.IGrantable): iam.Grant {
    return this.grantPrefix(grantee, SHARED_PREFIX, false);
  }

  /** Let `grantee` list, read, write and delete under `prefix` only (plus key use for it). */
  public grantReadWritePrefix(grantee: iam.IGrantable, prefix: string): iam.Grant {
    return this.grantPrefix(grantee, prefix, true);
  }

  /**
   * The cohort's people, by the tags on their roles (LabPerson), in a fixed number of bucket-policy
   * statements whatever the roster's size: a role tagged `lab:cohort=<cohort>` and `lab:role`
   * learner or instructor in this account reads `shared/`; one tagged `lab:role=learner` also reads and writes
   * `learners/${aws:PrincipalTag/lab:learner}/`, its own prefix only; one tagged
   * `lab:role=instructor` writes `shared/` and reads every `learners/` prefix. The key policy grant
   * that goes with it is {@link grantPeopleKeyUse}, on the key's own construct.
   */
  public grantPeopleByTag(cohortName: string): void {
    const account = Stack.of(this).account;
    const person = (role?: PersonRole) => ({
      StringEquals: {
        'aws:PrincipalAccount': account,
        [`aws:PrincipalTag/${LAB_TAG.cohort}`]: cohortName,
        // Only people: a learner's CI role (lab:role=ci) carries the cohort tag too, and writes its
        // prefix through its own policy, reading nothing here.
        [`aws:PrincipalTag/${PERSON_TAG.role}`]: role ?? [PersonRole.LEARNER, PersonRole.INSTRUCTOR],
      },
    });
    const own = `${LEARNERS_PREFIX}\${aws:PrincipalTag/${PERSON_TAG.learner}}/`;
    const add = (sid: string, actions: string[], resources: string[], conditions: Record<string, unknown>) =>
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          principals: [new iam.AnyPrincipal()],
          actions,
          resources,
          conditions,
        }),
      );
    const read = ['s3:GetObject', 's3:GetObjectVersion'];
    const write = [...read, 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'];
    const list = (prefix: string) => ({ StringLike: { 's3:prefix': [prefix, `${prefix}*`] } });

    add('PeopleReadShared', read, [this.arnForPrefix(SHARED_PREFIX)], person());
    add('PeopleListShared', ['s3:ListBucket'], [this.bucket.bucketArn], {
      ...person(),
      ...list(SHARED_PREFIX),
    });
    add('LearnersOwnPrefix', write, [this.bucket.arnForObjects(`${own}*`)], person(PersonRole.LEARNER));
    add('LearnersListOwnPrefix', ['s3:ListBucket'], [this.bucket.bucketArn], {
      ...person(PersonRole.LEARNER),
      ...list(own),
    });
    add('InstructorsWriteShared', write, [this.arnForPrefix(SHARED_PREFIX)], person(PersonRole.INSTRUCTOR));
    add('InstructorsReadLearners', read, [this.arnForPrefix(LEARNERS_PREFIX)], person(PersonRole.INSTRUCTOR));
    add('InstructorsListLearners', ['s3:ListBucket'], [this.bucket.bucketArn], {
      ...person(PersonRole.INSTRUCTOR),
      ...list(LEARNERS_PREFIX),
    });
  }

  /** Total bytes stored (daily S3 storage metric, all storage classes summed by S3 as Standard). */
  public metricBucketSizeBytes(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.storageMetric('BucketSizeBytes', 'StandardStorage', props);
  }

  /** Number of objects stored (daily S3 storage metric). */
  public metricNumberOfObjects(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.storageMetric('NumberOfObjects', 'AllStorageTypes', props);
  }

  private storageMetric(
    metricName: string,
    storageType: string,
    props?: cloudwatch.MetricOptions,
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/S3',
      metricName,
      dimensionsMap: { BucketName: this.bucket.bucketName, StorageType: storageType },
      period: Duration.days(1),
      statistic: 'Average',
      ...props,
    });
  }

  /**
   * Objects under `prefix` (read, or read and write), listing of that prefix, and the cohort key
   * through S3 for this bucket only. A principal of this app (a role) gets the statements in its
   * own policy; a principal given by ARN (a learner's or instructor's role from the cohort file) gets
   * them in the bucket policy and the key policy instead.
   */
  private grantPrefix(grantee: iam.IGrantable, prefix: string, write: boolean): iam.Grant {
    assertPrefix(prefix);
    const objectActions = write
      ? ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload']
      : ['s3:GetObject', 's3:GetObjectVersion'];
    const grant = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: objectActions,
      resourceArns: [this.arnForPrefix(prefix)],
      resource: this.bucket,
    });
    iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [prefix, `${prefix}*`] } },
      resource: this.bucket,
    });
    const key = this.bucket.encryptionKey;
    if (key) {
      // The cohort key also encrypts the database, the secrets and the logs: this grant only works
      // when S3 calls KMS (kms:ViaService). In a principal's own policy it is also held to this
      // bucket (bucket keys on: the encryption context is the bucket ARN); the key policy cannot
      // name the bucket, which is encrypted with that key (a circular dependency).
      const actions = write
        ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*']
        : ['kms:Decrypt'];
      const viaS3 = { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` };
      const onPrincipal = iam.Grant.addToPrincipal({
        grantee,
        actions,
        resourceArns: [key.keyArn],
        conditions: { StringEquals: { ...viaS3, 'kms:EncryptionContext:aws:s3:arn': this.bucket.bucketArn } },
      });
      if (!onPrincipal.success) {
        key.addToResourcePolicy(
          new iam.PolicyStatement({
            principals: [grantee.grantPrincipal],
            actions,
            resources: ['*'],
            conditions: { StringEquals: viaS3 },
          }),
        );
      }
    }
    return grant;
  }
}

function assertPrefix(prefix: string): void {
  if (!/^[a-z0-9][a-z0-9/_.-]*\/$/.test(prefix) || prefix.includes('//') || prefix.includes('..')) {
    throw new Error(
      `ArtifactBucket: prefix "${prefix}" must be relative, end in "/", and use only a-z 0-9 / _ . -`,
    );
  }
}

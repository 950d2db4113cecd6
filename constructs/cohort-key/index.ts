import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { cohortKeyAlias, LAB_TAG } from '../../lib/core';

/** Properties of {@link CohortKey}. */
export interface CohortKeyProps {
  /** Cohort name; used in the key alias `alias/cohort-lab/<cohortName>` and description. */
  readonly cohortName: string;
  /**
   * What happens to the key when the stack is deleted. Keep it whenever any data encrypted with it
   * is kept, or that data becomes unreadable.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Waiting period before a removed key is deleted.
   * @default Duration.days(30)
   */
  readonly pendingWindow?: Duration;
}

/**
 * The cohort's customer-managed KMS key: annual automatic rotation, an alias per cohort, and key
 * policy statements for the AWS services that encrypt cohort data with it (CloudWatch Logs).
 * Every cohort secret, the artifact bucket, the database and EKS secrets use this one key.
 */
export class CohortKey extends Construct {
  /** The key itself (the primary child, id `Resource`). */
  public readonly key: kms.Key;
  /** `alias/cohort-lab/<cohortName>`. */
  public readonly alias: kms.Alias;

  constructor(scope: Construct, id: string, props: CohortKeyProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Resource', {
      description: `Cohort Lab ${props.cohortName}: artifacts, secrets, database, EKS secrets`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      pendingWindow: props.pendingWindow ?? Duration.days(30),
    });
    this.alias = this.key.addAlias(cohortKeyAlias(props.cohortName));

    // CloudWatch Logs encrypts the cohort's log groups (EKS control plane, Lambda) with this key;
    // scoped to log groups of this account and region by the encryption context.
    const stack = Stack.of(this);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
  }

  /** The key ARN. */
  public get keyArn(): string {
    return this.key.keyArn;
  }

  /** Let `grantee` encrypt and decrypt with the cohort key. */
  public grantEncryptDecrypt(grantee: iam.IGrantable): iam.Grant {
    return this.key.grantEncryptDecrypt(grantee);
  }

  /**
   * The cohort's people, by the tags on their roles (LabPerson), in one key-policy statement
   * whatever the roster's size: a role of this account tagged `lab:cohort=<cohort>` may use the
   * key, but only through S3 (their bucket prefixes) and Secrets Manager (their own secrets), as
   * the bucket policy and their role's policy allow.
   */
  public grantPeopleKeyUse(cohortName: string): void {
    const stack = Stack.of(this);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'PeopleOfTheCohortThroughS3AndSecretsManager',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        resources: ['*'],
        conditions: {
          StringEquals: {
            'aws:PrincipalAccount': stack.account,
            [`aws:PrincipalTag/${LAB_TAG.cohort}`]: cohortName,
            'kms:ViaService': [
              `s3.${stack.region}.amazonaws.com`,
              `secretsmanager.${stack.region}.amazonaws.com`,
            ],
          },
        },
      }),
    );
  }

  /** Let `grantee` decrypt with the cohort key. */
  public grantDecrypt(grantee: iam.IGrantable): iam.Grant {
    return this.key.grantDecrypt(grantee);
  }
}

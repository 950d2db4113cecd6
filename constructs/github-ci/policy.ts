import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  acknowledgeWildcardResources,
  CI_ROLE_TAG_VALUE,
  CI_TAG,
  ciPolicyName,
  LEARNERS_PREFIX,
  PERSON_TAG,
  secretPrefix,
} from '../../lib/core';

/** Properties of {@link CiPolicy}. */
export interface CiPolicyProps {
  /** The cohort's name: its secrets are under `cohort-lab/<cohort>/`. */
  readonly cohortName: string;
  /** The artifact bucket: a CI role writes `learners/<its lab:ci tag>/` only. */
  readonly bucket: s3.IBucket;
  /** The cohort key: the secret is decrypted, and objects encrypted, with it. */
  readonly encryptionKey: kms.IKey;
}

/**
 * The one managed policy every learner's CI role of a cohort shares, keyed on the role's own
 * `lab:ci` tag, so it is the same size at 3 learners and at 1,000:
 *
 * - `secretsmanager:GetSecretValue` on `cohort-lab/<cohort>/learners/${aws:PrincipalTag/lab:ci}/mlflow-ci`
 *   only, and only when the secret is tagged with the same `lab:ci`;
 * - `s3:PutObject` (and aborting its own multipart uploads) under
 *   `learners/${aws:PrincipalTag/lab:ci}/` of the artifact bucket;
 * - the cohort key, only through Secrets Manager (decrypt) and S3 (encrypt), as those two need.
 */
export class CiPolicy extends Construct {
  /** The managed policy (primary child, id `Resource`). */
  public readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: CiPolicyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const own = `\${aws:PrincipalTag/${CI_TAG}}`;
    const ciRole = { [`aws:PrincipalTag/${PERSON_TAG.role}`]: CI_ROLE_TAG_VALUE };
    const secretName = `${secretPrefix(props.cohortName)}${LEARNERS_PREFIX}${own}/mlflow-ci-??????`;
    this.policy = new iam.ManagedPolicy(this, 'Resource', {
      managedPolicyName: ciPolicyName(props.cohortName),
      description: `Cohort Lab ${props.cohortName}: what every learner's GitHub CI role may do, keyed on the role's ${CI_TAG} tag`,
      statements: [
        new iam.PolicyStatement({
          sid: 'OwnCiSecretOnly',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [
            stack.formatArn({
              service: 'secretsmanager',
              resource: 'secret',
              resourceName: secretName,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
          conditions: {
            StringEquals: { [`secretsmanager:ResourceTag/${CI_TAG}`]: own, ...ciRole },
          },
        }),
        new iam.PolicyStatement({
          sid: 'WriteOwnLearnerPrefixOnly',
          actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
          resources: [props.bucket.arnForObjects(`${LEARNERS_PREFIX}${own}/*`)],
          conditions: { StringEquals: ciRole },
        }),
        new iam.PolicyStatement({
          sid: 'CohortKeyThroughSecretsManager',
          actions: ['kms:Decrypt'],
          resources: [props.encryptionKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com`, ...ciRole },
          },
        }),
        new iam.PolicyStatement({
          sid: 'CohortKeyThroughS3',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [props.encryptionKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com`, ...ciRole },
          },
        }),
      ],
    });
    const cfn = this.policy.node.defaultChild as iam.CfnManagedPolicy;
    acknowledgeWildcardResources(
      cfn,
      /learners\/.*\/\*$/,
      "Objects under the CI role's own learners/<slug>/ prefix (write only); the slug comes from the role's lab:ci tag.",
    );
  }
}

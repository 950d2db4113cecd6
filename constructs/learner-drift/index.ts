import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  acknowledgeWildcardResources,
  defaultDriftModel,
  DRIFT_DIMENSIONS,
  DRIFT_METRICS,
  DRIFT_METRICS_NAMESPACE,
  DRIFT_SERVICE_ACCOUNT,
  DRIFT_REFERENCE_FOLDER,
  driftAlarmName,
  FEAST_PREFIX,
  learnerNamespace,
  learnerPrefix,
  LEARNERS_PREFIX,
  SLUG_PATTERN,
} from '../../lib/core';
import { CohortAlerts } from '../cohort-alerts';
import { PodIdentityRole } from '../pod-identity-role';

/** Properties of {@link DriftRole}. */
export interface DriftRoleProps {
  readonly cluster: eks.ICluster;
  /** The cohort's alert topic: the role may publish to it, and to nothing else. */
  readonly topic: sns.ITopic;
  /** The key the topic (and the artifact bucket) is encrypted with. */
  readonly encryptionKey: kms.IKey;
  /** The cohort's artifact bucket: the job reads the Feast data and the learner's reference there. */
  readonly artifactBucket: s3.IBucket;
  readonly cohortName: string;
}

/**
 * The one IAM role of every learner's drift CronJob (service account `drift` in `learner-<slug>`),
 * through EKS Pod Identity. It may only put metrics in the `CohortLab/Drift` namespace
 * (`cloudwatch:namespace` condition), publish to the cohort's alert topic (with the topic key's
 * data keys, through SNS only), and read what the job compares: the Feast registry and offline
 * data (`feast/`, the cohort's shared features) and the learners' drift references
 * (`learners/<slug>/drift/`, with the cohort key through S3 only). Each learner gets a Pod Identity
 * association to it ({@link LearnerDrift}) whose session policy narrows the references to their
 * own (`learners/<slug>/drift/`); none gets a role of their own: that would add a role per learner
 * to the account (1,000 by default, lib/core/limits.ts) and a resource per learner to their
 * learners-N stack. CloudTrail still tells learners apart: the session name names the pod.
 */
export class DriftRole extends Construct {
  /** The shared Pod Identity role (without an association of its own). */
  public readonly podIdentity: PodIdentityRole;

  constructor(scope: Construct, id: string, props: DriftRoleProps) {
    super(scope, id);
    this.podIdentity = new PodIdentityRole(this, 'Resource', {
      cluster: props.cluster,
      description: `Cohort Lab ${props.cohortName}: the learners' drift jobs (metrics and alerts only)`,
    });
    const role = this.podIdentity.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DriftMetricsOnly',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': DRIFT_METRICS_NAMESPACE } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishAlerts',
        actions: ['sns:Publish'],
        resources: [props.topic.topicArn],
      }),
    );
    // Publishing to an SSE-KMS topic takes a data key of its key; only through SNS.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TopicKeyThroughSns',
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: [props.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sns.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    // What the job compares: the cohort's Feast data and the learners' drift references (each
    // association's session policy narrows these to the learner's own, see sessionPolicyFor).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadDriftData',
        actions: ['s3:GetObject'],
        resources: [
          props.artifactBucket.arnForObjects(`${FEAST_PREFIX}*`),
          props.artifactBucket.arnForObjects(`${LEARNERS_PREFIX}*/${DRIFT_REFERENCE_FOLDER}*`),
        ],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'BucketKeyThroughS3',
        actions: ['kms:Decrypt'],
        resources: [props.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    const policy = role.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy;
    Validations.of(policy).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'cloudwatch:PutMetricData has no resource-level permissions; the statement is limited by its cloudwatch:namespace condition to CohortLab/Drift.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason: 'Publishing to the SSE-KMS topic needs a data key of its one key, only via SNS.',
      },
    );
    acknowledgeWildcardResources(
      policy,
      /\/(feast\/\*|learners\/\*\/drift\/\*)$/,
      "The drift job reads the Feast registry and offline data it compares (one prefix, read only) and the learners' drift references; each association's session policy narrows the references to the learner's own learners/<slug>/drift/.",
    );
  }

  /**
   * The session policy of one learner's association: everything the role allows, but S3 reads
   * only of the Feast data and of `learners/<slug>/drift/` (the role's own statements still
   * apply: a session gets the intersection).
   */
  public static sessionPolicyFor(
    partition: string,
    artifactBucketName: string,
    slug: string,
  ): iam.PolicyDocument {
    const objects = (key: string) => `arn:${partition}:s3:::${artifactBucketName}/${key}`;
    return new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          actions: ['cloudwatch:PutMetricData', 'sns:Publish', 'kms:GenerateDataKey*', 'kms:Decrypt'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [
            objects(`${FEAST_PREFIX}*`),
            objects(`${learnerPrefix(slug)}${DRIFT_REFERENCE_FOLDER}*`),
          ],
        }),
      ],
    });
  }

  /** ARN of the role. */
  public get roleArn(): string {
    return this.podIdentity.roleArn;
  }
}

/** Properties of {@link LearnerDrift}. */
export interface LearnerDriftProps {
  readonly cohortName: string;
  readonly slug: string;
  /** The learner's roster email: their warnings go there. */
  readonly email: string;
  readonly alerts: CohortAlerts;
  readonly driftRole: DriftRole;
  /** The artifact bucket's name: the association's session policy names the learner's reference keys in it. */
  readonly artifactBucketName: string;
  /** Alarm thresholds: a run with at least this many drifted features, or this largest PSI. */
  readonly thresholds: { readonly driftedFeatures: number; readonly maxPsi: number };
  /** The model the metrics are about. @default `promotion.<slug>` */
  readonly model?: string;
}

/**
 * What one learner's drift job needs from AWS, in the learner's construct (their learners-N stack),
 * three resources:
 *
 * - the Pod Identity association of `learner-<slug>/drift` to the shared {@link DriftRole};
 * - one alarm on both drift metrics of the learner's model (metric math: the larger of
 *   DriftedFeatures / its threshold and MaxPsi / its threshold, alarming at 1), missing data not
 *   breaching (the job is a batch job: no run, no data, no alarm). One alarm, not one per metric:
 *   a learner's stack already holds seven resources per person, and a second alarm per learner
 *   would leave room for fewer people per shard than a 1,000-learner roster needs
 *   (lib/core/shards.ts). It notifies the alarm topic (critical: instructors, ops, audit);
 * - the learner's email subscription to the alert topic for their own warnings.
 */
export class LearnerDrift extends Construct {
  public readonly alarm: cloudwatch.Alarm;
  public readonly association: eks.CfnPodIdentityAssociation;
  public readonly warnings: sns.Subscription;

  constructor(scope: Construct, id: string, props: LearnerDriftProps) {
    super(scope, id);
    if (!SLUG_PATTERN.test(props.slug)) {
      throw new Error(`LearnerDrift ${id}: slug "${props.slug}" is not a normalised id`);
    }
    const { driftedFeatures, maxPsi } = props.thresholds;
    if (!Number.isInteger(driftedFeatures) || driftedFeatures < 1) {
      throw new Error(
        `LearnerDrift ${id}: thresholds.driftedFeatures must be a whole number of at least 1 (got ${driftedFeatures})`,
      );
    }
    if (!Number.isFinite(maxPsi) || maxPsi <= 0) {
      throw new Error(`LearnerDrift ${id}: thresholds.maxPsi must be above 0 (got ${maxPsi})`);
    }
    this.association = props.driftRole.podIdentity.associate(
      this,
      'Identity',
      learnerNamespace(props.slug),
      DRIFT_SERVICE_ACCOUNT,
      DriftRole.sessionPolicyFor(Stack.of(this).partition, props.artifactBucketName, props.slug),
    );

    const model = props.model ?? defaultDriftModel(props.slug);
    const metric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: DRIFT_METRICS_NAMESPACE,
        metricName,
        dimensionsMap: {
          [DRIFT_DIMENSIONS.cohort]: props.cohortName,
          [DRIFT_DIMENSIONS.learner]: props.slug,
          [DRIFT_DIMENSIONS.model]: model,
        },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.hours(1),
      });
    const score = new cloudwatch.MathExpression({
      expression: `MAX([drifted / ${driftedFeatures}, psi / ${maxPsi}])`,
      usingMetrics: { drifted: metric(DRIFT_METRICS.driftedFeatures), psi: metric(DRIFT_METRICS.maxPsi) },
      label: 'Drift (1 = a threshold reached)',
      period: Duration.hours(1),
    });
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmName: driftAlarmName(props.cohortName, props.slug),
      alarmDescription:
        `Drift of ${model} (learner ${props.slug}): at least ${driftedFeatures} drifted feature(s) ` +
        `or a PSI of at least ${maxPsi} in a run. Runbook: docs/runbooks/drift-alert.md`,
      metric: score,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new cwActions.SnsAction(props.alerts.alarmTopic));

    this.warnings = props.alerts.routeLearnerWarnings(this, 'Warnings', props.slug, props.email);
  }
}

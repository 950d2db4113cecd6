import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** Properties of {@link CohortAlerts}. */
export interface CohortAlertsProps {
  readonly cohortName: string;
  /** Key the topic is encrypted with (the cohort key). Its policy is extended for the publishers. */
  readonly encryptionKey: kms.Key;
  /** Emails subscribed to the topic (each must confirm once). @default - no subscription */
  readonly emails?: readonly string[];
}

/**
 * The cohort's alert topic: where anything that needs a human goes (failed secret rotations and
 * the rotation function's errors). Encrypted with the cohort key, TLS-only, and published to by CloudWatch
 * alarms and EventBridge rules of the cohort.
 */
export class CohortAlerts extends Construct {
  /** The topic (primary child, id `Resource`). */
  public readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: CohortAlertsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Resource', {
      displayName: `Cohort Lab ${props.cohortName} alerts`,
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    for (const email of props.emails ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    // Alarms and rules publish to an encrypted topic only if they may use its key.
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAlertPublishersToUseTheKey',
        principals: [
          new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
          new iam.ServicePrincipal('events.amazonaws.com'),
        ],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
  }

  /**
   * Announce every failed rotation of a secret whose name starts with `secretNamePrefix`,
   * whichever function rotates it (ours or the hosted database rotation), from Secrets Manager's
   * `RotationFailed` event.
   */
  public alertOnRotationFailure(secretNamePrefix: string): events.Rule {
    const stack = Stack.of(this);
    const arnPrefix = stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: secretNamePrefix,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const rule = new events.Rule(this, 'RotationFailed', {
      description: `Cohort Lab: a secret rotation failed (${secretNamePrefix}*)`,
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['AWS Service Event via CloudTrail'],
        detail: {
          eventName: ['RotationFailed'],
          additionalEventData: { SecretId: [{ prefix: arnPrefix }] },
        },
      },
    });
    rule.addTarget(
      new targets.SnsTopic(this.topic, {
        message: events.RuleTargetInput.fromText(
          `Secret rotation failed: ${events.EventField.fromPath('$.detail.additionalEventData.SecretId')} ` +
            `at ${events.EventField.time}. Runbook: docs/runbooks/recover-failed-rotation.md`,
        ),
      }),
    );
    return rule;
  }
}

import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALERT_ATTRIBUTES, AlertSeverity, SLUG_PATTERN } from '../../lib/core';

/** Properties of {@link CohortAlerts}. */
export interface CohortAlertsProps {
  readonly cohortName: string;
  /** Key the topic is encrypted with (the cohort key). Its policy is extended for the publishers. */
  readonly encryptionKey: kms.Key;
  /**
   * The owners' emails (each must confirm once): the cohort's own notices (messages without a
   * `source` attribute: failed rotations, budget, expiry, the platform's alarms), every critical
   * alert and every drift alarm. @default - no subscription
   */
  readonly emails?: readonly string[];
  /** Ops emails: every critical alert and every drift alarm. @default - none */
  readonly ops?: readonly string[];
  /**
   * A Slack channel (through Amazon Q Developer in chat applications) that gets everything on both
   * topics. @default - none
   */
  readonly slack?: { readonly workspaceId: string; readonly channelId: string };
  /** How long the audit queue keeps a message. @default Duration.days(14) (the SQS maximum) */
  readonly auditRetention?: Duration;
}

/**
 * The filter policy of a subscription that gets every critical alert (the `severity` message
 * attribute the drift job, and any other publisher of the cohort, sets).
 */
export function criticalFilterPolicy(): Record<string, string[]> {
  return { [ALERT_ATTRIBUTES.severity]: [AlertSeverity.CRITICAL] };
}

/** The filter policy of a learner's subscription: their own warnings, nobody else's. */
export function learnerWarningFilterPolicy(slug: string): Record<string, string[]> {
  return { [ALERT_ATTRIBUTES.learner]: [slug], [ALERT_ATTRIBUTES.severity]: [AlertSeverity.WARNING] };
}

/**
 * The filter policy of an owner's subscription: the cohort's own notices, which carry no `source`
 * attribute (SNS matches `exists: false` when the attribute is absent), or any critical alert.
 */
export function ownerFilterPolicy(): Record<string, unknown> {
  return {
    $or: [
      { [ALERT_ATTRIBUTES.source]: [{ exists: false }] },
      { [ALERT_ATTRIBUTES.severity]: [AlertSeverity.CRITICAL] },
    ],
  };
}

/**
 * The cohort's alert topic: where anything that needs a human goes (failed secret rotations, the
 * rotation function's errors, budget and expiry notices, the drift job's alerts). Encrypted with the
 * cohort key, TLS-only, and published to by CloudWatch alarms and EventBridge rules of the cohort.
 *
 * Routing. Publishers that can set message attributes (the drift job: `severity`, `learner`,
 * `cohort`, `source`) are routed by subscription filter policies on the attributes: critical alerts
 * to the owners, ops and instructors, a learner's warnings to that learner, everything to the
 * audit queue. A CloudWatch alarm's notification carries no message attributes (only its JSON
 * body), so the drift alarms publish to a second topic, {@link alarmTopic}, whose every message is
 * critical: its subscribers (owners, ops, instructors, the audit queue) need no filter policy at
 * all. Filtering the alarm JSON on the alert topic instead (`FilterPolicyScope: MessageBody`) would
 * need a second subscription, and a second filter policy, per critical subscriber; filter policies
 * are the scarce quota here (200 per topic and 10,000 per account by default, Amazon SNS Developer
 * Guide, "Filter policy constraints in Amazon SNS"; lib/core/limits.ts).
 */
export class CohortAlerts extends Construct {
  /** The alert topic (primary child, id `Resource`). */
  public readonly topic: sns.Topic;
  /** The topic of the drift alarms (every message on it is critical; no filter policies). */
  public readonly alarmTopic: sns.Topic;
  /** Everything published to either topic, as SNS delivers it (the envelope keeps the attributes). */
  public readonly auditQueue: sqs.Queue;
  /** Where audit messages go that were not consumed, or that SNS could not deliver. */
  public readonly auditDeadLetterQueue: sqs.Queue;
  /** The Slack channel, when configured. */
  public readonly slackChannel?: chatbot.SlackChannelConfiguration;

  constructor(scope: Construct, id: string, props: CohortAlertsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Resource', {
      displayName: `Cohort Lab ${props.cohortName} alerts`,
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `Cohort Lab ${props.cohortName} drift alarms`,
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });

    // The audit trail of every alert: SNS's JSON envelope (not raw delivery), so each message keeps
    // its attributes. Encrypted with the cohort key, TLS-only; what nobody consumes in time, or SNS
    // cannot deliver, lands in the dead-letter queue, kept as long.
    const retentionPeriod = props.auditRetention ?? Duration.days(14);
    // The queues name the key by ARN: given the key itself, each SNS subscription would add a key
    // policy statement naming its topic, and the topic names the key (a cycle). SNS gets the key
    // through one statement for this account instead (below).
    const queueKey = kms.Key.fromKeyArn(this, 'QueueKey', props.encryptionKey.keyArn);
    this.auditDeadLetterQueue = new sqs.Queue(this, 'AuditDeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: queueKey,
      enforceSSL: true,
      retentionPeriod,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.auditDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the audit queue and of its SNS subscriptions.',
    });
    this.auditQueue = new sqs.Queue(this, 'Audit', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: queueKey,
      enforceSSL: true,
      retentionPeriod,
      deadLetterQueue: { queue: this.auditDeadLetterQueue, maxReceiveCount: 5 },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    for (const topic of [this.topic, this.alarmTopic]) {
      topic.addSubscription(
        new subscriptions.SqsSubscription(this.auditQueue, { deadLetterQueue: this.auditDeadLetterQueue }),
      );
    }

    for (const email of props.emails ?? []) {
      const subscription = this.topic.addSubscription(new subscriptions.EmailSubscription(email));
      // $or is beyond the typed SubscriptionFilter; the policy is set on the L1 resource.
      (subscription.node.defaultChild as sns.CfnSubscription).filterPolicy = ownerFilterPolicy();
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    for (const email of props.ops ?? []) {
      this.routeCritical(this, `Ops-${email}`, email);
    }

    if (props.slack !== undefined) {
      // Notifications only: the channel role has no permissions, and the guardrail (the most any
      // channel member may do through it) denies everything, so nobody runs AWS commands from Slack.
      const role = new iam.Role(this, 'SlackRole', {
        assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
        description: `Cohort Lab ${props.cohortName}: Slack alert channel (no permissions)`,
      });
      this.slackChannel = new chatbot.SlackChannelConfiguration(this, 'Slack', {
        slackChannelConfigurationName: `cohortlab-${props.cohortName}-alerts`,
        slackWorkspaceId: props.slack.workspaceId,
        slackChannelId: props.slack.channelId,
        notificationTopics: [this.topic, this.alarmTopic],
        role,
        guardrailPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AWSDenyAll')],
        loggingLevel: chatbot.LoggingLevel.ERROR,
      });
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
    // SNS delivers to the audit queues, which are encrypted with the key.
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSnsToDeliverToEncryptedQueues',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
  }

  /**
   * Send every critical alert and every drift alarm to `email`: one subscription with the critical
   * filter policy on the alert topic, one without filter on the alarm topic, both in `scope` (an
   * instructor's construct in their learners-N stack, so that the roster does not grow a shared
   * stack).
   */
  public routeCritical(scope: Construct, id: string, email: string): sns.Subscription[] {
    return [
      new sns.Subscription(scope, `${id}Critical`, {
        topic: this.topic,
        protocol: sns.SubscriptionProtocol.EMAIL,
        endpoint: email,
        filterPolicy: {
          [ALERT_ATTRIBUTES.severity]: sns.SubscriptionFilter.stringFilter({
            allowlist: [AlertSeverity.CRITICAL],
          }),
        },
      }),
      new sns.Subscription(scope, `${id}Alarms`, {
        topic: this.alarmTopic,
        protocol: sns.SubscriptionProtocol.EMAIL,
        endpoint: email,
      }),
    ];
  }

  /**
   * Send a learner's own warnings to `email`: one subscription in `scope` (the learner's construct
   * in their learners-N stack) whose filter policy is `learner` = slug and `severity` = warning.
   * One filter policy per learner: the reason the cohort's topic needs its filter-policy quota
   * raised above about 190 learners (lib/core/limits.ts, checked by `plan`).
   */
  public routeLearnerWarnings(scope: Construct, id: string, slug: string, email: string): sns.Subscription {
    if (!SLUG_PATTERN.test(slug)) {
      throw new Error(`CohortAlerts: learner slug "${slug}" is not a normalised id`);
    }
    return new sns.Subscription(scope, id, {
      topic: this.topic,
      protocol: sns.SubscriptionProtocol.EMAIL,
      endpoint: email,
      filterPolicy: {
        [ALERT_ATTRIBUTES.learner]: sns.SubscriptionFilter.stringFilter({ allowlist: [slug] }),
        [ALERT_ATTRIBUTES.severity]: sns.SubscriptionFilter.stringFilter({
          allowlist: [AlertSeverity.WARNING],
        }),
      },
    });
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

import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { ArtifactBucket } from '../../constructs/artifact-bucket';
import { CohortAlerts } from '../../constructs/cohort-alerts';
import { CohortBudget } from '../../constructs/cohort-budget';
import { CohortExpiry } from '../../constructs/cohort-expiry';
import { CohortKey } from '../../constructs/cohort-key';
import { CiPolicy, GithubOidcProvider } from '../../constructs/github-ci';
import { PeoplePolicies } from '../../constructs/lab-person';
import { budgetAmountUsd, CohortConfig, CostEstimate, estimateCost, NoPriceError } from '../config';
import {
  ArtifactRetention,
  ESTIMATE_OUTPUTS,
  ExpiryAction,
  LAB_TAG,
  PRICES_AS_OF,
  secretPrefix,
  shardPart,
  stackName,
} from '../core';
import { shardMembers } from './learners-stack';
import { cdkProfile } from './profile-mapping';

/** Properties of {@link DataStack}. */
export interface DataStackProps extends StackProps {
  /** The validated cohort. */
  readonly config: CohortConfig;
}

/**
 * Stateful data of a cohort: the cohort KMS key, the artifact bucket and the alert topic. Deleted last, and by
 * default it leaves the bucket and key behind (see `artifacts.retention`).
 */
export class DataStack extends Stack {
  public readonly key: CohortKey;
  public readonly artifacts: ArtifactBucket;
  public readonly alerts: CohortAlerts;
  /** The rule that announces every failed rotation of the cohort's secrets (its matches are on the dashboard). */
  public readonly rotationFailed: events.Rule;
  /** The managed policies of the people's roles (learners, instructors). */
  public readonly peoplePolicies: PeoplePolicies;
  /** GitHub's OIDC provider, when a learner names a repository (created, or the configured one). */
  public readonly githubOidc?: GithubOidcProvider;
  /** The policy every learner's CI role shares, when a learner names a repository. */
  public readonly ciPolicy?: CiPolicy;
  /** The monthly budget on the `lab:cohort` cost-allocation tag. */
  public readonly budget: CohortBudget;
  /** Reminders and the notice around `lab:expires`; with `expiry.action: teardown`, the stack deletions. */
  public readonly expiry: CohortExpiry;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    const profile = cdkProfile(config.profile);
    const deleteData = config.artifacts.retention === ArtifactRetention.DELETE;

    // The key outlives the stack whenever anything encrypted with it does.
    this.key = new CohortKey(this, 'CohortKey', {
      cohortName: config.name,
      removalPolicy: deleteData ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });

    this.artifacts = new ArtifactBucket(this, 'Artifacts', {
      encryptionKey: this.key.key,
      retention: config.artifacts.retention,
      noncurrentVersionExpiration: profile.noncurrentVersionExpiration,
      accessLogExpiration: profile.accessLogExpiration,
    });

    // People reach their part of the bucket, the key and their own secrets through their roles'
    // tags (LabPerson in the learners-N stacks): a fixed number of statements, whatever the roster.
    this.artifacts.grantPeopleByTag(config.name);
    this.key.grantPeopleKeyUse(config.name);
    this.peoplePolicies = new PeoplePolicies(this, 'People', { cohortName: config.name });
    if (config.github !== undefined) {
      // Lab 2: learners' GitHub Actions reach AWS through their CI roles (learners-N stacks). With
      // the cohort's github section, not with the roster: a learner joining or leaving never
      // changes this stack.
      this.githubOidc = new GithubOidcProvider(this, 'GithubOidc', {
        existingProviderArn: config.github.existingOidcProviderArn,
      });
      this.ciPolicy = new CiPolicy(this, 'CiPolicy', {
        cohortName: config.name,
        bucket: this.artifacts.bucket,
        encryptionKey: this.key.key,
      });
    }

    // Where failures that need a human go; the owner and the ops list are subscribed by email (the
    // instructors and learners in their learners-N stacks, see LearnersStack).
    this.alerts = new CohortAlerts(this, 'Alerts', {
      cohortName: config.name,
      encryptionKey: this.key.key,
      emails: [config.owner],
      ops: config.alerts.ops.filter((email) => email !== config.owner),
      slack: config.alerts.slack,
    });
    this.rotationFailed = this.alerts.alertOnRotationFailure(secretPrefix(config.name));

    this.budget = new CohortBudget(this, 'Budget', {
      cohortName: config.name,
      tagKey: LAB_TAG.cohort,
      monthlyUsd: budgetAmountUsd(config),
      forecastPercent: config.budget.forecastPercent,
      actualPercent: config.budget.actualPercent,
      topic: this.alerts.topic,
      topicKey: this.key.key,
    });
    this.expiry = new CohortExpiry(this, 'Expiry', {
      cohortName: config.name,
      expires: config.expires,
      remindDaysBefore: config.expiry.remindDaysBefore,
      notices: this.alerts.topic,
      actionDescription: EXPIRY_DESCRIPTIONS[config.expiry.action],
    });
    if (config.expiry.action === ExpiryAction.TEARDOWN) {
      // Learners first (they import the apps stack's outputs), then apps (its charts' deletion
      // drains the load balancers Kubernetes made), then the cluster. The data stack stays for
      // `cohort-lab teardown`, which keeps or exports the artifacts on purpose.
      for (const shard of shardMembers(config).keys()) {
        this.expiry.deleteStack(
          `DeleteLearners${shard}`,
          stackName(config.name, shardPart(shard)),
          Duration.hours(0),
        );
      }
      this.expiry.deleteStack('DeleteApps', stackName(config.name, 'apps'), Duration.hours(1));
      this.expiry.deleteStack('DeleteCluster', stackName(config.name, 'cluster'), Duration.hours(3));
    }

    new CfnOutput(this, 'AlertTopicArn', {
      value: this.alerts.topic.topicArn,
      description: 'Cohort alert topic',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alerts.alarmTopic.topicArn,
      description: "Cohort drift-alarm topic (every learner's drift alarm)",
    });
    new CfnOutput(this, 'AuditQueueUrl', {
      value: this.alerts.auditQueue.queueUrl,
      description: 'Every alert of both topics, kept 14 days (docs/runbooks/drift-alert.md)',
    });
    new CfnOutput(this, 'ArtifactBucketName', {
      value: this.artifacts.bucketName,
      description: 'Cohort artifact bucket (shared/, learners/<id>/, mlflow/, feast/)',
    });
    const cost = costOrUndefined(config);
    if (cost !== undefined) {
      // `cohort-lab list` computes the cost so far from them; neither depends on the roster.
      new CfnOutput(this, ESTIMATE_OUTPUTS.fixedUsdPerHour, {
        value: cost.fixedUsdPerHour.toFixed(4),
        description: `Estimated fixed USD per hour (lib/core/prices.ts of ${PRICES_AS_OF})`,
      });
      new CfnOutput(this, ESTIMATE_OUTPUTS.perLearnerUsdPerHour, {
        value: cost.perLearnerUsdPerHour.toFixed(4),
        description: `Estimated USD per learner per hour at the lab's peak (lib/core/prices.ts of ${PRICES_AS_OF})`,
      });
    }
    new CfnOutput(this, 'CohortKeyArn', { value: this.key.keyArn, description: 'Cohort KMS key' });
  }
}

/** What each expiry action does, as the reminders and the expiry notice say it. */
const EXPIRY_DESCRIPTIONS: Readonly<Record<ExpiryAction, string>> = {
  [ExpiryAction.NOTIFY]: 'nothing is stopped; everything keeps running and billing until it is torn down',
  [ExpiryAction.SCALE_TO_ZERO]:
    'the node group goes to zero nodes and the workloads stop; the control plane, database, NAT and load balancer keep billing until teardown',
  [ExpiryAction.TEARDOWN]:
    'the learner, apps and cluster stacks are deleted (over three hours); the data stack stays for cohort-lab teardown',
};

function costOrUndefined(config: CohortConfig): CostEstimate | undefined {
  try {
    return estimateCost(config);
  } catch (err) {
    if (err instanceof NoPriceError) {
      return undefined;
    }
    throw err;
  }
}

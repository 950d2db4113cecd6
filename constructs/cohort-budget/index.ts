import { Stack } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** Properties of {@link CohortBudget}. */
export interface CohortBudgetProps {
  readonly cohortName: string;
  /** The tag key costs are filtered on; it must be activated as a cost-allocation tag in Billing. */
  readonly tagKey: string;
  /** Monthly amount, in US dollars. */
  readonly monthlyUsd: number;
  /** Alert when the month's forecast reaches this share of the amount, in percent. */
  readonly forecastPercent: number;
  /** Alert when the month's actual spend reaches each share of the amount, in percent. */
  readonly actualPercent: readonly number[];
  /** Where alerts go: the cohort's alert topic. */
  readonly topic: sns.Topic;
  /** The key the topic is encrypted with: AWS Budgets may use it to publish. */
  readonly topicKey: kms.Key;
}

/**
 * A monthly AWS Budget on the cohort's costs: only costs of resources tagged `<tagKey>=<cohort>`
 * count (a cost-allocation tag, shown as `user:<tagKey>` in Billing), with a notification on the
 * forecast and on each actual-spend threshold, all to the cohort's alert topic.
 *
 * Cost data lags: AWS refreshes budget figures up to three times a day, from billing data that is
 * itself hours behind, and a tag counts only from its activation on (AWS Cost Management User
 * Guide, "Best practices for AWS Budgets" and "Activating user-defined cost allocation tags"). The
 * guard that does not lag is capacity: the node group's maximum and each namespace's quota
 * (docs/runbooks/cost-overrun.md).
 */
export class CohortBudget extends Construct {
  /** The budget (primary child, id `Resource`). */
  public readonly budget: budgets.CfnBudget;

  constructor(scope: Construct, id: string, props: CohortBudgetProps) {
    super(scope, id);
    const subscriber = { subscriptionType: 'SNS', address: props.topic.topicArn };
    const notification = (notificationType: 'FORECASTED' | 'ACTUAL', threshold: number) => ({
      notification: {
        notificationType,
        comparisonOperator: 'GREATER_THAN',
        threshold,
        thresholdType: 'PERCENTAGE',
      },
      subscribers: [subscriber],
    });
    this.budget = new budgets.CfnBudget(this, 'Resource', {
      budget: {
        budgetName: `cohortlab-${props.cohortName}`,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyUsd, unit: 'USD' },
        costFilters: { TagKeyValue: [`user:${props.tagKey}$${props.cohortName}`] },
      },
      notificationsWithSubscribers: [
        notification('FORECASTED', props.forecastPercent),
        ...props.actualPercent.map((pct) => notification('ACTUAL', pct)),
      ],
    });
    const account = Stack.of(this).account;
    // AWS Budgets publishes to the topic as the service, for budgets of this account only.
    props.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowBudgetsToPublish',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [props.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    props.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowBudgetsToUseTheKey',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
  }
}

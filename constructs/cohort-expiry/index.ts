import { DefaultStackSynthesizer, Duration, Fn, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../../lib/core';

const DAY_MS = 86_400_000;
/** Reminders go out at 09:00 UTC on their day. */
const REMINDER_HOUR_UTC = 9;

/** Properties of {@link CohortExpiry}. */
export interface CohortExpiryProps {
  readonly cohortName: string;
  /** The `lab:expires` date, `YYYY-MM-DD`: the course's last day. The expiry fires at the end of it (00:00 UTC the next day). */
  readonly expires: string;
  /**
   * The cohort's alert topic: reminders and the expiry notice are published to it (publishing
   * to an encrypted topic grants the use of its key). @default - no reminders and no notice (only the actions added)
   */
  readonly notices?: sns.ITopic;
  /** Days before the expiry a reminder goes out (09:00 UTC); needs `notices`. @default - no reminders */
  readonly remindDaysBefore?: readonly number[];
  /** What the expiry notice says happens (the action), for the people who receive it. @default 'nothing' */
  readonly actionDescription?: string;
}

/**
 * One-time EventBridge Scheduler schedules around a cohort's expiry: reminders N days before, a
 * notice at the expiry, and the action, added with {@link scaleToZero} or {@link deleteStack}.
 * One-time schedules (`at(...)`) fire once; they are cheap (EventBridge Scheduler bills invocations,
 * with a monthly free tier) and leave nothing running.
 */
export class CohortExpiry extends Construct {
  /** When the expiry fires: 00:00 UTC the day after `expires`. */
  public readonly expiresAt: Date;
  /** Every schedule, by construct id. */
  public readonly schedules: scheduler.Schedule[] = [];
  /** The role every schedule of this construct acts with (primary child, id `Role`). */
  public readonly role: iam.Role;
  private readonly props: CohortExpiryProps;
  private stackIdsAcknowledged = false;

  constructor(scope: Construct, id: string, props: CohortExpiryProps) {
    super(scope, id);
    this.props = props;
    this.expiresAt = new Date(Date.parse(`${props.expires}T00:00:00Z`) + DAY_MS);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `Cohort Lab ${props.cohortName}: the expiry schedules`,
    });
    const { notices } = props;
    if (notices === undefined) {
      return;
    }
    const action = props.actionDescription ?? 'nothing';
    for (const days of props.remindDaysBefore ?? []) {
      const at = new Date(this.expiresAt.getTime() - days * DAY_MS + (REMINDER_HOUR_UTC - 24) * 3_600_000);
      this.notify(
        notices,
        `Reminder${days}Days`,
        at,
        `Cohort Lab ${props.cohortName} expires on ${props.expires} (in ${days} day(s)). At expiry: ` +
          `${action}. Export what must be kept (docs/runbooks/end-of-course.md).`,
      );
    }
    this.notify(
      notices,
      'Expired',
      this.expiresAt,
      `Cohort Lab ${props.cohortName} has expired (${props.expires}). Now: ${action}. ` +
        `Finish with: cohort-lab teardown ${props.cohortName}, then cohort-lab sweep --cohort ${props.cohortName}.`,
    );
    Validations.of(this.role.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        "Publishing to the encrypted alert topic needs a data key from the topic's key (topic.grantPublish); the grant names that one key.",
    });
  }

  /**
   * At the expiry (plus `after`), set the node group's minimum and desired size to zero with EKS
   * UpdateNodegroupConfig; the maximum stays (EKS requires a maximum of 1 or more). No pod can
   * run, so the workloads stop; the Cluster Autoscaler (which scales within min..max) is stopped
   * with them, being a pod.
   */
  public scaleToZero(
    nodegroup: eks.Nodegroup,
    clusterName: string,
    after: Duration = Duration.seconds(0),
  ): scheduler.Schedule {
    return this.add(
      'ScaleToZero',
      this.at(after),
      new targets.Universal({
        role: this.role,
        service: 'eks',
        action: 'updateNodegroupConfig',
        input: scheduler.ScheduleTargetInput.fromObject({
          ClusterName: clusterName,
          NodegroupName: nodegroup.nodegroupName,
          ScalingConfig: { MinSize: 0, DesiredSize: 0 },
        }),
        policyStatements: [
          new iam.PolicyStatement({
            actions: ['eks:UpdateNodegroupConfig'],
            resources: [nodegroup.nodegroupArn],
          }),
        ],
      }),
      `Cohort Lab ${this.props.cohortName}: node group to zero at expiry`,
    );
  }

  /**
   * At the expiry (plus `after`), delete the stack called `stackName` with the CDK bootstrap's
   * CloudFormation execution role (the role that deployed it), so the schedule's own role needs
   * only DeleteStack and PassRole. A stack with termination protection refuses: sandboxes only.
   */
  public deleteStack(id: string, stackName: string, after: Duration): scheduler.Schedule {
    const stack = Stack.of(this);
    const synthesizer = stack.synthesizer;
    if (!(synthesizer instanceof DefaultStackSynthesizer)) {
      throw new Error(
        `CohortExpiry ${this.node.path}: deleteStack needs the default stack synthesizer (its CloudFormation execution role)`,
      );
    }
    const executionRoleArn = Fn.sub(synthesizer.cloudFormationExecutionRoleArn);
    const stackArn = stack.formatArn({
      service: 'cloudformation',
      resource: 'stack',
      resourceName: `${stackName}/*`,
    });
    const schedule = this.add(
      id,
      this.at(after),
      new targets.Universal({
        role: this.role,
        service: 'cloudformation',
        action: 'deleteStack',
        input: scheduler.ScheduleTargetInput.fromObject({ StackName: stackName, RoleARN: executionRoleArn }),
        policyStatements: [
          new iam.PolicyStatement({ actions: ['cloudformation:DeleteStack'], resources: [stackArn] }),
          new iam.PolicyStatement({
            actions: ['iam:PassRole'],
            resources: [executionRoleArn],
            conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
          }),
        ],
      }),
      `Cohort Lab ${this.props.cohortName}: delete ${stackName} at expiry`,
    );
    this.acknowledgeStackIds();
    return schedule;
  }

  private acknowledgeStackIds(): void {
    if (this.stackIdsAcknowledged) {
      return;
    }
    this.stackIdsAcknowledged = true;
    const policy = this.role.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy;
    acknowledgeWildcardResources(
      policy,
      /:stack\/cohortlab-/,
      "A stack's ARN ends in an id CloudFormation picks at creation: stack/<name>/* names one stack, whatever its id.",
    );
  }

  private notify(topic: sns.ITopic, id: string, at: Date, message: string): scheduler.Schedule {
    const schedule = this.add(
      id,
      at,
      new targets.SnsPublish(topic, {
        role: this.role,
        input: scheduler.ScheduleTargetInput.fromText(message),
      }),
      `Cohort Lab ${this.props.cohortName}: ${id}`,
    );
    return schedule;
  }

  private at(after: Duration): Date {
    return new Date(this.expiresAt.getTime() + after.toMilliseconds());
  }

  private add(
    id: string,
    at: Date,
    target: scheduler.IScheduleTarget,
    description: string,
  ): scheduler.Schedule {
    const schedule = new scheduler.Schedule(this, id, {
      schedule: scheduler.ScheduleExpression.at(at, TimeZone.ETC_UTC),
      target,
      description,
    });
    this.schedules.push(schedule);
    return schedule;
  }
}

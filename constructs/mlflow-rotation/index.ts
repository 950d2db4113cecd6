import { ArnFormat, Duration, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { join } from 'path';
import {
  acknowledgeWildcardResources,
  LOCAL_ESBUILD_BUNDLING,
  SECRET_KIND_TAG,
  SecretKind,
} from '../../lib/core';

export { RosterMember } from './roster-member';
export type { RosterMemberProps } from './roster-member';

/**
 * The Cognito actions a roster member request takes on the user pool (lambda/roster-member.ts):
 * look a user up, create it (Cognito mails the invitation), set its email, move it between the
 * groups, delete it.
 */
export const ROSTER_MEMBER_ACTIONS = [
  'cognito-idp:AdminGetUser',
  'cognito-idp:AdminCreateUser',
  'cognito-idp:AdminUpdateUserAttributes',
  'cognito-idp:AdminAddUserToGroup',
  'cognito-idp:AdminRemoveUserFromGroup',
  'cognito-idp:AdminDeleteUser',
] as const;

/** Properties of {@link SecretRotation}. */
export interface SecretRotationProps {
  /** VPC the function runs in, so it reaches MLflow's private endpoint. */
  readonly vpc: ec2.IVpc;
  /** Subnets of the function: private, with a route to Secrets Manager (NAT or endpoint). */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** Base URL of MLflow inside the VPC (the private load balancer), e.g. `http://internal-...`. */
  readonly mlflowUrl: string;
  /** Name of the MLflow admin secret: the function reads it to set learners' passwords. */
  readonly adminSecretName: string;
  /** Prefix of the secret names this function may rotate (`cohort-lab/<cohort>/`). */
  readonly secretNamePrefix: string;
  /** Key every cohort secret (and the function's logs and environment) is encrypted with. */
  readonly encryptionKey: kms.IKey;
  /** Where a rotation failure is announced. */
  readonly alarmTopic: sns.ITopic;
  /**
   * How often each secret rotates.
   * @default Duration.days(30)
   */
  readonly rotationInterval?: Duration;
  /**
   * Log retention of the function.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The cohort's one shared rotation function (TypeScript, `lambda/index.ts`, bundled by the local
 * esbuild): MLflow user passwords through MLflow's API, and generated keys. It runs in the VPC
 * behind its own security group, may touch only the cohort's secrets, and its errors raise an
 * alarm on the cohort's alert topic. {@link addSecret} puts a secret on its schedule.
 *
 * The same function serves the roster's members ({@link RosterMember}, through
 * {@link serviceToken}) once {@link grantRosterMembers} lets it manage the user pool's users.
 */
export class SecretRotation extends Construct {
  /** The function (primary child, id `Resource`). */
  public readonly function: nodejs.NodejsFunction;
  /** Security group of the function: egress only to MLflow's endpoint and HTTPS. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** Alarm on any function error in a 5-minute window. */
  public readonly errorAlarm: cloudwatch.Alarm;
  private readonly interval: Duration;
  private readonly invokePermission: lambda.CfnPermission;

  constructor(scope: Construct, id: string, props: SecretRotationProps) {
    super(scope, id);
    this.interval = props.rotationInterval ?? Duration.days(30);
    if (!props.secretNamePrefix.endsWith('/')) {
      throw new Error(`SecretRotation: secretNamePrefix "${props.secretNamePrefix}" must end in "/"`);
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Cohort Lab secret rotation: MLflow private endpoint and Secrets Manager over HTTPS',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'Secrets Manager API (HTTPS)');

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Cohort Lab secret rotation function',
    });
    this.function = new nodejs.NodejsFunction(this, 'Resource', {
      description: 'Cohort Lab: rotates MLflow user passwords and generated keys of one cohort',
      entry: join(__dirname, 'lambda', 'index.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(60),
      role,
      logGroup,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: [this.securityGroup],
      environment: {
        MLFLOW_URL: props.mlflowUrl,
        ADMIN_SECRET_ID: props.adminSecretName,
      },
      environmentEncryption: props.encryptionKey,
      // Secrets Manager retries a failed rotation itself; an async retry would only double it.
      retryAttempts: 0,
      bundling: LOCAL_ESBUILD_BUNDLING,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LogsOfThisFunction',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:*`],
      }),
    );
    // ENIs in the VPC: the actions the AWS managed VPC access policy holds, written out so no
    // managed policy is needed. EC2 network-interface actions do not support resource scoping.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'VpcNetworkInterfaces',
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    );
    const stack = Stack.of(this);
    const cohortSecrets = stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${props.secretNamePrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RotateCohortSecrets',
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resources: [cohortSecrets],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'GeneratePasswords',
        actions: ['secretsmanager:GetRandomPassword'],
        resources: ['*'],
      }),
    );
    props.encryptionKey.grantEncryptDecrypt(role);
    const policy = role.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy;
    Validations.of(policy).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Two actions without resource-level permissions: secretsmanager:GetRandomPassword, and the EC2 network-interface actions a function in a VPC needs.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'Encrypting a new secret version with the cohort key needs GenerateDataKey; scoped to that one key.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason: 'CDK grantEncryptDecrypt on the one cohort key; re-encryption stays within that key.',
      },
    );
    acknowledgeWildcardResources(
      policy,
      new RegExp(`:secret:${props.secretNamePrefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\*$`),
      "Rotation may only touch the cohort's own secrets: the wildcard is the cohort's secret-name prefix.",
    );
    acknowledgeWildcardResources(
      policy,
      /Logs[0-9A-F]*\.Arn>:\*$/,
      "Log streams of this function's own log group.",
    );

    this.function.addPermission('InvokedBySecretsManager', {
      principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceAccount: stack.account,
    });
    this.invokePermission = this.function.node.findChild('InvokedBySecretsManager') as lambda.CfnPermission;

    this.errorAlarm = new cloudwatch.Alarm(this, 'Errors', {
      alarmDescription:
        'A secret rotation step failed (Cohort Lab). Runbook: docs/runbooks/recover-failed-rotation.md',
      metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.errorAlarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
  }

  /** The function's ARN: the `ServiceToken` of a {@link RosterMember}. */
  public get serviceToken(): string {
    return this.function.functionArn;
  }

  /**
   * Let the function manage the users of `userPool` (only that pool) for {@link RosterMember}:
   * the actions in {@link ROSTER_MEMBER_ACTIONS}. It needs a route to the Cognito API and to S3
   * (CloudFormation's response URL) over HTTPS, which its security group allows.
   */
  public grantRosterMembers(userPool: cognito.IUserPool): iam.Grant {
    return userPool.grant(this.function, ...ROSTER_MEMBER_ACTIONS);
  }

  /**
   * Rotate `secret` with this function every rotation interval. The first rotation waits for the
   * interval unless `rotateNow` (used for generated secrets that need no running service).
   *
   * A plain `AWS::SecretsManager::RotationSchedule`: the L2 `addRotationSchedule` would also grant
   * the function on the cohort key's policy, which lives in the data stack, and that reference back
   * to this stack would make the stacks depend on each other. The function's own policy already
   * holds every permission rotation needs.
   */
  public addSecret(
    secret: secretsmanager.Secret,
    kind: SecretKind,
    rotateNow = false,
  ): secretsmanager.CfnRotationSchedule {
    Tags.of(secret).add(SECRET_KIND_TAG, kind);
    const schedule = new secretsmanager.CfnRotationSchedule(secret, 'Rotation', {
      secretId: secret.secretArn,
      rotationLambdaArn: this.function.functionArn,
      rotationRules: { scheduleExpression: `rate(${this.interval.toDays()} days)` },
      rotateImmediatelyOnUpdate: rotateNow,
    });
    schedule.addResourceDependency(this.invokePermission);
    return schedule;
  }
}

import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { POSTGRES_PORT } from '../../lib/core';

/** Properties of {@link CohortDatabase}. */
export interface CohortDatabaseProps {
  /** VPC of the database and of the rotation Lambdas. */
  readonly vpc: ec2.IVpc;
  /** Subnets of the database (isolated: no route to the internet). */
  readonly subnets: ec2.SubnetSelection;
  /** Subnets of the hosted rotation Lambdas: they must reach Secrets Manager (NAT or endpoint). */
  readonly rotationSubnets: ec2.SubnetSelection;
  /** Encrypts storage, backups, Performance Insights, both secrets and the log groups. */
  readonly encryptionKey: kms.IKey;
  /** RDS instance identifier; also names the log groups `/aws/rds/instance/<id>/<log>`. */
  readonly instanceIdentifier: string;
  /** Secrets Manager name of the master user's secret. */
  readonly masterSecretName: string;
  /** Secrets Manager name of the application user's secret. */
  readonly appSecretName: string;
  /**
   * The application's database user (rotation alternates it with `<appUsername>_clone`).
   * @default 'mlflow'
   */
  readonly appUsername?: string;
  /**
   * The application's database, written into its secret as `dbname`.
   * @default 'mlflow'
   */
  readonly appDatabaseName?: string;
  /**
   * PostgreSQL version, pinned to a minor: a template that names only the major (or a minor older
   * than the running one after an automatic upgrade) makes later stack updates fail, so minors are
   * upgraded here, in code, and automatic minor upgrades are off.
   * @default rds.PostgresEngineVersion.VER_17_9
   */
  readonly engineVersion?: rds.PostgresEngineVersion;
  /**
   * Instance class.
   * @default db.t4g.small
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * Storage at creation.
   * @default 20
   */
  readonly allocatedStorageGiB?: number;
  /**
   * Storage autoscaling bound; equal to `allocatedStorageGiB` turns autoscaling off.
   * @default 100
   */
  readonly maxAllocatedStorageGiB?: number;
  /**
   * How long automated backups are kept.
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;
  /**
   * What deleting the stack does: SNAPSHOT keeps a final snapshot; DESTROY deletes everything.
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * RDS deletion protection.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Interval between automatic rotations of both secrets.
   * @default Duration.days(30)
   */
  readonly rotationInterval?: Duration;
  /**
   * Retention of the exported PostgreSQL logs.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/** RDS instance identifiers: a letter, then letters, digits and single hyphens, at most 63. */
const INSTANCE_IDENTIFIER = /^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$/;
/** PostgreSQL role names used here: lower-case identifier, short enough for `<name>_clone`. */
const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,56}$/;

/**
 * MLflow's PostgreSQL: an RDS instance in isolated subnets, encrypted with the cohort key,
 * reachable on 5432 only from the peers you allow (the cluster) and from its rotation Lambdas,
 * with automated backups, exported logs in log groups it owns, and two secrets rotated by
 * Secrets Manager's hosted rotation: the master user (single user) and the application user
 * (alternating users, so the previous password keeps working until pods have the new one).
 *
 * The application role and database are not created here: a bootstrap job with the master
 * secret creates them (docs/cluster.md, "Database bootstrap contract").
 */
export class CohortDatabase extends Construct {
  /** The RDS instance (primary child, id `Resource`). */
  public readonly instance: rds.DatabaseInstance;
  /** Security group of the instance: no rule from anywhere but what {@link allowFrom} adds. */
  public readonly securityGroup: ec2.SecurityGroup;
  /** Security group of the hosted rotation Lambdas. */
  public readonly rotationSecurityGroup: ec2.SecurityGroup;
  /** Master user secret (attached to the instance). */
  public readonly masterSecret: secretsmanager.ISecret;
  /** Application user secret (attached to the instance, with `masterarn`). */
  public readonly appSecret: secretsmanager.ISecret;
  /** Rotation schedule of the master secret (single user). */
  public readonly masterRotation: secretsmanager.RotationSchedule;
  /** Rotation schedule of the application secret (alternating users). */
  public readonly appRotation: secretsmanager.RotationSchedule;
  /** The log groups of the exported PostgreSQL logs, by log type. */
  public readonly logGroups: Readonly<Record<string, logs.LogGroup>>;

  constructor(scope: Construct, id: string, props: CohortDatabaseProps) {
    super(scope, id);
    if (!INSTANCE_IDENTIFIER.test(props.instanceIdentifier)) {
      throw new Error(
        `CohortDatabase ${id}: instanceIdentifier "${props.instanceIdentifier}" must start with a letter and ` +
          'use only a-z, 0-9 and single hyphens (at most 63 characters, not ending in "-")',
      );
    }
    const appUsername = props.appUsername ?? 'mlflow';
    const appDatabaseName = props.appDatabaseName ?? 'mlflow';
    for (const [field, value] of [
      ['appUsername', appUsername],
      ['appDatabaseName', appDatabaseName],
    ]) {
      if (!PG_IDENTIFIER.test(value)) {
        throw new Error(
          `CohortDatabase ${id}: ${field} "${value}" must be a lower-case PostgreSQL identifier`,
        );
      }
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.SNAPSHOT;
    const deletionProtection = props.deletionProtection ?? true;
    const rotationInterval = props.rotationInterval ?? Duration.days(30);
    const allocatedStorage = props.allocatedStorageGiB ?? 20;
    const maxAllocatedStorage = props.maxAllocatedStorageGiB ?? 100;
    if (maxAllocatedStorage < allocatedStorage) {
      throw new Error(
        `CohortDatabase ${id}: maxAllocatedStorageGiB ${maxAllocatedStorage} is below allocatedStorageGiB ${allocatedStorage}`,
      );
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `PostgreSQL ${props.instanceIdentifier}: ${POSTGRES_PORT} from the cluster and rotation only`,
      allowAllOutbound: false,
    });
    this.rotationSecurityGroup = new ec2.SecurityGroup(this, 'RotationSecurityGroup', {
      vpc: props.vpc,
      description: `Secret rotation of ${props.instanceIdentifier}: PostgreSQL and HTTPS to Secrets Manager`,
      allowAllOutbound: false,
    });
    this.rotationSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'Secrets Manager API (through the NAT)',
    );
    this.rotationSecurityGroup.connections.allowTo(
      this.securityGroup,
      ec2.Port.tcp(POSTGRES_PORT),
      'Rotation Lambdas change passwords in PostgreSQL',
    );

    // RDS writes to these exact names; creating them first gives them a retention and an owner.
    const logTypes = ['postgresql', 'upgrade'];
    const logGroups: Record<string, logs.LogGroup> = {};
    for (const logType of logTypes) {
      logGroups[logType] = new logs.LogGroup(this, `Logs-${logType}`, {
        logGroupName: `/aws/rds/instance/${props.instanceIdentifier}/${logType}`,
        retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
        encryptionKey: props.encryptionKey,
        removalPolicy: RemovalPolicy.DESTROY,
      });
    }
    this.logGroups = logGroups;

    this.instance = new rds.DatabaseInstance(this, 'Resource', {
      instanceIdentifier: props.instanceIdentifier,
      engine: rds.DatabaseInstanceEngine.postgres({
        version: props.engineVersion ?? rds.PostgresEngineVersion.VER_17_9,
      }),
      instanceType: props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.SMALL),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [this.securityGroup],
      port: POSTGRES_PORT,
      publiclyAccessible: false,
      credentials: rds.Credentials.fromGeneratedSecret('postgres', {
        secretName: props.masterSecretName,
        encryptionKey: props.encryptionKey,
      }),
      storageEncrypted: true,
      storageEncryptionKey: props.encryptionKey,
      storageType: rds.StorageType.GP3,
      allocatedStorage,
      maxAllocatedStorage: maxAllocatedStorage > allocatedStorage ? maxAllocatedStorage : undefined,
      multiAz: false,
      autoMinorVersionUpgrade: false,
      backupRetention: props.backupRetention ?? Duration.days(7),
      deleteAutomatedBackups: removalPolicy === RemovalPolicy.DESTROY,
      copyTagsToSnapshot: true,
      deletionProtection,
      removalPolicy,
      // Optional for clients; the password users stay the primary path (MLflow, rotation).
      iamAuthentication: true,
      cloudwatchLogsExports: logTypes,
    });
    const cfnInstance = this.instance.node.defaultChild as rds.CfnDBInstance;
    for (const group of Object.values(logGroups)) {
      cfnInstance.node.addDependency(group);
    }
    this.masterSecret = this.instance.secret!;

    this.appSecret = new rds.DatabaseSecret(this, 'AppSecret', {
      username: appUsername,
      dbname: appDatabaseName,
      secretName: props.appSecretName,
      encryptionKey: props.encryptionKey,
      masterSecret: this.masterSecret,
    }).attach(this.instance);

    const rotationPlacement = {
      vpc: props.vpc,
      vpcSubnets: props.rotationSubnets,
      securityGroups: [this.rotationSecurityGroup],
    };
    this.masterRotation = this.masterSecret.addRotationSchedule('Rotation', {
      hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser(rotationPlacement),
      automaticallyAfter: rotationInterval,
    });
    this.appRotation = this.appSecret.addRotationSchedule('Rotation', {
      hostedRotation: secretsmanager.HostedRotation.postgreSqlMultiUser({
        ...rotationPlacement,
        masterSecret: this.masterSecret,
      }),
      automaticallyAfter: rotationInterval,
      // The application role exists only after the bootstrap job ran; the first rotation waits one
      // interval instead of failing on a role that is not there yet.
      rotateImmediatelyOnUpdate: false,
    });

    this.acknowledgeFindings(deletionProtection);
  }

  /** Where clients connect: the instance's address (a deploy-time value) and the PostgreSQL port. */
  public get endpoint(): { readonly host: string; readonly port: number } {
    return { host: this.instance.dbInstanceEndpointAddress, port: POSTGRES_PORT };
  }

  /** Let `peer` (e.g. the cluster security group) connect on the PostgreSQL port. */
  public allowFrom(peer: ec2.IConnectable, description: string): void {
    this.instance.connections.allowFrom(peer, ec2.Port.tcp(POSTGRES_PORT), description);
  }

  private acknowledgeFindings(deletionProtection: boolean): void {
    const cfn = this.instance.node.defaultChild as rds.CfnDBInstance;
    Validations.of(cfn).acknowledge(
      {
        id: 'AwsSolutions-RDS3',
        reason:
          'Single-AZ on purpose for a course lab: an AZ outage costs minutes of MLflow downtime, recovered from automated backups (point-in-time) at half the price of Multi-AZ.',
      },
      {
        id: 'AwsSolutions-RDS11',
        reason:
          'The default port is kept so MLflow and the bootstrap job need no port setting; the security group admits 5432 only from the cluster and the rotation Lambdas, and the instance is in isolated subnets.',
      },
    );
    if (!deletionProtection) {
      Validations.of(cfn).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason:
          'Sandbox profile: the database is deleted with the sandbox (no deletion protection, no final snapshot) so teardown leaves nothing behind.',
      });
    }
  }
}

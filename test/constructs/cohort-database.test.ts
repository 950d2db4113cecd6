import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { CohortDatabase, CohortDatabaseProps } from '../../constructs/cohort-database';
import { testStack } from '../support/cohort';

function build(overrides: Partial<CohortDatabaseProps> = {}): {
  stack: Stack;
  db: CohortDatabase;
  vpc: ec2.Vpc;
} {
  const stack = testStack({ region: 'eu-west-1' });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 1,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      { name: 'Database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
  const db = new CohortDatabase(stack, 'Database', {
    vpc,
    subnets: { subnetGroupName: 'Database' },
    rotationSubnets: { subnetGroupName: 'Private' },
    encryptionKey: new kms.Key(stack, 'Key'),
    instanceIdentifier: 'cohortlab-spring-mlflow',
    masterSecretName: 'cohort-lab/spring/db-master',
    appSecretName: 'cohort-lab/spring/db-mlflow',
    ...overrides,
  });
  return { stack, db, vpc };
}

describe('CohortDatabase', () => {
  let t: Template;

  beforeAll(() => {
    const { stack, db, vpc } = build();
    const app = new ec2.SecurityGroup(stack, 'App', { vpc });
    db.allowFrom(app, 'the app');
    t = Template.fromStack(stack);
  });

  test('defaults: PostgreSQL 17.9, db.t4g.small, gp3 20-100 GiB, 7-day backups, protected, final snapshot', () => {
    t.hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({
        Engine: 'postgres',
        EngineVersion: '17.9',
        DBInstanceClass: 'db.t4g.small',
        StorageType: 'gp3',
        AllocatedStorage: '20',
        MaxAllocatedStorage: 100,
        BackupRetentionPeriod: 7,
        DeletionProtection: true,
        StorageEncrypted: true,
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
        PubliclyAccessible: false,
        AutoMinorVersionUpgrade: false,
      }),
      DeletionPolicy: 'Snapshot',
    });
  });

  test('the security group opens 5432 to allowed peers only and sends nothing out', () => {
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^App'), 'GroupId'] },
      Description: 'the app',
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^PostgreSQL cohortlab-spring-mlflow'),
      SecurityGroupEgress: [
        Match.objectLike({ CidrIp: '255.255.255.255/32', Description: 'Disallow all traffic' }),
      ],
      SecurityGroupIngress: Match.absent(),
    });
  });

  test('the application secret carries the user, the database and the master secret ARN', () => {
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'cohort-lab/spring/db-mlflow',
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: {
          'Fn::Join': [
            '',
            ['{"username":"mlflow","dbname":"mlflow","masterarn":"', { Ref: Match.anyValue() }, '"}'],
          ],
        },
      }),
    });
    // attached to the instance, so the rotation knows host, port and engine
    t.resourceCountIs('AWS::SecretsManager::SecretTargetAttachment', 2);
  });

  test('PostgreSQL on 5432 in one AZ, with IAM authentication and its logs exported', () => {
    t.hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceIdentifier: 'cohortlab-spring-mlflow',
      Port: '5432',
      MultiAZ: false,
      EnableIAMDatabaseAuthentication: true,
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
    });
  });

  test('its log groups exist before it, with the default 90-day retention and the key', () => {
    for (const log of ['postgresql', 'upgrade']) {
      const groups = t.findResources('AWS::Logs::LogGroup', {
        Properties: {
          LogGroupName: `/aws/rds/instance/cohortlab-spring-mlflow/${log}`,
          RetentionInDays: 90,
          KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
        },
      });
      expect(Object.keys(groups)).toHaveLength(1);
      t.hasResource('AWS::RDS::DBInstance', { DependsOn: Match.arrayWith(Object.keys(groups)) });
    }
  });

  test('the master secret is generated for the postgres user', () => {
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'cohort-lab/spring/db-master',
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"postgres"}' }),
    });
  });

  test('the master rotates single-user and the app user with alternating users, every 30 days, in the rotation subnets', () => {
    t.resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
    const placement = {
      VpcSecurityGroupIds: {
        'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseRotationSecurityGroup'), 'GroupId'],
      },
      VpcSubnetIds: {
        'Fn::Join': [
          '',
          [
            { Ref: Match.stringLikeRegexp('^VpcPrivateSubnet1') },
            ',',
            { Ref: Match.stringLikeRegexp('^VpcPrivateSubnet2') },
          ],
        ],
      },
      KmsKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
    };
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      HostedRotationLambda: Match.objectLike({ RotationType: 'PostgreSQLSingleUser', ...placement }),
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediatelyOnUpdate: Match.absent(),
    });
    t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      HostedRotationLambda: Match.objectLike({
        RotationType: 'PostgreSQLMultiUser',
        MasterSecretArn: { Ref: Match.stringLikeRegexp('^DatabaseSecretAttachment') },
        ...placement,
      }),
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediatelyOnUpdate: false,
    });
    // The hosted rotation is a SAM transform of the template.
    expect(t.toJSON().Transform).toEqual(['AWS::SecretsManager-2024-09-16']);
  });

  test('the rotation Lambdas may reach only HTTPS and the database', () => {
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Secret rotation of cohortlab-spring-mlflow: PostgreSQL and HTTPS to Secrets Manager',
      SecurityGroupEgress: [
        { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() },
      ],
    });
    t.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseRotationSecurityGroup'), 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      DestinationSecurityGroupId: {
        'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseSecurityGroup'), 'GroupId'],
      },
    });
  });

  test('fails when the instance identifier is not an RDS identifier', () => {
    expect(() => build({ instanceIdentifier: 'cohortlab--spring' })).toThrow(
      'CohortDatabase Database: instanceIdentifier "cohortlab--spring" must start with a letter and use only a-z, 0-9 and single hyphens (at most 63 characters, not ending in "-")',
    );
  });

  test('fails when the application user is not a PostgreSQL identifier', () => {
    expect(() => build({ appUsername: 'ml-flow' })).toThrow(
      'CohortDatabase Database: appUsername "ml-flow" must be a lower-case PostgreSQL identifier',
    );
  });

  test('fails when the storage bound is below the allocation', () => {
    expect(() => build({ allocatedStorageGiB: 50, maxAllocatedStorageGiB: 20 })).toThrow(
      'CohortDatabase Database: maxAllocatedStorageGiB 20 is below allocatedStorageGiB 50',
    );
  });

  test('a disposable instance: no protection, no snapshot, backups deleted, no storage autoscaling', () => {
    const { stack } = build({
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
      backupRetention: Duration.days(1),
      maxAllocatedStorageGiB: 20,
    });
    Template.fromStack(stack).hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({
        DeletionProtection: false,
        DeleteAutomatedBackups: true,
        BackupRetentionPeriod: 1,
        MaxAllocatedStorage: Match.absent(),
      }),
      DeletionPolicy: 'Delete',
    });
  });
});

/**
 * Test helper: a cohort's resources on moto's server, as a deployed (or half torn down) cohort
 * leaves them: its stacks (CloudFormation on moto, with the database inside the cluster stack so
 * that deleting the stack deletes it), and what lives beside the stacks (the retained artifact bucket and its key, and what Kubernetes made: a load balancer, a target group, a volume, an ENI,
 * a security group), each tagged as the product tags them.
 */
import { CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateSubnetCommand,
  CreateVolumeCommand,
  CreateVpcCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import {
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  ModifyDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { CreateBucketCommand, PutBucketTaggingCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { clusterName, LAB_TAG, LB_CONTROLLER_CLUSTER_TAG, secretNames, stackName } from '../../../lib/core';
import { AwsClients } from '../../../lib/ops/aws';

export const REGION = 'eu-west-1';

export interface SeedOptions {
  readonly cohort: string;
  readonly expires: string;
  readonly retention: 'retain' | 'export' | 'delete';
  /** Objects of the artifact bucket (key to content). */
  readonly objects?: Readonly<Record<string, string>>;
}

export function labTagsOf(o: SeedOptions): Record<string, string> {
  return {
    [LAB_TAG.cohort]: o.cohort,
    [LAB_TAG.owner]: `ops+${o.cohort}@cohort-lab.example`,
    [LAB_TAG.expires]: o.expires,
    [LAB_TAG.profile]: 'sandbox',
  };
}

const list = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

let network: Promise<{ vpc: string; subnets: string[] }> | undefined;

/** One VPC with two subnets in two AZs (a load balancer needs two). */
function vpc(c: AwsClients): Promise<{ vpc: string; subnets: string[] }> {
  network ??= (async () => {
    const v = (await c.ec2.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }))).Vpc!.VpcId!;
    const subnets = await Promise.all(
      ['a', 'b'].map(
        async (az, i) =>
          (
            await c.ec2.send(
              new CreateSubnetCommand({
                VpcId: v,
                CidrBlock: `10.40.${i}.0/24`,
                AvailabilityZone: `${REGION}${az}`,
              }),
            )
          ).Subnet!.SubnetId!,
      ),
    );
    return { vpc: v, subnets };
  })();
  return network;
}

/** A topic per stack, the database inside the cluster stack. */
function template(part: string, o: SeedOptions): string {
  const resources: Record<string, unknown> = {
    Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: `${stackName(o.cohort, part)}-topic` } },
  };
  if (part === 'cluster') {
    resources.Database = {
      Type: 'AWS::RDS::DBInstance',
      Properties: {
        DBInstanceIdentifier: `cohortlab-${o.cohort}-mlflow`,
        DBInstanceClass: 'db.t4g.micro',
        Engine: 'postgres',
        AllocatedStorage: '20',
        MasterUsername: 'postgres',
        MasterUserPassword: 'not-a-real-password-1',
        DeletionProtection: true,
        Tags: list(labTagsOf(o)),
      },
    };
  }
  if (part === 'data' && o.retention === 'delete') {
    // Retention delete: the bucket goes with the stack (the product empties it first).
    resources.Artifacts = {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketName: `cohortlab-${o.cohort}-artifacts`,
        Tags: list({ ...labTagsOf(o), [LAB_TAG.retention]: o.retention }),
      },
    };
  }
  const outputs =
    part === 'data'
      ? { EstimatedFixedUsdPerHour: { Value: '0.2600' }, EstimatedUsdPerLearnerHour: { Value: '0.0200' } }
      : {};
  return JSON.stringify({ Resources: resources, Outputs: outputs });
}

/** The cohort's four stacks (without termination protection: moto does not implement changing it). */
export async function seedStacks(c: AwsClients, o: SeedOptions): Promise<void> {
  for (const part of ['data', 'cluster', 'apps', 'learners-0']) {
    await c.cfn.send(
      new CreateStackCommand({
        StackName: stackName(o.cohort, part),
        TemplateBody: template(part, o),
        Tags: list(labTagsOf(o)),
      }),
    );
  }
  // moto's CloudFormation leaves DeletionProtection off whatever the template says; set it as RDS would.
  await c.rds.send(
    new ModifyDBInstanceCommand({
      DBInstanceIdentifier: `cohortlab-${o.cohort}-mlflow`,
      DeletionProtection: true,
    }),
  );
}

/** The artifact bucket (tagged with its retention) and its objects, and the cohort key. */
export async function seedData(c: AwsClients, o: SeedOptions): Promise<string> {
  const bucket = `cohortlab-${o.cohort}-artifacts`;
  await c.s3.send(
    new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  await c.s3.send(
    new PutBucketTaggingCommand({
      Bucket: bucket,
      Tagging: { TagSet: list({ ...labTagsOf(o), [LAB_TAG.retention]: o.retention }) },
    }),
  );
  for (const [Key, Body] of Object.entries(o.objects ?? {})) {
    await c.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
  }
  await c.kms.send(
    new CreateKeyCommand({
      Description: `Cohort Lab ${o.cohort}`,
      Tags: Object.entries(labTagsOf(o)).map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
    }),
  );
  return bucket;
}

/**
 * A learner's credentials secret. The product creates it in the learners stack; moto's
 * CloudFormation has no AWS::SecretsManager::Secret, so it is created beside the stacks here.
 */
export async function seedLearnerSecret(c: AwsClients, o: SeedOptions): Promise<void> {
  await c.secrets.send(
    new CreateSecretCommand({
      Name: secretNames(o.cohort).learnerMlflow('grace-hopper'),
      SecretString: '{"username":"grace-hopper","password":"test-only"}',
      Tags: list(labTagsOf(o)),
    }),
  );
}

/** What Kubernetes made in AWS for the cohort's cluster: load balancer, target group, volume, ENI, SG. */
export async function seedKubernetesMade(c: AwsClients, o: SeedOptions): Promise<void> {
  const { vpc: v, subnets } = await vpc(c);
  const tags = { ...labTagsOf(o), [LB_CONTROLLER_CLUSTER_TAG]: clusterName(o.cohort) };
  await c.elb.send(
    new CreateLoadBalancerCommand({
      Name: `k8s-${o.cohort}`.slice(0, 32),
      Subnets: subnets,
      Tags: list(tags),
    }),
  );
  await c.elb.send(
    new CreateTargetGroupCommand({
      Name: `k8s-tg-${o.cohort}`.slice(0, 32),
      Protocol: 'HTTP',
      Port: 5000,
      VpcId: v,
      Tags: list(tags),
    }),
  );
  await c.ec2.send(
    new CreateVolumeCommand({
      AvailabilityZone: `${REGION}a`,
      Size: 10,
      TagSpecifications: [{ ResourceType: 'volume', Tags: list(tags) }],
    }),
  );
  const sg = (
    await c.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: `k8s-${o.cohort}`,
        Description: 'made by the load balancer controller',
        VpcId: v,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: list(tags) }],
      }),
    )
  ).GroupId!;
  await c.ec2.send(
    new CreateNetworkInterfaceCommand({
      SubnetId: subnets[0],
      Groups: [sg],
      TagSpecifications: [{ ResourceType: 'network-interface', Tags: list(tags) }],
    }),
  );
}

/**
 * Leftovers of a cohort whose stacks are gone: what Kubernetes made, a log group that never
 * expires, a secret pending deletion, snapshots and a bucket and key past retention.
 */
export async function seedLeftovers(c: AwsClients, o: SeedOptions): Promise<void> {
  await seedKubernetesMade(c, o);
  await c.logs.send(
    new CreateLogGroupCommand({ logGroupName: `/cohortlab/${o.cohort}/leftover`, tags: labTagsOf(o) }),
  );
  const secret = `cohort-lab/${o.cohort}/pending`;
  await c.secrets.send(
    new CreateSecretCommand({ Name: secret, SecretString: '{}', Tags: list(labTagsOf(o)) }),
  );
  await c.secrets.send(new DeleteSecretCommand({ SecretId: secret, RecoveryWindowInDays: 7 }));
  const volume = (await c.ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 1 })))
    .VolumeId!;
  await c.ec2.send(
    new CreateSnapshotCommand({
      VolumeId: volume,
      TagSpecifications: [{ ResourceType: 'snapshot', Tags: list(labTagsOf(o)) }],
    }),
  );
  await c.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: `leftover-${o.cohort}`,
      DBInstanceClass: 'db.t4g.micro',
      Engine: 'postgres',
      AllocatedStorage: 20,
      MasterUsername: 'postgres',
      MasterUserPassword: 'not-a-real-password-1',
    }),
  );
  await c.rds.send(
    new CreateDBSnapshotCommand({
      DBInstanceIdentifier: `leftover-${o.cohort}`,
      DBSnapshotIdentifier: `cohortlab-${o.cohort}-final`,
      Tags: list(labTagsOf(o)),
    }),
  );
  await seedData(c, o);
}

import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { Egress } from '../../lib/core';

/** Properties of {@link CohortNetwork}. */
export interface CohortNetworkProps {
  /**
   * How the private subnets reach the internet.
   * @default Egress.NAT_GATEWAY
   */
  readonly egress?: Egress;
  /**
   * Instance type of the NAT instance (only used with `Egress.NAT_INSTANCE`). Graviton types get the
   * arm64 Amazon Linux 2023 image.
   * @default t4g.nano
   */
  readonly natInstanceType?: ec2.InstanceType;
  /**
   * IPv4 range of the VPC.
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;
  /**
   * How long VPC flow logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly flowLogRetention?: logs.RetentionDays;
  /**
   * Key that encrypts the flow log group (its key policy must let CloudWatch Logs use it).
   * @default - CloudWatch Logs' own encryption
   */
  readonly flowLogKey?: kms.IKey;
}

/**
 * The cohort VPC: two AZs, a public, a private (with egress) and an isolated subnet per AZ, one NAT
 * (gateway or instance), an S3 gateway endpoint and flow logs to CloudWatch Logs.
 *
 * AZs come from the stack (`Fn::GetAZs` when the stack is environment-agnostic), never from a
 * lookup, so synth stays offline.
 */
export class CohortNetwork extends Construct {
  /** Subnet group of load balancers and the NAT. */
  public static readonly PUBLIC_SUBNETS = 'Public';
  /** Subnet group of EKS nodes, control-plane ENIs and the VPC Lambdas. */
  public static readonly PRIVATE_SUBNETS = 'Private';
  /** Subnet group of the database: no route to the internet at all. */
  public static readonly DATABASE_SUBNETS = 'Database';

  /** The VPC (primary child, id `Resource`). */
  public readonly vpc: ec2.Vpc;
  /** The log group receiving VPC flow logs. */
  public readonly flowLogGroup: logs.LogGroup;
  /** How the private subnets reach the internet. */
  public readonly egress: Egress;
  /** The NAT instance when `egress` is `NAT_INSTANCE`. */
  public readonly natInstance?: ec2.Instance;

  constructor(scope: Construct, id: string, props: CohortNetworkProps = {}) {
    super(scope, id);
    this.egress = props.egress ?? Egress.NAT_GATEWAY;
    const cidr = props.cidr ?? '10.0.0.0/16';
    const natInstanceType =
      props.natInstanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.NANO);
    const natInstanceProvider =
      this.egress === Egress.NAT_INSTANCE
        ? ec2.NatProvider.instanceV2({
            instanceType: natInstanceType,
            // Inbound is opened below to the VPC range only, never to the world.
            defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
            associatePublicIpAddress: true,
          })
        : undefined;

    this.vpc = new ec2.Vpc(this, 'Resource', {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      maxAzs: 2,
      natGateways: 1,
      natGatewayProvider: natInstanceProvider ?? ec2.NatProvider.gateway(),
      subnetConfiguration: [
        { name: CohortNetwork.PUBLIC_SUBNETS, subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        // Pods take VPC addresses (VPC CNI): /20 leaves ~4,000 per AZ.
        { name: CohortNetwork.PRIVATE_SUBNETS, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: CohortNetwork.DATABASE_SUBNETS, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        // Free; keeps image layers from ECR (stored in S3) and artifact traffic off the NAT.
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      },
    });

    if (natInstanceProvider !== undefined) {
      natInstanceProvider.connections.allowFrom(
        // The literal range (not the VPC's CidrBlock attribute) keeps the rule checkable at synth.
        ec2.Peer.ipv4(cidr),
        ec2.Port.allTraffic(),
        'Forward traffic from the private subnets',
      );
      const [instance] = natInstanceProvider.gatewayInstances;
      this.natInstance = instance;
      hardenNatInstance(instance);
    }

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.flowLogKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
  }

  /** Where EKS nodes, control-plane ENIs and VPC Lambdas go. */
  public get privateSubnets(): ec2.SubnetSelection {
    return { subnetGroupName: CohortNetwork.PRIVATE_SUBNETS };
  }

  /** Where the database goes: isolated, no route to the internet. */
  public get databaseSubnets(): ec2.SubnetSelection {
    return { subnetGroupName: CohortNetwork.DATABASE_SUBNETS };
  }
}

/**
 * IMDSv2 only, hop limit 1, and an encrypted root volume on the NAT instance: `NatProvider.instanceV2`
 * exposes neither, so the instance gets a launch template and block device mapping here.
 */
function hardenNatInstance(instance: ec2.Instance): void {
  const template = new ec2.LaunchTemplate(instance, 'MetadataOptions', {
    requireImdsv2: true,
    httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
    httpPutResponseHopLimit: 1,
  });
  const cfn = instance.node.defaultChild as ec2.CfnInstance;
  cfn.launchTemplate = {
    launchTemplateId: template.launchTemplateId,
    version: template.latestVersionNumber,
  };
  cfn.blockDeviceMappings = [
    {
      deviceName: '/dev/xvda',
      ebs: { encrypted: true, volumeType: 'gp3', volumeSize: 8, deleteOnTermination: true },
    },
  ];
  Validations.of(cfn).acknowledge(
    {
      id: 'AwsSolutions-EC28',
      reason:
        'The NAT instance of a short-lived sandbox only forwards packets; basic (5-minute) monitoring is enough and detailed monitoring would cost more than the instance.',
    },
    {
      id: 'AwsSolutions-EC29',
      reason:
        'The NAT instance is disposable by design (stateless iptables NAT); it is replaced by redeploying, so termination protection would only block teardown.',
    },
  );
}

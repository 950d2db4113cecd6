import { KubectlV36Layer } from '@aws-cdk/lambda-layer-kubectl-v36';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { cidrProblem, isWorldScale, WORLD_CIDR } from '../../lib/core';
import { PodIdentityRole } from '../pod-identity-role';
import { acknowledgeCdkManagedResources, acknowledgePublicEndpoint } from './acknowledgements';

/** Options of {@link ClusterEndpoint.publicFrom}. */
export interface PublicEndpointOptions {
  /**
   * Accept 0.0.0.0/0 (or any block broader than a /8) in the list. Without it such a block throws.
   * @default false
   */
  readonly allowAnywhere?: boolean;
}

/**
 * Who may reach the cluster's Kubernetes API endpoint. The private endpoint is always on, so nodes
 * and the kubectl Lambda never leave the VPC; the public one only exists for listed CIDR blocks.
 */
export class ClusterEndpoint {
  /** Only from inside the VPC. */
  public static private(): ClusterEndpoint {
    return new ClusterEndpoint([]);
  }

  /**
   * From inside the VPC, and over the internet from `cidrs` only (at least one). 0.0.0.0/0 and other
   * world-scale blocks need `allowAnywhere: true`.
   */
  public static publicFrom(cidrs: readonly string[], options: PublicEndpointOptions = {}): ClusterEndpoint {
    if (cidrs.length === 0) {
      throw new Error(
        'ClusterEndpoint.publicFrom: list at least one CIDR block (EKS reads an empty list as 0.0.0.0/0)',
      );
    }
    for (const cidr of cidrs) {
      const problem = cidrProblem(cidr);
      if (problem !== undefined) {
        throw new Error(`ClusterEndpoint.publicFrom: "${cidr}" ${problem}`);
      }
      if (isWorldScale(cidr) && options.allowAnywhere !== true) {
        throw new Error(
          `ClusterEndpoint.publicFrom: "${cidr}" opens the endpoint to the world; pass { allowAnywhere: true } if that is intended`,
        );
      }
    }
    return new ClusterEndpoint([...cidrs]);
  }

  /** CIDR blocks that reach the public endpoint; empty when the endpoint is private. */
  public readonly publicAccessCidrs: readonly string[];

  private constructor(publicAccessCidrs: string[]) {
    this.publicAccessCidrs = publicAccessCidrs;
  }

  /** True when the endpoint is reachable from the internet (from the listed blocks). */
  public get isPublic(): boolean {
    return this.publicAccessCidrs.length > 0;
  }

  /** True when 0.0.0.0/0 is among the listed blocks. */
  public get isOpenToWorld(): boolean {
    return this.publicAccessCidrs.includes(WORLD_CIDR);
  }

  /** The aws-eks-v2 setting. */
  public toEndpointAccess(): eks.EndpointAccess {
    return this.isPublic
      ? eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom(...this.publicAccessCidrs)
      : eks.EndpointAccess.PRIVATE;
  }
}

/** The managed node group's size and purchase option. */
export interface NodeCapacity {
  /** Instance types; with Spot, list two or more of the same size for capacity. */
  readonly instanceTypes: readonly ec2.InstanceType[];
  /** Nodes that always run (also the desired size at creation). */
  readonly minNodes: number;
  /** Upper bound of the node group. */
  readonly maxNodes: number;
  /** Spot instead of On-Demand. */
  readonly spot: boolean;
  /**
   * Root volume size of each node.
   * @default 30
   */
  readonly diskSizeGiB?: number;
}

/** Properties of {@link CohortCluster}. */
export interface CohortClusterProps {
  /** EKS cluster name; also names the control-plane log group `/aws/eks/<clusterName>/cluster`. */
  readonly clusterName: string;
  /** VPC of the cluster. */
  readonly vpc: ec2.IVpc;
  /** Subnets for the control-plane ENIs, the nodes and the kubectl Lambda (private, with egress). */
  readonly subnets: ec2.SubnetSelection;
  /** Envelope encryption of Kubernetes secrets, and encryption of the control-plane log group. */
  readonly encryptionKey: kms.IKey;
  /** Worker nodes (managed node group). */
  readonly capacity: NodeCapacity;
  /**
   * Who may reach the Kubernetes API endpoint.
   * @default ClusterEndpoint.private()
   */
  readonly endpoint?: ClusterEndpoint;
  /**
   * Retention of the control-plane log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Tags the AWS Load Balancer Controller puts on every load balancer, target group and security
   * group it creates (its `defaultTags` value), so that what Kubernetes made in AWS carries the
   * cohort's tags and a sweep by tag finds it after the cluster is gone.
   * @default - only the controller's own tags (`elbv2.k8s.aws/cluster`)
   */
  readonly controllerResourceTags?: Readonly<Record<string, string>>;
}

/** The Kubernetes version every cohort cluster runs (see docs/cluster.md for why 1.36). */
export const KUBERNETES_VERSION = eks.KubernetesVersion.V1_36;

/** The control-plane log types; all five are on. */
export const CONTROL_PLANE_LOG_TYPES: readonly eks.ClusterLoggingTypes[] = [
  eks.ClusterLoggingTypes.API,
  eks.ClusterLoggingTypes.AUDIT,
  eks.ClusterLoggingTypes.AUTHENTICATOR,
  eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
  eks.ClusterLoggingTypes.SCHEDULER,
];

/**
 * The cohort's EKS cluster (aws-eks-v2, native `AWS::EKS::Cluster`): Kubernetes 1.36, secrets
 * envelope-encrypted with the cohort key, all five control-plane log types into a log group this
 * construct owns (so it has a retention and goes with the stack, aws-cdk#19459), API authentication
 * by access entries only, a managed node group whose launch template enforces IMDSv2 with hop
 * limit 1, and the EKS Pod Identity agent.
 */
export class CohortCluster extends Construct {
  /** The cluster (primary child, id `Resource`). */
  public readonly cluster: eks.Cluster;
  /** `/aws/eks/<clusterName>/cluster`, created before the cluster. */
  public readonly controlPlaneLogGroup: logs.LogGroup;
  /** The managed node group. */
  public readonly nodegroup: eks.Nodegroup;
  /** The launch template of the node group (IMDSv2 only, hop limit 1, encrypted gp3 root volume). */
  public readonly launchTemplate: ec2.LaunchTemplate;
  /** The `eks-pod-identity-agent` add-on. */
  public readonly podIdentityAgent: eks.IAddon;
  /** The endpoint setting the cluster was created with. */
  public readonly endpoint: ClusterEndpoint;
  /**
   * The cluster's name as a plain string (the `clusterName` prop), for the places a token cannot
   * go, such as an IAM condition key. Elsewhere use {@link clusterName}, which references the cluster.
   */
  public readonly physicalName: string;

  constructor(scope: Construct, id: string, props: CohortClusterProps) {
    super(scope, id);
    validateCapacity(id, props.capacity);
    this.endpoint = props.endpoint ?? ClusterEndpoint.private();
    this.physicalName = props.clusterName;

    // EKS writes to this exact name; creating it first gives it a retention and an owner.
    this.controlPlaneLogGroup = new logs.LogGroup(this, 'ControlPlaneLogs', {
      logGroupName: `/aws/eks/${props.clusterName}/cluster`,
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.cluster = new eks.Cluster(this, 'Resource', {
      clusterName: props.clusterName,
      version: KUBERNETES_VERSION,
      vpc: props.vpc,
      vpcSubnets: [props.subnets],
      endpointAccess: this.endpoint.toEndpointAccess(),
      secretsEncryptionKey: props.encryptionKey,
      clusterLogging: [...CONTROL_PLANE_LOG_TYPES],
      // A managed node group below, not Auto Mode (docs/cluster.md explains why).
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: 0,
      // Nobody is admin by accident: only the access entries this construct creates exist.
      bootstrapClusterCreatorAdminPermissions: false,
      kubectlProviderOptions: { kubectlLayer: new KubectlV36Layer(this, 'KubectlLayer') },
      // The AWS Load Balancer Controller turns the charts' Ingress into an ALB, and removes the ALB
      // again when the Ingress is deleted (the apps stack goes before this one).
      albController: {
        version: eks.AlbControllerVersion.V3_2_2,
        ...(props.controllerResourceTags === undefined
          ? {}
          : { additionalHelmChartValues: { defaultTags: { ...props.controllerResourceTags } } }),
      },
    });
    const cfnCluster = this.cluster.node.defaultChild as eks.CfnCluster;
    cfnCluster.addResourceDependency(this.controlPlaneLogGroup.node.defaultChild as logs.CfnLogGroup);

    this.launchTemplate = new ec2.LaunchTemplate(this, 'NodeLaunchTemplate', {
      requireImdsv2: true,
      httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
      // Hop limit 1: pods (not on the host network) cannot reach IMDS and the node role's credentials.
      httpPutResponseHopLimit: 1,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(props.capacity.diskSizeGiB ?? 30, {
            encrypted: true,
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            deleteOnTermination: true,
          }),
        },
      ],
    });
    this.nodegroup = this.cluster.addNodegroupCapacity('Workers', {
      instanceTypes: [...props.capacity.instanceTypes],
      capacityType: props.capacity.spot ? eks.CapacityType.SPOT : eks.CapacityType.ON_DEMAND,
      minSize: props.capacity.minNodes,
      desiredSize: props.capacity.minNodes,
      maxSize: props.capacity.maxNodes,
      subnets: props.subnets,
      launchTemplateSpec: {
        id: this.launchTemplate.launchTemplateId!,
        version: this.launchTemplate.latestVersionNumber,
      },
      enableNodeAutoRepair: true,
    });

    // Managed node groups do not bring the Pod Identity agent; the add-on runs it as a DaemonSet.
    this.podIdentityAgent = this.cluster.eksPodIdentityAgent!;
    this.podIdentityAgent.node.addDependency(this.nodegroup);

    // What aws-eks-v2 creates and this construct cannot change (acknowledgements.ts says why).
    acknowledgeCdkManagedResources(this.cluster, this.nodegroup);
    if (this.endpoint.isPublic) {
      acknowledgePublicEndpoint(cfnCluster, this.endpoint);
    }
  }

  /** Name of the EKS cluster. */
  public get clusterName(): string {
    return this.cluster.clusterName;
  }

  /** The security group EKS creates for the cluster; nodes and the control plane share it. */
  public get clusterSecurityGroup(): ec2.ISecurityGroup {
    return this.cluster.clusterSecurityGroup;
  }

  /** Make `principalArn` a cluster administrator (AmazonEKSClusterAdminPolicy, cluster scope). */
  public grantClusterAdmin(id: string, principalArn: string): void {
    this.cluster.grantAccess(id, principalArn, [
      eks.AccessPolicy.fromAccessPolicyName('AmazonEKSClusterAdminPolicy', {
        accessScopeType: eks.AccessScopeType.CLUSTER,
      }),
    ]);
  }

  /**
   * Let `principalArn` edit most resources in `namespace` only (AmazonEKSEditPolicy, namespace
   * scope): no RBAC, no other namespace, nothing cluster-wide. The namespace need not exist yet.
   */
  public grantNamespaceEdit(id: string, principalArn: string, namespace: string): void {
    this.cluster.grantAccess(id, principalArn, [
      eks.AccessPolicy.fromAccessPolicyName('AmazonEKSEditPolicy', {
        accessScopeType: eks.AccessScopeType.NAMESPACE,
        namespaces: [namespace],
      }),
    ]);
  }

  /** An IAM role for `<namespace>/<serviceAccount>` through EKS Pod Identity. */
  public addPodIdentityRole(id: string, namespace: string, serviceAccount: string): PodIdentityRole {
    const role = new PodIdentityRole(this, id, { cluster: this.cluster, namespace, serviceAccount });
    role.association.node.addDependency(this.podIdentityAgent);
    return role;
  }
}

function validateCapacity(id: string, capacity: NodeCapacity): void {
  const where = `CohortCluster ${id}: capacity`;
  if (capacity.instanceTypes.length === 0) {
    throw new Error(`${where}.instanceTypes must list at least one instance type`);
  }
  if (!Number.isInteger(capacity.minNodes) || capacity.minNodes < 0) {
    throw new Error(`${where}.minNodes must be a whole number of 0 or more (got ${capacity.minNodes})`);
  }
  if (!Number.isInteger(capacity.maxNodes) || capacity.maxNodes < Math.max(1, capacity.minNodes)) {
    throw new Error(
      `${where}.maxNodes must be a whole number of at least 1 and at least minNodes ${capacity.minNodes} (got ${capacity.maxNodes})`,
    );
  }
}

import { ArnFormat, Duration, Stack, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources, CLUSTER_AUTOSCALER_REQUESTS } from '../../lib/core';
import { CohortCluster } from '../cohort-cluster';
import { PodIdentityRole } from '../pod-identity-role';
import { PinnedChart } from '../secrets-sync';

/** A container image pinned to one released tag. */
export interface PinnedImage {
  readonly repository: string;
  readonly tag: string;
}

/** Properties of {@link ClusterAutoscaler}. */
export interface ClusterAutoscalerProps {
  /** The cluster whose managed node groups it scales. */
  readonly cluster: CohortCluster;
  /**
   * How long a node must be unneeded before it is removed, and how long after a scale-up no node
   * is removed: long enough that a coffee break in a lab does not give the nodes back only to
   * wait for new ones minutes later. Whole minutes.
   * @default Duration.minutes(30)
   */
  readonly scaleDownDelay?: Duration;
}

/**
 * The Kubernetes Cluster Autoscaler (Helm), scaling the cluster's managed node groups between their
 * minimum and maximum size: it adds a node when pods cannot be scheduled and removes one that has
 * been unneeded for `scaleDownDelay`. It finds the groups by the tags EKS puts on their Auto Scaling
 * groups, and acts through an EKS Pod Identity role that may change only those groups.
 *
 * Helm fetches the chart and the node pulls the image at deploy time; synth is offline.
 */
export class ClusterAutoscaler extends Construct {
  /**
   * Chart 9.59.0 (git tag cluster-autoscaler-chart-9.59.0 in kubernetes/autoscaler). Its appVersion
   * is 1.35.0, so {@link IMAGE} overrides the image.
   */
  public static readonly CHART: PinnedChart = {
    repository: 'https://kubernetes.github.io/autoscaler',
    chart: 'cluster-autoscaler',
    version: '9.59.0',
  };
  /**
   * Cluster Autoscaler 1.36.1 (git tag cluster-autoscaler-1.36.1), the release for Kubernetes 1.36:
   * its minor version must match the cluster's.
   */
  public static readonly IMAGE: PinnedImage = {
    repository: 'registry.k8s.io/autoscaling/cluster-autoscaler',
    tag: 'v1.36.1',
  };
  /** Namespace and service account of the autoscaler. */
  public static readonly NAMESPACE = 'kube-system';
  public static readonly SERVICE_ACCOUNT = 'cluster-autoscaler';

  /** The Helm release (primary child, id `Resource`). */
  public readonly chart: eks.HelmChart;
  /** The autoscaler's Pod Identity role. */
  public readonly role: PodIdentityRole;

  constructor(scope: Construct, id: string, props: ClusterAutoscalerProps) {
    super(scope, id);
    const clusterName = props.cluster.physicalName;
    if (Token.isUnresolved(clusterName)) {
      throw new Error(
        `ClusterAutoscaler ${id}: the cluster needs a literal name; it is part of an IAM condition key`,
      );
    }
    const delayMinutes = (props.scaleDownDelay ?? Duration.minutes(30)).toMinutes({ integral: false });
    if (!Number.isInteger(delayMinutes) || delayMinutes < 1) {
      throw new Error(
        `ClusterAutoscaler ${id}: scaleDownDelay must be a whole number of minutes, at least 1 (got ${delayMinutes})`,
      );
    }
    // EKS tags the Auto Scaling group of every managed node group with both keys (`enabled` = true,
    // the cluster's = owned); the autoscaler discovers groups by them, and IAM lets it change only
    // groups that carry the cluster's.
    const clusterTag = `k8s.io/cluster-autoscaler/${clusterName}`;

    this.role = props.cluster.addPodIdentityRole(
      'AutoscalerRole',
      ClusterAutoscaler.NAMESPACE,
      ClusterAutoscaler.SERVICE_ACCOUNT,
    );
    this.grantScaling(props.cluster, clusterTag);

    const chart = ClusterAutoscaler.CHART;
    const { cpuMillis, memoryMebibytes } = CLUSTER_AUTOSCALER_REQUESTS;
    this.chart = new eks.HelmChart(this, 'Resource', {
      cluster: props.cluster.cluster,
      repository: chart.repository,
      chart: chart.chart,
      version: chart.version,
      release: 'cluster-autoscaler',
      namespace: ClusterAutoscaler.NAMESPACE,
      wait: true,
      values: {
        cloudProvider: 'aws',
        // Pods cannot reach IMDS (hop limit 1), so the region is given, not looked up.
        awsRegion: Stack.of(this).region,
        autoDiscovery: { clusterName, tags: ['k8s.io/cluster-autoscaler/enabled', clusterTag] },
        fullnameOverride: 'cluster-autoscaler',
        image: { repository: ClusterAutoscaler.IMAGE.repository, tag: ClusterAutoscaler.IMAGE.tag },
        rbac: { serviceAccount: { create: true, name: ClusterAutoscaler.SERVICE_ACCOUNT } },
        // The autoscaler never removes the node it runs on, so it is not evicted halfway through a scale-down.
        podAnnotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' },
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 65534,
          runAsGroup: 65534,
          fsGroup: 65534,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        containerSecurityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
        resources: {
          requests: { cpu: `${cpuMillis}m`, memory: `${memoryMebibytes}Mi` },
          limits: { memory: `${memoryMebibytes}Mi` },
        },
        extraArgs: {
          // Node groups of the same shape (one per AZ, say) grow together.
          'balance-similar-node-groups': true,
          // Of the groups that fit the pending pods, the one that leaves the least CPU and memory idle.
          expander: 'least-waste',
          // Nodes running CoreDNS, the controllers or the autoscaler itself may go too (PDBs hold).
          'skip-nodes-with-system-pods': false,
          // The charts' pods use emptyDir scratch space (/tmp); it does not pin a node.
          'skip-nodes-with-local-storage': false,
          'scale-down-unneeded-time': `${delayMinutes}m`,
          'scale-down-delay-after-add': `${delayMinutes}m`,
        },
      },
    });
    // Credentials are injected when the pod starts: the association (which waits for the agent)
    // comes first, and `wait` needs nodes.
    this.chart.node.addDependency(
      this.role.association,
      props.cluster.podIdentityAgent,
      props.cluster.nodegroup,
    );
  }

  /**
   * What the autoscaler's AWS README (cluster-autoscaler-1.36.1, cloudprovider/aws) asks for with
   * auto-discovery: read-only calls on every resource (they take no resource ARN), DescribeNodegroup
   * on the cluster's node group, and the two scaling calls only on groups tagged for this cluster.
   */
  private grantScaling(cluster: CohortCluster, clusterTag: string): void {
    const role = this.role.role;
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeScalingTargets',
        actions: [
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:DescribeAutoScalingInstances',
          'autoscaling:DescribeLaunchConfigurations',
          'autoscaling:DescribeScalingActivities',
          'ec2:DescribeImages',
          'ec2:DescribeInstanceTypes',
          'ec2:DescribeLaunchTemplateVersions',
          'ec2:GetInstanceTypesFromInstanceRequirements',
        ],
        resources: ['*'],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeNodegroup',
        actions: ['eks:DescribeNodegroup'],
        resources: [cluster.nodegroup.nodegroupArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ScaleOwnedGroups',
        actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
        resources: [
          stack.formatArn({
            service: 'autoscaling',
            resource: 'autoScalingGroup',
            resourceName: '*:autoScalingGroupName/*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
        conditions: { StringEquals: { [`aws:ResourceTag/${clusterTag}`]: 'owned' } },
      }),
    );

    const policy = role.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy;
    acknowledgeWildcardResources(
      policy,
      /^\*$/,
      'Cluster Autoscaler read-only calls (autoscaling and EC2 Describe*, ec2:GetInstanceTypesFromInstanceRequirements) accept no resource ARN; they reveal group and instance-type shapes, and change nothing.',
    );
    acknowledgeWildcardResources(
      policy,
      /:autoScalingGroup:\*:autoScalingGroupName\/\*$/,
      `SetDesiredCapacity and TerminateInstanceInAutoScalingGroup only on Auto Scaling groups of this account and region tagged ${clusterTag}=owned (condition aws:ResourceTag), i.e. the node groups EKS created for this cluster; their names are generated by EKS.`,
    );
  }
}

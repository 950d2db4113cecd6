/**
 * The cdk-nag acknowledgements of {@link CohortCluster}. aws-eks-v2 builds the kubectl provider (the
 * kubectl/helm Lambda and the custom-resource framework Lambda, with their roles), the cluster and
 * node roles and the load balancer controller's role; each acknowledgement sits on one of those
 * resources and says why it cannot be changed here.
 */
import { Validations } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { acknowledgeManagedPolicies, acknowledgeWildcardResources } from '../../lib/core';

/** Who may reach the public API endpoint, as far as the acknowledgement's reason needs it. */
export interface PublicEndpointExposure {
  /** True when 0.0.0.0/0 is among the blocks. */
  readonly isOpenToWorld: boolean;
  /** The CIDR blocks that reach the public endpoint. */
  readonly publicAccessCidrs: readonly string[];
}

/**
 * Acknowledge the findings on what aws-eks-v2 creates for `cluster` and its managed node group
 * `nodegroup`: managed policies and wildcards of the kubectl provider, cluster and node roles,
 * the load balancer controller's published policy, and the EncryptionConfig lint warning.
 */
export function acknowledgeCdkManagedResources(cluster: eks.Cluster, nodegroup: eks.Nodegroup): void {
  const kubectl = cluster.node.findChild('KubectlProvider');
  const handler = kubectl.node.findChild('Handler') as lambda.Function;
  const onEvent = kubectl.node.findChild('Provider').node.findChild('framework-onEvent') as lambda.Function;

  for (const fn of [handler, onEvent]) {
    const role = fn.role!.node.defaultChild as iam.CfnRole;
    acknowledgeManagedPolicies(
      role,
      /service-role\/AWSLambdaBasicExecutionRole$/,
      'CDK-managed kubectl provider Lambda: the AWS managed policy only lets it write its own logs.',
    );
    acknowledgeManagedPolicies(
      role,
      /service-role\/AWSLambdaVPCAccessExecutionRole$/,
      'CDK-managed kubectl provider Lambda: it runs in the private subnets to reach the private API endpoint, which needs ENI management.',
    );
  }
  const handlerRole = handler.role!.node.defaultChild as iam.CfnRole;
  acknowledgeManagedPolicies(
    handlerRole,
    /AmazonEC2ContainerRegistryReadOnly$|AmazonElasticContainerRegistryPublicReadOnly/,
    'CDK-managed kubectl handler: aws-eks-v2 grants read-only ECR (and ECR Public) so helm can pull OCI charts.',
  );
  Validations.of(handler.node.defaultChild as lambda.CfnFunction).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'The kubectl/helm handler is created by aws-eks-v2 with the Python runtime its bundled handler code is tested on.',
  });
  acknowledgeWildcardResources(
    onEvent.role!.node.tryFindChild('DefaultPolicy')!.node.defaultChild as iam.CfnPolicy,
    /KubectlProviderHandler[0-9A-F]*\.Arn>:\*$/,
    'CDK-managed custom-resource framework: it may invoke every version of the one kubectl handler it fronts.',
  );

  acknowledgeManagedPolicies(
    cluster.role.node.defaultChild as iam.CfnRole,
    /AmazonEKSClusterPolicy$/,
    'The EKS cluster service role must carry the AWS managed AmazonEKSClusterPolicy; EKS documents no replacement.',
  );
  const nodeRole = nodegroup.role.node.defaultChild as iam.CfnRole;
  acknowledgeManagedPolicies(
    nodeRole,
    /AmazonEKSWorkerNodePolicy$/,
    'EKS managed node groups require the AWS managed worker node policy on the node role.',
  );
  acknowledgeManagedPolicies(
    nodeRole,
    /AmazonEKS_CNI_Policy$/,
    'The VPC CNI (aws-node, host network) assigns pod IPs with the node role; pods cannot reach the node role (IMDS hop limit 1).',
  );
  acknowledgeManagedPolicies(
    nodeRole,
    /AmazonEC2ContainerRegistryReadOnly$/,
    'Nodes pull EKS add-on images from ECR; read-only, and the node role has no S3 or Secrets Manager access.',
  );
  const albController = cluster.albController;
  if (albController !== undefined) {
    const albRole = (albController.node.findChild('alb-sa') as eks.ServiceAccount).role as iam.Role;
    acknowledgeWildcardResources(
      albRole.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy,
      /./,
      'AWS Load Balancer Controller: the IAM policy AWS publishes for this controller version, unchanged; it creates and tags load balancers, target groups and security groups whose names it cannot know in advance (tag conditions limit what it may modify).',
    );
  }
  Validations.of(cluster.node.defaultChild as eks.CfnCluster).acknowledge({
    id: 'CloudFormation-Validate::W9009',
    reason:
      'aws-eks-v2 renders EncryptionConfig Resources: [secrets], which is still how the EKS API selects envelope encryption of Kubernetes secrets.',
  });
}

/**
 * Acknowledge AwsSolutions-EKS1 (public API endpoint) on `cluster`, naming the opt-in when the
 * endpoint is open to the world and the listed blocks otherwise.
 */
export function acknowledgePublicEndpoint(cluster: eks.CfnCluster, endpoint: PublicEndpointExposure): void {
  Validations.of(cluster).acknowledge({
    id: 'AwsSolutions-EKS1',
    reason: endpoint.isOpenToWorld
      ? 'The cohort file opted in explicitly (allowPublicAccessFromAnywhere: true) to a public API endpoint reachable from 0.0.0.0/0; access still needs an IAM principal with an access entry.'
      : `The public API endpoint admits only the cohort file's CIDR blocks (${endpoint.publicAccessCidrs.join(', ')}) so instructors and learners can run kubectl; nodes use the private endpoint.`,
  });
}

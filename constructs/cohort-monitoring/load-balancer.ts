import { Duration, Fn, Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeManagedPolicies, acknowledgeWildcardResources } from '../../lib/core';

/** Properties of {@link IngressLoadBalancer}. */
export interface IngressLoadBalancerProps {
  /** The cluster the Ingress is in. */
  readonly cluster: eks.ICluster;
  readonly namespace: string;
  readonly ingressName: string;
  /** The name the Ingress gives its load balancer (`alb.ingress.kubernetes.io/load-balancer-name`). */
  readonly loadBalancerName: string;
  /**
   * How long to wait for the controller to create the load balancer.
   * @default Duration.minutes(10)
   */
  readonly timeout?: Duration;
}

/**
 * The load balancer the AWS Load Balancer Controller made for an Ingress, found at deploy time: its
 * metrics need the `app/<name>/<id>` dimension, and only the id is unknown at synth. It waits for
 * the Ingress's status to carry an address (the kubectl provider polls), then asks Elastic Load
 * Balancing for the load balancer of that name.
 */
export class IngressLoadBalancer extends Construct {
  /** ARN of the load balancer. */
  public readonly loadBalancerArn: string;
  /** `app/<name>/<id>`: the `LoadBalancer` dimension of its CloudWatch metrics. */
  public readonly loadBalancerFullName: string;
  /** The Ingress's address once the controller has published it. */
  public readonly hostname: eks.KubernetesObjectValue;

  constructor(scope: Construct, id: string, props: IngressLoadBalancerProps) {
    super(scope, id);
    this.hostname = new eks.KubernetesObjectValue(this, 'Address', {
      cluster: props.cluster,
      objectType: 'ingress',
      objectName: props.ingressName,
      objectNamespace: props.namespace,
      jsonPath: '.status.loadBalancer.ingress[0].hostname',
      timeout: props.timeout ?? Duration.minutes(10),
    });
    const call: cr.AwsSdkCall = {
      service: 'ElasticLoadBalancingV2',
      action: 'describeLoadBalancers',
      parameters: { Names: [props.loadBalancerName] },
      physicalResourceId: cr.PhysicalResourceId.fromResponse('LoadBalancers.0.LoadBalancerArn'),
      outputPaths: ['LoadBalancers.0.LoadBalancerArn'],
    };
    const lookup = new cr.AwsCustomResource(this, 'Lookup', {
      onCreate: call,
      onUpdate: call,
      // DescribeLoadBalancers takes no resource ARN.
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['elasticloadbalancing:DescribeLoadBalancers'],
          resources: ['*'],
        }),
      ]),
      installLatestAwsSdk: false,
    });
    lookup.node.addDependency(this.hostname);
    this.loadBalancerArn = lookup.getResponseField('LoadBalancers.0.LoadBalancerArn');
    this.loadBalancerFullName = Fn.select(1, Fn.split('loadbalancer/', this.loadBalancerArn));

    acknowledgeWildcardResources(
      lookup.node.findChild('CustomResourcePolicy').node.defaultChild as iam.CfnPolicy,
      /^\*$/,
      'elasticloadbalancing:DescribeLoadBalancers takes no resource ARN; it reads load balancer descriptions and changes nothing.',
    );
    // The provider function AwsCustomResource shares across the stack.
    const provider = Stack.of(this).node.findChild(
      cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '').replace(/^/, 'AWS'),
    );
    acknowledgeManagedPolicies(
      provider.node.findChild('ServiceRole').node.defaultChild as iam.CfnRole,
      /service-role\/AWSLambdaBasicExecutionRole$/,
      "CDK's AwsCustomResource provider: the AWS managed policy only lets it write its own logs.",
    );
  }
}

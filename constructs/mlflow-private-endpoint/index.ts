import { Duration, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Properties of {@link MlflowPrivateEndpoint}. */
export interface MlflowPrivateEndpointProps {
  readonly vpc: ec2.IVpc;
  /** Private subnets the load balancer lives in. */
  readonly vpcSubnets: ec2.SubnetSelection;
  /** Port the MLflow pods listen on. */
  readonly targetPort: number;
  /** Bucket for the load balancer's access logs (SSE-S3, as ELB log delivery requires). */
  readonly accessLogsBucket: s3.IBucket;
  /**
   * Key prefix of the access logs.
   * @default 'mlflow-private-alb'
   */
  readonly accessLogsPrefix?: string;
}

/**
 * A private way into MLflow for AWS-side callers in the VPC (the rotation function): an internal
 * Application Load Balancer whose target group the AWS Load Balancer Controller fills with the
 * MLflow pod IPs through a TargetGroupBinding (emitted by the MLflow chart). Nobody reaches it
 * unless allowed with {@link allowFrom}; it is not reachable from the internet.
 */
export class MlflowPrivateEndpoint extends Construct {
  public readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  public readonly targetGroup: elbv2.ApplicationTargetGroup;
  public readonly securityGroup: ec2.SecurityGroup;
  private readonly listenerPort = 80;

  constructor(scope: Construct, id: string, props: MlflowPrivateEndpointProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Cohort Lab: private MLflow endpoint (rotation function only)',
      allowAllOutbound: false,
    });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Resource', {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      internetFacing: false,
      securityGroup: this.securityGroup,
      dropInvalidHeaderFields: true,
      deletionProtection: false,
    });
    if (!Token.isUnresolved(this.loadBalancer.env.region)) {
      this.loadBalancer.logAccessLogs(props.accessLogsBucket, props.accessLogsPrefix ?? 'mlflow-private-alb');
    } else {
      Validations.of(this.loadBalancer.node.defaultChild as elbv2.CfnLoadBalancer).acknowledge({
        id: 'AwsSolutions-ELB2',
        reason:
          'Environment-agnostic synth: ELB access-log delivery needs the region to name the log-delivery principal; set region in the cohort file to turn logging on.',
      });
    }
    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc: props.vpc,
      port: props.targetPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      deregistrationDelay: Duration.seconds(30),
      healthCheck: { path: '/health', healthyHttpCodes: '200', interval: Duration.seconds(15) },
    });
    this.loadBalancer.addListener('Http', {
      port: this.listenerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
      defaultTargetGroups: [this.targetGroup],
    });
    // To the pods in the VPC, on the MLflow port only.
    this.securityGroup.addEgressRule(
      ec2.Peer.ipv4(props.vpc.vpcCidrBlock),
      ec2.Port.tcp(props.targetPort),
      'MLflow pods (target group, ip mode)',
    );
  }

  /** `http://<internal DNS name>`: what in-VPC callers use. */
  public get url(): string {
    return `http://${this.loadBalancer.loadBalancerDnsName}`;
  }

  /** The Host header callers send (MLflow must list it in --allowed-hosts). */
  public get hostname(): string {
    return this.loadBalancer.loadBalancerDnsName;
  }

  /** Let `peer` call MLflow through this endpoint (and nothing else). */
  public allowFrom(peer: ec2.ISecurityGroup, description: string): void {
    this.securityGroup.addIngressRule(peer, ec2.Port.tcp(this.listenerPort), description);
    peer.addEgressRule(this.securityGroup, ec2.Port.tcp(this.listenerPort), `${description}: to MLflow`);
  }
}

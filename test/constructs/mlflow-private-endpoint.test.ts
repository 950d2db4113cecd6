import { CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { MlflowPrivateEndpoint, MlflowPrivateEndpointProps } from '../../constructs/mlflow-private-endpoint';
import { testStack } from '../support/cohort';

interface Setup {
  readonly stack: Stack;
  readonly endpoint: MlflowPrivateEndpoint;
  readonly vpc: ec2.Vpc;
  readonly bucket: s3.Bucket;
}

/** An endpoint in a test VPC, in a stack with a region unless `envAgnostic`. */
function build(overrides: Partial<MlflowPrivateEndpointProps> = {}, envAgnostic = false): Setup {
  const stack = testStack(envAgnostic ? undefined : { region: 'eu-west-1', account: '111122223333' });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const bucket = new s3.Bucket(stack, 'AccessLogs', { encryption: s3.BucketEncryption.S3_MANAGED });
  const endpoint = new MlflowPrivateEndpoint(stack, 'Endpoint', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    targetPort: 5000,
    accessLogsBucket: bucket,
    ...overrides,
  });
  return { stack, endpoint, vpc, bucket };
}

function logicalId(stack: Stack, c: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(c.node.defaultChild as CfnElement);
}

describe('MlflowPrivateEndpoint', () => {
  let s: Setup;
  let t: Template;
  let sgId: string;
  let albId: string;

  beforeAll(() => {
    // GIVEN an endpoint for MLflow pods on port 5000, in a stack with a region
    s = build();
    t = Template.fromStack(s.stack);
    sgId = logicalId(s.stack, s.endpoint.securityGroup);
    albId = logicalId(s.stack, s.endpoint.loadBalancer);
  });

  test('an internal application load balancer in the given subnets, behind its own security group', () => {
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Type: 'application',
      Scheme: 'internal',
      Subnets: [
        { Ref: Match.stringLikeRegexp('^VpcPrivateSubnet1') },
        { Ref: Match.stringLikeRegexp('^VpcPrivateSubnet2') },
      ],
      SecurityGroups: [{ 'Fn::GetAtt': [sgId, 'GroupId'] }],
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'deletion_protection.enabled', Value: 'false' },
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
      ]),
    });
  });

  test('one HTTP listener on port 80 forwards to the target group', () => {
    t.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      LoadBalancerArn: { Ref: albId },
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        { Type: 'forward', TargetGroupArn: { Ref: logicalId(s.stack, s.endpoint.targetGroup) } },
      ],
    });
  });

  test('the target group takes pod IPs on the MLflow port, checked on /health', () => {
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'ip',
      Port: 5000,
      Protocol: 'HTTP',
      VpcId: { Ref: Match.stringLikeRegexp('^Vpc') },
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 15,
      Matcher: { HttpCode: '200' },
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]),
    });
  });

  test('the security group admits nobody, and sends only to the VPC on the MLflow port', () => {
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Cohort Lab: private MLflow endpoint (rotation function only)',
      SecurityGroupIngress: Match.absent(),
      SecurityGroupEgress: [
        {
          CidrIp: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Vpc'), 'CidrBlock'] },
          IpProtocol: 'tcp',
          FromPort: 5000,
          ToPort: 5000,
          Description: 'MLflow pods (target group, ip mode)',
        },
      ],
    });
    t.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  test('url and hostname are the internal DNS name of the load balancer', () => {
    const dnsName = { 'Fn::GetAtt': [albId, 'DNSName'] };
    expect(s.stack.resolve(s.endpoint.url)).toEqual({ 'Fn::Join': ['', ['http://', dnsName]] });
    expect(s.stack.resolve(s.endpoint.hostname)).toEqual(dnsName);
  });

  test('access logs go to the bucket under mlflow-private-alb/, which the ELB log delivery may write', () => {
    t.hasResource('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Properties: Match.objectLike({
        LoadBalancerAttributes: Match.arrayWith([
          { Key: 'access_logs.s3.enabled', Value: 'true' },
          { Key: 'access_logs.s3.bucket', Value: { Ref: logicalId(s.stack, s.bucket) } },
          { Key: 'access_logs.s3.prefix', Value: 'mlflow-private-alb' },
        ]),
      }),
      // The bucket policy exists before the load balancer tries its first delivery.
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^AccessLogsPolicy')]),
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:PutObject',
            Effect: 'Allow',
            // The Elastic Load Balancing account of eu-west-1.
            Principal: { AWS: 'arn:aws:iam::156460612806:root' },
            Resource: {
              'Fn::Join': [
                '',
                [
                  { 'Fn::GetAtt': [Match.stringLikeRegexp('^AccessLogs'), 'Arn'] },
                  '/mlflow-private-alb/AWSLogs/111122223333/*',
                ],
              ],
            },
          }),
        ]),
      },
    });
  });

  test('accessLogsPrefix moves the access logs', () => {
    // GIVEN another prefix
    const other = build({ accessLogsPrefix: 'alb/mlflow' });
    // THEN
    Template.fromStack(other.stack).hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.prefix', Value: 'alb/mlflow' }]),
    });
  });

  test('without a region there are no access logs, and AwsSolutions-ELB2 is acknowledged with the reason', () => {
    // GIVEN an environment-agnostic stack (ELB log delivery needs the region's account)
    const agnostic = build({}, true);
    const template = Template.fromStack(agnostic.stack);
    // THEN no access-log attribute and no bucket policy for log delivery
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.not(
        Match.arrayWith([Match.objectLike({ Key: 'access_logs.s3.enabled' })]),
      ),
    });
    template.resourceCountIs('AWS::S3::BucketPolicy', 0);
    // AND the finding is acknowledged on the load balancer itself
    const cfn = agnostic.endpoint.loadBalancer.node.defaultChild as elbv2.CfnLoadBalancer;
    const acks = cfn.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .map((m) => m.data);
    expect(acks).toEqual([
      {
        'Annotation::AwsSolutions-ELB2':
          'Environment-agnostic synth: ELB access-log delivery needs the region to name the log-delivery principal; set region in the cohort file to turn logging on.',
      },
    ]);
  });

  test('with a region nothing is acknowledged on the load balancer', () => {
    const cfn = s.endpoint.loadBalancer.node.defaultChild as elbv2.CfnLoadBalancer;
    expect(cfn.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)).toEqual(
      [],
    );
  });

  describe('allowFrom', () => {
    let allowed: Template;
    let peerId: string;
    let endpointSgId: string;

    beforeAll(() => {
      // GIVEN a caller's security group; WHEN it is allowed
      const { stack, endpoint, vpc } = build();
      const peer = new ec2.SecurityGroup(stack, 'Caller', { vpc, allowAllOutbound: false });
      endpoint.allowFrom(peer, 'Secret rotation function');
      allowed = Template.fromStack(stack);
      peerId = logicalId(stack, peer);
      endpointSgId = logicalId(stack, endpoint.securityGroup);
    });

    test('the endpoint admits the caller on the listener port only', () => {
      allowed.resourceCountIs('AWS::EC2::SecurityGroupIngress', 1);
      allowed.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
        GroupId: { 'Fn::GetAtt': [endpointSgId, 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [peerId, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 80,
        ToPort: 80,
        Description: 'Secret rotation function',
      });
    });

    test('the caller may send to the endpoint on the listener port', () => {
      allowed.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        GroupId: { 'Fn::GetAtt': [peerId, 'GroupId'] },
        DestinationSecurityGroupId: { 'Fn::GetAtt': [endpointSgId, 'GroupId'] },
        IpProtocol: 'tcp',
        FromPort: 80,
        ToPort: 80,
        Description: 'Secret rotation function: to MLflow',
      });
    });
  });
});

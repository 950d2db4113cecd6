import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { CohortNetwork } from '../../constructs/cohort-network';
import { Egress } from '../../lib/core';
import { testStack } from '../support/cohort';

describe('CohortNetwork', () => {
  let gateway: Template;
  let instance: Template;

  beforeAll(() => {
    // GIVEN the defaults, and a NAT instance with a key for the flow logs
    const a = testStack();
    new CohortNetwork(a, 'Network');
    gateway = Template.fromStack(a);

    const b = testStack({ region: 'eu-west-1' });
    new CohortNetwork(b, 'Network', {
      egress: Egress.NAT_INSTANCE,
      flowLogKey: new kms.Key(b, 'Key'),
      flowLogRetention: logs.RetentionDays.ONE_WEEK,
      cidr: '10.20.0.0/16',
    });
    instance = Template.fromStack(b);
  });

  test('defaults: one NAT gateway, 10.0.0.0/16, two AZs, three subnet groups', () => {
    gateway.resourceCountIs('AWS::EC2::NatGateway', 1);
    gateway.resourceCountIs('AWS::EC2::Instance', 0);
    gateway.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16' });
    gateway.resourceCountIs('AWS::EC2::Subnet', 6);
    for (const [group, type] of [
      ['Public', 'Public'],
      ['Private', 'Private'],
      ['Database', 'Isolated'],
    ]) {
      gateway.resourcePropertiesCountIs(
        'AWS::EC2::Subnet',
        {
          Tags: Match.arrayWith([
            { Key: 'aws-cdk:subnet-name', Value: group },
            { Key: 'aws-cdk:subnet-type', Value: type },
          ]),
        },
        2,
      );
    }
  });

  test('the database subnets have no route to the internet', () => {
    const t = gateway.toJSON() as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const databaseRouteTables = Object.keys(t.Resources).filter(
      (id) => id.startsWith('NetworkDatabaseSubnet') && t.Resources[id].Type === 'AWS::EC2::RouteTable',
    );
    expect(databaseRouteTables).toHaveLength(2);
    for (const route of Object.values(t.Resources).filter((r) => r.Type === 'AWS::EC2::Route')) {
      expect(databaseRouteTables).not.toContain((route.Properties.RouteTableId as { Ref: string }).Ref);
    }
  });

  test('S3 gateway endpoint and flow logs with the default 90-day retention', () => {
    gateway.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
    gateway.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
    gateway.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 90 },
      DeletionPolicy: 'Delete',
    });
  });

  test('a NAT instance: t4g.nano by default, IMDSv2 with hop limit 1, encrypted root volume', () => {
    instance.resourceCountIs('AWS::EC2::NatGateway', 0);
    instance.hasResourceProperties('AWS::EC2::Instance', {
      InstanceType: 't4g.nano',
      SourceDestCheck: false,
      BlockDeviceMappings: [
        { DeviceName: '/dev/xvda', Ebs: Match.objectLike({ Encrypted: true, VolumeType: 'gp3' }) },
      ],
      LaunchTemplate: {
        LaunchTemplateId: { Ref: Match.stringLikeRegexp('MetadataOptions') },
        Version: Match.anyValue(),
      },
    });
    instance.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
      }),
    });
  });

  test('the NAT instance takes traffic from the VPC range only', () => {
    instance.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Security Group for NAT instances',
      SecurityGroupIngress: [Match.objectLike({ CidrIp: '10.20.0.0/16', IpProtocol: '-1' })],
    });
    const groups = instance.findResources('AWS::EC2::SecurityGroup');
    for (const group of Object.values(groups)) {
      for (const rule of (group.Properties.SecurityGroupIngress as Array<Record<string, unknown>>) ?? []) {
        expect(['0.0.0.0/0', '::/0']).not.toContain(rule.CidrIp ?? rule.CidrIpv6);
      }
    }
  });

  test('flow logs use the given key and retention', () => {
    instance.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 7,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
    });
  });

  test('exposes subnet selections by group name', () => {
    const stack = testStack();
    const network = new CohortNetwork(stack, 'Network');
    expect(network.vpc.selectSubnets(network.privateSubnets).subnets).toHaveLength(2);
    expect(network.vpc.selectSubnets(network.databaseSubnets).subnets).toHaveLength(2);
    expect(network.vpc.selectSubnets(network.databaseSubnets).subnets[0]).toBeInstanceOf(ec2.Subnet);
    expect(network.natInstance).toBeUndefined();
  });
});

import { Stack } from 'aws-cdk-lib';
import { readFileSync } from 'fs';
import { join } from 'path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  ClusterEndpoint,
  CohortCluster,
  CohortClusterProps,
  KUBERNETES_VERSION,
  NodeCapacity,
} from '../../constructs/cohort-cluster';
import { REPO_ROOT, testStack } from '../support/cohort';
import { kubernetesObjects } from '../support/template-json';

const capacity: NodeCapacity = {
  instanceTypes: [new ec2.InstanceType('t3.large'), new ec2.InstanceType('t3a.large')],
  minNodes: 1,
  maxNodes: 3,
  spot: true,
};

function build(overrides: Partial<CohortClusterProps> = {}): { stack: Stack; cluster: CohortCluster } {
  const stack = testStack({ region: 'eu-west-1' });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new CohortCluster(stack, 'Cluster', {
    clusterName: 'cohortlab-spring',
    vpc,
    subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    encryptionKey: new kms.Key(stack, 'Key'),
    capacity,
    ...overrides,
  });
  return { stack, cluster };
}

describe('ClusterEndpoint', () => {
  test('private() has no public CIDR blocks', () => {
    const endpoint = ClusterEndpoint.private();
    expect(endpoint.isPublic).toBe(false);
    expect(endpoint.publicAccessCidrs).toEqual([]);
  });

  test('publicFrom keeps the blocks and stays private for nodes', () => {
    const endpoint = ClusterEndpoint.publicFrom(['203.0.113.0/24']);
    expect(endpoint.isPublic).toBe(true);
    expect(endpoint.isOpenToWorld).toBe(false);
    expect(endpoint.toEndpointAccess()._config).toEqual({
      privateAccess: true,
      publicAccess: true,
      publicCidrs: ['203.0.113.0/24'],
    });
  });

  test('publicFrom accepts 0.0.0.0/0 with allowAnywhere', () => {
    expect(ClusterEndpoint.publicFrom(['0.0.0.0/0'], { allowAnywhere: true }).isOpenToWorld).toBe(true);
  });

  test('fails when 0.0.0.0/0 is listed without allowAnywhere', () => {
    expect(() => ClusterEndpoint.publicFrom(['203.0.113.0/24', '0.0.0.0/0'])).toThrow(
      'ClusterEndpoint.publicFrom: "0.0.0.0/0" opens the endpoint to the world; pass { allowAnywhere: true } if that is intended',
    );
  });

  test('fails when a block broader than /8 is listed without allowAnywhere', () => {
    expect(() => ClusterEndpoint.publicFrom(['128.0.0.0/1'])).toThrow(
      'ClusterEndpoint.publicFrom: "128.0.0.0/1" opens the endpoint to the world; pass { allowAnywhere: true } if that is intended',
    );
  });

  test('fails when no block is listed', () => {
    expect(() => ClusterEndpoint.publicFrom([])).toThrow(
      'ClusterEndpoint.publicFrom: list at least one CIDR block (EKS reads an empty list as 0.0.0.0/0)',
    );
  });

  test('fails when a block is not an IPv4 CIDR or has host bits set', () => {
    expect(() => ClusterEndpoint.publicFrom(['2001:db8::/32'])).toThrow(
      'ClusterEndpoint.publicFrom: "2001:db8::/32" must be an IPv4 CIDR block such as 203.0.113.0/24',
    );
    expect(() => ClusterEndpoint.publicFrom(['203.0.113.9/24'])).toThrow(
      'ClusterEndpoint.publicFrom: "203.0.113.9/24" has host bits set; write the network address 203.0.113.0/24',
    );
  });
});

describe('CohortCluster', () => {
  let t: Template;
  let cluster: CohortCluster;

  beforeAll(() => {
    ({ cluster } = build());
    cluster.grantClusterAdmin('Admin', 'arn:aws:iam::111122223333:role/Admin');
    cluster.grantNamespaceEdit('Learner', 'arn:aws:iam::111122223333:role/Learner', 'learner-ada');
    cluster.addPodIdentityRole('App', 'apps', 'app');
    t = Template.fromStack(Stack.of(cluster));
  });

  test('defaults: Kubernetes 1.36, private endpoint, 90-day control-plane logs, no Auto Mode', () => {
    expect(KUBERNETES_VERSION).toBe(eks.KubernetesVersion.V1_36);
    t.hasResourceProperties('AWS::EKS::Cluster', {
      Version: '1.36',
      ComputeConfig: { Enabled: false },
      ResourcesVpcConfig: Match.objectLike({ EndpointPrivateAccess: true, EndpointPublicAccess: false }),
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/eks/cohortlab-spring/cluster',
      RetentionInDays: 90,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
    });
  });

  test('the cluster waits for its log group', () => {
    const clusters = t.findResources('AWS::EKS::Cluster');
    const logGroupId = Object.keys(
      t.findResources('AWS::Logs::LogGroup', {
        Properties: { LogGroupName: '/aws/eks/cohortlab-spring/cluster' },
      }),
    )[0];
    expect(Object.values(clusters)[0].DependsOn).toContain(logGroupId);
  });

  test('kubectl runs with the v36 layer inside the VPC', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'onEvent handler for EKS kubectl resource provider',
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
      Layers: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^ClusterKubectlLayer') }]),
    });
    t.hasResourceProperties('AWS::Lambda::LayerVersion', { Description: Match.stringLikeRegexp('kubectl') });
  });

  test("the kubectl layer package is the one for the cluster's Kubernetes version", () => {
    // aws-eks-v2 drives a 1.N cluster with @aws-cdk/lambda-layer-kubectl-vN; the two are bumped
    // together (docs/cluster.md), and this fails when only one of them moves.
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const layers = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((name) =>
      name.startsWith('@aws-cdk/lambda-layer-kubectl-'),
    );
    expect(layers).toHaveLength(1);
    const minor = /^@aws-cdk\/lambda-layer-kubectl-v(\d+)$/.exec(layers[0])?.[1];
    expect(minor).toBeDefined();
    expect(`1.${minor}`).toBe(KUBERNETES_VERSION.version);
    // The layer the cluster actually synthesises ships kubectl of that version.
    const escaped = KUBERNETES_VERSION.version.replace('.', '\\.');
    t.hasResourceProperties('AWS::Lambda::LayerVersion', {
      Description: Match.stringLikeRegexp(`^/opt/kubectl/kubectl ${escaped}\\.\\d+;`),
    });
  });

  test('Spot capacity with two instance types, sized from the capacity', () => {
    t.hasResourceProperties('AWS::EKS::Nodegroup', {
      CapacityType: 'SPOT',
      InstanceTypes: ['t3.large', 't3a.large'],
      ScalingConfig: { MinSize: 1, DesiredSize: 1, MaxSize: 3 },
      NodeRepairConfig: { Enabled: true },
    });
  });

  test('access entries: cluster admin at cluster scope, edit at namespace scope', () => {
    t.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: 'arn:aws:iam::111122223333:role/Admin',
      AccessPolicies: [Match.objectLike({ AccessScope: { Type: 'cluster' } })],
    });
    t.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: 'arn:aws:iam::111122223333:role/Learner',
      AccessPolicies: [
        Match.objectLike({
          AccessScope: { Type: 'namespace', Namespaces: ['learner-ada'] },
          PolicyArn: Match.objectLike({
            'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('AmazonEKSEditPolicy$')])],
          }),
        }),
      ],
    });
  });

  test('Pod Identity associations wait for the agent add-on', () => {
    const addonId = Object.keys(t.findResources('AWS::EKS::Addon'))[0];
    t.hasResource('AWS::EKS::PodIdentityAssociation', {
      Properties: Match.objectLike({ Namespace: 'apps', ServiceAccount: 'app' }),
      DependsOn: Match.arrayWith([addonId]),
    });
  });

  test('a public endpoint lists exactly the given blocks', () => {
    const { stack } = build({ endpoint: ClusterEndpoint.publicFrom(['198.51.100.0/24', '203.0.113.7/32']) });
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: Match.objectLike({
        EndpointPrivateAccess: true,
        EndpointPublicAccess: true,
        PublicAccessCidrs: ['198.51.100.0/24', '203.0.113.7/32'],
      }),
    });
  });

  test('logs all five control-plane log types', () => {
    t.hasResourceProperties('AWS::EKS::Cluster', {
      Logging: {
        ClusterLogging: {
          EnabledTypes: [
            { Type: 'api' },
            { Type: 'audit' },
            { Type: 'authenticator' },
            { Type: 'controllerManager' },
            { Type: 'scheduler' },
          ],
        },
      },
    });
  });

  test('nodes require IMDSv2 with hop limit 1 and an encrypted 30 GiB gp3 root volume, through their launch template', () => {
    const [nodegroup] = Object.values(t.findResources('AWS::EKS::Nodegroup'));
    const templateId = (nodegroup.Properties.LaunchTemplate as { Id: { Ref: string } }).Id.Ref;
    const template = t.toJSON().Resources[templateId];
    expect(template.Type).toBe('AWS::EC2::LaunchTemplate');
    expect(template.Properties.LaunchTemplateData).toMatchObject({
      MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
      BlockDeviceMappings: [
        { DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 30 } },
      ],
    });
    // no AMI or user data in the template: EKS picks and bootstraps the AL2023 image
    expect(template.Properties.LaunchTemplateData).not.toHaveProperty('ImageId');
    expect(template.Properties.LaunchTemplateData).not.toHaveProperty('UserData');
  });

  test('diskSizeGiB sizes the root volume', () => {
    const { stack } = build({ capacity: { ...capacity, diskSizeGiB: 50 } });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ VolumeSize: 50 }) })],
      }),
    });
  });

  test('the EKS Pod Identity agent add-on is installed after the nodes exist', () => {
    const [nodegroupId] = Object.keys(t.findResources('AWS::EKS::Nodegroup'));
    t.resourceCountIs('AWS::EKS::Addon', 1);
    t.hasResource('AWS::EKS::Addon', {
      Properties: Match.objectLike({ AddonName: 'eks-pod-identity-agent' }),
      DependsOn: Match.arrayWith([nodegroupId]),
    });
  });

  test('installs the AWS Load Balancer Controller v3.2.2 from the eks-charts repository into kube-system', () => {
    t.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'aws-load-balancer-controller',
      Repository: 'https://aws.github.io/eks-charts',
      Namespace: 'kube-system',
      Version: '3.2.2',
    });
  });

  test('the load balancer controller has its own IAM role through its service account, not the node role', () => {
    const serviceAccounts = Object.values(t.findResources('Custom::AWSCDK-EKS-KubernetesResource'))
      .flatMap((r) => kubernetesObjects(r.Properties.Manifest))
      .filter((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'aws-load-balancer-controller');
    expect(serviceAccounts).toHaveLength(1);
    expect(serviceAccounts[0].metadata).toMatchObject({
      namespace: 'kube-system',
      annotations: {
        'eks.amazonaws.com/role-arn': {
          'Fn::GetAtt': [expect.stringMatching(/AlbControlleralbsaRole/), 'Arn'],
        },
      },
    });
  });

  test('fails when the node group would have no instance type', () => {
    expect(() => build({ capacity: { ...capacity, instanceTypes: [] } })).toThrow(
      'CohortCluster Cluster: capacity.instanceTypes must list at least one instance type',
    );
  });

  test('fails when maxNodes is below minNodes', () => {
    expect(() => build({ capacity: { ...capacity, minNodes: 3, maxNodes: 2 } })).toThrow(
      'CohortCluster Cluster: capacity.maxNodes must be a whole number of at least 1 and at least minNodes 3 (got 2)',
    );
  });

  test('fails when minNodes is negative', () => {
    expect(() => build({ capacity: { ...capacity, minNodes: -1 } })).toThrow(
      'CohortCluster Cluster: capacity.minNodes must be a whole number of 0 or more (got -1)',
    );
  });
});

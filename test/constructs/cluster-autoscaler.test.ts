import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ClusterAutoscaler } from '../../constructs/cluster-autoscaler';
import { CohortCluster } from '../../constructs/cohort-cluster';
import { enablePolicyChecks, synthWithPolicyChecks } from '../../lib/stacks/policy-checks';
import { testStack } from '../support/cohort';
import { parseTemplateJson } from '../support/template-json';

function setup(): { stack: Stack; cluster: CohortCluster } {
  const stack = testStack({ region: 'eu-west-1', account: '111122223333' });
  const cluster = new CohortCluster(stack, 'Cluster', {
    clusterName: 'cohortlab-spring',
    vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }),
    subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    encryptionKey: new kms.Key(stack, 'Key'),
    capacity: { instanceTypes: [new ec2.InstanceType('m6i.large')], minNodes: 2, maxNodes: 20, spot: false },
  });
  return { stack, cluster };
}

/** The values of the one cluster-autoscaler release, parsed. */
function chartValues(t: Template): Record<string, unknown> {
  const charts = Object.values(
    t.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'cluster-autoscaler' } }),
  );
  expect(charts).toHaveLength(1);
  return parseTemplateJson(charts[0].Properties.Values) as Record<string, unknown>;
}

describe('ClusterAutoscaler', () => {
  let t: Template;

  beforeAll(() => {
    // GIVEN a cohort cluster; WHEN the autoscaler is added with the defaults
    const { stack, cluster } = setup();
    new ClusterAutoscaler(stack, 'Autoscaler', { cluster });
    t = Template.fromStack(stack);
  });

  test('the chart and the image are pinned; the image is the release for Kubernetes 1.36', () => {
    expect(ClusterAutoscaler.CHART).toEqual({
      repository: 'https://kubernetes.github.io/autoscaler',
      chart: 'cluster-autoscaler',
      version: '9.59.0',
    });
    t.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'cluster-autoscaler',
      Repository: 'https://kubernetes.github.io/autoscaler',
      Version: '9.59.0',
      Release: 'cluster-autoscaler',
      Namespace: 'kube-system',
      Wait: true,
      Values: Match.serializedJson(
        Match.objectLike({
          image: { repository: 'registry.k8s.io/autoscaling/cluster-autoscaler', tag: 'v1.36.1' },
        }),
      ),
    });
  });

  test("the image's minor version is the cluster's", () => {
    const [, minor] = /^v(\d+\.\d+)\.\d+$/.exec(ClusterAutoscaler.IMAGE.tag) ?? [];
    t.hasResourceProperties('AWS::EKS::Cluster', { Version: minor });
  });

  test("discovers the node groups by the tags EKS gives their Auto Scaling groups, in the stack's region", () => {
    t.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'cluster-autoscaler',
      Values: Match.serializedJson(
        Match.objectLike({
          cloudProvider: 'aws',
          awsRegion: 'eu-west-1',
          autoDiscovery: {
            clusterName: 'cohortlab-spring',
            tags: ['k8s.io/cluster-autoscaler/enabled', 'k8s.io/cluster-autoscaler/cohortlab-spring'],
          },
          rbac: { serviceAccount: { create: true, name: 'cluster-autoscaler' } },
        }),
      ),
    });
  });

  test('runs hardened, with requests and a memory limit', () => {
    expect(chartValues(t)).toMatchObject({
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 65534,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containerSecurityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
      resources: { requests: { cpu: '100m', memory: '600Mi' }, limits: { memory: '600Mi' } },
      podAnnotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' },
    });
  });

  test('scales for a course: balanced groups, least waste, system pods movable, 30 minutes before a scale-down', () => {
    expect(chartValues(t).extraArgs).toEqual({
      'balance-similar-node-groups': true,
      expander: 'least-waste',
      'skip-nodes-with-system-pods': false,
      'skip-nodes-with-local-storage': false,
      'scale-down-unneeded-time': '30m',
      'scale-down-delay-after-add': '30m',
    });
  });

  test('a course may choose another scale-down delay', () => {
    // GIVEN
    const { stack, cluster } = setup();
    // WHEN
    new ClusterAutoscaler(stack, 'Autoscaler', { cluster, scaleDownDelay: Duration.minutes(45) });
    // THEN
    expect(chartValues(Template.fromStack(stack)).extraArgs).toMatchObject({
      'scale-down-unneeded-time': '45m',
      'scale-down-delay-after-add': '45m',
    });
  });

  test('its service account kube-system/cluster-autoscaler has a Pod Identity association', () => {
    t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: 'kube-system',
      ServiceAccount: 'cluster-autoscaler',
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterAutoscalerRole'), 'Arn'] },
    });
  });

  test('the release is installed after its association, the Pod Identity agent and the node group', () => {
    const id = (type: string, props: Record<string, unknown> = {}) => {
      const found = Object.keys(t.findResources(type, { Properties: props }));
      expect(found).toHaveLength(1);
      return found[0];
    };
    t.hasResource('Custom::AWSCDK-EKS-HelmChart', {
      Properties: Match.objectLike({ Chart: 'cluster-autoscaler' }),
      DependsOn: Match.arrayWith([
        id('AWS::EKS::PodIdentityAssociation', { ServiceAccount: 'cluster-autoscaler' }),
        id('AWS::EKS::Addon', { AddonName: 'eks-pod-identity-agent' }),
        id('AWS::EKS::Nodegroup'),
      ]),
    });
  });

  test("reads without a resource, describes the cluster's node group, and scales only groups tagged for this cluster", () => {
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^ClusterAutoscalerRoleDefaultPolicy'),
      PolicyDocument: {
        Statement: [
          {
            Sid: 'DescribeScalingTargets',
            Effect: 'Allow',
            Action: [
              'autoscaling:DescribeAutoScalingGroups',
              'autoscaling:DescribeAutoScalingInstances',
              'autoscaling:DescribeLaunchConfigurations',
              'autoscaling:DescribeScalingActivities',
              'ec2:DescribeImages',
              'ec2:DescribeInstanceTypes',
              'ec2:DescribeLaunchTemplateVersions',
              'ec2:GetInstanceTypesFromInstanceRequirements',
            ],
            Resource: '*',
          },
          {
            Sid: 'DescribeNodegroup',
            Effect: 'Allow',
            Action: 'eks:DescribeNodegroup',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterNodegroupWorkers'), 'Arn'] },
          },
          {
            Sid: 'ScaleOwnedGroups',
            Effect: 'Allow',
            Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
            Resource: 'arn:aws:autoscaling:eu-west-1:111122223333:autoScalingGroup:*:autoScalingGroupName/*',
            Condition: {
              StringEquals: { 'aws:ResourceTag/k8s.io/cluster-autoscaler/cohortlab-spring': 'owned' },
            },
          },
        ],
      },
    });
  });

  test('cdk-nag finds nothing unacknowledged in it, and no acknowledgement is stale', () => {
    // GIVEN the construct in an app with the policy checks on
    const { stack, cluster } = setup();
    new ClusterAutoscaler(stack, 'Autoscaler', { cluster });
    const app = stack.node.root as App;
    enablePolicyChecks(app);
    // WHEN (a stale acknowledgement would fail the synth itself)
    const { violations } = synthWithPolicyChecks(app);
    // THEN nothing of the autoscaler: its release, or its role under the cluster
    expect(
      violations.filter(
        (v) =>
          v.constructPath.startsWith('Test/Autoscaler/') ||
          v.constructPath.startsWith('Test/Cluster/AutoscalerRole/'),
      ),
    ).toEqual([]);
  });

  test('fails when the scale-down delay is not whole minutes', () => {
    const { stack, cluster } = setup();
    expect(
      () => new ClusterAutoscaler(stack, 'Autoscaler', { cluster, scaleDownDelay: Duration.seconds(30) }),
    ).toThrow(
      'ClusterAutoscaler Autoscaler: scaleDownDelay must be a whole number of minutes, at least 1 (got 0.5)',
    );
  });

  test("fails when the cluster's name is not known at synth (it is part of an IAM condition key)", () => {
    // GIVEN a cluster named by a token
    const stack = testStack({ region: 'eu-west-1' });
    const cluster = new CohortCluster(stack, 'Cluster', {
      clusterName: Lazy.string({ produce: () => 'cohortlab-spring' }),
      vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }),
      subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      encryptionKey: new kms.Key(stack, 'Key'),
      capacity: { instanceTypes: [new ec2.InstanceType('m6i.large')], minNodes: 1, maxNodes: 2, spot: false },
    });
    // WHEN / THEN
    expect(() => new ClusterAutoscaler(stack, 'Autoscaler', { cluster })).toThrow(
      'ClusterAutoscaler Autoscaler: the cluster needs a literal name; it is part of an IAM condition key',
    );
  });
});

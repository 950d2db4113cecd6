import { Match, Template } from 'aws-cdk-lib/assertions';
import { CohortConfig } from '../../../lib/config';
import { clusterName } from '../../../lib/core';
import { buildStacks, configFrom, loadCohort, synthWithPolicy } from '../../support/cohort';

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[]; DeletionPolicy?: string }
>;

function clusterTemplate(config: CohortConfig): Template {
  return Template.fromStack(buildStacks(config).stacks.cluster);
}

function resourcesOf(t: Template, type: string): Resources {
  return t.findResources(type) as Resources;
}

function onlyResource(t: Template, type: string): { id: string; props: Record<string, unknown> } {
  const found = Object.entries(resourcesOf(t, type));
  expect(found).toHaveLength(1);
  return { id: found[0][0], props: found[0][1].Properties ?? {} };
}

/** A Fn::GetStackOutput of the data stack's cohort key ARN, as the cluster stack sees it. */
const cohortKeyArn = Match.objectLike({
  'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp('CohortKey') }),
});

/** The same, for jest's own matchers (toMatchObject). */
const cohortKeyArnValue = expect.objectContaining({
  'Fn::GetStackOutput': expect.objectContaining({ OutputName: expect.stringMatching(/CohortKey/) }),
});

const WORLD = ['0.0.0.0/0', '::/0'];

/**
 * Every ingress rule of every security group in the template, inline or standalone, with the
 * group it opens.
 */
function ingressRules(t: Template): Array<{ group: string; rule: Record<string, unknown> }> {
  const rules: Array<{ group: string; rule: Record<string, unknown> }> = [];
  for (const [id, sg] of Object.entries(resourcesOf(t, 'AWS::EC2::SecurityGroup'))) {
    for (const rule of (sg.Properties?.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? []) {
      rules.push({ group: id, rule });
    }
  }
  for (const ingress of Object.values(resourcesOf(t, 'AWS::EC2::SecurityGroupIngress'))) {
    const props = ingress.Properties ?? {};
    rules.push({ group: JSON.stringify(props.GroupId), rule: props });
  }
  return rules;
}

const publicEndpoint = (cidrs: string[], allowAnywhere?: boolean) =>
  configFrom((doc) => {
    doc.cluster = {
      endpointAccess: 'public',
      publicAccessCidrs: cidrs,
      ...(allowAnywhere === undefined ? {} : { allowPublicAccessFromAnywhere: allowAnywhere }),
    };
  });

describe('ClusterStack', () => {
  let demo: Template;
  let sandbox: Template;
  let privateCohort: Template;
  let world: Template;

  beforeAll(() => {
    // GIVEN the demo cohort (public endpoint from one CIDR), the sandbox example (private, Spot,
    // NAT instance), the base fixture (no cluster section) and a cohort that opted in to the world.
    demo = clusterTemplate(loadCohort('cohorts/demo.yaml'));
    sandbox = clusterTemplate(loadCohort('cohorts/sandbox-example.yaml'));
    privateCohort = clusterTemplate(configFrom());
    world = clusterTemplate(publicEndpoint(['0.0.0.0/0'], true));
  });

  describe('network', () => {
    test('the VPC spans two AZs from Fn::GetAZs, with public, private and isolated subnets', () => {
      const subnets = Object.values(resourcesOf(demo, 'AWS::EC2::Subnet'));
      expect(subnets).toHaveLength(6);
      const azs = subnets.map((s) => JSON.stringify(s.Properties?.AvailabilityZone));
      expect(new Set(azs).size).toBe(2);
      for (const az of azs) {
        expect(az).toContain('Fn::GetAZs');
      }
      demo.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: true }, 2);
      demo.hasResourceProperties('AWS::EC2::VPC', { EnableDnsHostnames: true, EnableDnsSupport: true });
    });

    test('a cohort that names its account still synthesises without any lookup', () => {
      // GIVEN an account (a lookup would need credentials and a context file)
      const config = configFrom((doc) => {
        doc.account = '111122223333';
        doc.region = 'eu-west-1';
      });
      // WHEN
      const { app, stacks } = buildStacks(config);
      const assembly = app.synth();
      // THEN no missing context was recorded, and the AZs are still Fn::GetAZs
      expect(assembly.manifest.missing ?? []).toEqual([]);
      const subnets = Template.fromStack(stacks.cluster).findResources('AWS::EC2::Subnet');
      expect(JSON.stringify(subnets)).toContain('Fn::GetAZs');
    });

    test('a cohort has one NAT gateway and no NAT instance', () => {
      demo.resourceCountIs('AWS::EC2::NatGateway', 1);
      demo.resourceCountIs('AWS::EC2::Instance', 0);
      privateCohort.resourceCountIs('AWS::EC2::NatGateway', 1);
    });

    test('a sandbox has one hardened t4g.nano NAT instance instead of a NAT gateway', () => {
      sandbox.resourceCountIs('AWS::EC2::NatGateway', 0);
      const nat = onlyResource(sandbox, 'AWS::EC2::Instance');
      expect(nat.props).toMatchObject({
        InstanceType: 't4g.nano',
        SourceDestCheck: false,
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: expect.objectContaining({ Encrypted: true }) }],
      });
      // IMDSv2 only, hop limit 1, through the launch template the instance uses
      const templateId = (nat.props.LaunchTemplate as { LaunchTemplateId: { Ref: string } }).LaunchTemplateId
        .Ref;
      const template = resourcesOf(sandbox, 'AWS::EC2::LaunchTemplate')[templateId];
      expect(template.Properties?.LaunchTemplateData).toMatchObject({
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
      });
      // the private subnets route through it
      sandbox.resourcePropertiesCountIs(
        'AWS::EC2::Route',
        { DestinationCidrBlock: '0.0.0.0/0', InstanceId: Match.anyValue() },
        2,
      );
    });

    test('the NAT instance accepts traffic from the VPC range only', () => {
      const natGroups = Object.entries(resourcesOf(sandbox, 'AWS::EC2::SecurityGroup')).filter(([id]) =>
        id.includes('NatSecurityGroup'),
      );
      expect(natGroups).toHaveLength(1);
      expect(natGroups[0][1].Properties?.SecurityGroupIngress).toEqual([
        expect.objectContaining({ CidrIp: '10.0.0.0/16', IpProtocol: '-1' }),
      ]);
    });

    test('S3 traffic uses a gateway endpoint', () => {
      demo.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['.s3'])] }),
      });
    });

    test('VPC flow logs go to an encrypted log group with the profile retention', () => {
      demo.hasResourceProperties('AWS::EC2::FlowLog', {
        ResourceType: 'VPC',
        TrafficType: 'ALL',
        LogDestinationType: 'cloud-watch-logs',
      });
      const flowLogGroup = (t: Template) =>
        Object.entries(resourcesOf(t, 'AWS::Logs::LogGroup')).find(([id]) =>
          id.startsWith('NetworkFlowLogs'),
        )![1];
      expect(flowLogGroup(demo).Properties).toMatchObject({ RetentionInDays: 90 });
      expect(flowLogGroup(demo).Properties?.KmsKeyId).toEqual(
        expect.objectContaining({ 'Fn::GetStackOutput': expect.anything() }),
      );
      expect(flowLogGroup(sandbox).Properties).toMatchObject({ RetentionInDays: 7 });
    });
  });

  describe('EKS cluster', () => {
    test('runs Kubernetes 1.36 with secrets envelope-encrypted by the cohort key', () => {
      demo.hasResourceProperties('AWS::EKS::Cluster', {
        Name: 'cohortlab-demo-2027-spring',
        Version: '1.36',
        EncryptionConfig: [{ Provider: { KeyArn: cohortKeyArn }, Resources: ['secrets'] }],
        AccessConfig: { AuthenticationMode: 'API', BootstrapClusterCreatorAdminPermissions: false },
        ComputeConfig: { Enabled: false },
      });
    });

    test('logs all five control-plane log types', () => {
      demo.hasResourceProperties('AWS::EKS::Cluster', {
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

    test('the control-plane log group is created first, with a retention and the cohort key', () => {
      const logGroups = Object.entries(resourcesOf(demo, 'AWS::Logs::LogGroup')).filter(
        ([, g]) => g.Properties?.LogGroupName === '/aws/eks/cohortlab-demo-2027-spring/cluster',
      );
      expect(logGroups).toHaveLength(1);
      const [logGroupId, logGroup] = logGroups[0];
      expect(logGroup.Properties).toMatchObject({ RetentionInDays: 90, KmsKeyId: expect.anything() });
      expect(logGroup.DeletionPolicy).toBe('Delete');
      const cluster = onlyResource(demo, 'AWS::EKS::Cluster');
      expect(resourcesOf(demo, 'AWS::EKS::Cluster')[cluster.id].DependsOn).toContain(logGroupId);
      // the name is the one EKS writes to
      expect(clusterName(loadCohort('cohorts/demo.yaml').name)).toBe('cohortlab-demo-2027-spring');
    });

    test('a sandbox keeps control-plane logs for a week', () => {
      sandbox.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: '/aws/eks/cohortlab-sandbox-grace/cluster',
        RetentionInDays: 7,
      });
    });

    test('the control plane and nodes sit in the private subnets', () => {
      const cluster = onlyResource(demo, 'AWS::EKS::Cluster');
      const subnetIds = (cluster.props.ResourcesVpcConfig as { SubnetIds: Array<{ Ref: string }> }).SubnetIds;
      expect(subnetIds.map((s) => s.Ref)).toEqual([
        expect.stringMatching(/^NetworkPrivateSubnet1/),
        expect.stringMatching(/^NetworkPrivateSubnet2/),
      ]);
      const nodegroup = onlyResource(demo, 'AWS::EKS::Nodegroup');
      expect(nodegroup.props.Subnets).toEqual(subnetIds);
    });
  });

  describe('API endpoint', () => {
    test('is private when the cohort file says nothing', () => {
      privateCohort.hasResourceProperties('AWS::EKS::Cluster', {
        ResourcesVpcConfig: Match.objectLike({
          EndpointPrivateAccess: true,
          EndpointPublicAccess: false,
          PublicAccessCidrs: Match.absent(),
        }),
      });
      sandbox.hasResourceProperties('AWS::EKS::Cluster', {
        ResourcesVpcConfig: Match.objectLike({ EndpointPublicAccess: false }),
      });
    });

    test('is public only from the listed CIDR blocks, and stays private for nodes', () => {
      demo.hasResourceProperties('AWS::EKS::Cluster', {
        ResourcesVpcConfig: Match.objectLike({
          EndpointPrivateAccess: true,
          EndpointPublicAccess: true,
          PublicAccessCidrs: ['203.0.113.0/24'],
        }),
      });
    });

    test('is open to the world only when the cohort file opted in explicitly', () => {
      world.hasResourceProperties('AWS::EKS::Cluster', {
        ResourcesVpcConfig: Match.objectLike({
          EndpointPublicAccess: true,
          PublicAccessCidrs: ['0.0.0.0/0'],
        }),
      });
    });

    test('fails when the cohort file lists 0.0.0.0/0 without the opt-in', () => {
      expect(() => publicEndpoint(['203.0.113.0/24', '0.0.0.0/0'])).toThrow(
        'cluster.publicAccessCidrs[1]: opens the API endpoint to the whole internet; set cluster.allowPublicAccessFromAnywhere: true if that is intended',
      );
    });

    test('fails when the cohort file lists a CIDR block that is not one', () => {
      expect(() => publicEndpoint(['203.0.113.0/24', '10.0.0.0/33'])).toThrow(
        'cluster.publicAccessCidrs[1]: must be an IPv4 CIDR block such as 203.0.113.0/24',
      );
    });

    test('fails when public CIDR blocks are given for a private endpoint', () => {
      expect(() =>
        configFrom((doc) => {
          doc.cluster = { endpointAccess: 'private', publicAccessCidrs: ['203.0.113.0/24'] };
        }),
      ).toThrow(
        'cluster.publicAccessCidrs: only applies when cluster.endpointAccess is public; remove it or make the endpoint public',
      );
    });

    test('fails when a public endpoint lists no CIDR block', () => {
      expect(() => publicEndpoint([])).toThrow(
        'cluster.publicAccessCidrs: must list at least one CIDR block when cluster.endpointAccess is public (EKS would read an empty list as 0.0.0.0/0)',
      );
    });
  });

  describe('security groups', () => {
    test.each([
      ['demo cohort', () => demo],
      ['sandbox', () => sandbox],
      ['private cohort', () => privateCohort],
      ['world-open endpoint', () => world],
    ])('no security group of the %s admits 0.0.0.0/0 or ::/0', (_name, template) => {
      const rules = ingressRules(template());
      expect(rules.length).toBeGreaterThan(0);
      for (const { rule } of rules) {
        expect(WORLD).not.toContain(rule.CidrIp);
        expect(WORLD).not.toContain(rule.CidrIpv6);
      }
    });

    test('the database admits 5432 only from the cluster security group and the rotation Lambdas', () => {
      const dbGroupId = Object.keys(resourcesOf(demo, 'AWS::EC2::SecurityGroup')).find((id) =>
        id.startsWith('DatabaseSecurityGroup'),
      )!;
      const rules = ingressRules(demo).filter(({ rule }) =>
        JSON.stringify(rule.GroupId ?? '').includes(dbGroupId),
      );
      expect(rules).toHaveLength(2);
      for (const { rule } of rules) {
        expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 });
        expect(rule.CidrIp).toBeUndefined();
      }
      const clusterId = onlyResource(demo, 'AWS::EKS::Cluster').id;
      expect(rules.map(({ rule }) => rule.SourceSecurityGroupId)).toEqual(
        expect.arrayContaining([
          { 'Fn::GetAtt': [clusterId, 'ClusterSecurityGroupId'] },
          { 'Fn::GetAtt': [expect.stringMatching(/^DatabaseRotationSecurityGroup/), 'GroupId'] },
        ]),
      );
      // and has no inline ingress at all
      expect(
        resourcesOf(demo, 'AWS::EC2::SecurityGroup')[dbGroupId].Properties?.SecurityGroupIngress,
      ).toBeUndefined();
    });

    test('the control-plane security group has no ingress rule of its own', () => {
      demo.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: 'EKS Control Plane Security Group',
        SecurityGroupIngress: Match.absent(),
      });
    });
  });

  describe('nodes', () => {
    test('a cohort runs On-Demand m6i.large nodes, 2 to 4, from the cohort file', () => {
      demo.hasResourceProperties('AWS::EKS::Nodegroup', {
        CapacityType: 'ON_DEMAND',
        InstanceTypes: ['m6i.large'],
        ScalingConfig: { MinSize: 2, DesiredSize: 2, MaxSize: 4 },
      });
    });

    test('a sandbox runs one Spot node from two instance types', () => {
      sandbox.hasResourceProperties('AWS::EKS::Nodegroup', {
        CapacityType: 'SPOT',
        InstanceTypes: ['t3.large', 't3a.large'],
        ScalingConfig: { MinSize: 1, DesiredSize: 1, MaxSize: 2 },
      });
    });

    test('nodes require IMDSv2 with hop limit 1 and an encrypted root volume, through their launch template', () => {
      const nodegroup = onlyResource(demo, 'AWS::EKS::Nodegroup');
      const ref = (nodegroup.props.LaunchTemplate as { Id: { Ref: string } }).Id.Ref;
      const template = resourcesOf(demo, 'AWS::EC2::LaunchTemplate')[ref];
      expect(template.Properties?.LaunchTemplateData).toMatchObject({
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
        BlockDeviceMappings: [
          { DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeType: 'gp3', VolumeSize: 30 } },
        ],
      });
      // no AMI or user data in the template: EKS picks and bootstraps the AL2023 image
      expect(template.Properties?.LaunchTemplateData).not.toHaveProperty('ImageId');
      expect(template.Properties?.LaunchTemplateData).not.toHaveProperty('UserData');
    });

    test('the node role has no S3, Secrets Manager or KMS permission', () => {
      const nodegroup = onlyResource(demo, 'AWS::EKS::Nodegroup');
      const roleId = (nodegroup.props.NodeRole as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const policies = Object.values(resourcesOf(demo, 'AWS::IAM::Policy')).filter((p) =>
        JSON.stringify(p.Properties?.Roles).includes(roleId),
      );
      expect(policies).toEqual([]);
      const role = resourcesOf(demo, 'AWS::IAM::Role')[roleId];
      expect(JSON.stringify(role.Properties?.ManagedPolicyArns)).not.toMatch(/S3|SecretsManager|KMS/i);
    });

    test('the EKS Pod Identity agent add-on is installed after the nodes exist', () => {
      const addons = Object.values(resourcesOf(demo, 'AWS::EKS::Addon'));
      expect(addons).toHaveLength(1);
      expect(addons[0].Properties).toMatchObject({ AddonName: 'eks-pod-identity-agent' });
      expect(addons[0].DependsOn).toContain(onlyResource(demo, 'AWS::EKS::Nodegroup').id);
    });
  });

  describe('access entries', () => {
    test('the instructor with a principal is cluster admin', () => {
      demo.hasResourceProperties('AWS::EKS::AccessEntry', {
        PrincipalArn: 'arn:aws:iam::111122223333:role/CohortLabInstructor',
        AccessPolicies: [
          {
            AccessScope: { Type: 'cluster' },
            PolicyArn: Match.objectLike({
              'Fn::Join': [
                '',
                Match.arrayWith([':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy']),
              ],
            }),
          },
        ],
      });
    });

    test('the learner with a principal may edit only her own namespace', () => {
      demo.hasResourceProperties('AWS::EKS::AccessEntry', {
        PrincipalArn: 'arn:aws:iam::111122223333:role/learner-grace-hopper',
        AccessPolicies: [
          {
            AccessScope: { Type: 'namespace', Namespaces: ['learner-grace-hopper'] },
            PolicyArn: Match.objectLike({
              'Fn::Join': ['', Match.arrayWith([':eks::aws:cluster-access-policy/AmazonEKSEditPolicy'])],
            }),
          },
        ],
      });
    });

    test('there is no entry for people without a principal, and nobody else is admin', () => {
      // kubectl provider role + one instructor + one learner (two learners have no principal)
      demo.resourceCountIs('AWS::EKS::AccessEntry', 3);
      const admins = Object.values(resourcesOf(demo, 'AWS::EKS::AccessEntry')).filter((e) =>
        JSON.stringify(e.Properties?.AccessPolicies).includes('AmazonEKSClusterAdminPolicy'),
      );
      expect(admins.map((e) => JSON.stringify(e.Properties?.PrincipalArn))).toEqual([
        expect.stringContaining('KubectlProviderHandlerServiceRole'),
        '"arn:aws:iam::111122223333:role/CohortLabInstructor"',
      ]);
    });
  });

  describe('workload identity (EKS Pod Identity)', () => {
    function policyOf(t: Template, roleIdPrefix: string): string {
      const policies = Object.entries(resourcesOf(t, 'AWS::IAM::Policy')).filter(([id]) =>
        id.startsWith(roleIdPrefix),
      );
      expect(policies).toHaveLength(1);
      return JSON.stringify(policies[0][1].Properties?.PolicyDocument);
    }

    test('mlflow, feast and the External Secrets operator each have an association', () => {
      demo.resourceCountIs('AWS::EKS::PodIdentityAssociation', 3);
      for (const [namespace, serviceAccount] of [
        ['cohort-lab', 'mlflow'],
        ['cohort-lab', 'feast'],
        ['external-secrets', 'external-secrets'],
      ]) {
        demo.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
          Namespace: namespace,
          ServiceAccount: serviceAccount,
          ClusterName: { Ref: onlyResource(demo, 'AWS::EKS::Cluster').id },
        });
      }
    });

    test('the roles trust only Pod Identity of this account and cluster', () => {
      demo.hasResourceProperties('AWS::IAM::Role', {
        Description: 'Pod Identity: cohort-lab/mlflow',
        AssumeRolePolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'sts:AssumeRole',
              Principal: { Service: 'pods.eks.amazonaws.com' },
              Condition: {
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                ArnEquals: { 'aws:SourceArn': Match.anyValue() },
              },
            }),
            Match.objectLike({ Action: 'sts:TagSession', Principal: { Service: 'pods.eks.amazonaws.com' } }),
          ]),
        },
      });
    });

    test('mlflow reads and writes only mlflow/ of the artifact bucket and reads only its own secrets', () => {
      const policy = policyOf(demo, 'ClusterMlflowRoleDefaultPolicy');
      expect(policy).toContain('"/mlflow/*"');
      expect(policy).toContain('"s3:prefix":["mlflow/","mlflow/*"]');
      expect(policy).not.toMatch(/feast\/|learners\/|shared\//);
      for (const name of ['mlflow-admin', 'mlflow-flask-secret-key', 'db-mlflow']) {
        expect(policy).toContain(`:secret:cohort-lab/demo-2027-spring/${name}-??????`);
      }
      expect(policy).not.toContain('secret:cohort-lab/demo-2027-spring/*');
      expect(policy).not.toMatch(/db-master|redis/);
    });

    test('feast reads and writes only feast/ and reads only the Redis secret', () => {
      const policy = policyOf(demo, 'ClusterFeastRoleDefaultPolicy');
      expect(policy).toContain('"/feast/*"');
      expect(policy).not.toMatch(/mlflow\/|learners\//);
      expect(policy).toContain(':secret:cohort-lab/demo-2027-spring/redis-??????');
      expect(policy).not.toMatch(/mlflow-admin|db-/);
    });

    test('the External Secrets operator reads only the cohort prefix and decrypts only through Secrets Manager', () => {
      demo.hasResourceProperties('AWS::IAM::Policy', {
        PolicyName: Match.stringLikeRegexp('^ClusterOperatorRoleDefaultPolicy'),
        PolicyDocument: {
          Statement: [
            {
              Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
              Effect: 'Allow',
              Resource: {
                'Fn::Join': [
                  '',
                  [
                    'arn:aws:secretsmanager:eu-west-1:',
                    { Ref: 'AWS::AccountId' },
                    ':secret:cohort-lab/demo-2027-spring/*',
                  ],
                ],
              },
            },
            {
              Action: 'kms:Decrypt',
              Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
              Effect: 'Allow',
              Resource: cohortKeyArn,
            },
          ],
        },
      });
    });

    test('no role in the stack has an IAM user, access key or static credential', () => {
      demo.resourceCountIs('AWS::IAM::User', 0);
      demo.resourceCountIs('AWS::IAM::AccessKey', 0);
    });
  });

  describe('secret sync and reload', () => {
    test('External Secrets Operator is installed from a pinned chart after its Pod Identity association', () => {
      const charts = Object.entries(resourcesOf(demo, 'Custom::AWSCDK-EKS-HelmChart'));
      const [id, eso] = charts.find(([, c]) => c.Properties?.Chart === 'external-secrets')!;
      expect(eso.Properties).toMatchObject({
        Repository: 'https://charts.external-secrets.io',
        Version: '2.9.0',
        Namespace: 'external-secrets',
        Release: 'external-secrets',
        Wait: true,
      });
      const values = JSON.parse(eso.Properties?.Values as string) as Record<string, unknown>;
      expect(values).toMatchObject({
        installCRDs: true,
        serviceAccount: { name: 'external-secrets' },
        processSecretStore: false,
        rbac: { aggregateToEdit: false, aggregateToAdmin: false },
      });
      const association = Object.entries(resourcesOf(demo, 'AWS::EKS::PodIdentityAssociation')).find(
        ([, a]) => a.Properties?.ServiceAccount === 'external-secrets',
      )![0];
      expect(resourcesOf(demo, 'Custom::AWSCDK-EKS-HelmChart')[id].DependsOn).toContain(association);
    });

    test('the ClusterSecretStore reads Secrets Manager in the stack region, for the cohort namespace only', () => {
      // The other Kubernetes resource of the stack is the load balancer controller's ServiceAccount.
      const stores = Object.values(resourcesOf(demo, 'Custom::AWSCDK-EKS-KubernetesResource')).filter(
        (r: { Properties?: Record<string, unknown> }) =>
          typeof r.Properties?.Manifest === 'string' &&
          (r.Properties.Manifest as string).includes('ClusterSecretStore'),
      );
      expect(stores).toHaveLength(1);
      const manifest = JSON.parse(stores[0].Properties!.Manifest as string) as Array<Record<string, unknown>>;
      expect(manifest).toEqual([
        expect.objectContaining({
          apiVersion: 'external-secrets.io/v1',
          kind: 'ClusterSecretStore',
          metadata: expect.objectContaining({ name: 'cohort-secrets-manager' }),
          spec: {
            provider: { aws: { service: 'SecretsManager', region: 'eu-west-1' } },
            conditions: [{ namespaces: ['cohort-lab'] }],
          },
        }),
      ]);
      const esoChart = Object.entries(resourcesOf(demo, 'Custom::AWSCDK-EKS-HelmChart')).find(
        ([, c]) => c.Properties?.Chart === 'external-secrets',
      )![0];
      expect(stores[0].DependsOn).toContain(esoChart);
    });

    test('Reloader is installed from a pinned chart and restarts only annotated workloads', () => {
      demo.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
        Chart: 'reloader',
        Repository: 'https://stakater.github.io/stakater-charts',
        Version: '2.2.16',
        Namespace: 'reloader',
      });
      const reloader = Object.values(resourcesOf(demo, 'Custom::AWSCDK-EKS-HelmChart')).find(
        (c) => c.Properties?.Chart === 'reloader',
      )!;
      expect(JSON.parse(reloader.Properties?.Values as string)).toMatchObject({
        reloader: { watchGlobally: true, autoReloadAll: false, reloadStrategy: 'annotations' },
      });
    });
  });

  describe('MLflow database', () => {
    test('is PostgreSQL 17 encrypted with the cohort key, private, with IAM auth and exported logs', () => {
      demo.hasResourceProperties('AWS::RDS::DBInstance', {
        Engine: 'postgres',
        EngineVersion: '17.9',
        DBInstanceIdentifier: 'cohortlab-demo-2027-spring-mlflow',
        DBInstanceClass: 'db.t4g.small',
        StorageEncrypted: true,
        KmsKeyId: cohortKeyArn,
        PubliclyAccessible: false,
        MultiAZ: false,
        Port: '5432',
        EnableIAMDatabaseAuthentication: true,
        EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
      });
    });

    test('lives in the isolated subnets', () => {
      const group = onlyResource(demo, 'AWS::RDS::DBSubnetGroup');
      expect((group.props.SubnetIds as Array<{ Ref: string }>).map((s) => s.Ref)).toEqual([
        expect.stringMatching(/^NetworkDatabaseSubnet1/),
        expect.stringMatching(/^NetworkDatabaseSubnet2/),
      ]);
    });

    test('a cohort keeps 7 days of backups, deletion protection and a final snapshot', () => {
      demo.hasResource('AWS::RDS::DBInstance', {
        Properties: Match.objectLike({
          BackupRetentionPeriod: 7,
          DeletionProtection: true,
          DeleteAutomatedBackups: false,
        }),
        DeletionPolicy: 'Snapshot',
        UpdateReplacePolicy: 'Snapshot',
      });
    });

    test('a sandbox keeps 1 day of backups and is deleted with the stack', () => {
      sandbox.hasResource('AWS::RDS::DBInstance', {
        Properties: Match.objectLike({
          BackupRetentionPeriod: 1,
          DeletionProtection: false,
          DBInstanceClass: 'db.t4g.micro',
        }),
        DeletionPolicy: 'Delete',
      });
    });

    test('its log groups exist before it, with a retention and the cohort key', () => {
      const db = onlyResource(demo, 'AWS::RDS::DBInstance');
      const dependsOn = resourcesOf(demo, 'AWS::RDS::DBInstance')[db.id].DependsOn ?? [];
      for (const log of ['postgresql', 'upgrade']) {
        const [id, group] = Object.entries(resourcesOf(demo, 'AWS::Logs::LogGroup')).find(
          ([, g]) =>
            g.Properties?.LogGroupName === `/aws/rds/instance/cohortlab-demo-2027-spring-mlflow/${log}`,
        )!;
        expect(group.Properties).toMatchObject({ RetentionInDays: 90, KmsKeyId: cohortKeyArnValue });
        expect(dependsOn).toContain(id);
      }
    });

    test('the master and mlflow credentials are named secrets encrypted with the cohort key', () => {
      demo.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: 'cohort-lab/demo-2027-spring/db-master',
        KmsKeyId: cohortKeyArn,
        GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"postgres"}' }),
      });
      demo.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: 'cohort-lab/demo-2027-spring/db-mlflow',
        KmsKeyId: cohortKeyArn,
        GenerateSecretString: Match.objectLike({
          SecretStringTemplate: {
            'Fn::Join': [
              '',
              Match.arrayWith([
                Match.stringLikeRegexp('"username":"mlflow","dbname":"mlflow","masterarn":"'),
              ]),
            ],
          },
        }),
      });
    });

    test('the master rotates single-user and mlflow with alternating users, both every 30 days, in the VPC', () => {
      demo.resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
      const placement = {
        VpcSecurityGroupIds: {
          'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseRotationSecurityGroup'), 'GroupId'],
        },
        VpcSubnetIds: Match.objectLike({
          'Fn::Join': [
            '',
            [
              { Ref: Match.stringLikeRegexp('^NetworkPrivateSubnet1') },
              ',',
              { Ref: Match.stringLikeRegexp('^NetworkPrivateSubnet2') },
            ],
          ],
        }),
        KmsKeyArn: cohortKeyArn,
      };
      demo.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        HostedRotationLambda: Match.objectLike({ RotationType: 'PostgreSQLSingleUser', ...placement }),
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
        RotateImmediatelyOnUpdate: Match.absent(),
      });
      demo.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        HostedRotationLambda: Match.objectLike({
          RotationType: 'PostgreSQLMultiUser',
          MasterSecretArn: { Ref: Match.stringLikeRegexp('^DatabaseSecretAttachment') },
          ...placement,
        }),
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
        RotateImmediatelyOnUpdate: false,
      });
      expect(demo.toJSON().Transform).toEqual(['AWS::SecretsManager-2024-09-16']);
    });

    test('the rotation Lambdas may reach only HTTPS and the database', () => {
      demo.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: Match.stringLikeRegexp('^Secret rotation'),
        SecurityGroupEgress: [
          {
            CidrIp: '0.0.0.0/0',
            IpProtocol: 'tcp',
            FromPort: 443,
            ToPort: 443,
            Description: Match.anyValue(),
          },
        ],
      });
      demo.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
        DestinationSecurityGroupId: {
          'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseSecurityGroup'), 'GroupId'],
        },
      });
    });
  });

  describe('policy and limits', () => {
    test('cdk-nag passes the world-open cohort, and the EKS1 acknowledgement names the opt-in', () => {
      const { result, stacks } = synthWithPolicy(publicEndpoint(['0.0.0.0/0'], true));
      expect(result.violations).toEqual([]);
      const cluster = stacks.cluster.cluster.cluster.node.defaultChild!;
      const acks = cluster.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules');
      expect(acks.map((m) => m.data)).toEqual(
        expect.arrayContaining([
          {
            'Annotation::AwsSolutions-EKS1': expect.stringContaining('allowPublicAccessFromAnywhere: true'),
          },
        ]),
      );
    });

    test('the demo acknowledges EKS1 with the listed CIDR blocks; a private cluster needs no EKS1 acknowledgement', () => {
      const eks1 = (t: Template) =>
        (
          Object.values(resourcesOf(t, 'AWS::EKS::Cluster'))[0] as {
            Metadata?: { cdk_nag?: { rules_to_suppress: Array<{ id: string; reason: string }> } };
          }
        ).Metadata?.cdk_nag?.rules_to_suppress.find((r) => r.id === 'AwsSolutions-EKS1');
      const demoAcks = synthWithPolicy(loadCohort('cohorts/demo.yaml'));
      expect(demoAcks.result.violations).toEqual([]);
      const demoTemplate = Template.fromStack(demoAcks.stacks.cluster);
      expect(eks1(demoTemplate)?.reason).toContain('(203.0.113.0/24)');
      const privateAcks = synthWithPolicy(configFrom());
      expect(eks1(Template.fromStack(privateAcks.stacks.cluster))).toBeUndefined();
    });

    test('the demo cluster template stays under 450 resources and 800 KB', () => {
      const json = demo.toJSON() as { Resources: Resources };
      expect(Object.keys(json.Resources).length).toBeLessThan(450);
      expect(Buffer.byteLength(JSON.stringify(json, undefined, 1))).toBeLessThan(800 * 1024);
    });

    test('the cluster carries the lab tags', () => {
      demo.hasResourceProperties('AWS::EKS::Cluster', {
        Tags: Match.arrayWith([
          { Key: 'lab:cohort', Value: 'demo-2027-spring' },
          { Key: 'lab:expires', Value: '2027-04-30' },
        ]),
      });
    });

    test('outputs the cluster name, the kubeconfig command and the workload role ARNs', () => {
      demo.hasOutput('KubeconfigCommand', {
        Value: 'aws eks update-kubeconfig --name cohortlab-demo-2027-spring --region eu-west-1',
      });
      demo.hasOutput('ClusterName', { Value: { Ref: onlyResource(demo, 'AWS::EKS::Cluster').id } });
      demo.hasOutput('MlflowRoleArn', Match.anyValue());
      demo.hasOutput('FeastRoleArn', Match.anyValue());
    });

    test('matches the snapshot (guards logical IDs)', () => {
      expect(demo.toJSON()).toMatchSnapshot();
    });
  });
});

describe('ClusterStack load balancer controller', () => {
  const t = Template.fromStack(buildStacks(loadCohort('cohorts/demo.yaml')).stacks.cluster);

  test('installs the AWS Load Balancer Controller v3.2.2 from the eks-charts repository into kube-system', () => {
    t.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'aws-load-balancer-controller',
      Repository: 'https://aws.github.io/eks-charts',
      Namespace: 'kube-system',
      Version: '3.2.2',
    });
  });

  test('the controller has its own IAM role through a service account, not the node role', () => {
    const sa = Object.values(t.findResources('Custom::AWSCDK-EKS-KubernetesResource')).find((r) =>
      JSON.stringify(r.Properties.Manifest).includes('aws-load-balancer-controller'),
    );
    expect(JSON.stringify(sa?.Properties.Manifest)).toContain('eks.amazonaws.com/role-arn');
  });

  test('IRSA (and the OIDC provider) serve the controller alone; the workloads use Pod Identity', () => {
    // docs/cluster.md "Workload identity" states this split; aws-eks-v2 gives the controller an
    // IRSA service account, which is what brings the cluster's IAM OIDC provider.
    const roles = Object.entries(t.findResources('AWS::IAM::Role'));
    const trusting = (needle: string) =>
      roles
        .filter(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes(needle))
        .map(([id]) => id);

    t.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    const irsa = trusting('sts:AssumeRoleWithWebIdentity');
    expect(irsa).toEqual([expect.stringContaining('AlbControlleralbsaRole')]);
    // The controller's trust is limited to its own service account.
    expect(JSON.stringify(t.findResources('Custom::AWSCDKCfnJson'))).toContain(
      'system:serviceaccount:kube-system:aws-load-balancer-controller',
    );
    const podIdentity = trusting('pods.eks.amazonaws.com');
    expect(podIdentity).toHaveLength(3);
    expect(podIdentity.map((id) => id.replace(/^Cluster(\w+?)Role.*$/, '$1')).sort()).toEqual([
      'Feast',
      'Mlflow',
      'Operator',
    ]);
  });
});

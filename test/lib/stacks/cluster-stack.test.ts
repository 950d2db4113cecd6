/**
 * The cluster stack's wiring: the cohort file's endpoint, people and compute, the profile's
 * figures, the cohort key and bucket of the data stack, the names, cdk-nag, the snapshot. What each
 * construct does on its own is tested in test/constructs.
 *
 * Longer than 300 lines on purpose: every test reads four cohorts' templates (demo, sandbox,
 * private, world-open) synthesised once in beforeAll, each of them seconds of synthesis; a file
 * per topic would synthesise them again.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CohortConfig } from '../../../lib/config';
import { buildStacks, configFrom, loadCohort, synthWithPolicy } from '../../support/cohort';
import { parseTemplateJson } from '../../support/template-json';

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

/** The artifact bucket's ARN (data stack), as the cluster stack sees it. */
const artifactBucketArn = {
  'Fn::GetStackOutput': Match.objectLike({
    StackName: 'cohortlab-demo-2027-spring-data',
    OutputName: Match.stringLikeRegexp('Artifacts[0-9A-F]+Arn'),
  }),
};

/** The same, for jest's own matchers (toMatchObject). */
const cohortKeyArnValue = expect.objectContaining({
  'Fn::GetStackOutput': expect.objectContaining({ OutputName: expect.stringMatching(/CohortKey/) }),
});

const WORLD = ['0.0.0.0/0', '::/0'];

/**
 * Every ingress rule of every security group in the template, inline or standalone, with the
 * group it opens: a logical ID, or the GroupId as the template has it (a reference to another
 * stack).
 */
function ingressRules(t: Template): Array<{ group: unknown; rule: Record<string, unknown> }> {
  const rules: Array<{ group: unknown; rule: Record<string, unknown> }> = [];
  for (const [id, sg] of Object.entries(resourcesOf(t, 'AWS::EC2::SecurityGroup'))) {
    for (const rule of (sg.Properties?.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? []) {
      rules.push({ group: id, rule });
    }
  }
  for (const ingress of Object.values(resourcesOf(t, 'AWS::EC2::SecurityGroupIngress'))) {
    const props = ingress.Properties ?? {};
    const getAtt = (props.GroupId as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
    rules.push({ group: getAtt?.[1] === 'GroupId' ? getAtt[0] : props.GroupId, rule: props });
  }
  return rules;
}

/** The subnet AZs of a ClusterStack: the first or second of Fn::GetAZs, never a looked-up name. */
const AZ_FROM_GET_AZS = { 'Fn::Select': [Match.anyValue(), { 'Fn::GetAZs': '' }] };

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
      demo.resourceCountIs('AWS::EC2::Subnet', 6);
      for (const index of [0, 1]) {
        demo.resourcePropertiesCountIs(
          'AWS::EC2::Subnet',
          { AvailabilityZone: { 'Fn::Select': [index, { 'Fn::GetAZs': '' }] } },
          3,
        );
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
      Template.fromStack(stacks.cluster).resourcePropertiesCountIs(
        'AWS::EC2::Subnet',
        { AvailabilityZone: AZ_FROM_GET_AZS },
        6,
      );
    });

    test('a cohort has one NAT gateway and no NAT instance', () => {
      demo.resourceCountIs('AWS::EC2::NatGateway', 1);
      demo.resourceCountIs('AWS::EC2::Instance', 0);
      privateCohort.resourceCountIs('AWS::EC2::NatGateway', 1);
    });

    test('a sandbox has one NAT instance instead of a NAT gateway, and its private subnets route through it', () => {
      // (The instance's hardening, IMDSv2 and its security group are CohortNetwork's: test/constructs.)
      sandbox.resourceCountIs('AWS::EC2::NatGateway', 0);
      sandbox.resourceCountIs('AWS::EC2::Instance', 1);
      sandbox.resourcePropertiesCountIs(
        'AWS::EC2::Route',
        {
          DestinationCidrBlock: '0.0.0.0/0',
          InstanceId: { Ref: onlyResource(sandbox, 'AWS::EC2::Instance').id },
        },
        2,
      );
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
      expect(flowLogGroup(demo).Properties).toMatchObject({
        RetentionInDays: 90,
        KmsKeyId: cohortKeyArnValue,
      });
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

    test('the control-plane log group has the profile retention and the cohort key', () => {
      // (Its name is the one EKS writes to, and the cluster waits for it: test/constructs.)
      demo.hasResource('AWS::Logs::LogGroup', {
        Properties: {
          LogGroupName: '/aws/eks/cohortlab-demo-2027-spring/cluster',
          RetentionInDays: 90,
          KmsKeyId: cohortKeyArn,
        },
        DeletionPolicy: 'Delete',
      });
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
      const rules = ingressRules(demo).filter(({ group }) => group === dbGroupId);
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

    test('the node role has no S3, Secrets Manager or KMS permission', () => {
      const nodegroup = onlyResource(demo, 'AWS::EKS::Nodegroup');
      const roleId = (nodegroup.props.NodeRole as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      // No policy of the stack is attached to it ...
      demo.resourcePropertiesCountIs('AWS::IAM::Policy', { Roles: Match.arrayWith([{ Ref: roleId }]) }, 0);
      // ... and its managed policies are the three EKS requires of a node, none for data.
      const managed = (name: string) => ({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::aws:policy/${name}`]],
      });
      expect(resourcesOf(demo, 'AWS::IAM::Role')[roleId].Properties?.ManagedPolicyArns).toEqual([
        managed('AmazonEKSWorkerNodePolicy'),
        managed('AmazonEKS_CNI_Policy'),
        managed('AmazonEC2ContainerRegistryReadOnly'),
      ]);
    });
  });

  describe('node autoscaling', () => {
    // (The chart's values, the role's policy and the acknowledgements are ClusterAutoscaler's: test/constructs.)

    test.each([
      ['demo cohort', () => demo, 'cohortlab-demo-2027-spring'],
      ['sandbox', () => sandbox, 'cohortlab-sandbox-grace'],
    ])("the %s's Cluster Autoscaler discovers its cluster's node groups", (_name, template, cluster) => {
      template().hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
        Chart: 'cluster-autoscaler',
        Namespace: 'kube-system',
        Values: Match.serializedJson(
          Match.objectLike({
            autoDiscovery: Match.objectLike({ clusterName: cluster }),
            image: Match.objectLike({ tag: 'v1.36.1' }),
          }),
        ),
      });
    });

    test('is installed after the node group, with a role that may scale only groups tagged for the cluster', () => {
      const nodegroup = onlyResource(demo, 'AWS::EKS::Nodegroup').id;
      demo.hasResource('Custom::AWSCDK-EKS-HelmChart', {
        Properties: Match.objectLike({ Chart: 'cluster-autoscaler' }),
        DependsOn: Match.arrayWith([nodegroup]),
      });
      demo.hasResourceProperties('AWS::IAM::Policy', {
        PolicyName: Match.stringLikeRegexp('^ClusterAutoscalerRoleDefaultPolicy'),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'eks:DescribeNodegroup',
              Resource: { 'Fn::GetAtt': [nodegroup, 'Arn'] },
            }),
            Match.objectLike({
              Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
              Condition: {
                StringEquals: {
                  'aws:ResourceTag/k8s.io/cluster-autoscaler/cohortlab-demo-2027-spring': 'owned',
                },
              },
            }),
          ]),
        },
      });
    });
  });

  describe('access entries', () => {
    test("the cluster stack holds only the kubectl provider's entry: people's come with their learners-N stack", () => {
      // GIVEN the demo cohort (an instructor and a learner with principals)
      // THEN no person's principal has an entry here (a person joining must not change this stack)
      expect(
        Object.values(demo.findResources('AWS::EKS::AccessEntry')).map((e) => e.Properties.PrincipalArn),
      ).toEqual([
        { 'Fn::GetAtt': [expect.stringMatching(/^ClusterKubectlProviderHandlerServiceRole/), 'Arn'] },
      ]);
    });
  });

  describe('workload identity (EKS Pod Identity)', () => {
    /** The statements PodIdentityRole writes for a prefix of the artifact bucket and some secrets. */
    function workloadStatements(prefix: string, secrets: readonly string[]): unknown[] {
      const secretArn = (name: string) => ({
        'Fn::Join': [
          '',
          [
            'arn:aws:secretsmanager:eu-west-1:',
            { Ref: 'AWS::AccountId' },
            `:secret:cohort-lab/demo-2027-spring/${name}-??????`,
          ],
        ],
      });
      return [
        {
          Action: [
            's3:AbortMultipartUpload',
            's3:DeleteObject',
            's3:GetObject',
            's3:GetObjectVersion',
            's3:PutObject',
          ],
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', [artifactBucketArn, `/${prefix}*`]] },
        },
        {
          Action: 's3:ListBucket',
          Condition: { StringLike: { 's3:prefix': [prefix, `${prefix}*`] } },
          Effect: 'Allow',
          Resource: artifactBucketArn,
        },
        {
          Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
          Condition: {
            StringEquals: {
              'kms:ViaService': 's3.eu-west-1.amazonaws.com',
              'kms:EncryptionContext:aws:s3:arn': artifactBucketArn,
            },
          },
          Effect: 'Allow',
          Resource: cohortKeyArn,
        },
        {
          Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
          Effect: 'Allow',
          Resource: secrets.length === 1 ? secretArn(secrets[0]) : secrets.map(secretArn),
        },
        {
          Action: 'kms:Decrypt',
          Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
          Effect: 'Allow',
          Resource: cohortKeyArn,
        },
      ];
    }

    test('mlflow, feast, the External Secrets operator, the Cluster Autoscaler and the CloudWatch agent each have an association', () => {
      demo.resourceCountIs('AWS::EKS::PodIdentityAssociation', 5);
      for (const [namespace, serviceAccount] of [
        ['cohort-lab', 'mlflow'],
        ['cohort-lab', 'feast'],
        ['external-secrets', 'external-secrets'],
        ['kube-system', 'cluster-autoscaler'],
        ['amazon-cloudwatch', 'cloudwatch-agent'],
      ]) {
        demo.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
          Namespace: namespace,
          ServiceAccount: serviceAccount,
          ClusterName: { Ref: onlyResource(demo, 'AWS::EKS::Cluster').id },
        });
      }
    });

    // (What each role trusts, and how the grants are written, is PodIdentityRole's: test/constructs.)

    test('mlflow reads and writes only mlflow/ of the artifact bucket and reads only its own secrets', () => {
      demo.hasResourceProperties('AWS::IAM::Policy', {
        PolicyName: Match.stringLikeRegexp('^ClusterMlflowRoleDefaultPolicy'),
        PolicyDocument: {
          Statement: workloadStatements('mlflow/', ['db-mlflow', 'mlflow-admin', 'mlflow-flask-secret-key']),
        },
      });
    });

    test('feast reads and writes only feast/ and reads only the Redis secret', () => {
      demo.hasResourceProperties('AWS::IAM::Policy', {
        PolicyName: Match.stringLikeRegexp('^ClusterFeastRoleDefaultPolicy'),
        PolicyDocument: { Statement: workloadStatements('feast/', ['redis']) },
      });
    });

    test("the External Secrets operator reads only the cohort prefix, decrypts only through Secrets Manager, and may act as the cohort's people", () => {
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
            {
              // each learner's ClusterSecretStore reads as the learner's role (cdk8s/learner)
              Sid: 'AssumePeopleRoles',
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Resource: {
                'Fn::Join': [
                  '',
                  ['arn:aws:iam::', { Ref: 'AWS::AccountId' }, ':role/cohortlab/demo-2027-spring/people/*'],
                ],
              },
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
    // (The charts' versions and values, and what waits for what, are SecretsSync's: test/constructs.)

    test('the ClusterSecretStore reads Secrets Manager in the stack region, for the cohort namespace only', () => {
      demo.hasResourceProperties('Custom::AWSCDK-EKS-KubernetesResource', {
        Manifest: Match.serializedJson([
          Match.objectLike({
            apiVersion: 'external-secrets.io/v1',
            kind: 'ClusterSecretStore',
            metadata: Match.objectLike({ name: 'cohort-secrets-manager' }),
            spec: {
              provider: { aws: { service: 'SecretsManager', region: 'eu-west-1' } },
              conditions: [{ namespaces: ['cohort-lab'] }],
            },
          }),
        ]),
      });
    });

    test('External Secrets Operator and Reloader run in their own namespaces', () => {
      demo.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
        Chart: 'external-secrets',
        Namespace: 'external-secrets',
        Values: Match.serializedJson(Match.objectLike({ serviceAccount: { name: 'external-secrets' } })),
      });
      demo.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
        Chart: 'reloader',
        Namespace: 'reloader',
      });
    });
  });

  describe('MLflow database', () => {
    // (Engine, IAM authentication, exported logs, the hosted rotations and their security group are
    // CohortDatabase's: test/constructs.)

    test("is the cohort's instance: named after the cohort, the profile's class, the cohort key", () => {
      demo.hasResourceProperties('AWS::RDS::DBInstance', {
        DBInstanceIdentifier: 'cohortlab-demo-2027-spring-mlflow',
        DBInstanceClass: 'db.t4g.small',
        StorageEncrypted: true,
        KmsKeyId: cohortKeyArn,
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

    test('its log groups have the profile retention and the cohort key', () => {
      for (const log of ['postgresql', 'upgrade']) {
        demo.hasResourceProperties('AWS::Logs::LogGroup', {
          LogGroupName: `/aws/rds/instance/cohortlab-demo-2027-spring-mlflow/${log}`,
          RetentionInDays: 90,
          KmsKeyId: cohortKeyArn,
        });
      }
    });

    test('the master and mlflow credentials are named secrets encrypted with the cohort key', () => {
      for (const name of ['db-master', 'db-mlflow']) {
        demo.hasResourceProperties('AWS::SecretsManager::Secret', {
          Name: `cohort-lab/demo-2027-spring/${name}`,
          KmsKeyId: cohortKeyArn,
        });
      }
    });

    test('both secrets rotate in the private subnets, with the cohort key', () => {
      demo.resourcePropertiesCountIs(
        'AWS::SecretsManager::RotationSchedule',
        {
          HostedRotationLambda: Match.objectLike({
            VpcSubnetIds: {
              'Fn::Join': [
                '',
                [
                  { Ref: Match.stringLikeRegexp('^NetworkPrivateSubnet1') },
                  ',',
                  { Ref: Match.stringLikeRegexp('^NetworkPrivateSubnet2') },
                ],
              ],
            },
            KmsKeyArn: cohortKeyArn,
          }),
        },
        2,
      );
    });
  });

  describe('policy and limits', () => {
    // (What the EKS1 acknowledgement says for each kind of endpoint is CohortCluster's: test/constructs.)
    test.each([
      ['the world-open cohort', () => publicEndpoint(['0.0.0.0/0'], true)],
      ['the demo cohort', () => loadCohort('cohorts/demo.yaml')],
      ['a private cohort', () => configFrom()],
    ])('cdk-nag AwsSolutions has no unacknowledged finding for %s', (_name, config) => {
      expect(synthWithPolicy(config()).result.violations).toEqual([]);
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

describe('ClusterStack workload identity mechanisms', () => {
  const t = Template.fromStack(buildStacks(loadCohort('cohorts/demo.yaml')).stacks.cluster);

  // (The controller's chart, service account and role are CohortCluster's: test/constructs.)
  test('IRSA (and the OIDC provider) serve the load balancer controller alone; the workloads use Pod Identity', () => {
    // docs/cluster.md "Workload identity" states this split; aws-eks-v2 gives the controller an
    // IRSA service account, which is what brings the cluster's IAM OIDC provider.
    const trusting = (statement: Record<string, unknown>) =>
      Object.keys(
        t.findResources('AWS::IAM::Role', {
          Properties: {
            AssumeRolePolicyDocument: { Statement: Match.arrayWith([Match.objectLike(statement)]) },
          },
        }),
      );

    t.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    expect(trusting({ Action: 'sts:AssumeRoleWithWebIdentity' })).toEqual([
      expect.stringMatching(/AlbControlleralbsaRole/),
    ]);
    // The controller's trust is limited to its own service account.
    const conditions = Object.values(t.findResources('Custom::AWSCDKCfnJson')).map((r) =>
      parseTemplateJson(r.Properties.Value),
    );
    expect(conditions).toHaveLength(1);
    // Keys are `<issuer of the cluster's OIDC provider>:aud` and `...:sub`.
    const byClaim = Object.entries(conditions[0] as Record<string, unknown>).map(([key, value]) => [
      key.slice(key.lastIndexOf(':') + 1),
      value,
    ]);
    expect(Object.fromEntries(byClaim)).toEqual({
      aud: 'sts.amazonaws.com',
      sub: 'system:serviceaccount:kube-system:aws-load-balancer-controller',
    });
    const podIdentity = trusting({ Principal: { Service: 'pods.eks.amazonaws.com' } });
    expect(podIdentity.map((id) => id.replace(/^Cluster(\w+?)Role.*$/, '$1')).sort()).toEqual([
      'Autoscaler',
      'CloudWatchAgent',
      'Feast',
      'Mlflow',
      'Operator',
    ]);
  });
});

import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { CohortCluster } from '../../constructs/cohort-cluster';
import { SecretsSync, SecretsSyncProps } from '../../constructs/secrets-sync';
import { testStack } from '../support/cohort';

function setup(): { stack: Stack; cluster: CohortCluster; key: kms.Key } {
  const stack = testStack({ region: 'us-east-1' });
  const key = new kms.Key(stack, 'Key');
  const cluster = new CohortCluster(stack, 'Cluster', {
    clusterName: 'cohortlab-spring',
    vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }),
    subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    encryptionKey: key,
    capacity: { instanceTypes: [new ec2.InstanceType('m6i.large')], minNodes: 2, maxNodes: 2, spot: false },
  });
  return { stack, cluster, key };
}

describe('SecretsSync', () => {
  let t: Template;

  beforeAll(() => {
    // GIVEN a cluster; WHEN the sync is added with the defaults
    const { stack, cluster, key } = setup();
    new SecretsSync(stack, 'Sync', {
      cluster,
      secretPrefix: 'cohort-lab/spring/',
      encryptionKey: key,
      allowedNamespaces: ['cohort-lab'],
    });
    t = Template.fromStack(stack);
  });

  test('allowAssumingRolesUnder lets the operator assume the roles under one IAM path, and no other', () => {
    // GIVEN a sync; WHEN it may assume the cohort's people roles
    const { stack, cluster, key } = setup();
    const sync = new SecretsSync(stack, 'Sync', {
      cluster,
      secretPrefix: 'cohort-lab/spring/',
      encryptionKey: key,
      allowedNamespaces: ['cohort-lab'],
    });
    sync.allowAssumingRolesUnder('/cohortlab/spring/people/');
    // THEN its role's policy has exactly that statement
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Array<{ Sid?: string }>,
    );
    expect(statements.filter((st) => st.Sid === 'AssumePeopleRoles')).toEqual([
      {
        Sid: 'AssumePeopleRoles',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: {
          'Fn::Join': ['', ['arn:aws:iam::', { Ref: 'AWS::AccountId' }, ':role/cohortlab/spring/people/*']],
        },
      },
    ]);
    expect(() => sync.allowAssumingRolesUnder('cohortlab/people')).toThrow(
      'SecretsSync Sync: "cohortlab/people" is not an IAM path such as /team/people/',
    );
  });

  test('the chart versions are pinned', () => {
    expect(SecretsSync.EXTERNAL_SECRETS_CHART.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(SecretsSync.RELOADER_CHART.version).toMatch(/^\d+\.\d+\.\d+$/);
    t.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'external-secrets', Version: '2.9.0' });
    t.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'reloader', Version: '2.2.16' });
  });

  test('defaults: operator in external-secrets, store cohort-secrets-manager in the stack region, Reloader in reloader', () => {
    t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: 'external-secrets',
      ServiceAccount: 'external-secrets',
    });
    t.hasResourceProperties('Custom::AWSCDK-EKS-KubernetesResource', {
      Manifest: Match.serializedJson([
        Match.objectLike({
          kind: 'ClusterSecretStore',
          metadata: Match.objectLike({ name: 'cohort-secrets-manager' }),
          spec: {
            provider: { aws: { service: 'SecretsManager', region: 'us-east-1' } },
            conditions: [{ namespaces: ['cohort-lab'] }],
          },
        }),
      ]),
    });
    t.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'reloader',
      Namespace: 'reloader',
      Values: Match.serializedJson(
        Match.objectLike({
          reloader: Match.objectLike({
            watchGlobally: true,
            autoReloadAll: false,
            namespaces: Match.absent(),
          }),
        }),
      ),
    });
  });

  test('Reloader can be scoped to namespaces that already exist', () => {
    const { stack, cluster, key } = setup();
    new SecretsSync(stack, 'Sync', {
      cluster,
      secretPrefix: 'cohort-lab/spring/',
      encryptionKey: key,
      allowedNamespaces: ['cohort-lab'],
      reloadNamespaces: ['team-a'],
    });
    Template.fromStack(stack).hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'reloader',
      Values: Match.serializedJson(
        Match.objectLike({ reloader: Match.objectLike({ watchGlobally: false, namespaces: ['team-a'] }) }),
      ),
    });
  });

  test('the operator reads only the prefix', () => {
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:aws:secretsmanager:us-east-1:',
                  { Ref: 'AWS::AccountId' },
                  ':secret:cohort-lab/spring/*',
                ],
              ],
            },
          }),
        ]),
      },
    });
  });

  test('both charts wait for the nodes', () => {
    const nodegroupId = Object.keys(t.findResources('AWS::EKS::Nodegroup'))[0];
    for (const chart of Object.values(t.findResources('Custom::AWSCDK-EKS-HelmChart'))) {
      expect(chart.DependsOn).toContain(nodegroupId);
    }
  });

  test('the operator comes from the external-secrets repository, with its CRDs, after its Pod Identity association', () => {
    const associations = Object.keys(
      t.findResources('AWS::EKS::PodIdentityAssociation', {
        Properties: { ServiceAccount: 'external-secrets' },
      }),
    );
    expect(associations).toHaveLength(1);
    t.hasResource('Custom::AWSCDK-EKS-HelmChart', {
      Properties: Match.objectLike({
        Chart: 'external-secrets',
        Repository: 'https://charts.external-secrets.io',
        Namespace: 'external-secrets',
        Release: 'external-secrets',
        Wait: true,
        Values: Match.serializedJson(
          Match.objectLike({
            installCRDs: true,
            serviceAccount: { name: 'external-secrets' },
            // Only the ClusterSecretStore below; namespaced SecretStores are not processed.
            processSecretStore: false,
            rbac: { aggregateToEdit: false, aggregateToAdmin: false },
          }),
        ),
      }),
      DependsOn: Match.arrayWith(associations),
    });
  });

  test('the ClusterSecretStore is applied after the operator that defines its kind', () => {
    const [operatorChart] = Object.keys(
      t.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'external-secrets' } }),
    );
    t.hasResource('Custom::AWSCDK-EKS-KubernetesResource', {
      Properties: Match.objectLike({
        Manifest: Match.serializedJson([Match.objectLike({ kind: 'ClusterSecretStore' })]),
      }),
      DependsOn: Match.arrayWith([operatorChart]),
    });
  });

  test('Reloader comes from the Stakater repository and restarts only annotated workloads', () => {
    t.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'reloader',
      Repository: 'https://stakater.github.io/stakater-charts',
      Values: Match.serializedJson(
        Match.objectLike({
          reloader: Match.objectLike({ reloadStrategy: 'annotations', autoReloadAll: false }),
        }),
      ),
    });
  });

  const bad: Array<[string, Partial<SecretsSyncProps>, string]> = [
    [
      'the prefix does not end in "/"',
      { secretPrefix: 'cohort-lab/spring' },
      'SecretsSync Sync: secretPrefix "cohort-lab/spring" must be a name prefix ending in "/"',
    ],
    [
      'no namespace may use the store',
      { allowedNamespaces: [] },
      'SecretsSync Sync: allowedNamespaces must name at least one namespace',
    ],
  ];
  test.each(bad)('fails when %s', (_name, overrides, message) => {
    const { stack, cluster, key } = setup();
    expect(
      () =>
        new SecretsSync(stack, 'Sync', {
          cluster,
          secretPrefix: 'cohort-lab/spring/',
          encryptionKey: key,
          allowedNamespaces: ['cohort-lab'],
          ...overrides,
        }),
    ).toThrow(message);
  });
});

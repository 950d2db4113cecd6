/**
 * The apps stack's wiring: the charts it applies, the images, the identity Feast trusts, the
 * secrets on the rotation function, the private endpoint, cdk-nag, the snapshot. What each
 * construct does on its own is tested in test/constructs.
 *
 * Longer than 300 lines on purpose: every test reads the demo cohort's stacks, synthesised once at
 * the top of each describe (a cohort takes seconds to synthesise and bundles two Lambdas); a file
 * per topic would synthesise them again.
 */
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { AppsStack } from '../../../lib/stacks/apps-stack';
import { buildStacks, configFrom, loadCohort, synthWithPolicy } from '../../support/cohort';
import { KubernetesObject, kubernetesObjects, templateText } from '../../support/template-json';

/** The MLflow and Feast workloads (those running our images) of an apps stack, with their annotations. */
function imageWorkloads(apps: AppsStack): Array<{ app: string; annotations: Record<string, string> }> {
  const charts = [
    ['mlflow', apps.charts.mlflow],
    ['feast', apps.charts.feast],
  ] as const;
  const out = charts.flatMap(([app, chart]) =>
    (
      chart.toJson() as Array<{
        kind: string;
        metadata: { name: string; annotations?: Record<string, string> };
      }>
    )
      .filter((o) => ['Deployment', 'Job'].includes(o.kind) && o.metadata.name !== 'redis')
      .map((o) => ({ app, annotations: o.metadata.annotations ?? {} })),
  );
  expect(out).toHaveLength(4);
  return out;
}

/** The Kubernetes objects the manifest resource `id` of `t` applies. */
function applied(t: Template, id: 'Namespaces' | 'Mlflow' | 'Feast'): KubernetesObject[] {
  const found = Object.entries(t.findResources('Custom::AWSCDK-EKS-KubernetesResource')).filter(
    ([logicalId]) => new RegExp(`^${id}[0-9A-F]{8}$`).test(logicalId),
  );
  expect(found).toHaveLength(1);
  return kubernetesObjects(found[0][1].Properties.Manifest);
}

/** The images of every container and init container of the Deployments and Jobs, but Redis. */
function workloadImages(objects: readonly KubernetesObject[]): unknown[] {
  return objects
    .filter((o) => ['Deployment', 'Job'].includes(o.kind) && o.metadata.name !== 'redis')
    .flatMap((o) => {
      const pod = (o.spec as { template: { spec: Record<string, Array<{ image: unknown }> | undefined> } })
        .template.spec;
      return [...(pod.containers ?? []), ...(pod.initContainers ?? [])].map((c) => c.image);
    });
}

/** Every string in `value`, however deep. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsIn);
  return [];
}

function logicalId(stack: Stack, c: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(c.node.defaultChild as CfnElement);
}

/** A value the cluster stack exports, as the apps stack reads it. */
const fromClusterStack = (output: string) => ({
  'Fn::GetStackOutput': Match.objectLike({
    StackName: 'cohortlab-demo-2027-spring-cluster',
    OutputName: Match.stringLikeRegexp(output),
  }),
});

describe('AppsStack', () => {
  const { stacks } = buildStacks(loadCohort('cohorts/demo.yaml'));
  const t = Template.fromStack(stacks.apps);

  test('applies the namespace, MLflow and Feast charts through the cluster, pruning removed objects', () => {
    t.resourceCountIs('Custom::AWSCDK-EKS-KubernetesResource', 3);
    t.resourcePropertiesCountIs(
      'Custom::AWSCDK-EKS-KubernetesResource',
      {
        ClusterName: fromClusterStack('^PublishOutputRefCluster'),
        PruneLabel: Match.stringLikeRegexp('^aws\\.cdk\\.eks/prune-'),
      },
      3,
    );
    // Each manifest is its chart, object for object.
    const names = (
      objects: ReadonlyArray<{ kind: string; metadata: { name: string; namespace?: string } }>,
    ) => objects.map((o) => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`);
    const { charts } = stacks.apps;
    for (const [id, chart] of [
      ['Namespaces', charts.namespaces],
      ['Mlflow', charts.mlflow],
      ['Feast', charts.feast],
    ] as const) {
      expect(names(applied(t, id))).toEqual(names(chart.toJson() as KubernetesObject[]));
    }
    expect(names(applied(t, 'Namespaces'))).toContain('Namespace -/cohort-lab');
    expect(names(applied(t, 'Mlflow'))).toContain('Deployment cohort-lab/mlflow');
  });

  test('workload manifests wait for the namespaces', () => {
    const ids = Object.keys(t.findResources('Custom::AWSCDK-EKS-KubernetesResource'));
    const namespaces = ids.find((id) => id.startsWith('Namespaces'))!;
    for (const id of ids.filter((i) => i !== namespaces)) {
      expect(t.toJSON().Resources[id].DependsOn).toContain(namespaces);
    }
  });

  test('images are built from images/ at deploy time: no Docker at synth, the URIs point at the CDK assets repository', () => {
    const assetImage = {
      'Fn::Sub': expect.stringMatching(
        /^\$\{AWS::AccountId\}\.dkr\.ecr\.eu-west-1\.\$\{AWS::URLSuffix\}\/cdk-hnb659fds-container-assets-\$\{AWS::AccountId\}-eu-west-1:[0-9a-f]{64}$/,
      ),
    };
    const mlflow = stacks.apps.resolve(stacks.apps.images.mlflow);
    const feast = stacks.apps.resolve(stacks.apps.images.feast);
    expect([mlflow, feast]).toEqual([assetImage, assetImage]);
    expect(mlflow).not.toEqual(feast);
    // Every MLflow and Feast container of the applied manifests runs its image.
    const mlflowImages = workloadImages(applied(t, 'Mlflow'));
    const feastImages = workloadImages(applied(t, 'Feast'));
    expect(mlflowImages).toEqual(mlflowImages.map(() => mlflow));
    expect(feastImages).toEqual(feastImages.map(() => feast));
    expect(mlflowImages.length + feastImages.length).toBeGreaterThanOrEqual(4);
    // ... so the charts acknowledge the missing digest with the CDK-asset reason.
    for (const w of imageWorkloads(stacks.apps)) {
      expect(w.annotations['checkov.io/skip1']).toMatch(/^CKV_K8S_43=images are built by CDK at deploy time/);
    }
  });

  test('prebuilt images from the cohort file are used as they are', () => {
    const config = configFrom((doc) => {
      doc.mlflow = { ...(doc.mlflow as object), image: 'registry.example.edu/mlflow:3.17.2-1' };
      doc.feast = { image: 'registry.example.edu/feast:0.67.0-1' };
    });
    const apps = buildStacks(config).stacks.apps;
    const template = Template.fromStack(apps);
    expect(apps.images).toEqual({
      mlflow: 'registry.example.edu/mlflow:3.17.2-1',
      feast: 'registry.example.edu/feast:0.67.0-1',
    });
    const mlflowImages = workloadImages(applied(template, 'Mlflow'));
    const feastImages = workloadImages(applied(template, 'Feast'));
    expect(mlflowImages).toEqual(mlflowImages.map(() => 'registry.example.edu/mlflow:3.17.2-1'));
    expect(feastImages).toEqual(feastImages.map(() => 'registry.example.edu/feast:0.67.0-1'));
    // No image is built.
    expect([apps.node.tryFindChild('MlflowImage'), apps.node.tryFindChild('FeastImage')]).toEqual([
      undefined,
      undefined,
    ]);
    // The tag is the operator's pin from the cohort file, not a CDK content hash.
    for (const w of imageWorkloads(apps)) {
      expect(w.annotations['checkov.io/skip1']).toMatch(
        new RegExp(
          `^CKV_K8S_43=the image is prebuilt and pinned by its tag, the operator's pin in the cohort file's ${w.app}\\.image;`,
        ),
      );
    }
  });

  test('Feast trusts the cohort user pool as its OpenID issuer', () => {
    const config = applied(t, 'Feast').find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name === 'feast-config',
    );
    const data = (config?.data ?? {}) as Record<string, unknown>;
    const store = parse(templateText(data['feature_store.yaml'])) as { auth: Record<string, string> };
    const { identity } = stacks.apps;
    expect(store.auth).toEqual({
      type: 'oidc',
      auth_discovery_url: templateText(stacks.apps.resolve(identity.discoveryUrl)),
      client_id: templateText(stacks.apps.resolve(identity.userPoolClientId)),
      issuer: templateText(stacks.apps.resolve(identity.issuer)),
    });
    expect(store.auth.issuer).toMatch(
      /^https:\/\/cognito-idp\.eu-west-1\.\$\{AWS::URLSuffix\}\/\$\{Identity[0-9A-F]{8}\}$/,
    );
    t.resourceCountIs('AWS::Cognito::UserPool', 1);
    t.hasOutput('FeastIssuer', Match.anyValue());
  });

  test('no credential is a literal: every secret-like env var of every applied object is a Secret reference', () => {
    const charts = [stacks.apps.charts.namespaces, stacks.apps.charts.mlflow, stacks.apps.charts.feast];
    const envs = charts
      .flatMap((c) => c.toJson() as Array<{ spec?: { template?: { spec?: Record<string, unknown> } } }>)
      .flatMap((o) => {
        const pod = o.spec?.template?.spec;
        const containers = [
          ...((pod?.containers as unknown[]) ?? []),
          ...((pod?.initContainers as unknown[]) ?? []),
        ];
        return containers.flatMap((c) => (c as { env?: Array<{ name: string; value?: string }> }).env ?? []);
      });
    const secretLike = envs.filter((e) => /PASSWORD|SECRET|TOKEN/.test(e.name));
    expect(secretLike.length).toBeGreaterThan(3);
    for (const e of secretLike) {
      expect({ name: e.name, literal: e.value }).toEqual({ name: e.name, literal: undefined });
    }
    // Nor is the old example password anywhere in the template or the applied objects.
    const values = [
      ...stringsIn(t.toJSON()),
      ...(['Namespaces', 'Mlflow', 'Feast'] as const).flatMap((id) => stringsIn(applied(t, id))),
    ];
    expect(values.length).toBeGreaterThan(100);
    expect(values.filter((v) => v.includes(['password', '1234'].join('')))).toEqual([]);
  });

  test('the apps stack depends on the cluster stack (deleted first, so the ALB goes while its controller runs)', () => {
    expect(stacks.apps.dependencies).toContain(stacks.cluster);
  });

  test('a sandbox without a certificate gets a loud warning, a cohort none', () => {
    const sandbox = buildStacks(loadCohort('cohorts/sandbox-example.yaml')).stacks.apps;
    Annotations.fromStack(sandbox).hasWarning('*', Match.stringLikeRegexp('^MLFLOW WITHOUT TLS'));
    expect(
      Annotations.fromStack(stacks.apps).findWarning('*', Match.stringLikeRegexp('MLFLOW WITHOUT TLS')),
    ).toEqual([]);
  });

  test('cdk-nag AwsSolutions has no unacknowledged finding', () => {
    const { result } = synthWithPolicy(loadCohort('cohorts/demo.yaml'));
    expect(
      result.violations.filter((v) => v.constructPath.startsWith('cohortlab-demo-2027-spring-apps/')),
    ).toEqual([]);
  });
});

describe('AppsStack secrets and rotation', () => {
  const { stacks } = buildStacks(loadCohort('cohorts/demo.yaml'));
  const apps = stacks.apps;
  const t = Template.fromStack(apps);
  const cohortKeyArn = {
    'Fn::GetStackOutput': Match.objectLike({
      StackName: 'cohortlab-demo-2027-spring-data',
      OutputName: Match.stringLikeRegexp('CohortKey'),
    }),
  };
  const rotationFunctionArn = { 'Fn::GetAtt': [logicalId(apps, apps.rotation.function), 'Arn'] };

  // (Each secret's kind tag and generation, and which rotates at creation, are CohortSecrets';
  // the function's settings, permissions and alarm are SecretRotation's: test/constructs.)
  test("admin, Flask key and Redis secrets: the cohort's names, the cohort key, rotated by the stack's function", () => {
    t.resourceCountIs('AWS::SecretsManager::Secret', 3);
    for (const [secret, name] of [
      [apps.secrets.mlflowAdmin, 'mlflow-admin'],
      [apps.secrets.flaskKey, 'mlflow-flask-secret-key'],
      [apps.secrets.redis, 'redis'],
    ] as const) {
      const id = logicalId(apps, secret);
      expect(
        Object.keys(
          t.findResources('AWS::SecretsManager::Secret', {
            Properties: { Name: `cohort-lab/demo-2027-spring/${name}`, KmsKeyId: cohortKeyArn },
          }),
        ),
      ).toEqual([id]);
      t.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        SecretId: { Ref: id },
        RotationLambdaARN: rotationFunctionArn,
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
      });
    }
  });

  test('the rotation function runs in the private subnets and calls MLflow through the private endpoint', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: Match.objectLike({
        SubnetIds: [
          fromClusterStack('^PublishOutputRefNetworkPrivateSubnet1'),
          fromClusterStack('^PublishOutputRefNetworkPrivateSubnet2'),
        ],
      }),
      Environment: {
        Variables: {
          MLFLOW_URL: {
            'Fn::Join': [
              '',
              [
                'http://',
                { 'Fn::GetAtt': [logicalId(apps, apps.mlflowPrivateEndpoint.loadBalancer), 'DNSName'] },
              ],
            ],
          },
          ADMIN_SECRET_ID: 'cohort-lab/demo-2027-spring/mlflow-admin',
        },
      },
    });
  });

  test("the rotation function may touch only the cohort's secrets", () => {
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'RotateCohortSecrets',
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
          }),
        ]),
      },
    });
  });

  test("only the rotation function reaches the private endpoint, and the endpoint reaches only MLflow's pods", () => {
    const endpointGroup = logicalId(apps, apps.mlflowPrivateEndpoint.securityGroup);
    // Nothing from the internet or the whole VPC: one rule, from the function's group.
    t.resourcePropertiesCountIs(
      'AWS::EC2::SecurityGroupIngress',
      { GroupId: { 'Fn::GetAtt': [endpointGroup, 'GroupId'] } },
      1,
    );
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [endpointGroup, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [logicalId(apps, apps.rotation.securityGroup), 'GroupId'] },
      FromPort: 80,
      ToPort: 80,
    });
    // The cluster's group admits the endpoint on MLflow's port (a rule of this stack: no cycle).
    t.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: fromClusterStack('ClusterSecurityGroupId'),
      SourceSecurityGroupId: { 'Fn::GetAtt': [endpointGroup, 'GroupId'] },
      IpProtocol: 'tcp',
      FromPort: 5000,
      ToPort: 5000,
    });
  });

  test('a failing rotation step raises an alarm on the cohort alert topic', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(apps, apps.rotation.function) } }],
      AlarmActions: [
        {
          'Fn::GetStackOutput': Match.objectLike({
            StackName: 'cohortlab-demo-2027-spring-data',
            OutputName: Match.stringLikeRegexp('Alerts'),
          }),
        },
      ],
    });
  });

  test('AwsSolutions-SMG4 passes without any acknowledgement, in every stack', () => {
    // With cdk-nag on, acknowledgements are written into each resource's metadata.
    const { result, stacks: nagged } = synthWithPolicy(loadCohort('cohorts/demo.yaml'));
    expect(result.violations).toEqual([]);
    let secrets = 0;
    let acknowledged = 0;
    for (const stack of [nagged.data, nagged.cluster, nagged.apps]) {
      const template = JSON.parse(
        readFileSync(join(result.outdir, `${stack.artifactId}.template.json`), 'utf8'),
      ) as {
        Resources: Record<
          string,
          { Type: string; Metadata?: { cdk_nag?: { rules_to_suppress: Array<{ id: string }> } } }
        >;
      };
      for (const r of Object.values(template.Resources)) {
        const ids = (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((a) => a.id);
        acknowledged += ids.length;
        if (r.Type === 'AWS::SecretsManager::Secret') secrets += 1;
        expect(ids.filter((id) => id.startsWith('AwsSolutions-SMG'))).toEqual([]);
      }
    }
    // The search had something to search: the five cohort secrets and the stacks' other acknowledgements.
    expect(secrets).toBe(5);
    expect(acknowledged).toBeGreaterThan(0);
  });

  test('cdk-nag reports AwsSolutions-SMG4 on a cohort secret whose rotation schedule is taken away', () => {
    const { result } = synthWithPolicy(loadCohort('cohorts/demo.yaml'), (s) => {
      s.apps.secrets.flaskKey.node.tryRemoveChild('Rotation');
    });
    expect(result.violations.map((v) => `${v.rule} ${v.constructPath}`)).toEqual([
      `AwsSolutions-SMG4 ${apps.secrets.flaskKey.node.path}/Resource`,
    ]);
  });

  test('the MLflow chart binds the pods to the private endpoint and allows its host name', () => {
    const mlflow = applied(t, 'Mlflow');
    const binding = mlflow.find((o) => o.kind === 'TargetGroupBinding');
    expect(binding?.spec).toEqual({
      serviceRef: { name: 'mlflow', port: 5000 },
      targetGroupARN: { Ref: logicalId(apps, apps.mlflowPrivateEndpoint.targetGroup) },
      targetType: 'ip',
    });
    const endpointHost = {
      'Fn::GetAtt': [logicalId(apps, apps.mlflowPrivateEndpoint.loadBalancer), 'DNSName'],
    };
    expect(apps.resolve(apps.charts.mlflow.allowedHosts)).toEqual([
      'mlflow.demo-2027-spring.cohort-lab.example',
      endpointHost,
      'mlflow.cohort-lab.svc.cluster.local:5000',
      'mlflow.cohort-lab.svc:5000',
      'mlflow.cohort-lab:5000',
    ]);
  });
});

describe('AppsStack snapshot', () => {
  test('matches the snapshot (guards logical IDs)', () => {
    const { stacks } = buildStacks(loadCohort('cohorts/demo.yaml'));
    expect(Template.fromStack(stacks.apps).toJSON()).toMatchSnapshot();
  });
});

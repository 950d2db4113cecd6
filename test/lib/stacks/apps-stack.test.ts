import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'fs';
import { join } from 'path';
import { AppsStack } from '../../../lib/stacks/apps-stack';
import { buildStacks, configFrom, loadCohort, synthWithPolicy } from '../../support/cohort';

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

describe('AppsStack', () => {
  const { stacks } = buildStacks(loadCohort('cohorts/demo.yaml'));
  const t = Template.fromStack(stacks.apps);
  const manifests = Object.values(t.findResources('Custom::AWSCDK-EKS-KubernetesResource'));
  const manifestText = (r: (typeof manifests)[number]) =>
    JSON.stringify(stacks.apps.resolve(r.Properties.Manifest));

  test('applies the namespace, MLflow and Feast charts through the cluster, pruning removed objects', () => {
    expect(manifests).toHaveLength(3);
    for (const m of manifests) {
      expect(m.Properties.PruneLabel).toMatch(/^aws\.cdk\.eks\/prune-/);
      expect(JSON.stringify(m.Properties.ClusterName)).toContain('Cluster');
    }
    const kinds = manifests.map((m) => manifestText(m));
    expect(kinds.filter((k) => k.includes('\\"kind\\":\\"Namespace\\"'))).toHaveLength(1);
    expect(
      kinds.filter((k) => k.includes('\\"name\\":\\"mlflow\\",\\"namespace\\":\\"cohort-lab\\"')),
    ).not.toHaveLength(0);
  });

  test('workload manifests wait for the namespaces', () => {
    const ids = Object.keys(t.findResources('Custom::AWSCDK-EKS-KubernetesResource'));
    const namespaces = ids.find((id) => id.startsWith('Namespaces'))!;
    for (const id of ids.filter((i) => i !== namespaces)) {
      expect(t.toJSON().Resources[id].DependsOn).toContain(namespaces);
    }
  });

  test('images are built from images/ at deploy time: no Docker at synth, the URIs point at the CDK assets repository', () => {
    const all = manifests.map(manifestText).join('\n');
    expect(all).toContain('cdk-hnb659fds-container-assets-');
    expect(all).not.toMatch(/"image\\":\\"(?!\{)[^"]*:latest/);
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
    const text = JSON.stringify(Template.fromStack(apps).toJSON());
    expect(text).toContain('registry.example.edu/mlflow:3.17.2-1');
    expect(text).toContain('registry.example.edu/feast:0.67.0-1');
    expect(text).not.toContain('container-assets');
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
    const feast = manifests.map(manifestText).find((m) => m.includes('feature_store.yaml'))!;
    expect(feast).toContain('cognito-idp.');
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
    expect(JSON.stringify(t.toJSON())).not.toContain(['password', '1234'].join(''));
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
    expect(result.violations.filter((v) => v.constructPath.includes('-apps/'))).toEqual([]);
  });
});

describe('AppsStack secrets and rotation', () => {
  const { stacks } = buildStacks(loadCohort('cohorts/demo.yaml'));
  const t = Template.fromStack(stacks.apps);

  test('admin, Flask key and Redis secrets: cohort key, kind tag, 30-day rotation by the shared function', () => {
    const secrets = t.findResources('AWS::SecretsManager::Secret');
    const byName = Object.fromEntries(
      Object.entries(secrets).map(([id, r]) => [r.Properties.Name, { id, r }]),
    );
    const expected: Record<string, string> = {
      'cohort-lab/demo-2027-spring/mlflow-admin': 'mlflow-admin',
      'cohort-lab/demo-2027-spring/mlflow-flask-secret-key': 'generated-key',
      'cohort-lab/demo-2027-spring/redis': 'generated-dual',
    };
    expect(Object.keys(byName).sort()).toEqual(Object.keys(expected).sort());
    const schedules = Object.values(t.findResources('AWS::SecretsManager::RotationSchedule'));
    for (const [name, kind] of Object.entries(expected)) {
      const { id, r } = byName[name];
      expect(JSON.stringify(r.Properties.KmsKeyId)).toContain('CohortKey');
      expect(r.Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'lab:secret-kind', Value: kind }]));
      expect(r.Properties.GenerateSecretString).toEqual(
        expect.objectContaining({ ExcludePunctuation: true, PasswordLength: 32 }),
      );
      const schedule = schedules.find(
        (s) => JSON.stringify(s.Properties.SecretId) === JSON.stringify({ Ref: id }),
      );
      expect(schedule?.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(30 days)' });
      expect(JSON.stringify(schedule?.Properties.RotationLambdaARN)).toContain('SecretRotation');
    }
  });

  test('only the Redis secret rotates at creation (so it holds a previous password); MLflow ones wait for MLflow', () => {
    const schedules = Object.values(t.findResources('AWS::SecretsManager::RotationSchedule'));
    expect(schedules.map((s) => s.Properties.RotateImmediatelyOnUpdate).sort()).toEqual([false, false, true]);
  });

  test('the rotation function runs in the VPC, reaches MLflow only through the private endpoint, and may touch only cohort secrets', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      VpcConfig: Match.objectLike({ SubnetIds: Match.anyValue() }),
      Environment: {
        Variables: {
          MLFLOW_URL: Match.objectLike({ 'Fn::Join': ['', ['http://', Match.anyValue()]] }),
          ADMIN_SECRET_ID: 'cohort-lab/demo-2027-spring/mlflow-admin',
        },
      },
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal' });
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
    // Nothing from the internet or the whole VPC may reach the private endpoint: only the function's group.
    const albSg = Object.entries(t.findResources('AWS::EC2::SecurityGroup')).find(([, r]) =>
      String(r.Properties.GroupDescription).includes('private MLflow endpoint'),
    )!;
    expect(albSg[1].Properties.SecurityGroupIngress ?? []).toEqual([]);
    const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).filter(
      (r) => JSON.stringify(r.Properties.GroupId) === JSON.stringify({ 'Fn::GetAtt': [albSg[0], 'GroupId'] }),
    );
    expect(ingress).toHaveLength(1);
    expect(JSON.stringify(ingress[0].Properties.SourceSecurityGroupId)).toContain('SecretRotation');
  });

  test('a failing rotation step raises an alarm on the cohort alert topic', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [
        Match.objectLike({
          'Fn::GetStackOutput': Match.objectLike({ StackName: 'cohortlab-demo-2027-spring-data' }),
        }),
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
      `AwsSolutions-SMG4 ${stacks.apps.secrets.flaskKey.node.path}/Resource`,
    ]);
  });

  test('the MLflow chart binds the pods to the private endpoint and allows its host name', () => {
    const mlflow = stacks.apps.charts.mlflow.toJson() as Array<{
      kind: string;
      spec?: Record<string, unknown>;
    }>;
    const binding = mlflow.find((o) => o.kind === 'TargetGroupBinding');
    expect(binding?.spec).toEqual(
      expect.objectContaining({ serviceRef: { name: 'mlflow', port: 5000 }, targetType: 'ip' }),
    );
    expect(stacks.apps.charts.mlflow.allowedHosts).toHaveLength(5);
  });
});

describe('AppsStack snapshot', () => {
  test('matches the snapshot (guards logical IDs)', () => {
    const { stacks } = buildStacks(loadCohort('cohorts/demo.yaml'));
    expect(Template.fromStack(stacks.apps).toJSON()).toMatchSnapshot();
  });
});

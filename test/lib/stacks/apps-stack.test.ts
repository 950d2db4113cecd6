import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { buildStacks, configFrom, loadCohort, synthWithPolicy } from '../../support/cohort';

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

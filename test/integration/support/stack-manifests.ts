/**
 * What CloudFormation hands the EKS kubectl provider: every KubernetesManifest
 * (`Custom::AWSCDK-EKS-KubernetesResource`) of a cohort's synthesised stacks, in deployment order,
 * as the provider receives its `Manifest` property, i.e. with the `aws.cdk.eks/prune-*` labels
 * the stacks add, and with the deploy-time values CloudFormation fills in.
 *
 * Those values (ARNs, the database endpoint, the VPC's CIDR, image URIs) only exist after a deploy;
 * here they come from the cohort's environment file where it has them (the values the standalone
 * manifests use) and are made up in the form AWS gives them otherwise. A reference with no stand-in
 * fails, naming the stack, resource and reference, so a new kind of token cannot slip through.
 */
import { EnvironmentConfig } from '../../../lib/config';
import { ChartManifest } from '../../../lib/local/cohort-manifests';
import { K8sObject } from '../../../lib/local/manifest';
import { CfnTemplate } from '../../../lib/ops/cfn-template';

const MANIFEST_TYPE = 'Custom::AWSCDK-EKS-KubernetesResource';

/** One KubernetesManifest of a stack: `chart` is `<stack>/<logical id>`. */
export interface StackManifest extends ChartManifest {
  readonly stack: string;
  readonly logicalId: string;
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
}

class Resolver {
  constructor(
    private readonly templates: ReadonlyMap<string, CfnTemplate>,
    private readonly env: EnvironmentConfig,
  ) {}

  /** The string CloudFormation makes of `value` in `stack`'s template. */
  resolve(stack: string, value: unknown, where: string): string {
    if (typeof value === 'string') return value;
    const v = value as Record<string, unknown>;
    const fail = (): never => {
      throw new Error(`${stack}: ${where}: no stand-in for ${JSON.stringify(value)}`);
    };
    if (Array.isArray(v['Fn::Join'])) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map((p) => this.resolve(stack, p, where)).join(sep);
    }
    if (typeof v['Fn::Sub'] === 'string') {
      const text = (v['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, name: string) =>
        this.pseudo(name, fail),
      );
      return text;
    }
    if (typeof v.Ref === 'string') {
      const id = v.Ref;
      if (id.startsWith('AWS::')) return this.pseudo(id, fail);
      const type = this.resource(stack, id)?.Type;
      if (type === 'AWS::ElasticLoadBalancingV2::TargetGroup') {
        return `arn:aws:elasticloadbalancing:${this.env.region}:${this.env.account}:targetgroup/${id.slice(0, 32)}/0123456789abcdef`;
      }
      if (type === 'AWS::Cognito::UserPool') return `${this.env.region}_EXAMPLE`;
      if (type === 'AWS::Cognito::UserPoolClient') return '1example23456789example0abc';
      if (type === 'AWS::S3::Bucket') return this.env.artifactBucketName;
      // The cohort's alert topic (the drift CronJobs publish to it).
      if (type === 'AWS::SNS::Topic') {
        return this.env.alertTopicArn ?? `arn:aws:sns:${this.env.region}:${this.env.account}:${id}`;
      }
      return fail();
    }
    if (Array.isArray(v['Fn::GetAtt'])) {
      const [id, attribute] = v['Fn::GetAtt'] as [string, string];
      const resource = this.resource(stack, id);
      if (resource?.Type === 'AWS::IAM::Role' && attribute === 'Arn') {
        const name = resource.Properties?.RoleName;
        return `arn:aws:iam::${this.env.account}:role/${typeof name === 'string' ? name : id}`;
      }
      if (resource?.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer' && attribute === 'DNSName') {
        return `internal-${id.toLowerCase().slice(0, 24)}-0123456789.${this.env.region}.elb.amazonaws.com`;
      }
      if (resource?.Type.startsWith('AWS::RDS::DB') && attribute === 'Endpoint.Address') {
        return this.env.database.host;
      }
      if (resource?.Type === 'AWS::EC2::VPC' && attribute === 'CidrBlock') return this.env.vpcCidr;
      if (resource?.Type === 'AWS::WAFv2::WebACL' && attribute === 'Arn') {
        const name = resource.Properties?.Name;
        return `arn:aws:wafv2:${this.env.region}:${this.env.account}:regional/webacl/${typeof name === 'string' ? name : id}/0123abcd-4567-89ef-0123-456789abcdef`;
      }
      return fail();
    }
    const output = v['Fn::GetStackOutput'] as { StackName: string; OutputName: string } | undefined;
    if (output) {
      const outputs = this.templates.get(output.StackName)?.Outputs as
        Record<string, { Value: unknown }> | undefined;
      const produced = outputs?.[output.OutputName];
      if (!produced) return fail();
      return this.resolve(output.StackName, produced.Value, `output ${output.OutputName}`);
    }
    return fail();
  }

  private pseudo(name: string, fail: () => never): string {
    const values: Record<string, string> = {
      'AWS::AccountId': this.env.account,
      'AWS::Region': this.env.region,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    };
    return values[name] ?? fail();
  }

  private resource(stack: string, id: string): Resource | undefined {
    return this.templates.get(stack)?.Resources?.[id] as Resource | undefined;
  }
}

/** `ids` ordered so that each comes after what it DependsOn (among `ids`), else template order. */
function deploymentOrder(template: CfnTemplate, ids: readonly string[]): string[] {
  const ordered: string[] = [];
  const visit = (id: string, path: readonly string[]) => {
    if (ordered.includes(id)) return;
    if (path.includes(id)) throw new Error(`dependency cycle: ${[...path, id].join(' -> ')}`);
    const deps = (template.Resources?.[id] as Resource).DependsOn ?? [];
    for (const d of typeof deps === 'string' ? [deps] : deps) {
      if (ids.includes(d)) visit(d, [...path, id]);
    }
    ordered.push(id);
  };
  for (const id of ids) visit(id, []);
  return ordered;
}

/**
 * Every KubernetesManifest of `templates` (stack name to template, in deployment order, as
 * test/support/synth.ts gives them), stack by stack, each stack's in its resources' dependency
 * order, with the deploy-time values filled in from `env`.
 */
export function stackManifests(
  templates: ReadonlyMap<string, CfnTemplate>,
  env: EnvironmentConfig,
): StackManifest[] {
  const resolver = new Resolver(templates, env);
  const manifests: StackManifest[] = [];
  for (const [stack, template] of templates) {
    const ids = Object.entries(template.Resources ?? {})
      .filter(([, r]) => r.Type === MANIFEST_TYPE)
      .map(([id]) => id);
    for (const id of deploymentOrder(template, ids)) {
      const text = resolver.resolve(stack, template.Resources![id].Properties?.Manifest, id);
      const objects = JSON.parse(text) as K8sObject[];
      manifests.push({ chart: `${stack}/${id}`, file: '', objects, stack, logicalId: id });
    }
  }
  return manifests;
}

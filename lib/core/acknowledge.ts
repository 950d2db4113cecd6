import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
// cdk-nag's own flattening, so the finding ids computed here are exactly the ones it reports.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';

/**
 * Acknowledge the AwsSolutions-IAM5 findings of `policy` for wildcard resources that `match`
 * accepts. cdk-nag names each finding after the resolved resource (`AwsSolutions-IAM5[Resource::…]`),
 * and a resource that refers to another stack (the artifact bucket) only takes its final form,
 * `Fn::GetStackOutput`, when the app is prepared for synthesis: after every constructor ran. So the
 * acknowledgement is made then, from a validation hook on the resource itself, and written into
 * the template's `cdk_nag` metadata beside the others.
 */
export function acknowledgeWildcardResources(
  policy: iam.CfnPolicy | iam.CfnManagedPolicy,
  match: RegExp,
  reason: string,
): void {
  acknowledgeWhenResolved(policy, reason, () => {
    const document = Stack.of(policy).resolve(policy.policyDocument) as PolicyDocument;
    const resources = (document.Statement ?? [])
      .filter((s) => s.Effect === 'Allow')
      .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]))
      .map((r) => flattenCfnReference(r))
      .filter((r) => r.includes('*') && match.test(r));
    return resources.map((r) => `AwsSolutions-IAM5[Resource::${r}]`);
  });
}

/** Acknowledge the AwsSolutions-IAM4 findings of `role` for AWS managed policies that `match` accepts. */
export function acknowledgeManagedPolicies(role: iam.CfnRole, match: RegExp, reason: string): void {
  acknowledgeWhenResolved(role, reason, () => {
    const arns = (Stack.of(role).resolve(role.managedPolicyArns) ?? []) as unknown[];
    return arns
      .map((arn) => flattenCfnReference(arn))
      .filter((arn) => match.test(arn))
      .map((arn) => `AwsSolutions-IAM4[Policy::${arn}]`);
  });
}

interface PolicyDocument {
  readonly Statement?: ReadonlyArray<{ readonly Effect: string; readonly Resource: unknown }>;
}

interface NagMetadata {
  readonly rules_to_suppress: ReadonlyArray<{ readonly id: string; readonly reason: string }>;
}

function acknowledgeWhenResolved(resource: CfnResource, reason: string, findings: () => string[]): void {
  let done = false;
  resource.node.addValidation({
    validate: () => {
      if (done) {
        return [];
      }
      done = true;
      const ids = findings();
      if (ids.length === 0) {
        return [`${resource.node.path}: nothing to acknowledge; the acknowledgement "${reason}" is stale`];
      }
      for (const id of ids) {
        Validations.of(resource).acknowledge({ id, reason });
      }
      const existing = (resource.getMetadata('cdk_nag') as NagMetadata | undefined)?.rules_to_suppress ?? [];
      resource.addMetadata('cdk_nag', {
        rules_to_suppress: [
          ...existing,
          ...ids.filter((id) => !existing.some((e) => e.id === id)).map((id) => ({ id, reason })),
        ],
      });
      return [];
    },
  });
}

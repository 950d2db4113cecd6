import {
  BUCKET_POLICY_BYTES,
  DYNAMIC_REFERENCES,
  KEY_POLICY_BYTES,
  Limit,
  MANAGED_POLICY_CHARS,
  MANIFEST_BYTES,
  policySize,
  ROLE_INLINE_POLICY_CHARS,
  ROLES_PER_ACCOUNT,
  SNS_FILTER_POLICIES_PER_ACCOUNT,
  SNS_FILTER_POLICIES_PER_TOPIC,
  SNS_FILTER_POLICY_COMBINATIONS,
  SNS_FILTER_POLICY_KEYS,
  STACK_OUTPUTS,
  STACK_RESOURCES,
  TEMPLATE_BYTES,
  TRUST_POLICY_CHARS,
} from '../core';
import { CfnTemplate, resourcesOfType, SynthesisedTemplate, templateString } from './cfn-template';

/**
 * The AWS size limits `plan` can know from the templates alone (lib/core/limits.ts): pure
 * functions from a synthesised template to what it measures against each limit, and the problems
 * where a figure passes its budget. Deploy-time values (a Ref, a stack output) are measured as
 * their JSON text, which is longer than what they stand for (cfn-template.ts, templateString).
 */

/** One figure of a template against one limit. */
export interface LimitMeasure {
  readonly stackName: string;
  /** The resource measured (its logical ID); undefined for the template as a whole. */
  readonly logicalId?: string;
  readonly limit: Limit;
  /** The figure (bytes, characters or a count, as the limit is). */
  readonly size: number;
  /** What was measured, for messages: `bucket policy ArtifactsPolicy1234 is 21,034 bytes`. */
  readonly text: string;
}

/** A figure over its budget, with the message `plan` prints. */
export interface LimitProblem extends LimitMeasure {
  /** `<stack>: <what> is <figure>; <service> allows <limit> (<source>)`. */
  readonly message: string;
}

/** Every figure of one template: its own size, and each policy and manifest in it. */
export function measureTemplate(t: SynthesisedTemplate): LimitMeasure[] {
  return [
    ...measureStack(t),
    ...measureBucketPolicies(t),
    ...measureKeyPolicies(t),
    ...measureManagedPolicies(t),
    ...measureInlineRolePolicies(t),
    ...measureTrustPolicies(t),
    ...measureManifests(t),
    ...measureFilterPolicies(t),
  ];
}

/** The problems of one template: every figure of {@link measureTemplate} over its budget. */
export function checkTemplateLimits(t: SynthesisedTemplate): LimitProblem[] {
  return problemsOf(measureTemplate(t));
}

/** The measures over their budget, each with its message. */
export function problemsOf(measures: readonly LimitMeasure[]): LimitProblem[] {
  return measures
    .filter((m) => m.size > m.limit.budget)
    .map((m) => ({ ...m, message: `${m.stackName}: ${m.text}; ${allowance(m.limit)}` }));
}

/** How a limit reads in a message: `S3 allows 20,480 (<source>)`, or our budget below the service's. */
export function allowance(limit: Limit): string {
  return limit.budget === limit.serviceLimit
    ? `${limit.service} allows ${figure(limit.serviceLimit)} (${limit.source})`
    : `the budget is ${figure(limit.budget)}, below the ${figure(limit.serviceLimit)} ${limit.service} allows (${limit.source})`;
}

/** A number as messages print it: `21,034`. */
export function figure(n: number): string {
  return n.toLocaleString('en-US');
}

/** Resources, template bytes, outputs and dynamic references of the template as a whole. */
export function measureStack(t: SynthesisedTemplate): LimitMeasure[] {
  const { stackName, template } = t;
  const resources = Object.keys(template.Resources ?? {}).length;
  const outputs = Object.keys(template.Outputs ?? {}).length;
  const references = JSON.stringify(template).split('{{resolve:').length - 1;
  return [
    {
      stackName,
      limit: STACK_RESOURCES,
      size: resources,
      text: `template has ${figure(resources)} resources`,
    },
    { stackName, limit: TEMPLATE_BYTES, size: t.bytes, text: `template is ${figure(t.bytes)} bytes` },
    { stackName, limit: STACK_OUTPUTS, size: outputs, text: `template has ${figure(outputs)} outputs` },
    {
      stackName,
      limit: DYNAMIC_REFERENCES,
      size: references,
      text: `template has ${figure(references)} dynamic references ({{resolve:...}})`,
    },
  ];
}

/** Each S3 bucket policy, in bytes. */
export function measureBucketPolicies(t: SynthesisedTemplate): LimitMeasure[] {
  return documents(t.template, 'AWS::S3::BucketPolicy', 'PolicyDocument').map(([id, doc]) => {
    const size = policySize(doc, 'bytes');
    return {
      ...at(t, id),
      limit: BUCKET_POLICY_BYTES,
      size,
      text: `bucket policy ${id} is ${figure(size)} bytes`,
    };
  });
}

/** Each KMS key policy, in bytes. */
export function measureKeyPolicies(t: SynthesisedTemplate): LimitMeasure[] {
  return documents(t.template, 'AWS::KMS::Key', 'KeyPolicy').map(([id, doc]) => {
    const size = policySize(doc, 'bytes');
    return {
      ...at(t, id),
      limit: KEY_POLICY_BYTES,
      size,
      text: `key policy of ${id} is ${figure(size)} bytes`,
    };
  });
}

/** Each customer managed IAM policy, in characters without whitespace. */
export function measureManagedPolicies(t: SynthesisedTemplate): LimitMeasure[] {
  return documents(t.template, 'AWS::IAM::ManagedPolicy', 'PolicyDocument').map(([id, doc]) => {
    const size = policySize(doc, 'chars-no-whitespace');
    return {
      ...at(t, id),
      limit: MANAGED_POLICY_CHARS,
      size,
      text: `managed policy ${id} is ${figure(size)} characters without whitespace`,
    };
  });
}

/** Each role's trust policy, in characters without whitespace. */
export function measureTrustPolicies(t: SynthesisedTemplate): LimitMeasure[] {
  return documents(t.template, 'AWS::IAM::Role', 'AssumeRolePolicyDocument').map(([id, doc]) => {
    const size = policySize(doc, 'chars-no-whitespace');
    return {
      ...at(t, id),
      limit: TRUST_POLICY_CHARS,
      size,
      text: `trust policy of role ${id} is ${figure(size)} characters without whitespace`,
    };
  });
}

/**
 * All inline policies of each role together, in characters without whitespace: the role's own
 * `Policies`, and every `AWS::IAM::Policy` and `AWS::IAM::RolePolicy` of the template attached to
 * it. A role of this template is named by its logical ID; a role of another stack by its reference
 * (only this template's policies of it are counted).
 */
export function measureInlineRolePolicies(t: SynthesisedTemplate): LimitMeasure[] {
  const roles = new Map<string, { size: number; from: string[] }>();
  const add = (roleRef: unknown, document: unknown, from: string) => {
    const ref = (roleRef as { Ref?: unknown } | null)?.Ref;
    const role = typeof ref === 'string' ? ref : templateString(roleRef);
    const entry = roles.get(role) ?? { size: 0, from: [] };
    entry.size += policySize(document, 'chars-no-whitespace');
    entry.from.push(from);
    roles.set(role, entry);
  };
  for (const [id, role] of resourcesOfType(t.template, 'AWS::IAM::Role')) {
    const own = (role.Properties?.Policies ?? []) as ReadonlyArray<{ PolicyDocument?: unknown }>;
    own.forEach((p) => add({ Ref: id }, p.PolicyDocument, `${id}.Policies`));
  }
  for (const [id, policy] of resourcesOfType(t.template, 'AWS::IAM::Policy')) {
    for (const role of (policy.Properties?.Roles ?? []) as readonly unknown[]) {
      add(role, policy.Properties?.PolicyDocument, id);
    }
  }
  for (const [id, policy] of resourcesOfType(t.template, 'AWS::IAM::RolePolicy')) {
    add(policy.Properties?.RoleName, policy.Properties?.PolicyDocument, id);
  }
  return [...roles.entries()].map(([role, { size, from }]) => ({
    ...at(t, role),
    limit: ROLE_INLINE_POLICY_CHARS,
    size,
    text: `inline policies of role ${role} are ${figure(size)} characters without whitespace (${from.join(', ')})`,
  }));
}

/**
 * Each manifest the kubectl provider applies (`Custom::AWSCDK-EKS-KubernetesResource`), in bytes
 * of the string CloudFormation passes it. An update's event carries the new and the old manifest,
 * and the provider is invoked asynchronously (256 KB): aws-cdk#19165.
 */
export function measureManifests(t: SynthesisedTemplate): LimitMeasure[] {
  return documents(t.template, 'Custom::AWSCDK-EKS-KubernetesResource', 'Manifest').map(([id, manifest]) => {
    const size = Buffer.byteLength(templateString(manifest), 'utf8');
    return { ...at(t, id), limit: MANIFEST_BYTES, size, text: `manifest ${id} is ${figure(size)} bytes` };
  });
}

/**
 * Each SNS subscription filter policy: its combinations of values (at most 150) and, as a
 * problem of its own, more than five keys. `$or` branches add up; every other key multiplies.
 */
export function measureFilterPolicies(t: SynthesisedTemplate): LimitMeasure[] {
  return documents(t.template, 'AWS::SNS::Subscription', 'FilterPolicy').map(([id, policy]) => {
    const combinations = filterCombinations(policy);
    const keys = filterKeys(policy).size;
    const size = keys > SNS_FILTER_POLICY_KEYS ? Number.POSITIVE_INFINITY : combinations;
    return {
      ...at(t, id),
      limit: SNS_FILTER_POLICY_COMBINATIONS,
      size,
      text:
        keys > SNS_FILTER_POLICY_KEYS
          ? `filter policy of ${id} has ${keys} keys, more than the ${SNS_FILTER_POLICY_KEYS} SNS allows`
          : `filter policy of ${id} has ${figure(combinations)} combinations of values`,
    };
  });
}

/** The combinations of values of a filter policy (or of one of its nested objects). */
export function filterCombinations(policy: unknown): number {
  if (Array.isArray(policy)) {
    return policy.length;
  }
  if (policy === null || typeof policy !== 'object') {
    return 1;
  }
  let total = 1;
  for (const [key, value] of Object.entries(policy)) {
    total *=
      key === '$or' && Array.isArray(value)
        ? value.reduce((sum: number, branch) => sum + filterCombinations(branch), 0)
        : filterCombinations(value);
  }
  return total;
}

/** The attribute names a filter policy matches on (leaf keys; `$or` branches included). */
function filterKeys(policy: unknown, into = new Set<string>()): Set<string> {
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) {
    return into;
  }
  for (const [key, value] of Object.entries(policy)) {
    if (key === '$or' && Array.isArray(value)) {
      value.forEach((branch) => filterKeys(branch, into));
    } else if (Array.isArray(value)) {
      into.add(key);
    } else {
      filterKeys(value, into);
    }
  }
  return into;
}

/** Subscriptions with a filter policy, over all of a cohort's templates. */
export function countFilterPolicies(templates: readonly SynthesisedTemplate[]): number {
  return templates.reduce(
    (n, t) => n + documents(t.template, 'AWS::SNS::Subscription', 'FilterPolicy').length,
    0,
  );
}

/**
 * The warning `plan` shows when the cohort's subscription filter policies pass SNS's default
 * quota per topic (200) or per account (10,000); undefined otherwise. Every filter policy of a
 * cohort is on its alert topic (one per learner, per instructor, per ops address, per owner; the
 * drift-alarm topic's and the audit queue's subscriptions have none), so the cohort's count is the
 * topic's.
 */
export function filterPoliciesWarning(templates: readonly SynthesisedTemplate[]): string | undefined {
  const count = countFilterPolicies(templates);
  if (count <= SNS_FILTER_POLICIES_PER_TOPIC.budget) {
    return undefined;
  }
  const account =
    count > SNS_FILTER_POLICIES_PER_ACCOUNT.budget
      ? ` It is also more than the ${figure(SNS_FILTER_POLICIES_PER_ACCOUNT.serviceLimit)} an account holds by default.`
      : ` An account holds ${figure(SNS_FILTER_POLICIES_PER_ACCOUNT.serviceLimit)} by default, all topics together: count the other cohorts of the account.`;
  return (
    `SNS FILTER POLICIES ABOVE THE DEFAULT QUOTA: the cohort's alert topic gets ${figure(count)} ` +
    `subscription filter policies (one per learner for their own warnings, and one per instructor, ops ` +
    `address and owner), more than the ${figure(SNS_FILTER_POLICIES_PER_TOPIC.serviceLimit)} ` +
    `${SNS_FILTER_POLICIES_PER_TOPIC.service} allows per topic by default (${SNS_FILTER_POLICIES_PER_TOPIC.source}). ` +
    `Raise the quota with Service Quotas before deploying; without it the learners-N stacks fail ` +
    `when SNS refuses a subscription's filter policy.${account}`
  );
}

/**
 * The warning `plan` shows when the cohort's stacks create more IAM roles than an account holds by
 * default (the people's roles, under `peoplePath`, the learners' CI roles, under `ciPath`, and the
 * stacks' own); undefined otherwise.
 */
export function rolesWarning(
  templates: readonly SynthesisedTemplate[],
  peoplePath: string,
  ciPath?: string,
): string | undefined {
  const roles = templates.flatMap((t) => resourcesOfType(t.template, 'AWS::IAM::Role'));
  const people = roles.filter(([, r]) => r.Properties?.Path === peoplePath).length;
  const ci = ciPath === undefined ? 0 : roles.filter(([, r]) => r.Properties?.Path === ciPath).length;
  if (roles.length <= ROLES_PER_ACCOUNT.budget) {
    return undefined;
  }
  const ciPart = ci === 0 ? '' : `${figure(ci)} for learners' GitHub CI, `;
  return (
    `IAM ROLES ABOVE THE DEFAULT QUOTA: the cohort creates ${figure(roles.length)} IAM roles ` +
    `(${figure(people)} for people, ${ciPart}${figure(roles.length - people - ci)} for its stacks), more than the ` +
    `${figure(ROLES_PER_ACCOUNT.serviceLimit)} ${ROLES_PER_ACCOUNT.service} allows in an account by default ` +
    `(${ROLES_PER_ACCOUNT.source}). Raise the account's quota before deploying, with room for the ` +
    `roles the account already holds.`
  );
}

/** The `property` of every resource of `type` that has it, as [logical ID, value] pairs. */
function documents(template: CfnTemplate, type: string, property: string): Array<[string, unknown]> {
  return resourcesOfType(template, type)
    .filter(([, r]) => r.Properties?.[property] !== undefined)
    .map(([id, r]) => [id, r.Properties?.[property]]);
}

/** Where a figure was measured: the stack and the resource's logical ID. */
export function at(t: SynthesisedTemplate, logicalId: string): Pick<LimitMeasure, 'stackName' | 'logicalId'> {
  return { stackName: t.stackName, logicalId };
}

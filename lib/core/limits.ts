/**
 * The AWS and Kubernetes limits the design relies on, each with where it is written down. `plan`
 * and the tests check the synthesised app against them, so a cohort that would break one fails
 * before a deploy does. Where we keep a margin below the service's own limit, both are given.
 */

/** A byte or count limit, the service's own figure, and where it is documented. */
export interface Limit {
  /** The figure `plan` holds a cohort to (our budget: at or below the service's limit). */
  readonly budget: number;
  /** The service's own limit. */
  readonly serviceLimit: number;
  /** What is limited, for messages. */
  readonly what: string;
  /** Who sets the limit, for messages: "S3 allows 20,480". */
  readonly service: string;
  /** Where the service's limit is documented. */
  readonly source: string;
}

/**
 * Resources per CloudFormation stack: 500 (a quota that cannot be raised). We keep 50 spare for
 * what CDK adds on its own (custom-resource providers, metadata, policies) as a construct grows.
 */
export const STACK_RESOURCES: Limit = {
  budget: 450,
  serviceLimit: 500,
  what: 'resources in one CloudFormation stack',
  service: 'CloudFormation',
  source: 'AWS CloudFormation User Guide, "AWS CloudFormation quotas": Resources, 500 per stack',
};

/**
 * Template body size: 1 MB when the template is uploaded to S3 (what `cdk deploy` does with
 * bootstrapped assets). We keep a fifth spare.
 */
export const TEMPLATE_BYTES: Limit = {
  budget: 800 * 1024,
  serviceLimit: 1_000_000,
  what: 'bytes of one CloudFormation template',
  service: 'CloudFormation',
  source:
    'AWS CloudFormation User Guide, "AWS CloudFormation quotas": Template body size in an Amazon S3 object, 1 MB',
};

/** Outputs per stack: 200. */
export const STACK_OUTPUTS: Limit = {
  budget: 200,
  serviceLimit: 200,
  what: 'outputs of one CloudFormation stack',
  service: 'CloudFormation',
  source: 'AWS CloudFormation User Guide, "AWS CloudFormation quotas": Outputs, 200 per stack',
};

/** An S3 bucket policy: 20 KB. */
export const BUCKET_POLICY_BYTES: Limit = {
  budget: 20 * 1024,
  serviceLimit: 20 * 1024,
  what: 'bytes of one S3 bucket policy',
  service: 'S3',
  source: 'Amazon S3 User Guide, "Bucket policies": a bucket policy is limited to 20 KB',
};

/** A KMS key policy: 32 KB (32,768 bytes). */
export const KEY_POLICY_BYTES: Limit = {
  budget: 32 * 1024,
  serviceLimit: 32 * 1024,
  what: 'bytes of one KMS key policy',
  service: 'AWS KMS',
  source: 'AWS KMS Developer Guide, "Quotas": key policy document size, 32 KB',
};

/** A customer managed IAM policy: 6,144 characters (whitespace not counted). */
export const MANAGED_POLICY_CHARS: Limit = {
  budget: 6144,
  serviceLimit: 6144,
  what: 'characters of one customer managed IAM policy',
  service: 'IAM',
  source: 'IAM User Guide, "IAM and AWS STS quotas": Managed policy length, 6,144 characters',
};

/** All inline policies of one role together: 10,240 characters. */
export const ROLE_INLINE_POLICY_CHARS: Limit = {
  budget: 10_240,
  serviceLimit: 10_240,
  what: 'characters of the inline policies of one IAM role',
  service: 'IAM',
  source: 'IAM User Guide, "IAM and AWS STS quotas": Role policy size, 10,240 characters',
};

/** A role trust policy: 2,048 characters by default (adjustable to 8,192). */
export const TRUST_POLICY_CHARS: Limit = {
  budget: 2048,
  serviceLimit: 2048,
  what: 'characters of one IAM role trust policy',
  service: 'IAM',
  source: 'IAM User Guide, "IAM and AWS STS quotas": Role trust policy length, 2,048 characters (default)',
};

/**
 * IAM roles per account: 1,000 by default (adjustable to 5,000, quota L-FE177D64). Every learner
 * has a role, so a 1,000-learner cohort needs the quota raised; `plan` says so.
 */
export const ROLES_PER_ACCOUNT: Limit = {
  budget: 1000,
  serviceLimit: 1000,
  what: 'IAM roles in one account (default quota)',
  service: 'IAM',
  source: 'IAM User Guide, "IAM and AWS STS quotas": Roles in an AWS account, 1,000 (L-FE177D64, adjustable)',
};

/**
 * The payload of an asynchronous Lambda invocation: 256 KB (262,144 bytes). CloudFormation
 * invokes custom-resource providers, such as the kubectl provider that applies a
 * KubernetesManifest, asynchronously, and an update's event carries both the new and the old
 * manifest (aws-cdk#19165: "payload is too large for the Event invocation type (limit 262144
 * bytes)"). So one manifest gets at most half of it, less the event's own fields.
 */
export const MANIFEST_BYTES: Limit = {
  budget: 120 * 1024,
  serviceLimit: 262_144,
  what: 'bytes of one manifest the kubectl provider applies (an update event holds it twice)',
  service: 'Lambda',
  source:
    'AWS Lambda Developer Guide, "Lambda quotas": invocation payload, 256 KB asynchronous; aws-cdk#19165',
};

/** Nodes per EKS managed node group: 450. */
export const NODES_PER_NODE_GROUP: Limit = {
  budget: 450,
  serviceLimit: 450,
  what: 'nodes in one EKS managed node group',
  service: 'Amazon EKS',
  source: 'Amazon EKS User Guide, "Amazon EKS service quotas": Nodes per managed node group, 450',
};

/** `{{resolve:secretsmanager:...}}` dynamic references per template: 60. The design uses none per learner. */
export const DYNAMIC_REFERENCES: Limit = {
  budget: 60,
  serviceLimit: 60,
  what: 'dynamic references in one CloudFormation template',
  service: 'CloudFormation',
  source:
    'AWS CloudFormation User Guide, "Get values stored in other services using dynamic references": 60 per template',
};

/**
 * Subscription filter policies on one SNS topic: 200 by default, adjustable through Service Quotas.
 * The cohort's alert topic has one per learner (their warnings) and a few fixed ones, so a cohort
 * of more than about 190 learners needs the quota raised; `plan` says so.
 */
export const SNS_FILTER_POLICIES_PER_TOPIC: Limit = {
  budget: 200,
  serviceLimit: 200,
  what: 'subscription filter policies on one SNS topic (default quota)',
  service: 'Amazon SNS',
  source:
    'Amazon SNS Developer Guide, "Filter policy constraints in Amazon SNS": by default 200 filter policies per topic and 10,000 per account; raise them with Service Quotas',
};

/** Subscription filter policies in one account: 10,000 by default (adjustable), all topics together. */
export const SNS_FILTER_POLICIES_PER_ACCOUNT: Limit = {
  budget: 10_000,
  serviceLimit: 10_000,
  what: 'subscription filter policies in one AWS account (default quota)',
  service: 'Amazon SNS',
  source:
    'Amazon SNS Developer Guide, "Filter policy constraints in Amazon SNS": by default 10,000 filter policies per account',
};

/**
 * One filter policy: the product of the lengths of its value arrays is at most 150, and it has at
 * most five keys. Ours have two keys of one value each.
 */
export const SNS_FILTER_POLICY_COMBINATIONS: Limit = {
  budget: 150,
  serviceLimit: 150,
  what: 'combinations of values in one SNS filter policy',
  service: 'Amazon SNS',
  source:
    'Amazon SNS Developer Guide, "Filter policy constraints in Amazon SNS": total combination of values at most 150, at most five keys',
};

/** Most keys of one SNS filter policy (same source as {@link SNS_FILTER_POLICY_COMBINATIONS}). */
export const SNS_FILTER_POLICY_KEYS = 5;

/**
 * Subscriptions per standard SNS topic: 12,500,000. Far above any roster; listed because every
 * learner adds one to the alert topic.
 */
export const SNS_SUBSCRIPTIONS_PER_TOPIC: Limit = {
  budget: 12_500_000,
  serviceLimit: 12_500_000,
  what: 'subscriptions of one standard SNS topic',
  service: 'Amazon SNS',
  source:
    'AWS General Reference, "Amazon SNS endpoints and quotas": Subscriptions, 12,500,000 per standard topic',
};

/** The size of `value` as a limit compares it: UTF-8 bytes, or characters without whitespace for IAM. */
export function policySize(document: unknown, unit: 'bytes' | 'chars-no-whitespace'): number {
  const json = JSON.stringify(document);
  return unit === 'bytes' ? Buffer.byteLength(json, 'utf8') : json.replace(/\s/g, '').length;
}

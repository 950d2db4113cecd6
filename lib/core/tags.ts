import { Tags } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** Tag keys the product owns. Keys starting with `lab:` (or `aws:`) are refused in cohort files. */
export const LAB_TAG = {
  cohort: 'lab:cohort',
  owner: 'lab:owner',
  expires: 'lab:expires',
  profile: 'lab:profile',
  /** On the artifact bucket: `retain`, `export` or `delete` (what teardown does with it). */
  retention: 'lab:retention',
} as const;

/** What the `lab:*` tags are made of: the cohort's name, owner, expiry, profile and extra tags. */
export interface LabTagSource {
  readonly name: string;
  readonly owner: string;
  /** ISO date `YYYY-MM-DD`. */
  readonly expires: string;
  readonly profile: { readonly name: string };
  /** Extra tags from the cohort file; never `lab:` or `aws:` keys. */
  readonly tags: Readonly<Record<string, string>>;
}

/** The four `lab:*` tags every resource of a cohort carries, after the cohort file's extra tags. */
export function labTags(source: LabTagSource): Record<string, string> {
  return {
    ...source.tags,
    [LAB_TAG.cohort]: source.name,
    [LAB_TAG.owner]: source.owner,
    [LAB_TAG.expires]: source.expires,
    [LAB_TAG.profile]: source.profile.name,
  };
}

/** Tag `scope` and every taggable resource below it with {@link labTags}. */
export function applyLabTags(scope: IConstruct, source: LabTagSource): void {
  for (const [key, value] of Object.entries(labTags(source))) {
    Tags.of(scope).add(key, value);
  }
}

/**
 * Days after `lab:expires` that what a teardown keeps on purpose (a retained bucket and its key, the
 * final database snapshot) is kept for audit; `sweep` removes it only after that.
 */
export const KEEP_FOR_AUDIT_DAYS = 90;

/** Tag the AWS Load Balancer Controller puts on what it creates, with the cluster's name. */
export const LB_CONTROLLER_CLUSTER_TAG = 'elbv2.k8s.aws/cluster';

/** Tag CloudFormation puts on what a stack created: such a resource is not a leftover while its stack lives. */
export const CFN_STACK_NAME_TAG = 'aws:cloudformation:stack-name';

/**
 * IAM principals (roles and users) as cohort files name them, by ARN. IAM keeps one name per
 * role (or user) in an account, compared without regard to case, and the path is not part of
 * the name: `role/Ada` and `role/team/ADA` cannot both exist, so they are one principal.
 */

/**
 * The shape of an IAM role or user ARN: `arn:<partition>:iam::<account>:(role|user)/<path><name>`.
 * Whether the partition exists is a separate check (partitions.ts), so it can be named in the error.
 */
export const IAM_PRINCIPAL_ARN_PATTERN =
  /^arn:([a-z][a-z-]*):iam::(\d{12}):(role|user)\/([\w+=,.@/-]{1,512})$/;

/** The parts of an IAM role or user ARN. */
export interface IamPrincipal {
  readonly partition: string;
  readonly account: string;
  readonly kind: 'role' | 'user';
  /** The path between the kind and the name, `/` for none (`role/team/Ada` has `/team/`). */
  readonly path: string;
  readonly name: string;
}

/** Split an IAM role or user ARN into its parts; undefined when it does not have that shape. */
export function parseIamPrincipalArn(arn: string): IamPrincipal | undefined {
  const m = IAM_PRINCIPAL_ARN_PATTERN.exec(arn);
  if (m === null) {
    return undefined;
  }
  const rest = m[4];
  const slash = rest.lastIndexOf('/');
  return {
    partition: m[1],
    account: m[2],
    kind: m[3] as 'role' | 'user',
    path: slash < 0 ? '/' : `/${rest.slice(0, slash + 1)}`,
    name: rest.slice(slash + 1),
  };
}

/** What makes two principals the same one: partition, account, kind and name without case. */
export function principalIdentity(principal: IamPrincipal): string {
  return `${principal.partition}:${principal.account}:${principal.kind}/${principal.name.toLowerCase()}`;
}

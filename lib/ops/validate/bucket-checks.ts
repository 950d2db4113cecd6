/**
 * The artifact bucket's checks, on its own configuration: all four Block Public Access settings
 * on and no ACL grant to everyone; a bucket policy that denies every request without TLS (the
 * `aws:SecureTransport` condition, as the ArtifactBucket construct writes it with `enforceSSL`).
 */
import {
  GetBucketAclCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  PublicAccessBlockConfiguration,
} from '@aws-sdk/client-s3';
import { CheckOutcome, fail, pass, ValidationTarget } from './types';

const PUBLIC_GROUPS = [
  'http://acs.amazonaws.com/groups/global/AllUsers',
  'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
];

const BPA_SETTINGS: ReadonlyArray<keyof PublicAccessBlockConfiguration> = [
  'BlockPublicAcls',
  'IgnorePublicAcls',
  'BlockPublicPolicy',
  'RestrictPublicBuckets',
];

export async function checkPublicAccess(t: ValidationTarget): Promise<CheckOutcome> {
  const evidence: string[] = [];
  let config: PublicAccessBlockConfiguration | undefined;
  try {
    config = (await t.s3.send(new GetPublicAccessBlockCommand({ Bucket: t.bucket })))
      .PublicAccessBlockConfiguration;
  } catch (err) {
    evidence.push(`s3://${t.bucket}: no Block Public Access configuration (${(err as Error).name})`);
  }
  const off = BPA_SETTINGS.filter((k) => config?.[k] !== true);
  if (config !== undefined) {
    evidence.push(
      `s3://${t.bucket} Block Public Access: ${BPA_SETTINGS.map((k) => `${k}=${String(config[k] ?? false)}`).join(', ')}`,
    );
  }
  const acl = await t.s3.send(new GetBucketAclCommand({ Bucket: t.bucket }));
  const publicGrants = (acl.Grants ?? []).filter((g) => PUBLIC_GROUPS.includes(g.Grantee?.URI ?? ''));
  evidence.push(
    `ACL: ${(acl.Grants ?? []).length} grant(s), ${publicGrants.length} to everyone` +
      publicGrants.map((g) => ` (${g.Permission} to ${g.Grantee?.URI})`).join(''),
  );
  return off.length === 0 && publicGrants.length === 0 ? pass(evidence) : fail(evidence);
}

interface Statement {
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Action?: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
  readonly Resource?: string | string[];
}

/** A statement that denies everyone every S3 action when the request is not over TLS. */
export function deniesPlainHttp(s: Statement): boolean {
  const everyone = s.Principal === '*' || (s.Principal as { AWS?: unknown } | undefined)?.AWS === '*';
  const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
  const tls = s.Condition?.Bool?.['aws:SecureTransport'];
  return s.Effect === 'Deny' && everyone && actions.includes('s3:*') && String(tls) === 'false';
}

export async function checkTlsOnly(t: ValidationTarget): Promise<CheckOutcome> {
  let text: string | undefined;
  try {
    text = (await t.s3.send(new GetBucketPolicyCommand({ Bucket: t.bucket }))).Policy;
  } catch (err) {
    return fail([`s3://${t.bucket}: no bucket policy (${(err as Error).name})`]);
  }
  const statements = ((JSON.parse(text ?? '{}') as { Statement?: Statement[] }).Statement ?? []).filter(
    deniesPlainHttp,
  );
  if (statements.length === 0) {
    return fail([
      `s3://${t.bucket}: the bucket policy has no Deny of s3:* when aws:SecureTransport is false`,
    ]);
  }
  return pass(
    statements.map(
      (s) =>
        `s3://${t.bucket}: Deny s3:* to * when aws:SecureTransport=false on ${JSON.stringify(s.Resource)}`,
    ),
  );
}

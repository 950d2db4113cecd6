/**
 * What moto holds, kept across a `down` and an `up`: moto keeps its state in memory only, so the
 * local lab saves the artifact bucket's objects and the cohort's secrets into its state directory
 * and puts them back into a fresh moto before anything reads them.
 *
 * - Objects: `<dir>/objects.json` lists each key with its content type; the bytes are in
 *   `<dir>/objects/<n>` (numbered files: S3 keys are not always usable as file names).
 * - Secrets: `<dir>/secrets.json` (mode 0600): each secret's name, description, tags, whether
 *   rotation is on, and its AWSCURRENT and AWSPREVIOUS values. Restored as a fresh secret whose
 *   AWSPREVIOUS and AWSCURRENT hold those values (the version ids are new).
 *
 * A save is written into a new directory that then replaces the old one, so a save that fails
 * half-way leaves the previous one as it was.
 */
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { z } from 'zod';
import { ROTATION_DAYS } from './cohort-secrets';
import { LOCAL_REGION } from './infra';

/** Clients of moto's S3, Secrets Manager and KMS. */
export interface AwsClients {
  readonly s3: S3Client;
  readonly sm: SecretsManagerClient;
  readonly kms: KMSClient;
}

/** SDK clients pointed at moto's endpoint (dummy keys: moto checks none). */
export function awsClients(endpoint: string): AwsClients {
  const common = {
    endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  return {
    s3: new S3Client({ ...common, forcePathStyle: true }),
    sm: new SecretsManagerClient(common),
    kms: new KMSClient(common),
  };
}

const savedSecretSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  tags: z.record(z.string(), z.string()),
  rotationEnabled: z.boolean(),
  current: z.string(),
  previous: z.string().optional(),
});
/** One saved secret. */
export type SavedSecret = z.infer<typeof savedSecretSchema>;

const savedObjectsSchema = z.array(
  z.object({ key: z.string().min(1), file: z.string().regex(/^\d+$/), contentType: z.string().optional() }),
);

/** Thrown when a saved file is not what the lab wrote. */
export class SavedStateError extends Error {}

/** Create the bucket unless it exists. */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

/**
 * Set the bucket up as the data stack does (CohortKey, ArtifactBucket): the cohort's KMS key under
 * its alias (created in moto unless it exists), default encryption SSE-KMS with that key and an S3
 * Bucket Key, and all four Block Public Access settings; moto records them and encrypts new
 * objects by the default, so `cohort-lab validate` reads them back as it reads them on AWS.
 *
 * Not the bucket policy that denies requests without TLS: moto evaluates a bucket policy's Deny
 * statements on every object request but only the `StringEquals` condition operator; it ignores
 * `Bool` (`aws:SecureTransport`) and `NumericLessThan` (`s3:TlsVersion`), so the statements
 * would refuse every request (moto 5.2.5, moto/iam/policy_conditions.py). moto serves plain HTTP
 * anyway.
 */
export async function secureBucket(clients: AwsClients, bucket: string, keyAlias: string): Promise<string> {
  let keyArn: string | undefined;
  try {
    keyArn = (await clients.kms.send(new DescribeKeyCommand({ KeyId: keyAlias }))).KeyMetadata?.Arn;
  } catch {
    const created = await clients.kms.send(
      new CreateKeyCommand({ Description: `Cohort Lab local lab: ${bucket}`, KeyUsage: 'ENCRYPT_DECRYPT' }),
    );
    keyArn = created.KeyMetadata?.Arn;
    await clients.kms.send(
      new CreateAliasCommand({ AliasName: keyAlias, TargetKeyId: created.KeyMetadata?.KeyId }),
    );
  }
  if (keyArn === undefined) throw new Error(`KMS gave no ARN for ${keyAlias}`);
  await clients.s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn },
            BucketKeyEnabled: true,
          },
        ],
      },
    }),
  );
  await clients.s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
  return keyArn;
}

/** Every secret whose name starts with `prefix`, with its current and previous value. */
export async function readSecrets(sm: SecretsManagerClient, prefix: string): Promise<SavedSecret[]> {
  const out: SavedSecret[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sm.send(new ListSecretsCommand({ NextToken, MaxResults: 100 }));
    for (const s of page.SecretList ?? []) {
      if (!s.Name?.startsWith(prefix)) continue;
      const meta = await sm.send(new DescribeSecretCommand({ SecretId: s.ARN }));
      const value = async (stage: string) =>
        (await sm.send(new GetSecretValueCommand({ SecretId: s.ARN, VersionStage: stage }))).SecretString;
      const hasPrevious = Object.values(meta.VersionIdsToStages ?? {}).some((v) => v.includes('AWSPREVIOUS'));
      out.push({
        name: s.Name,
        description: meta.Description,
        tags: Object.fromEntries((meta.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
        rotationEnabled: meta.RotationEnabled === true,
        current: (await value('AWSCURRENT')) ?? '',
        previous: hasPrevious ? await value('AWSPREVIOUS') : undefined,
      });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Write `secrets` to `file` (mode 0600), replacing it whole. */
export function writeSecretsFile(file: string, secrets: readonly SavedSecret[]): void {
  const tmp = `${file}.new`;
  writeFileSync(tmp, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** The secrets saved in `file`; throws {@link SavedStateError} when it is not what the lab wrote. */
export function readSecretsFile(file: string): SavedSecret[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SavedStateError(`${file} is not JSON (${(err as Error).name})`);
  }
  const result = z.array(savedSecretSchema).safeParse(parsed);
  if (!result.success) throw new SavedStateError(`${file} is not a list of saved secrets`);
  return result.data;
}

/** Put saved secrets into a fresh Secrets Manager: AWSPREVIOUS, then AWSCURRENT. */
export async function restoreSecrets(
  sm: SecretsManagerClient,
  secrets: readonly SavedSecret[],
): Promise<void> {
  for (const s of secrets) {
    const { ARN } = await sm.send(
      new CreateSecretCommand({
        Name: s.name,
        Description: s.description,
        Tags: Object.entries(s.tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    if (s.rotationEnabled) {
      await sm.send(
        new RotateSecretCommand({
          SecretId: ARN,
          RotationRules: { AutomaticallyAfterDays: ROTATION_DAYS },
          RotateImmediately: false,
        }),
      );
    }
    for (const value of [s.previous, s.current]) {
      // PutSecretValue moves AWSCURRENT to the new version and AWSPREVIOUS to the one before.
      if (value !== undefined)
        await sm.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: value }));
    }
  }
}

/** Save every object of `bucket` into `dir` (replacing what was there); returns the count. */
export async function saveBucket(s3: S3Client, bucket: string, dir: string): Promise<number> {
  const next = `${dir}.new`;
  rmSync(next, { recursive: true, force: true });
  mkdirSync(join(next, 'objects'), { recursive: true, mode: 0o700 });
  const listed: Array<{ key: string; file: string; contentType?: string }> = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
    for (const o of page.Contents ?? []) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
      const file = String(listed.length);
      writeFileSync(join(next, 'objects', file), await got.Body!.transformToByteArray(), { mode: 0o600 });
      listed.push({ key: o.Key!, file, contentType: got.ContentType });
    }
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  writeFileSync(join(next, 'objects.json'), `${JSON.stringify(listed, null, 2)}\n`, { mode: 0o600 });
  rmSync(dir, { recursive: true, force: true });
  renameSync(next, dir);
  return listed.length;
}

/** Put the objects saved in `dir` back into `bucket`; returns the count (0 when nothing was saved). */
export async function restoreBucket(s3: S3Client, bucket: string, dir: string): Promise<number> {
  const index = join(dir, 'objects.json');
  if (!existsSync(index)) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(index, 'utf8'));
  } catch (err) {
    throw new SavedStateError(`${index} is not JSON (${(err as Error).name})`);
  }
  const result = savedObjectsSchema.safeParse(parsed);
  if (!result.success) throw new SavedStateError(`${index} is not a list of saved objects`);
  for (const o of result.data) {
    const file = join(dir, 'objects', o.file);
    if (!existsSync(file)) throw new SavedStateError(`${file}, saved object ${o.key}, is missing`);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: o.key,
        Body: readFileSync(file),
        ContentType: o.contentType,
      }),
    );
  }
  return result.data.length;
}

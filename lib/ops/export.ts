import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  _Object,
} from '@aws-sdk/client-s3';
import { createHash } from 'crypto';
import { AwsClients } from './aws';
import { isError } from './inventory';

/**
 * Teardown's `export`: copy every object of the artifact bucket to a named destination
 * (`s3://<bucket>/<prefix>`), then verify the copy object by object: the same keys (so the same
 * count) and the same SHA-256 of each object's bytes, read back from both sides. ETags are not
 * compared: under SSE-KMS an ETag is not the MD5 of the object, and a copy may be encrypted with
 * another key. A copy already there with the same size is not copied again (a resumed teardown),
 * and is verified like the rest.
 */

/** Where an export goes. */
export interface ExportDestination {
  readonly bucket: string;
  /** Key prefix, `''` or ending in `/`. */
  readonly prefix: string;
}

/** What the verification found. */
export interface ExportReport {
  readonly source: string;
  readonly destination: string;
  readonly objects: number;
  readonly bytes: number;
  readonly copied: number;
  /** Keys whose copy is missing, extra or different; empty when the export matches. */
  readonly mismatches: ReadonlyArray<{ readonly key: string; readonly problem: string }>;
}

/** Parse `s3://bucket/prefix`; undefined when it is not one. */
export function parseDestination(url: string): ExportDestination | undefined {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (m === null) {
    return undefined;
  }
  const prefix = m[2] ?? '';
  return { bucket: m[1], prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

async function listAll(c: AwsClients, bucket: string, prefix: string): Promise<_Object[]> {
  const out: _Object[] = [];
  let token: string | undefined;
  do {
    const page = await c.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    out.push(...(page.Contents ?? []));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return out;
}

async function sha256(c: AwsClients, bucket: string, key: string): Promise<string> {
  const body = (await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body;
  if (body === undefined) {
    throw new Error(`s3://${bucket}/${key}: no body`);
  }
  return createHash('sha256')
    .update(await body.transformToByteArray())
    .digest('hex');
}

/** Copy `source` to `dest` (what is not there yet), then verify every object. */
export async function exportBucket(
  c: AwsClients,
  source: string,
  dest: ExportDestination,
  progress: (line: string) => void,
): Promise<ExportReport> {
  const objects = await listAll(c, source, '');
  let copied = 0;
  for (const o of objects) {
    const target = `${dest.prefix}${o.Key!}`;
    let present = false;
    try {
      const head = await c.s3.send(new HeadObjectCommand({ Bucket: dest.bucket, Key: target }));
      present = head.ContentLength === o.Size;
    } catch (err) {
      if (!isError(err, ['NotFound', 'NoSuchKey'])) {
        throw err;
      }
    }
    if (!present) {
      await c.s3.send(
        new CopyObjectCommand({
          Bucket: dest.bucket,
          Key: target,
          CopySource: `${source}/${o.Key!.split('/').map(encodeURIComponent).join('/')}`,
        }),
      );
      copied++;
    }
  }
  progress(`export: ${objects.length} object(s) in s3://${source}, ${copied} copied now; verifying each`);
  const copies = await listAll(c, dest.bucket, dest.prefix);
  const copyKeys = new Set(copies.map((o) => o.Key!.slice(dest.prefix.length)));
  const sourceKeys = new Set(objects.map((o) => o.Key!));
  const mismatches: Array<{ key: string; problem: string }> = [];
  for (const key of copyKeys) {
    if (!sourceKeys.has(key)) {
      mismatches.push({ key, problem: 'in the export but not in the bucket' });
    }
  }
  for (const o of objects) {
    const key = o.Key!;
    if (!copyKeys.has(key)) {
      mismatches.push({ key, problem: 'missing from the export' });
      continue;
    }
    const [a, b] = await Promise.all([
      sha256(c, source, key),
      sha256(c, dest.bucket, `${dest.prefix}${key}`),
    ]);
    if (a !== b) {
      mismatches.push({
        key,
        problem: `SHA-256 differs (bucket ${a.slice(0, 12)}…, export ${b.slice(0, 12)}…)`,
      });
    }
  }
  return {
    source: `s3://${source}`,
    destination: `s3://${dest.bucket}/${dest.prefix}`,
    objects: objects.length,
    bytes: objects.reduce((n, o) => n + (o.Size ?? 0), 0),
    copied,
    mismatches,
  };
}

import { readFileSync } from 'fs';
import { z } from 'zod';
import { CohortConfigError, ConfigProblem, formatPath } from '../lib/config/errors';
import { imageRef } from '../lib/config/schema';
import { ImageSource, InfraValues } from './values';

const environmentSchema = z.strictObject({
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: 'must be an AWS region' }),
  artifactBucketName: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be an S3 bucket name' }),
  vpcCidr: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, { error: 'must be an IPv4 CIDR' }),
  database: z.strictObject({
    host: z.string().min(1, { error: 'must not be empty' }),
    port: z.int().min(1).max(65535),
    sslMode: z.enum(['require', 'verify-full'], { error: 'must be require or verify-full' }),
  }),
  // Pinned like the cohort file's images: the charts call the tag the operator's pin.
  images: z.strictObject({ mlflow: imageRef, feast: imageRef }),
  oidc: z.strictObject({
    discoveryUrl: z.url({ error: 'must be a URL' }),
    issuer: z.url({ error: 'must be a URL' }),
    clientId: z.string().min(1, { error: 'must not be empty' }).optional(),
  }),
  secretStoreName: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, { error: 'must be a Kubernetes name' }),
});

/**
 * Read an environment file: the AWS-side values a standalone `cdk8s synth` needs for an existing
 * cluster (what the apps stack passes as tokens when CDK applies the charts). Errors name the
 * file, field and value, like cohort files.
 */
export function loadEnvironmentFile(file: string): InfraValues {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CohortConfigError([
      { file, path: '', message: `cannot be read as JSON: ${(err as Error).message}` },
    ]);
  }
  const parsed = environmentSchema.safeParse(raw);
  if (!parsed.success) {
    const problems: ConfigProblem[] = parsed.error.issues.map((issue) => ({
      file,
      path: formatPath(issue.path),
      message:
        issue.code === 'unrecognized_keys' ? `has unknown field(s) ${issue.keys.join(', ')}` : issue.message,
      value: valueAt(raw, issue.path),
    }));
    throw new CohortConfigError(problems);
  }
  // The operator names these images here: prebuilt, pinned by whatever tag or digest the file gives.
  return {
    ...parsed.data,
    imageSources: { mlflow: ImageSource.ENVIRONMENT_FILE, feast: ImageSource.ENVIRONMENT_FILE },
  };
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

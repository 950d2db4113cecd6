import { readFileSync } from 'fs';
import { z } from 'zod';
import { CohortConfigError, ConfigProblem, formatPath } from './errors';
import { REGION_PATTERN } from '../core';
import { imageRef } from './schema';

const environmentSchema = z.strictObject({
  account: z
    .string({ error: 'must be a quoted 12-digit string' })
    .regex(/^\d{12}$/, { error: 'must be the 12-digit AWS account id of the cluster' }),
  region: z.string().regex(REGION_PATTERN, { error: 'must be an AWS region such as eu-west-1' }),
  artifactBucketName: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'must be an S3 bucket name' }),
  vpcCidr: z.cidrv4({ error: 'must be an IPv4 CIDR block such as 10.0.0.0/16' }),
  database: z.strictObject({
    host: z.string().min(1, { error: 'must not be empty' }),
    port: z.int().min(1).max(65535),
    sslMode: z.enum(['require', 'verify-full'], { error: 'must be require or verify-full' }),
  }),
  // Pinned like the cohort file's images: the charts call the tag the operator's pin.
  // `monitoring` (the drift image) is optional: without it, or without alertTopicArn, the learners'
  // charts have no drift CronJob.
  images: z.strictObject({ mlflow: imageRef, feast: imageRef, monitoring: imageRef.optional() }),
  // The cohort's alert topic (data stack), where the drift jobs publish alerts.
  alertTopicArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, {
      error: 'must be an SNS topic ARN',
    })
    .optional(),
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
 * The AWS-side values of an existing cluster that a standalone `cdk8s synth` needs (what the apps
 * stack otherwise passes as deploy-time tokens): the account (the people's roles are in it), bucket,
 * database endpoint, prebuilt images, the OpenID provider and the ClusterSecretStore.
 */
export type EnvironmentConfig = z.infer<typeof environmentSchema>;

/**
 * Read an environment file. Errors name the file, field and value, like cohort files; nothing is
 * returned from a file with any problem.
 */
export function loadEnvironmentFile(file: string): EnvironmentConfig {
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
  return parsed.data;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

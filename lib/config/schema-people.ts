import { z } from 'zod';
import {
  GITHUB_ENVIRONMENT_PATTERN,
  GITHUB_OIDC_PROVIDER_ARN_PATTERN,
  GITHUB_OWNER_PATTERN,
  GITHUB_REPOSITORY_NAME_PATTERN,
  IAM_PRINCIPAL_ARN_PATTERN,
  MAX_GITHUB_ENVIRONMENTS,
  RAW_ID_PATTERN,
} from '../core';

/**
 * The cohort file's people: instructors and learners (ids, emails, IAM principals, shard pins) and
 * the GitHub repositories whose CI roles they get (Lab 2). Part of the cohort file schema
 * (`schema.ts`, which re-exports these).
 */

/**
 * The message for a text field where YAML read something else: an unquoted `007` is the number
 * 7, `true` a boolean, an empty value null.
 */
export function notText(noun: string) {
  return (issue: { readonly input?: unknown }): string => {
    const { input } = issue;
    if (input === null) {
      return 'must not be empty';
    }
    if (typeof input === 'number' || typeof input === 'boolean') {
      const read = typeof input === 'number' ? 'a number' : 'true or false';
      return `${noun} are text; quote it, or YAML reads it as ${read}`;
    }
    return `${noun} are text, not a list or mapping`;
  };
}

const personId = z
  .string({ error: notText('ids') })
  .min(1, { error: 'must not be empty' })
  .max(64, { error: 'must be at most 64 characters' })
  .regex(RAW_ID_PATTERN, { error: 'may only contain letters, digits, ".", "_" and "-"' });

const IAM_PRINCIPAL_ARN_MESSAGE = 'must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)';
/**
 * A person's `learners-N` stack, when the hash of their slug would put them in a full one (the
 * shards rule names the person and a shard with room). Omit it otherwise.
 */
const shardPin = z
  .int({ error: 'must be a whole number (a learners-N stack number)' })
  .min(0, { error: 'must be 0 or more' });

const iamPrincipalArn = z
  .string({ error: IAM_PRINCIPAL_ARN_MESSAGE })
  .regex(IAM_PRINCIPAL_ARN_PATTERN, { error: IAM_PRINCIPAL_ARN_MESSAGE });

export const instructorSchema = z.strictObject(
  {
    id: personId,
    email: z.email({ error: 'must be an email address' }),
    iamPrincipalArn: iamPrincipalArn.optional(),
    shard: shardPin.optional(),
  },
  { error: 'must be an instructor: a mapping with id, email and optionally iamPrincipalArn' },
);

const GITHUB_REPOSITORY_MESSAGE =
  'must be a GitHub repository written <owner>/<repo>: the owner 1-39 letters, digits and single hyphens (not at either end), the name 1-100 letters, digits, ".", "_" and "-"';

/** `<owner>/<repo>` as GitHub spells it (the OIDC subject compares it case-sensitively). */
const githubRepository = z.string({ error: notText('repositories') }).refine(
  (s) => {
    const [owner, name, ...rest] = s.split('/');
    return (
      rest.length === 0 &&
      owner !== undefined &&
      name !== undefined &&
      GITHUB_OWNER_PATTERN.test(owner) &&
      GITHUB_REPOSITORY_NAME_PATTERN.test(name) &&
      name !== '.' &&
      name !== '..' &&
      !name.toLowerCase().endsWith('.git')
    );
  },
  { error: GITHUB_REPOSITORY_MESSAGE },
);

const githubEnvironment = z
  .string({ error: notText('environment names') })
  .regex(GITHUB_ENVIRONMENT_PATTERN, {
    error: 'must be a GitHub environment name of 1-255 letters, digits, ".", "_" and "-"',
  });

/** A learner's GitHub repository: its CI role trusts the repository's environments (Lab 2). */
export const learnerGithubSchema = z.strictObject(
  {
    repository: githubRepository,
    environments: z
      .array(githubEnvironment, { error: 'must be a list of GitHub environment names' })
      .min(1, { error: 'must list at least one environment' })
      .max(MAX_GITHUB_ENVIRONMENTS, {
        error: `must list at most ${MAX_GITHUB_ENVIRONMENTS} environments (each is one subject of the CI role's trust policy)`,
      })
      .optional(),
  },
  { error: 'must be a mapping with repository and optionally environments' },
);

const GITHUB_OIDC_PROVIDER_MESSAGE =
  'must be create, or the ARN of an existing IAM OIDC provider arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com';

/** The cohort's GitHub settings: whose OIDC provider the CI roles trust. */
export const githubSchema = z.strictObject({
  oidcProvider: z
    .union(
      [
        z.literal('create'),
        z.string().regex(GITHUB_OIDC_PROVIDER_ARN_PATTERN, { error: GITHUB_OIDC_PROVIDER_MESSAGE }),
      ],
      {
        error: GITHUB_OIDC_PROVIDER_MESSAGE,
      },
    )
    .optional(),
});

export const learnerSchema = z.strictObject(
  {
    id: personId,
    email: z.email({ error: 'must be an email address' }),
    displayName: z
      .string({ error: notText('display names') })
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(128, { error: 'must be at most 128 characters' }),
    iamPrincipalArn: iamPrincipalArn.optional(),
    shard: shardPin.optional(),
    github: learnerGithubSchema.optional(),
  },
  { error: 'must be a learner: a mapping with id, email, displayName and optionally iamPrincipalArn' },
);

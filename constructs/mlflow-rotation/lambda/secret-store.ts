/**
 * The rotation function's Secrets Manager reads and new values: a version's JSON value by stage,
 * a fresh password, and the check that a value is an MLflow user's. No secret value ever reaches an
 * error message.
 */
import {
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import { RotationError } from './errors';
import { RotationDeps, UserSecret } from './types';

/** Length of generated passwords; MLflow requires 12 at least. */
export const PASSWORD_LENGTH = 32;

/** The JSON object held by `id` at `stage` (and version `token`, if given). */
export async function getJson(
  deps: RotationDeps,
  id: string,
  stage: 'AWSCURRENT' | 'AWSPENDING' | 'AWSPREVIOUS',
  token?: string,
): Promise<Record<string, unknown>> {
  const res = await deps.secrets.send(
    new GetSecretValueCommand({ SecretId: id, VersionStage: stage, VersionId: token }),
  );
  let value: unknown;
  try {
    value = JSON.parse(res.SecretString ?? '');
  } catch {
    // The parser's message quotes the input: never pass it on.
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RotationError(`Secret ${id} (${stage}) is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** {@link getJson}, or undefined when that version does not exist. */
export async function tryGetJson(
  deps: RotationDeps,
  id: string,
  stage: 'AWSPENDING' | 'AWSPREVIOUS',
  token?: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    return await getJson(deps, id, stage, token);
  } catch (err) {
    if (err instanceof ResourceNotFoundException || (err as Error).name === 'ResourceNotFoundException') {
      return undefined;
    }
    throw err;
  }
}

/** A new password of {@link PASSWORD_LENGTH} letters and digits from GetRandomPassword. */
export async function newPassword(deps: RotationDeps): Promise<string> {
  // Letters and digits only: the values go into URLs, ini files and Redis configuration.
  const res = await deps.secrets.send(
    new GetRandomPasswordCommand({
      PasswordLength: PASSWORD_LENGTH,
      ExcludePunctuation: true,
      RequireEachIncludedType: true,
    }),
  );
  if (!res.RandomPassword || res.RandomPassword.length < 12) {
    throw new RotationError('GetRandomPassword returned no usable password');
  }
  return res.RandomPassword;
}

/** `value` as an MLflow user's secret; throws when it lacks the username or password string. */
export function userSecret(value: Record<string, unknown>, arn: string): UserSecret {
  if (typeof value.username !== 'string' || typeof value.password !== 'string') {
    throw new RotationError(`Secret ${arn} must hold {"username", "password"} strings`);
  }
  return value as UserSecret;
}

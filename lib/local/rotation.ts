/**
 * Rotations as Secrets Manager runs them, with the cohort's real rotation function
 * (constructs/mlflow-rotation/lambda, `makeHandler`): a fresh ClientRequestToken and the four
 * steps in order (createSecret, setSecret, testSecret, finishSecret), each one handler call. The
 * function reaches MLflow through the load balancer stand-in (on AWS: the private endpoint), and
 * its JSON log lines go to a log file (on AWS: CloudWatch Logs); they never hold a secret value.
 *
 * moto cannot invoke the function itself (its Lambda needs Docker), so this is the one stand-in:
 * Secrets Manager registers the token before createSecret; the function also accepts a token not
 * registered yet.
 */
import { randomUUID } from 'crypto';
import { appendFileSync } from 'fs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { makeHandler, RotationStep } from '../../constructs/mlflow-rotation/lambda';

/** The steps of one rotation, in order. */
export const ROTATION_STEPS: readonly RotationStep[] = [
  'createSecret',
  'setSecret',
  'testSecret',
  'finishSecret',
];

export interface RotationContext {
  readonly sm: SecretsManagerClient;
  /** MLflow as the function reaches it. */
  readonly mlflowUrl: string;
  /** The MLflow admin secret (name or ARN). */
  readonly adminSecretId: string;
  /** The function's log file (CloudWatch Logs stand-in). */
  readonly logFile: string;
}

/** One finished rotation. */
export interface RotationResult {
  readonly secretId: string;
  readonly token: string;
  readonly ms: number;
}

/** Rotate `secretId` end to end; throws the function's error (after logging it, as Lambda does). */
export async function rotateSecret(ctx: RotationContext, secretId: string): Promise<RotationResult> {
  const log = (line: Record<string, unknown>) =>
    appendFileSync(ctx.logFile, `${JSON.stringify(line)}\n`, { mode: 0o600 });
  const handler = makeHandler({
    secrets: ctx.sm,
    mlflowUrl: ctx.mlflowUrl,
    adminSecretId: ctx.adminSecretId,
    httpTimeoutMs: 10_000,
    log: (level, message, fields) => log({ time: new Date().toISOString(), level, message, ...fields }),
  });
  const token = randomUUID();
  const started = Date.now();
  for (const Step of ROTATION_STEPS) {
    try {
      await handler({ SecretId: secretId, ClientRequestToken: token, Step });
    } catch (err) {
      const { name, message } = err as Error;
      log({
        time: new Date().toISOString(),
        level: 'error',
        errorType: name,
        errorMessage: message,
        step: Step,
      });
      throw err;
    }
  }
  return { secretId, token, ms: Date.now() - started };
}

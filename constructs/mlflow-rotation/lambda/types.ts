/** The shapes the rotation function's modules share: the event, its dependencies, a user secret. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The four steps of a rotation, in the order Secrets Manager calls them. */
export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

/** The event Secrets Manager sends to a rotation function. */
export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: RotationStep;
}

export interface Logger {
  (
    level: 'info' | 'warn' | 'error',
    message: string,
    fields?: Record<string, string | number | boolean>,
  ): void;
}

export interface RotationDeps {
  readonly secrets: SecretsManagerClient;
  /** Base URL of MLflow reachable from the function (the internal load balancer). */
  readonly mlflowUrl: string;
  /** ARN or name of the MLflow admin secret (for setting learners' passwords). */
  readonly adminSecretId: string;
  readonly log: Logger;
  /** Per-request timeout towards MLflow, in milliseconds. */
  readonly httpTimeoutMs?: number;
}

/** The value of an MLflow user's secret (`mlflow-admin`, `mlflow-user`, `mlflow-instructor`). */
export interface UserSecret {
  readonly username: string;
  readonly password: string;
  readonly [k: string]: unknown;
}

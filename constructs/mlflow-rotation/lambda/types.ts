/** The shapes the function's modules share: the events, their dependencies, a user secret. */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { CfnResponse } from './cfn-response';

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

/** A CloudFormation custom-resource request (a roster member: roster-member.ts). */
export type MemberEvent = CloudFormationCustomResourceEvent;

/** What the function is invoked with: a rotation step, or a roster member request. */
export type FunctionEvent = RotationEvent | MemberEvent;

/** What a roster member request needs besides what rotation needs. */
export interface MemberDeps extends RotationDeps {
  /** Cognito of the cohort's user pool. */
  readonly cognito: CognitoIdentityProviderClient;
  /**
   * Sends the answer to CloudFormation.
   * @default sendResponse (cfn-response.ts)
   */
  readonly respond?: (url: string, response: CfnResponse) => Promise<void>;
}

/** The value of an MLflow user's secret (`mlflow-admin`, `mlflow-user`, `mlflow-instructor`). */
export interface UserSecret {
  readonly username: string;
  readonly password: string;
  readonly [k: string]: unknown;
}

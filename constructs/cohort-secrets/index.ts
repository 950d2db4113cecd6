import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { MLFLOW_ADMIN_USERNAME, SecretKind, secretNames } from '../../lib/core';
import { SecretRotation } from '../mlflow-rotation';

/** Length of every generated secret value; letters and digits only (URL, ini and Redis safe). */
export const GENERATED_LENGTH = 32;

/** Properties of {@link CohortSecrets}. */
export interface CohortSecretsProps {
  readonly cohortName: string;
  /** Key every secret is encrypted with (the cohort key). */
  readonly encryptionKey: kms.IKey;
  /** The rotation function that puts each secret on its schedule. */
  readonly rotation: SecretRotation;
  /**
   * What deleting the stack does to the secrets (DESTROY: CloudFormation deletes them at once,
   * without Secrets Manager's recovery window).
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The cohort's service secrets, each encrypted with the cohort key, tagged with its
 * `lab:secret-kind`, and on the shared rotation function's schedule:
 *
 * | secret                               | value                          | kind            |
 * | ------------------------------------ | ------------------------------ | --------------- |
 * | `cohort-lab/<c>/mlflow-admin`        | `{username: admin, password}`  | mlflow-admin    |
 * | `cohort-lab/<c>/mlflow-flask-secret-key` | `{secretKey}`              | generated-key   |
 * | `cohort-lab/<c>/redis`               | `{password, previousPassword}` | generated-dual  |
 *
 * (The database users' secrets belong to the database construct and rotate with AWS's hosted
 * alternating-users rotation.) The Redis secret rotates once at creation so that it holds both a
 * current and a previous password from the start: Redis accepts both, so Feast pods that still
 * hold the old one keep working while they are rolled.
 */
export class CohortSecrets extends Construct {
  public readonly mlflowAdmin: secretsmanager.Secret;
  public readonly flaskKey: secretsmanager.Secret;
  public readonly redis: secretsmanager.Secret;
  private readonly props: CohortSecretsProps;

  constructor(scope: Construct, id: string, props: CohortSecretsProps) {
    super(scope, id);
    this.props = props;
    const names = secretNames(props.cohortName);
    this.mlflowAdmin = this.generated(
      'MlflowAdmin',
      names.mlflowAdmin,
      'MLflow admin user',
      { username: MLFLOW_ADMIN_USERNAME },
      'password',
    );
    this.flaskKey = this.generated(
      'FlaskKey',
      names.mlflowFlaskKey,
      'Flask secret key shared by the MLflow replicas',
      {},
      'secretKey',
    );
    this.redis = this.generated(
      'Redis',
      names.redis,
      'Redis password of the Feast online store',
      {},
      'password',
    );
    props.rotation.addSecret(this.mlflowAdmin, SecretKind.MLFLOW_ADMIN);
    props.rotation.addSecret(this.flaskKey, SecretKind.GENERATED_KEY);
    props.rotation.addSecret(this.redis, SecretKind.GENERATED_DUAL, true);
  }

  private generated(
    id: string,
    secretName: string,
    description: string,
    template: Record<string, string>,
    key: string,
  ): secretsmanager.Secret {
    return generatedSecret(this, id, {
      secretName,
      description,
      encryptionKey: this.props.encryptionKey,
      removalPolicy: this.props.removalPolicy,
      template,
      generateKey: key,
    });
  }
}

/** Properties of {@link generatedSecret}. */
export interface GeneratedSecretProps {
  /** Secrets Manager name. */
  readonly secretName: string;
  /** What the secret is, after "Cohort Lab: ". */
  readonly description: string;
  /** Key the secret is encrypted with (the cohort key). */
  readonly encryptionKey: kms.IKey;
  /**
   * What deleting the stack does to the secret (DESTROY: CloudFormation deletes it at once, without
   * Secrets Manager's recovery window).
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /** The fixed fields of the JSON value, e.g. `{ username: 'ada' }`. */
  readonly template: Readonly<Record<string, string>>;
  /** The field Secrets Manager fills with a generated value ({@link GENERATED_LENGTH} letters and digits). */
  readonly generateKey: string;
}

/** A Secrets Manager secret whose JSON value has one generated field, encrypted with the cohort key. */
export function generatedSecret(
  scope: Construct,
  id: string,
  props: GeneratedSecretProps,
): secretsmanager.Secret {
  return new secretsmanager.Secret(scope, id, {
    secretName: props.secretName,
    description: `Cohort Lab: ${props.description}`,
    encryptionKey: props.encryptionKey,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    generateSecretString: {
      secretStringTemplate: JSON.stringify(props.template),
      generateStringKey: props.generateKey,
      passwordLength: GENERATED_LENGTH,
      excludePunctuation: true,
      includeSpace: false,
      requireEachIncludedType: true,
    },
  });
}

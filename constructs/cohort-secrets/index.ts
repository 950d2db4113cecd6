import { RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IDependable } from 'constructs';
import { MLFLOW_ADMIN_USERNAME, SecretKind, secretNames, SLUG_PATTERN } from '../../lib/core';
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
   * What deleting the stack does to the secrets (DESTROY schedules deletion with a recovery window).
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Options of {@link CohortSecrets.addLearner}. */
export interface LearnerSecretOptions {
  /**
   * Rotate once at deployment, which creates the learner's MLflow user with the new password.
   * @default true
   */
  readonly createUserNow?: boolean;
  /** What must be deployed before that first rotation: the MLflow manifest and its endpoint. */
  readonly after?: readonly IDependable[];
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
 * | `cohort-lab/<c>/learners/<slug>/mlflow` | `{username: <slug>, password}` | mlflow-user  |
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

  /**
   * The MLflow credentials of one learner, on the rotation schedule. The function creates the
   * learner's MLflow user on the secret's first rotation; by default that rotation runs at deploy
   * time, after `options.after` (the applied MLflow manifest), so the credentials log in from the
   * start rather than after the first 30 days. The roster wiring is the Learners issue; this is the
   * shape.
   */
  public addLearner(slug: string, options: LearnerSecretOptions = {}): secretsmanager.Secret {
    if (!SLUG_PATTERN.test(slug)) {
      throw new Error(`CohortSecrets: learner slug "${slug}" is not a normalised id`);
    }
    const secret = this.generated(
      `Learner-${slug}`,
      secretNames(this.props.cohortName).learnerMlflow(slug),
      `MLflow credentials of learner ${slug}`,
      { username: slug },
      'password',
    );
    Tags.of(secret).add('lab:learner', slug);
    const schedule = this.props.rotation.addSecret(
      secret,
      SecretKind.MLFLOW_USER,
      options.createUserNow ?? true,
    );
    for (const dependency of options.after ?? []) {
      schedule.node.addDependency(dependency);
    }
    return secret;
  }

  private generated(
    id: string,
    secretName: string,
    description: string,
    template: Record<string, string>,
    key: string,
  ): secretsmanager.Secret {
    return new secretsmanager.Secret(this, id, {
      secretName,
      description: `Cohort Lab: ${description}`,
      encryptionKey: this.props.encryptionKey,
      removalPolicy: this.props.removalPolicy ?? RemovalPolicy.DESTROY,
      generateSecretString: {
        secretStringTemplate: JSON.stringify(template),
        generateStringKey: key,
        passwordLength: GENERATED_LENGTH,
        excludePunctuation: true,
        includeSpace: false,
        requireEachIncludedType: true,
      },
    });
  }
}

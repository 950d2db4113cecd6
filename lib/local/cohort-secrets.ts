/**
 * The cohort's Secrets Manager secrets, created in moto the way the stacks create them:
 *
 * - the service secrets of CohortSecrets (`mlflow-admin`, `mlflow-flask-secret-key`, `redis`) and
 *   the database users' of CohortDatabase (`db-master`, `db-mlflow`), under lib/core's
 *   `secretNames`;
 * - each person's MLflow credentials (LabPerson), tagged `lab:learner=<slug>` or
 *   `lab:instructor=<slug>`;
 * - the cohort's `lab:*` tags on all of them, `lab:secret-kind` on those the shared rotation
 *   function rotates, and rotation on for those (every 30 days, as SecretRotation schedules it);
 * - generated values as CloudFormation generates them for `generateSecretString`
 *   (generatedSecret): GetRandomPassword of {@link GENERATED_LENGTH} letters and digits, one of
 *   each type, into one field of a fixed template.
 *
 * The database users rotate with AWS's hosted rotation on AWS, which does not run here: the lab
 * never rotates them.
 */
import {
  CreateSecretCommand,
  GetRandomPasswordCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GENERATED_LENGTH } from '../../constructs/cohort-secrets';
import { CohortConfig } from '../config';
import {
  CI_TAG,
  ciUsername,
  labTags,
  MLFLOW_ADMIN_USERNAME,
  PersonRole,
  personTagKey,
  SECRET_KIND_TAG,
  SecretKind,
  secretNames,
} from '../core';

/** The RDS master user's name (CohortDatabase: `Credentials.fromGeneratedSecret('postgres')`). */
export const DB_MASTER_USERNAME = 'postgres';
/** MLflow's database user (the cluster stack's `appUsername`). */
export const DB_APP_USERNAME = 'mlflow';
/** MLflow's database, as the application user's secret names it (CohortDatabase's `dbname`). */
export const DB_APP_DATABASE = 'mlflow';
/** Days between rotations (SecretRotation's default interval). */
export const ROTATION_DAYS = 30;

/** One secret as a stack creates it. */
export interface SecretSpec {
  readonly name: string;
  readonly description: string;
  /** Fixed fields of the JSON value. */
  readonly template: Readonly<Record<string, string>>;
  /** The field filled with a generated value. */
  readonly generateKey: string;
  readonly tags: Readonly<Record<string, string>>;
  /** How the shared function rotates it; undefined: it does not (the database users). */
  readonly kind?: SecretKind;
  /** Rotated once right after creation (`rotateImmediatelyOnUpdate`). */
  readonly rotateNow: boolean;
  /** The person whose credentials it holds. */
  readonly person?: { readonly slug: string; readonly role: PersonRole };
  /**
   * The master user's secret, whose ARN the value names as `masterarn` (an RDS DatabaseSecret of
   * an application user: AWS's alternating-users rotation reads the master from it).
   */
  readonly masterSecret?: string;
}

/** Every secret of `config`'s stacks, services first, then the people (instructors, learners). */
export function cohortSecretSpecs(config: CohortConfig): SecretSpec[] {
  const names = secretNames(config.name);
  const tags = labTags(config);
  const service = (
    name: string,
    description: string,
    template: Record<string, string>,
    generateKey: string,
    kind: SecretKind | undefined,
    rotateNow = false,
  ): SecretSpec => ({
    name,
    description: `Cohort Lab: ${description}`,
    template,
    generateKey,
    tags: kind ? { ...tags, [SECRET_KIND_TAG]: kind } : tags,
    kind,
    rotateNow,
  });
  const specs: SecretSpec[] = [
    service(
      names.mlflowAdmin,
      'MLflow admin user',
      { username: MLFLOW_ADMIN_USERNAME },
      'password',
      SecretKind.MLFLOW_ADMIN,
    ),
    service(
      names.mlflowFlaskKey,
      'Flask secret key shared by the MLflow replicas',
      {},
      'secretKey',
      SecretKind.GENERATED_KEY,
    ),
    service(
      names.redis,
      'Redis password of the Feast online store',
      {},
      'password',
      SecretKind.GENERATED_DUAL,
      true,
    ),
    service(
      names.dbMaster,
      'MLflow database master user',
      { username: DB_MASTER_USERNAME },
      'password',
      undefined,
    ),
    {
      ...service(
        names.dbMlflow,
        "MLflow's database user",
        { username: DB_APP_USERNAME, dbname: DB_APP_DATABASE },
        'password',
        undefined,
      ),
      masterSecret: names.dbMaster,
    },
  ];
  const people = [
    ...config.instructors.map((p) => ({ slug: p.slug, role: PersonRole.INSTRUCTOR })),
    ...config.learners.map((p) => ({ slug: p.slug, role: PersonRole.LEARNER })),
  ];
  for (const person of people) {
    const learner = person.role === PersonRole.LEARNER;
    const kind = learner ? SecretKind.MLFLOW_USER : SecretKind.MLFLOW_INSTRUCTOR;
    specs.push({
      name: learner ? names.learnerMlflow(person.slug) : names.instructorMlflow(person.slug),
      description: `Cohort Lab: MLflow credentials of ${person.role} ${person.slug}`,
      template: { username: person.slug },
      generateKey: 'password',
      tags: { ...tags, [SECRET_KIND_TAG]: kind, [personTagKey(person.role)]: person.slug },
      kind,
      rotateNow: true,
      person,
    });
  }
  // Lab 2: a learner with a repository has a CI user (GithubCiRole in the learners-N stacks).
  for (const learner of config.learners.filter((l) => l.github !== undefined)) {
    specs.push({
      name: names.learnerMlflowCi(learner.slug),
      description: `Cohort Lab: CI of ${learner.slug}`,
      template: { username: ciUsername(learner.slug) },
      generateKey: 'password',
      tags: { ...tags, [SECRET_KIND_TAG]: SecretKind.MLFLOW_CI, [CI_TAG]: learner.slug },
      kind: SecretKind.MLFLOW_CI,
      rotateNow: true,
      person: { slug: learner.slug, role: PersonRole.LEARNER },
    });
  }
  return specs;
}

/**
 * A value as CloudFormation generates it: the template (with `masterarn`, the ARN of the master
 * user's secret, from `arns`), plus one generated field.
 */
export async function generatedValue(
  sm: SecretsManagerClient,
  spec: SecretSpec,
  arns: Readonly<Record<string, string>> = {},
): Promise<Record<string, string>> {
  const { RandomPassword } = await sm.send(
    new GetRandomPasswordCommand({
      PasswordLength: GENERATED_LENGTH,
      ExcludePunctuation: true,
      IncludeSpace: false,
      RequireEachIncludedType: true,
    }),
  );
  if (!RandomPassword) throw new Error(`GetRandomPassword gave no value for ${spec.name}`);
  const master: Record<string, string> =
    spec.masterSecret === undefined ? {} : { masterarn: arns[spec.masterSecret] ?? '' };
  return { ...spec.template, ...master, [spec.generateKey]: RandomPassword };
}

/**
 * Create `spec`'s secret with its generated value (one version, AWSCURRENT), tagged, with rotation
 * on when the function rotates it; returns its ARN.
 *
 * moto's RotateSecret with a Lambda ARN would invoke the function through moto's Docker Lambda,
 * which does not run here. So the secret is created without a value, RotateSecret with
 * RotationRules and RotateImmediately false and no Lambda ARN turns rotation on (moto adds no
 * version to a secret that has none), then PutSecretValue stores the value: one version,
 * AWSCURRENT. Rotations are then run by rotation.ts, step by step, as Secrets Manager runs them.
 */
export async function createCohortSecret(
  sm: SecretsManagerClient,
  spec: SecretSpec,
  value: Record<string, string>,
): Promise<string> {
  const { ARN } = await sm.send(
    new CreateSecretCommand({
      Name: spec.name,
      Description: spec.description,
      Tags: Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  if (spec.kind !== undefined) {
    await sm.send(
      new RotateSecretCommand({
        SecretId: ARN,
        RotationRules: { AutomaticallyAfterDays: ROTATION_DAYS },
        RotateImmediately: false,
      }),
    );
  }
  await sm.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: JSON.stringify(value) }));
  return ARN!;
}

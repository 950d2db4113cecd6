import { Aws, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  CI_ROLE_TAG_VALUE,
  CI_TAG,
  ciRoleName,
  ciRolePath,
  ciUsername,
  GITHUB_ENVIRONMENT_PATTERN,
  GITHUB_OIDC_AUDIENCE,
  GITHUB_OIDC_HOST,
  GITHUB_OIDC_PROVIDER_ARN_PATTERN,
  githubOidcProviderArn,
  githubSubject,
  LAB_TAG,
  PERSON_TAG,
  SecretKind,
  secretNames,
  SLUG_PATTERN,
} from '../../lib/core';
import { generatedSecret } from '../cohort-secrets';
import { SecretRotation } from '../mlflow-rotation';

export * from './policy';

/** Properties of {@link GithubOidcProvider}. */
export interface GithubOidcProviderProps {
  /**
   * An IAM OIDC provider for GitHub Actions that exists already. IAM keys providers by URL, so an
   * account holds one for `token.actions.githubusercontent.com`: the second cohort of an account
   * names the first's (or the account's own).
   * @default - a new provider is created
   */
  readonly existingProviderArn?: string;
}

/**
 * GitHub Actions' OIDC provider of the account (`https://token.actions.githubusercontent.com`,
 * client id `sts.amazonaws.com`), created, or the existing one by ARN. No thumbprint is given: IAM
 * trusts GitHub's certificate authority itself for this provider.
 */
export class GithubOidcProvider extends Construct {
  /** The provider (created or imported). */
  public readonly provider: iam.IOidcProvider;

  constructor(scope: Construct, id: string, props: GithubOidcProviderProps = {}) {
    super(scope, id);
    if (props.existingProviderArn !== undefined) {
      if (!GITHUB_OIDC_PROVIDER_ARN_PATTERN.test(props.existingProviderArn)) {
        throw new Error(
          `GithubOidcProvider ${id}: existingProviderArn must be a GitHub Actions OIDC provider ARN (got "${props.existingProviderArn}")`,
        );
      }
      this.provider = iam.OidcProviderNative.fromOidcProviderArn(this, 'Resource', props.existingProviderArn);
    } else {
      const created = new iam.OidcProviderNative(this, 'Resource', {
        url: `https://${GITHUB_OIDC_HOST}`,
        clientIds: [GITHUB_OIDC_AUDIENCE],
      });
      // Other cohorts of the account may name this provider; deleting it with this stack is
      // what `teardown` does, and README says so.
      created.applyRemovalPolicy(RemovalPolicy.DESTROY);
      this.provider = created;
    }
  }

  /**
   * The provider's ARN as another stack of the same account computes it, without a cross-stack
   * reference (IAM keys providers by URL, so the ARN is fixed).
   */
  public static arnIn(existingProviderArn: string | undefined): string {
    return existingProviderArn ?? githubOidcProviderArn(Aws.PARTITION, Aws.ACCOUNT_ID);
  }
}

/** Properties of {@link GithubCiRole}. */
export interface GithubCiRoleProps {
  /** The cohort's name: in the role's path and name, the tags and the secret's name. */
  readonly cohortName: string;
  /** The learner's slug. */
  readonly slug: string;
  /** `<owner>/<repo>` of the learner's repository, as GitHub spells it. */
  readonly repository: string;
  /** The environments whose jobs may assume the role. */
  readonly environments: readonly string[];
  /** ARN of GitHub's OIDC provider in the account ({@link GithubOidcProvider.arnIn}). */
  readonly oidcProviderArn: string;
  /** The shared CI policy ({@link CiPolicy}): keyed on the role's `lab:ci` tag. */
  readonly policy: iam.IManagedPolicy;
  /** The cohort key: the CI secret is encrypted with it. */
  readonly encryptionKey: kms.IKey;
  /** The shared rotation function: it makes the CI user, the promotion model and the grants. */
  readonly rotation: SecretRotation;
  /**
   * What deleting the learner's stack (or the repository leaving the file) does to the secret.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A learner's CI access for the promotion lab (Lab 2):
 *
 * - an IAM role `ci-<slug>-<cohort hash>` under `/cohortlab/<cohort>/ci/` that only GitHub Actions
 *   jobs of `<owner>/<repo>` running in one of the listed environments may assume
 *   (`token.actions.githubusercontent.com:sub` = `repo:<owner>/<repo>:environment:<env>`, `aud` =
 *   `sts.amazonaws.com`, StringEquals both), tagged `lab:ci=<slug>` and `lab:role=ci`, with the
 *   shared CI policy: it reads the learner's `mlflow-ci` secret and writes `learners/<slug>/`, and
 *   nothing else (it carries no `lab:learner` tag, so none of the learner's own grants);
 * - the secret `cohort-lab/<cohort>/learners/<slug>/mlflow-ci` (`{username: ci.<slug>, password}`),
 *   tagged `lab:ci=<slug>`, rotated by the shared function from deploy time on, which makes the CI
 *   user, the registered model `promotion.<slug>` and the grants (EDIT for the CI user, MANAGE for
 *   the learner).
 */
export class GithubCiRole extends Construct {
  /** The role (primary child, id `Resource`). */
  public readonly role: iam.Role;
  /** The CI user's MLflow credentials. */
  public readonly secret: secretsmanager.Secret;
  /** The secret's rotation schedule. */
  public readonly rotationSchedule: secretsmanager.CfnRotationSchedule;
  /** The OIDC subjects the role trusts, one per environment. */
  public readonly subjects: readonly string[];

  constructor(scope: Construct, id: string, props: GithubCiRoleProps) {
    super(scope, id);
    if (!SLUG_PATTERN.test(props.slug)) {
      throw new Error(`GithubCiRole ${id}: slug "${props.slug}" is not a normalised id`);
    }
    if (props.environments.length === 0) {
      throw new Error(`GithubCiRole ${id}: learner "${props.slug}" needs at least one environment`);
    }
    const bad = props.environments.find((e) => !GITHUB_ENVIRONMENT_PATTERN.test(e));
    if (bad !== undefined) {
      throw new Error(`GithubCiRole ${id}: "${bad}" is not a GitHub environment name`);
    }
    this.subjects = props.environments.map((e) => githubSubject(props.repository, e));
    this.role = new iam.Role(this, 'Resource', {
      roleName: ciRoleName(props.cohortName, props.slug),
      path: ciRolePath(props.cohortName),
      assumedBy: new iam.WebIdentityPrincipal(props.oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: this.subjects.length === 1 ? this.subjects[0] : [...this.subjects],
        },
      }),
      managedPolicies: [props.policy],
    });
    Tags.of(this.role).add(CI_TAG, props.slug);
    Tags.of(this.role).add(PERSON_TAG.role, CI_ROLE_TAG_VALUE);
    Tags.of(this.role).add(LAB_TAG.cohort, props.cohortName);

    this.secret = generatedSecret(this, 'MlflowSecret', {
      secretName: secretNames(props.cohortName).learnerMlflowCi(props.slug),
      description: `CI of ${props.slug}`,
      encryptionKey: props.encryptionKey,
      removalPolicy: props.removalPolicy,
      template: { username: ciUsername(props.slug) },
      generateKey: 'password',
    });
    Tags.of(this.secret).add(CI_TAG, props.slug);
    this.rotationSchedule = props.rotation.addSecret(this.secret, SecretKind.MLFLOW_CI, true);
  }

  /** The role's ARN. */
  public get roleArn(): string {
    return this.role.roleArn;
  }

  /** The secret's name (the `MLFLOW_CI_SECRET_ID` repository variable). */
  public get secretName(): string {
    return Stack.of(this).resolve(this.secret.secretName) as string;
  }
}

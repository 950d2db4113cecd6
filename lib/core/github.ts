import { createHash } from 'crypto';
import { PRODUCT_PREFIX } from './names';

/**
 * GitHub Actions as a cohort sees it (Lab 2, the model promotion pipeline): the names, patterns
 * and derived identities that the config, the CDK stacks, the rotation function, the local lab and
 * the workflow checks all use. A learner whose cohort-file entry names a GitHub repository gets a
 * CI role (trusted by GitHub's OIDC provider for that repository's environments), an MLflow user
 * `ci.<slug>` with its own secret, and a registered model `promotion.<slug>`.
 */

/** The issuer host of GitHub Actions' OIDC tokens (the IAM OIDC provider's URL without https://). */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** The audience the CI role accepts: what aws-actions/configure-aws-credentials asks for. */
export const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';

/** The environments a learner's CI role trusts when the cohort file names none. */
export const DEFAULT_GITHUB_ENVIRONMENTS: readonly string[] = ['staging', 'production'];

/**
 * A GitHub account (user or organisation) name: letters, digits and single hyphens, not at either
 * end, at most 39 characters (GitHub's sign-up rule).
 */
export const GITHUB_OWNER_PATTERN = /^(?=.{1,39}$)[A-Za-z0-9]+(-[A-Za-z0-9]+)*$/;

/** A GitHub repository name: letters, digits, `.`, `_` and `-`, at most 100 characters. */
export const GITHUB_REPOSITORY_NAME_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * A GitHub deployment environment name as this product accepts it: GitHub allows 255 characters;
 * we accept letters, digits, `.`, `_` and `-` only, so that the name is written verbatim into the
 * OIDC subject an IAM condition compares (`repo:<owner>/<repo>:environment:<name>`).
 */
export const GITHUB_ENVIRONMENT_PATTERN = /^[A-Za-z0-9._-]{1,255}$/;

/** At most this many environments per learner: each is one `sub` in the CI role's trust policy. */
export const MAX_GITHUB_ENVIRONMENTS = 8;

/** An IAM OIDC provider ARN of GitHub Actions: `arn:<partition>:iam::<account>:oidc-provider/token.actions.githubusercontent.com`. */
export const GITHUB_OIDC_PROVIDER_ARN_PATTERN =
  /^arn:(aws[a-z-]*):iam::(\d{12}):oidc-provider\/token\.actions\.githubusercontent\.com$/;

/** The OIDC subject of a job that runs in `environment` of `repository` (`<owner>/<repo>`). */
export function githubSubject(repository: string, environment: string): string {
  return `repo:${repository}:environment:${environment}`;
}

/** The ARN of GitHub's OIDC provider in an account (one per account: IAM keys providers by URL). */
export function githubOidcProviderArn(partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

/** The MLflow user of a learner's CI: `ci.<slug>` (a `.` never occurs in a slug, so it cannot collide). */
export function ciUsername(slug: string): string {
  return `ci.${slug}`;
}

/** The slug of a CI user name, or undefined when it is not one. */
export function slugOfCiUsername(username: string): string | undefined {
  return /^ci\.([a-z][a-z0-9-]*)$/.exec(username)?.[1];
}

/** The registered model of a learner's promotion lab: `promotion.<slug>`. */
export function promotionModelName(slug: string): string {
  return `promotion.${slug}`;
}

/**
 * The tag on a learner's CI role (and on its `mlflow-ci` secret) that the shared CI policy grants
 * by: `lab:ci=<slug>`. The CI role carries no `lab:learner` tag, so it gets nothing of the
 * learner's own grants.
 */
export const CI_TAG = 'lab:ci';

/** The value of `lab:role` on a CI role. */
export const CI_ROLE_TAG_VALUE = 'ci';

/**
 * The name of the cohort's shared CI policy (data stack). Fixed, so the learners-N stacks name it
 * without a cross-stack reference (whose export would make the data stack change with the roster).
 */
export function ciPolicyName(cohort: string): string {
  return `${PRODUCT_PREFIX}-${cohort}-learner-ci`;
}

/** The IAM path of every CI role of a cohort: `/cohortlab/<cohort>/ci/`. */
export function ciRolePath(cohort: string): string {
  return `/${PRODUCT_PREFIX}/${cohort}/ci/`;
}

/**
 * The IAM role name of a learner's CI role: `ci-<slug>-<8 hex digits of the cohort name>`, at most
 * 52 characters (IAM allows 64); computed, so the welcome sheet prints the ARN without asking AWS.
 */
export function ciRoleName(cohort: string, slug: string): string {
  return `ci-${slug}-${createHash('sha256').update(cohort, 'utf8').digest('hex').slice(0, 8)}`;
}

/** The ARN of a learner's CI role. */
export function ciRoleArn(partition: string, account: string, cohort: string, slug: string): string {
  return `arn:${partition}:iam::${account}:role${ciRolePath(cohort)}${ciRoleName(cohort, slug)}`;
}

/**
 * Characters of a CI role's trust policy besides its subjects, without whitespace, as CDK
 * synthesises it (measured in test/lib/core/github.test.ts against a synthesised role, with a
 * partition and account written as CloudFormation references, which are longer than their values).
 * The config rule adds each subject's length plus 3 (quotes and comma) to check the 2,048 limit.
 */
export const CI_TRUST_POLICY_FIXED_CHARS = 420;

/** The trust policy size of a CI role with `subjects`, in characters without whitespace (an upper bound). */
export function ciTrustPolicyChars(subjects: readonly string[]): number {
  return CI_TRUST_POLICY_FIXED_CHARS + subjects.reduce((n, s) => n + s.replace(/\s/g, '').length + 3, 0);
}

/**
 * The model server of a learner's promotion lab (in `learner-<slug>`): the port of its Service
 * `model` and its pods, the label value both Deployments' pods carry, and the default split of
 * replicas between `@champion` and the canary serving `@challenger` (3 and 1: a quarter of the
 * requests reach the canary).
 */
export const MODEL_SERVING = {
  port: 8080,
  serviceName: 'model',
  appName: 'model-server',
  championDeployment: 'model-champion',
  canaryDeployment: 'model-canary',
  pollSeconds: 30,
  championReplicas: 3,
  canaryReplicas: 1,
} as const;

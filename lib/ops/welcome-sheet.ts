/**
 * What a welcome sheet holds: the data `cohort-lab welcome` builds for one person (welcome.ts),
 * prints (welcome-text.ts) and gives as `--json`. It never holds a password: `--reveal` passes one
 * to the renderers beside it.
 */
import { PersonRole } from '../core';

/** Days between rotations of a person's MLflow password (SecretRotation's default interval). */
export const PASSWORD_ROTATION_DAYS = 30;
/** How long a Cognito access token is valid, in hours (CohortIdentity's default). */
export const TOKEN_VALIDITY_HOURS = 1;
/** How long the temporary password of Cognito's invitation is valid, in days (CohortIdentity). */
export const TEMPORARY_PASSWORD_DAYS = 7;
/** Where the `.env` files go unless `--out` says otherwise. */
export const DEFAULT_WELCOME_DIR = 'welcome';

/** A value only the deployed stacks know, shown as a fill-in marker until someone fills it in. */
export interface FillIn {
  readonly marker: string;
  /** What the value is and where it comes from. */
  readonly where: string;
  /** The command that prints it, where there is one. */
  readonly command?: string;
}

/** Everything one person's sheet says (also the `--json` document, without the password). */
export interface WelcomeSheet {
  readonly cohort: string;
  readonly role: PersonRole;
  readonly slug: string;
  /** The id as the cohort file writes it. */
  readonly id: string;
  /** A learner's display name; an instructor's slug. */
  readonly name: string;
  readonly email: string;
  readonly region: string;
  /** The `learners-N` stack that holds the person's resources (for ops; not on the printed sheet). */
  readonly stack: string;
  readonly mlflow: {
    readonly url: string;
    /** True when the cohort file gives MLflow no host name: plain HTTP on the load balancer's name. */
    readonly plainHttp: boolean;
    readonly username: string;
    /** A learner's personal experiment (`MLFLOW_EXPERIMENT_NAME`). */
    readonly experiment?: string;
    /** Instructors are MLflow admins. */
    readonly admin: boolean;
    readonly passwordSecret: string;
    readonly passwordCommand: string;
    /** Who may run {@link passwordCommand}. */
    readonly passwordReader: string;
    readonly rotationDays: number;
  };
  readonly aws: {
    /** The person's IAM role, when they have one: every learner; an instructor with a principal. */
    readonly roleName?: string;
    /** The roster's `iamPrincipalArn`. */
    readonly principal?: string;
    /** The person's role, when their principal may assume it. */
    readonly roleArn?: string;
    /** Run as the principal: puts the role's credentials in the shell (for an hour). */
    readonly assumeRoleCommands?: readonly string[];
  };
  readonly feast: {
    readonly endpoint: string;
    readonly cognitoUsername: string;
    readonly group: string;
    readonly clientId: string;
    readonly canWrite: boolean;
    readonly tokenValidityHours: number;
    /** Once, with the temporary password of Cognito's invitation: new password, then MFA. */
    readonly firstSignIn: readonly string[];
    /** Every time a token expired: password and a TOTP code give `FEAST_ACCESS_TOKEN`. */
    readonly token: readonly string[];
  };
  readonly kubernetes: {
    /** `namespace`: edit their own namespace; `cluster-admin`; `none`: no access entry. */
    readonly access: 'namespace' | 'cluster-admin' | 'none';
    readonly namespace?: string;
    readonly endpoint: string;
    readonly commands: readonly string[];
  };
  readonly s3: {
    readonly bucket: string;
    /** A learner's own prefix (read and write); an instructor's `shared/`. */
    readonly prefix: string;
    readonly uri: string;
    readonly readWrite: readonly string[];
    readonly readOnly: readonly string[];
    /** Who holds those grants (the person's role) and how to use it. */
    readonly access: string;
  };
  /**
   * A learner's GitHub CI (Lab 2), when the roster names their repository: the repository
   * variables their workflows read.
   */
  readonly githubCi?: {
    readonly repository: string;
    readonly environments: readonly string[];
    /** `vars.COHORT_LAB_CI_ROLE_ARN`. */
    readonly roleArn: string;
    /** `vars.MLFLOW_CI_SECRET_ID`. */
    readonly secretId: string;
    readonly mlflowUsername: string;
    readonly model: string;
  };
  /** Placeholders left in the sheet, and where their values are. */
  readonly fillIn: readonly FillIn[];
}

/** The fill-in markers, each spelt once. */
export const FILL_IN = {
  account: '<account>',
  region: '<region>',
  bucket: '<bucket>',
  clientId: '<client id>',
  mlflowUrl: '<mlflow url>',
} as const;

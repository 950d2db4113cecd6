import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'path';
import { COHORT_GROUPS, LOCAL_ESBUILD_BUNDLING } from '../../lib/core';
import { GROUP_ROLES } from './pre-token-generation.handler';

/** Properties of {@link CohortIdentity}. */
export interface CohortIdentityProps {
  /** Cohort name: in the pool name and the default domain prefix. */
  readonly cohortName: string;
  /**
   * Customer-managed key for the trigger's log group and environment. Cognito itself offers no
   * customer-managed key for user pool data (it is encrypted at rest with an AWS-owned key).
   */
  readonly encryptionKey: kms.IKey;
  /**
   * Prefix of the Cognito domain `<prefix>.auth.<region>.amazoncognito.com`; unique per region
   * across all AWS accounts.
   * @default `cohort-lab-<cohortName>`
   */
  readonly domainPrefix?: string;
  /**
   * Callback URLs for the hosted sign-in (authorization code grant). Without them the app client
   * only signs in through the API (USER_PASSWORD_AUTH and SRP).
   * @default - hosted sign-in off for the app client
   */
  readonly callbackUrls?: readonly string[];
  /**
   * What happens to the user pool (and the trigger's logs) when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How long the trigger's logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * How long access and ID tokens are valid (Feast checks `exp`).
   * @default Duration.hours(1)
   */
  readonly tokenValidity?: Duration;
}

/** Group names of the pool (defined in lib/core/roster.ts, which the roster Lambda reads too). */
export { COHORT_GROUPS };

const DOMAIN_PREFIX_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * The cohort's Cognito user pool, the OpenID provider Feast validates bearer tokens against.
 *
 * - groups `learners` and `instructors`; users are created by instructors (no self sign-up);
 * - one public app client (no secret) for USER_PASSWORD_AUTH and SRP, and a Cognito domain so the
 *   discovery document lists the authorize and token endpoints Feast requires;
 * - MFA required (TOTP), strong password policy, feature plan Essentials (needed for access-token
 *   customisation);
 * - a pre-token-generation trigger (event V2_0, TypeScript, bundled with the local esbuild) that
 *   copies `cognito:groups` into a `groups` claim and maps `instructors` to the `feast-writer`
 *   role in a `roles` claim, on both the access and the ID token.
 */
export class CohortIdentity extends Construct {
  /** The user pool (the primary child, id `Resource`). */
  public readonly userPool: cognito.UserPool;
  /** The app client learners and instructors sign in with. */
  public readonly userPoolClient: cognito.UserPoolClient;
  public readonly domain: cognito.UserPoolDomain;
  /** The pre-token-generation trigger. */
  public readonly preTokenGeneration: nodejs.NodejsFunction;
  /** `https://cognito-idp.<region>.<suffix>/<poolId>`: the tokens' `iss`. */
  public readonly issuer: string;
  /** The OpenID discovery document: `<issuer>/.well-known/openid-configuration`. */
  public readonly discoveryUrl: string;

  constructor(scope: Construct, id: string, props: CohortIdentityProps) {
    super(scope, id);
    const domainPrefix = props.domainPrefix ?? `cohort-lab-${props.cohortName}`;
    if (!DOMAIN_PREFIX_PATTERN.test(domainPrefix) || /aws|amazon|cognito/.test(domainPrefix)) {
      throw new Error(
        `CohortIdentity: domain prefix "${domainPrefix}" must be 1-63 lower-case letters, digits and "-" and must not contain aws, amazon or cognito`,
      );
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const tokenValidity = props.tokenValidity ?? Duration.hours(1);

    this.userPool = new cognito.UserPool(this, 'Resource', {
      userPoolName: `cohort-lab-${props.cohortName}`,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(7),
      },
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy,
    });
    Validations.of(this.userPool.node.defaultChild as cognito.CfnUserPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'Essentials, not Plus: Essentials already allows access-token customisation, and Plus threat protection is billed per user for short-lived course pools whose users instructors create (no self sign-up); MFA is required instead.',
    });

    for (const [key, name] of Object.entries(COHORT_GROUPS)) {
      this.userPool.addGroup(key === 'learners' ? 'Learners' : 'Instructors', {
        groupName: name,
        description:
          name === COHORT_GROUPS.instructors
            ? `Instructors of ${props.cohortName}: roles ${(GROUP_ROLES[name] ?? []).join(', ')}`
            : `Learners of ${props.cohortName}: read features`,
      });
    }

    const callbackUrls = props.callbackUrls ?? [];
    this.userPoolClient = this.userPool.addClient('Client', {
      userPoolClientName: `cohort-lab-${props.cohortName}`,
      generateSecret: false,
      authFlows: { userPassword: true, userSrp: true },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: tokenValidity,
      idTokenValidity: tokenValidity,
      refreshTokenValidity: Duration.days(1),
      ...(callbackUrls.length > 0
        ? {
            oAuth: {
              flows: { authorizationCodeGrant: true },
              scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
              callbackUrls: [...callbackUrls],
            },
          }
        : { disableOAuth: true }),
    });

    // The domain is what makes the discovery document list authorization_endpoint and
    // token_endpoint; Feast refuses every token when either is missing.
    this.domain = this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix } });

    const logGroup = new logs.LogGroup(this, 'PreTokenGenerationLogs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.encryptionKey,
      removalPolicy,
    });
    // Own role with an inline policy for this one log group (no AWS managed policy).
    const role = new iam.Role(this, 'PreTokenGenerationRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Cohort Lab ${props.cohortName}: pre-token-generation trigger`,
      inlinePolicies: {
        Logs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [logGroup.logGroupArn],
            }),
          ],
        }),
      },
    });
    Validations.of(role.node.defaultChild as iam.CfnRole).acknowledge({
      id: 'AwsSolutions-IAM5',
      reason:
        'Log stream names are chosen by Lambda per execution environment; the wildcard is the streams of this one log group.',
    });

    this.preTokenGeneration = new nodejs.NodejsFunction(this, 'PreTokenGeneration', {
      description: `Cohort Lab ${props.cohortName}: adds groups and roles claims to Cognito tokens`,
      entry: join(__dirname, 'pre-token-generation.handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 128,
      // Cognito waits at most 5 s for a trigger.
      timeout: Duration.seconds(5),
      role,
      logGroup,
      environmentEncryption: props.encryptionKey,
      bundling: LOCAL_ESBUILD_BUNDLING,
    });
    this.userPool.addTrigger(
      cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      this.preTokenGeneration,
      cognito.LambdaVersion.V2_0,
    );

    const stack = Stack.of(this);
    this.issuer = `https://cognito-idp.${stack.region}.${stack.urlSuffix}/${this.userPool.userPoolId}`;
    this.discoveryUrl = `${this.issuer}/.well-known/openid-configuration`;
  }

  /** The app client id (Feast's `auth.client_id`). */
  public get userPoolClientId(): string {
    return this.userPoolClient.userPoolClientId;
  }

  /** Let `grantee` create users and manage group membership (the roster import). */
  public grantManageUsers(grantee: iam.IGrantable): iam.Grant {
    return this.userPool.grant(
      grantee,
      'cognito-idp:AdminCreateUser',
      'cognito-idp:AdminAddUserToGroup',
      'cognito-idp:AdminRemoveUserFromGroup',
      'cognito-idp:AdminDisableUser',
      'cognito-idp:AdminGetUser',
      'cognito-idp:ListUsers',
    );
  }
}

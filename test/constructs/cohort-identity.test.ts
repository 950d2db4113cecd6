import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { testTempDir } from '../support/tmp';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { existsSync, readdirSync } from 'fs';
import { join } from 'path';
import { CohortIdentity, CohortIdentityProps } from '../../constructs/cohort-identity';
import { newCohortApp } from '../../lib/stacks/cohort-app';
import { enablePolicyChecks, synthWithPolicyChecks } from '../../lib/stacks/policy-checks';
import { testStack } from '../support/cohort';

function setup(props: Partial<CohortIdentityProps> = {}, stack: Stack = testStack()) {
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const identity = new CohortIdentity(stack, 'Identity', {
    cohortName: 'spring',
    encryptionKey: key,
    ...props,
  });
  return { stack, identity, template: () => Template.fromStack(stack) };
}

describe('CohortIdentity', () => {
  test('a user pool on the Essentials plan, admin-created users, MFA required (TOTP), strong passwords', () => {
    const { template } = setup();
    template().hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolName: 'cohort-lab-spring',
      UserPoolTier: 'ESSENTIALS',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      DeletionProtection: 'ACTIVE',
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          TemporaryPasswordValidityDays: 7,
        },
      },
    });
    template().hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('the pre-token-generation trigger is a V2_0 event Lambda on the latest Node.js runtime', () => {
    const { template } = setup();
    template().hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: {
        PreTokenGenerationConfig: {
          LambdaArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IdentityPreTokenGeneration'), 'Arn'] },
          LambdaVersion: 'V2_0',
        },
      },
    });
    template().hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
      Timeout: 5,
      KmsKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^IdentityPreTokenGenerationLogs') } },
    });
    template().hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'cognito-idp.amazonaws.com',
    });
  });

  test('the trigger logs to its own encrypted log group with a retention, through an inline policy only', () => {
    const { template } = setup();
    template().hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 90,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
    });
    const roles = template().findResources('AWS::IAM::Role');
    for (const role of Object.values(roles)) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    template().hasResourceProperties('AWS::IAM::Role', {
      Policies: [
        {
          PolicyName: 'Logs',
          PolicyDocument: {
            Statement: [
              {
                Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                Effect: 'Allow',
                Resource: {
                  'Fn::GetAtt': [Match.stringLikeRegexp('^IdentityPreTokenGenerationLogs'), 'Arn'],
                },
              },
            ],
          },
        },
      ],
    });
  });

  test('bundles the TypeScript handler with the local esbuild into one working file', async () => {
    const outdir = testTempDir('cohortlab-identity-asset');
    const app = newCohortApp(outdir);
    setup({}, new Stack(app, 'Identity'));
    app.synth();
    const assets = readdirSync(outdir).filter(
      (d) => d.startsWith('asset.') && existsSync(join(outdir, d, 'index.js')),
    );
    expect(assets).toHaveLength(1);
    expect(readdirSync(join(outdir, assets[0]))).toEqual(['index.js']);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundled artifact itself
    const bundled = require(join(outdir, assets[0], 'index.js')) as {
      handler: (e: unknown) => Promise<unknown>;
    };
    const out = (await bundled.handler({
      request: { userAttributes: {}, groupConfiguration: { groupsToOverride: ['instructors'] } },
      response: { claimsAndScopeOverrideDetails: {} },
    })) as { response: { claimsAndScopeOverrideDetails: { accessTokenGeneration: unknown } } };
    expect(out.response.claimsAndScopeOverrideDetails.accessTokenGeneration).toEqual({
      claimsToAddOrOverride: { groups: ['instructors'], roles: ['feast-writer'] },
    });
  });

  test('groups learners and instructors', () => {
    const { template } = setup();
    for (const name of ['learners', 'instructors']) {
      template().hasResourceProperties('AWS::Cognito::UserPoolGroup', {
        GroupName: name,
        UserPoolId: { Ref: Match.stringLikeRegexp('^Identity') },
      });
    }
    template().resourceCountIs('AWS::Cognito::UserPoolGroup', 2);
  });

  test('a public app client for USER_PASSWORD_AUTH and SRP, hosted sign-in off by default', () => {
    const { template } = setup();
    template().hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayEquals([
        'ALLOW_USER_PASSWORD_AUTH',
        'ALLOW_USER_SRP_AUTH',
        'ALLOW_REFRESH_TOKEN_AUTH',
      ]),
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
      AllowedOAuthFlowsUserPoolClient: false,
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      TokenValidityUnits: Match.objectLike({ AccessToken: 'minutes', IdToken: 'minutes' }),
    });
  });

  test('callback URLs turn on the authorization code grant', () => {
    const { template } = setup({ callbackUrls: ['https://notebooks.example.edu/oauth/callback'] });
    template().hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      CallbackURLs: ['https://notebooks.example.edu/oauth/callback'],
    });
  });

  test('a Cognito domain, so the discovery document lists the authorize and token endpoints', () => {
    const { template } = setup();
    template().hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'cohort-lab-spring' });
  });

  test('exposes the issuer, the discovery URL and the client id', () => {
    const { identity, stack } = setup();
    const poolRef = { Ref: expect.stringMatching(/^Identity[0-9A-F]{8}$/) };
    expect(stack.resolve(identity.issuer)).toEqual({
      'Fn::Join': [
        '',
        ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/', poolRef],
      ],
    });
    expect(stack.resolve(identity.discoveryUrl)).toEqual({
      'Fn::Join': [
        '',
        [
          'https://cognito-idp.',
          { Ref: 'AWS::Region' },
          '.',
          { Ref: 'AWS::URLSuffix' },
          '/',
          poolRef,
          '/.well-known/openid-configuration',
        ],
      ],
    });
    expect(stack.resolve(identity.userPoolClientId)).toEqual({
      Ref: expect.stringMatching(/^IdentityClient/),
    });
  });

  test('RemovalPolicy.DESTROY deletes the pool and turns deletion protection off', () => {
    const { template } = setup({ removalPolicy: RemovalPolicy.DESTROY });
    template().hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtection: 'INACTIVE' }),
    });
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding', () => {
    const app = newCohortApp(testTempDir('cohortlab-identity-nag'));
    enablePolicyChecks(app);
    setup({}, new Stack(app, 'Identity'));
    const result = synthWithPolicyChecks(app);
    expect(result.violations).toEqual([]);
  });

  test('grantManageUsers scopes user administration to this pool', () => {
    const { stack, identity, template } = setup();
    const role = new iam.Role(stack, 'Ops', { assumedBy: new iam.AccountRootPrincipal() });
    identity.grantManageUsers(role);
    template().hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: [
              'cognito-idp:AdminAddUserToGroup',
              'cognito-idp:AdminCreateUser',
              'cognito-idp:AdminDisableUser',
              'cognito-idp:AdminGetUser',
              'cognito-idp:AdminRemoveUserFromGroup',
              'cognito-idp:ListUsers',
            ],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Identity[0-9A-F]{8}$'), 'Arn'] },
          }),
        ]),
      },
    });
  });

  test('fails when the domain prefix contains a reserved word', () => {
    expect(() => setup({ domainPrefix: 'my-cognito-lab' })).toThrow(
      'CohortIdentity: domain prefix "my-cognito-lab" must be 1-63 lower-case letters, digits and "-" and must not contain aws, amazon or cognito',
    );
  });

  test('fails when the domain prefix is not DNS-safe', () => {
    expect(() => setup({ domainPrefix: 'Spring_2027' })).toThrow(/domain prefix "Spring_2027" must be 1-63/);
  });
});

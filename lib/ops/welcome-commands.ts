/**
 * The commands a welcome sheet hands a person, built from names alone: AWS CLI, jq and kubectl,
 * for bash. Pure functions; welcome.ts puts them in the sheet, welcome-text.ts lays them out.
 */
import { stackName } from '../core';

/** The current MLflow password of a person's secret (one line; the sheet breaks it). */
export function passwordCommand(secretName: string, region: string): string {
  return (
    `aws secretsmanager get-secret-value --secret-id ${secretName} ` +
    `--query SecretString --output text --region ${region} | jq -r .password`
  );
}

/** Run as the roster's principal: the person's role's credentials in this shell, for an hour. */
export function assumeRoleCommands(roleArn: string, slug: string): string[] {
  return [
    `read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN < <(aws sts assume-role \\`,
    `  --role-arn ${roleArn} \\`,
    `  --role-session-name ${slug} --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)`,
    `export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN`,
  ];
}

/** Reads one output of one of the cohort's stacks (two lines, joined by a backslash-newline). */
export function stackOutputCommand(cohort: string, part: string, output: string): string {
  return (
    `aws cloudformation describe-stacks --stack-name ${stackName(cohort, part)} \\\n` +
    `  --query "Stacks[0].Outputs[?OutputKey=='${output}'].OutputValue" --output text`
  );
}

/** The two Cognito procedures of a sheet. */
export interface CognitoCommands {
  /** Once, with the temporary password of the invitation: a new password, then MFA; ends with a token. */
  readonly firstSignIn: readonly string[];
  /** Whenever the token has expired: password and a TOTP code give `FEAST_ACCESS_TOKEN`. */
  readonly token: readonly string[];
}

/**
 * Sign-in with the AWS CLI to the pool CohortIdentity makes: its app client allows
 * USER_PASSWORD_AUTH, MFA is required (TOTP only), the user name is the slug (the email works too
 * in initiate-auth). The first sign-in answers NEW_PASSWORD_REQUIRED and then MFA_SETUP; later
 * ones SOFTWARE_TOKEN_MFA. Passwords go from a variable through jq into the call, never typed on
 * the command line, where the CLI's shorthand would also split one that holds a comma.
 */
export function cognitoCommands(slug: string, region: string, clientId: string): CognitoCommands {
  const client = `  --region ${region} --client-id ${clientId}`;
  const json = (key: string, variable: string) =>
    `"$(jq -n '{USERNAME: "${slug}", ${key}: env.${variable}}')"`;
  const signIn = [
    `S=$(aws cognito-idp initiate-auth --auth-flow USER_PASSWORD_AUTH \\`,
    `${client} --query Session --output text \\`,
    `  --auth-parameters ${json('PASSWORD', 'COGNITO_PASSWORD')})`,
  ];
  const token = (challenge: string, responses: string) => [
    `export FEAST_ACCESS_TOKEN=$(aws cognito-idp respond-to-auth-challenge --challenge-name ${challenge} \\`,
    `${client} --session "$S" \\`,
    `  --challenge-responses ${responses} \\`,
    `  --query AuthenticationResult.AccessToken --output text)`,
  ];
  return {
    firstSignIn: [
      `read -rsp 'Temporary password: ' COGNITO_PASSWORD; echo; read -rsp 'New password: ' NEW_PASSWORD; echo`,
      `export COGNITO_PASSWORD NEW_PASSWORD`,
      ...signIn,
      `S=$(aws cognito-idp respond-to-auth-challenge --challenge-name NEW_PASSWORD_REQUIRED \\`,
      `${client} --session "$S" --query Session --output text \\`,
      `  --challenge-responses ${json('NEW_PASSWORD', 'NEW_PASSWORD')})`,
      `read -r KEY S < <(aws cognito-idp associate-software-token --region ${region} --session "$S" \\`,
      `  --query '[SecretCode,Session]' --output text); echo "Add this key to your authenticator app: $KEY"`,
      `S=$(aws cognito-idp verify-software-token --region ${region} --session "$S" \\`,
      `  --user-code <6-digit code from the app> --query Session --output text)`,
      ...token('MFA_SETUP', `USERNAME=${slug}`),
    ],
    token: [
      `read -rsp 'Password: ' COGNITO_PASSWORD; echo; export COGNITO_PASSWORD`,
      ...signIn,
      ...token('SOFTWARE_TOKEN_MFA', `USERNAME=${slug},SOFTWARE_TOKEN_MFA_CODE=<6-digit code from the app>`),
    ],
  };
}

/**
 * What `cohort-lab welcome` prints and writes, from the sheets of welcome.ts: the sheet (teaching
 * material: short, every step a command), the `--json` document and the `.env` file. Pure functions.
 * A password reaches the sheet and the JSON only when the caller passes one (`--reveal`); the
 * `.env` has no parameter for it.
 */
import { LEARNER_OBJECTS } from '../../cdk8s/learner';
import { LEARNER_SERVICE_ACCOUNT, LEARNERS_PREFIX, PersonRole } from '../core';
import { FILL_IN, TEMPORARY_PASSWORD_DAYS, WelcomeSheet } from './welcome-sheet';

/** Text wraps at this column; commands keep their own line breaks. */
const WIDTH = 100;
const LABEL = 11;
const COMMAND_INDENT = '    ';

/** Between two people's sheets when several are printed. */
export const SHEET_SEPARATOR = `\n\n${'='.repeat(WIDTH)}\n\n`;

/** One person's sheet as text. `password` only with `--reveal`. */
export function renderSheet(sheet: WelcomeSheet, envFile: string, password?: string): string {
  const learner = sheet.role === PersonRole.LEARNER;
  const { mlflow, aws, feast, kubernetes: k8s, s3 } = sheet;
  const lines: string[] = [];
  const row = (label: string, value: string) =>
    lines.push(
      ...wrap(value, WIDTH - LABEL - 3).map((l, i) => `  ${(i === 0 ? label : '').padEnd(LABEL)} ${l}`),
    );
  const text = (value: string) => lines.push(...wrap(value, WIDTH - 2).map((l) => `  ${l}`));
  const commands = (list: readonly string[]) => list.forEach((c) => lines.push(`${COMMAND_INDENT}${c}`));

  lines.push(`Cohort Lab ${sheet.cohort}: welcome, ${sheet.name}`);
  lines.push(`${sheet.role} ${sheet.slug} <${sheet.email}>, region ${sheet.region}`);
  lines.push('Commands are for bash, with the AWS CLI and jq.');

  lines.push('', 'MLflow: experiment tracking and model registry');
  row('URL', mlflow.plainHttp ? `${mlflow.url} (plain HTTP, no TLS: see "To fill in")` : mlflow.url);
  row('user name', mlflow.admin ? `${mlflow.username} (an MLflow admin)` : mlflow.username);
  if (mlflow.experiment !== undefined) {
    row('experiment', `${mlflow.experiment} (yours: runs go there unless your code chooses another)`);
  }
  if (password !== undefined) {
    row('password', `${password} (the current one)`);
  }
  row('password', `changes every ${mlflow.rotationDays} days; the current one:`);
  commands(mlflow.passwordCommand.replace(' --query', ' \\\n  --query').split('\n'));
  row('run by', mlflow.passwordReader);

  if (aws.roleArn !== undefined && aws.assumeRoleCommands !== undefined) {
    lines.push('', 'Your AWS role');
    row('role', aws.roleArn);
    row('assume it', `as ${aws.principal}; the credentials last an hour:`);
    commands(aws.assumeRoleCommands);
  }

  lines.push('', 'Feast: feature store');
  row('endpoint', `${feast.endpoint} (inside the cluster only)`);
  row(
    'sign-in',
    `Cognito user ${feast.cognitoUsername} (or your email), group ${feast.group}: ` +
      `${feast.canWrite ? 'read and write' : 'read'} features; app client ${feast.clientId}`,
  );
  row(
    'token',
    `an access token, valid ${feast.tokenValidityHours} hour, sent as ` +
      `"Authorization: Bearer $FEAST_ACCESS_TOKEN"`,
  );
  text(
    `First sign-in, once: Cognito mailed ${sheet.email} a temporary password (valid ` +
      `${TEMPORARY_PASSWORD_DAYS} days). Choose a new password, then add an authenticator app ` +
      '(MFA is required); the last command gives you a token:',
  );
  commands(feast.firstSignIn);
  text('Then, whenever your token has expired:');
  commands(feast.token);

  lines.push('', 'Kubernetes');
  if (k8s.access === 'none') {
    row(
      'access',
      'none: the roster gives you no iamPrincipalArn' +
        (learner ? `; an instructor can run pods in your namespace ${k8s.namespace} for you` : ''),
    );
  } else {
    row(
      'access',
      `${k8s.access === 'namespace' ? `edit in namespace ${k8s.namespace}` : 'cluster admin'}, ` +
        `as ${aws.principal} (not as your role)`,
    );
    row('endpoint', k8s.endpoint);
    commands(k8s.commands);
  }
  if (learner) {
    text(
      `In ${k8s.namespace}, a pod gets your MLflow settings with envFrom of Secret ` +
        `${LEARNER_OBJECTS.credentialsSecret} and ConfigMap ${LEARNER_OBJECTS.settingsConfigMap}, ` +
        `and your role with service account ${LEARNER_SERVICE_ACCOUNT}.`,
    );
  }

  if (sheet.githubCi !== undefined) {
    const ci = sheet.githubCi;
    lines.push('', `GitHub CI of ${ci.repository} (Lab 2: the promotion pipeline)`);
    row('environments', `${ci.environments.join(', ')} (jobs elsewhere cannot assume the role)`);
    row(
      'MLflow',
      `user ${ci.mlflowUsername}: EDIT on ${ci.model} and your experiment; you MANAGE ${ci.model}`,
    );
    text('Set these repository variables (Settings, Secrets and variables, Actions, Variables):');
    commands([
      `COHORT_LAB_CI_ROLE_ARN=${ci.roleArn}`,
      `MLFLOW_CI_SECRET_ID=${ci.secretId}`,
      `AWS_REGION=${sheet.region}`,
      `MLFLOW_TRACKING_URI=${mlflow.url}`,
    ]);
  }

  lines.push('', 'S3: the cohort bucket');
  row(learner ? 'your prefix' : 'you write', `${s3.uri} (read and write)`);
  row('you read', s3.readOnly.map((p) => `s3://${s3.bucket}/${p}`).join(', '));
  row('with', s3.access);
  if (aws.roleArn !== undefined) {
    commands([`aws s3 ls ${s3.uri}`]);
  }

  if (sheet.fillIn.length > 0) {
    lines.push('', 'To fill in');
    const width = Math.max(...sheet.fillIn.map((f) => f.marker.length));
    for (const f of sheet.fillIn) {
      const where = wrap(f.where + (f.command === undefined ? '' : ':'), WIDTH - width - 4);
      lines.push(...where.map((l, i) => `  ${(i === 0 ? f.marker : '').padEnd(width)}  ${l}`));
      if (f.command !== undefined) commands(f.command.split('\n'));
    }
  }

  lines.push(
    '',
    ...wrap(
      `Your settings file: ${envFile} (mode 0600: only its owner reads it). Put your MLflow ` +
        'password in it; never commit it.',
      WIDTH,
    ),
  );
  return lines.join('\n');
}

/** `text` in lines of at most `width` characters, broken at spaces (a longer word stays whole). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  out.push(line);
  return out;
}

/** The `--json` document: every field of the sheets; the password only when given (`--reveal`). */
export function renderJson(
  cohortFile: string,
  people: ReadonlyArray<{ sheet: WelcomeSheet; envFile: string }>,
  password?: string,
): string {
  return JSON.stringify(
    {
      cohortFile,
      people: people.map(({ sheet, envFile }) => ({
        ...sheet,
        mlflow: { ...sheet.mlflow, ...(password === undefined ? {} : { password }) },
        envFile,
      })),
    },
    null,
    2,
  );
}

/**
 * The `.env` the course asks for: `KEY=value` lines, each under a comment saying what it is. The
 * password line is always empty: the file says how to fetch the value, and never holds it. A value
 * still unknown (a fill-in marker) is left empty, its comment saying where to find it.
 */
export function renderEnv(sheet: WelcomeSheet): string {
  const learner = sheet.role === PersonRole.LEARNER;
  const { mlflow, s3, feast } = sheet;
  const lines: string[] = [
    `# Cohort Lab ${sheet.cohort}: the settings of ${sheet.role} ${sheet.slug}, from \`cohort-lab welcome\`.`,
    '# Do NOT commit this file or share it: it names your accounts, and you add your password to it.',
    `# Load it in bash with \`set -a; . ./${sheet.slug}.env; set +a\`, or with python-dotenv.`,
    '# An empty value is yours to fill in: the comment above it says where to find it.',
  ];
  const entry = (comment: string, key: string, value: string) => {
    const fill = sheet.fillIn.find((f) => value.includes(f.marker));
    const unknown = Object.values(FILL_IN).some((p) => value.includes(p));
    lines.push('', `# ${comment}`);
    if (fill !== undefined) {
      lines.push(`# Not known yet: ${fill.where}`);
      if (fill.command !== undefined) lines.push(...fill.command.split('\n').map((c) => `#   ${c}`));
    }
    lines.push(`${key}=${unknown ? '' : value}`);
  };

  entry('MLflow server (UI and API)', 'MLFLOW_TRACKING_URI', mlflow.url);
  entry('Your MLflow user name', 'MLFLOW_TRACKING_USERNAME', mlflow.username);
  lines.push(
    '',
    `# Your MLflow password is never written here: it changes every ${mlflow.rotationDays} days. Get the current one with`,
    `#   ${mlflow.passwordCommand}`,
    '# and put it after the =, on your own machine only.',
    'MLFLOW_TRACKING_PASSWORD=',
  );
  if (mlflow.experiment !== undefined) {
    entry(
      'Your own MLflow experiment: runs go there unless your code chooses another',
      'MLFLOW_EXPERIMENT_NAME',
      mlflow.experiment,
    );
  }
  entry("The cohort's AWS region", 'AWS_REGION', sheet.region);
  entry("The cohort's S3 bucket", 'COHORT_LAB_BUCKET', s3.bucket);
  entry(
    learner
      ? `Your prefix in it: you read and write s3://$COHORT_LAB_BUCKET/${s3.prefix}`
      : `The prefix you write: s3://$COHORT_LAB_BUCKET/${s3.prefix}; you read every ${LEARNERS_PREFIX} prefix`,
    'COHORT_LAB_S3_PREFIX',
    s3.prefix,
  );
  entry('Feast feature server (inside the cluster only)', 'FEAST_FEATURE_SERVER_URL', feast.endpoint);
  entry('The Cognito app client you get Feast tokens from', 'FEAST_COGNITO_CLIENT_ID', feast.clientId);
  lines.push(
    '',
    `# Your Feast access token (valid ${feast.tokenValidityHours} hour) is never written here: your welcome sheet`,
    '# shows how to get one into your shell.',
    'FEAST_ACCESS_TOKEN=',
  );
  return `${lines.join('\n')}\n`;
}

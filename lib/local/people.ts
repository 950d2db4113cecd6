/**
 * The roster's people in the local lab: who they are (from the cohort file, as the learners-N
 * stacks take them), their credentials file (what ESO puts in a learner's namespace, plus their
 * Feast sign-in) and their welcome sheet. The credentials file is the only place their secrets are
 * written out; it is mode 0600 in a 0700 directory, and nothing prints it.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'fs';
import { join, relative } from 'path';
import { CohortConfig } from '../config';
import {
  ciUsername,
  personalExperimentName,
  PersonRole,
  promotionModelName,
  rosterGroup,
  secretNames,
} from '../core';

/** One person of the roster. */
export interface LabPerson {
  readonly slug: string;
  readonly role: PersonRole;
  readonly displayName: string;
  /** Their MLflow credentials' secret name. */
  readonly secretName: string;
  /** Their Cognito group (the OpenID client's `groups` claim). */
  readonly group: string;
}

/** Everyone on `config`'s roster: instructors, then learners, in the file's order. */
export function rosterPeople(config: CohortConfig): LabPerson[] {
  const names = secretNames(config.name);
  return [
    ...config.instructors.map((p) => ({ slug: p.slug, role: PersonRole.INSTRUCTOR, displayName: p.slug })),
    ...config.learners.map((p) => ({
      slug: p.slug,
      role: PersonRole.LEARNER,
      displayName: p.displayName,
    })),
  ].map((p) => ({
    ...p,
    secretName: p.role === PersonRole.LEARNER ? names.learnerMlflow(p.slug) : names.instructorMlflow(p.slug),
    group: rosterGroup(p.role),
  }));
}

/** Where the lab's services answer, as a person uses them. */
export interface LabUrls {
  /** MLflow UI and API (the load balancer stand-in). */
  readonly mlflow: string;
  /** The Feast feature server. */
  readonly feast: string;
  /** The OpenID provider's issuer (its token endpoint is `<issuer>/token`). */
  readonly issuer: string;
}

/** What a person's credentials file holds besides the URLs. */
export interface PersonCredentials {
  readonly mlflowPassword: string;
  /** Their OpenID client's secret (their Cognito password, in the lab). */
  readonly feastClientSecret: string;
}

/** The text of a person's credentials file (`KEY=value` lines a shell and python-dotenv read). Pure. */
export function credentialsFile(person: LabPerson, urls: LabUrls, creds: PersonCredentials): string {
  const lines = [
    `# Cohort Lab local lab: ${person.role} ${person.slug}. Keep it to yourself (mode 0600).`,
    '# Load it into a shell with: set -a; . <this file>; set +a',
    `MLFLOW_TRACKING_URI=${urls.mlflow}`,
    `MLFLOW_TRACKING_USERNAME=${person.slug}`,
    `MLFLOW_TRACKING_PASSWORD=${creds.mlflowPassword}`,
  ];
  if (person.role === PersonRole.LEARNER) {
    lines.push(`MLFLOW_EXPERIMENT_NAME=${personalExperimentName(person.slug)}`);
  }
  lines.push(
    `FEAST_URL=${urls.feast}`,
    '# A Feast access token (15 minutes): cohort-lab local token <slug>, or with curl:',
    '#   curl -s -u "$FEAST_CLIENT_ID:$FEAST_CLIENT_SECRET" -d grant_type=client_credentials "$FEAST_TOKEN_URL"',
    `FEAST_TOKEN_URL=${urls.issuer}/token`,
    `FEAST_CLIENT_ID=${person.slug}`,
    `FEAST_CLIENT_SECRET=${creds.feastClientSecret}`,
    '',
  );
  return lines.join('\n');
}

/** Write a person's credentials file, `<dir>/<slug>.env`, mode 0600 (the directory 0700). */
export function writeCredentialsFile(dir: string, person: LabPerson, text: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const file = join(dir, `${person.slug}.env`);
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** A person's welcome sheet: what to open, their user name, where their credentials are. Pure. */
export function welcomeSheet(person: LabPerson, urls: LabUrls, file: string, cwd: string): string {
  const shown = relative(cwd, file).startsWith('..') ? file : relative(cwd, file);
  const learner = person.role === PersonRole.LEARNER;
  const who = person.displayName === person.slug ? person.slug : `${person.displayName} (${person.slug})`;
  return [
    `${who}, ${person.role}${learner ? '' : ' (MLflow admin; Feast writer)'}`,
    `  MLflow     ${urls.mlflow}  user ${person.slug}${learner ? `, experiment ${personalExperimentName(person.slug)}` : ''}`,
    `  Feast      ${urls.feast}  group ${person.group}; token: cohort-lab local token ${person.slug}`,
    `  password   in ${shown} (mode 0600; load it with: set -a; . ${shown}; set +a)`,
  ].join('\n');
}

/**
 * The text of a learner's CI credentials file (Lab 2), what their GitHub workflows get from the
 * repository variables and the `mlflow-ci` secret: the CI user `ci.<slug>` (EDIT on
 * `promotion.<slug>` and `learners/<slug>`), the secret's id and the model. Pure.
 */
export function ciCredentialsFile(
  cohort: string,
  slug: string,
  urls: LabUrls,
  password: string,
  awsEndpoint: string,
): string {
  return [
    `# Cohort Lab local lab: the GitHub CI of learner ${slug}. Keep it to yourself (mode 0600).`,
    '# Load it into a shell with: set -a; . <this file>; set +a',
    `MLFLOW_TRACKING_URI=${urls.mlflow}`,
    `MLFLOW_TRACKING_USERNAME=${ciUsername(slug)}`,
    `MLFLOW_TRACKING_PASSWORD=${password}`,
    `MLFLOW_EXPERIMENT_NAME=${personalExperimentName(slug)}`,
    `PROMOTION_MODEL_NAME=${promotionModelName(slug)}`,
    "# The repository variable MLFLOW_CI_SECRET_ID, in the lab's Secrets Manager (moto):",
    `MLFLOW_CI_SECRET_ID=${secretNames(cohort).learnerMlflowCi(slug)}`,
    `AWS_ENDPOINT_URL=${awsEndpoint}`,
    '',
  ].join('\n');
}

/**
 * `cohort-lab welcome`: what each person of a roster needs on day one, from the cohort file alone
 * (every name of a person is computed from their slug, see lib/core). This module builds the data;
 * welcome-text.ts renders it as the sheet and the `.env`. Reading the current password (`--reveal`)
 * and writing the `.env` files are the only side effects, each in its own function. A little over
 * 300 lines: the commands and the sheet's type already live apart (welcome-commands.ts,
 * welcome-sheet.ts); what is left is one builder with its two side effects.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'fs';
import { join } from 'path';
import { CohortConfig } from '../config';
import { closestKey } from '../config/suggest';
import {
  ciRoleArn,
  ciUsername,
  promotionModelName,
  ApiEndpointAccess,
  clusterName,
  COHORT_NAMESPACE,
  DEFAULT_PARTITION,
  feastInClusterUrl,
  LEARNER_SERVICE_ACCOUNT,
  learnerPrefix,
  LEARNERS_PREFIX,
  normaliseId,
  partitionOfRegion,
  personalExperimentName,
  PersonRole,
  personRoleArn,
  personRoleName,
  rosterGroup,
  secretNames,
  secretPrefix,
  shardPart,
  SHARED_PREFIX,
  stackName,
} from '../core';
import { assumeRoleCommands, cognitoCommands, passwordCommand, stackOutputCommand } from './welcome-commands';
import { FillIn, PASSWORD_ROTATION_DAYS, FILL_IN, TOKEN_VALIDITY_HOURS, WelcomeSheet } from './welcome-sheet';

export * from './welcome-sheet';

/** Bad input: an unknown person, conflicting options. The CLI exits 2 with the message. */
export class WelcomeInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WelcomeInputError';
  }
}

/** Something that failed while doing the job (reading the secret, writing a file). The CLI exits 1. */
export class WelcomeFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WelcomeFailure';
  }
}

/** What the sheets are made for. */
export interface WelcomeOptions {
  /** One person, by slug or by the id as the cohort file writes it. @default everyone */
  readonly person?: string;
  /** The artifact bucket (the data stack's `ArtifactBucketName` output). @default a fill-in marker */
  readonly bucket?: string;
  /** The Cognito app client id (the apps stack's `UserPoolClientId` output). @default a fill-in marker */
  readonly clientId?: string;
  /** The region, for a cohort file that names none. @default the file's `region`, else a fill-in marker */
  readonly region?: string;
}

/** The sheets of the person `options.person` names, or of everyone (instructors first). */
export function welcomeSheets(config: CohortConfig, options: WelcomeOptions = {}): WelcomeSheet[] {
  if (options.region !== undefined && config.region !== undefined && options.region !== config.region) {
    throw new WelcomeInputError(
      `--region ${options.region} contradicts ${config.sourceFile}, whose cohort is in ${config.region}`,
    );
  }
  const everyone = rosterOf(config);
  const chosen = options.person === undefined ? everyone : [findPerson(config, everyone, options.person)];
  return chosen.map((p) => sheetOf(config, p, options));
}

interface RosterPerson {
  readonly role: PersonRole;
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly email: string;
  readonly iamPrincipalArn?: string;
  readonly namespace?: string;
  readonly shard: number;
  readonly github?: { readonly repository: string; readonly environments: readonly string[] };
}

function rosterOf(config: CohortConfig): RosterPerson[] {
  return [
    ...config.instructors.map((i) => ({
      ...i,
      role: PersonRole.INSTRUCTOR,
      name: i.slug,
      namespace: undefined,
    })),
    ...config.learners.map((l) => ({ ...l, role: PersonRole.LEARNER, name: l.displayName })),
  ];
}

function findPerson(config: CohortConfig, everyone: readonly RosterPerson[], wanted: string): RosterPerson {
  const slug = normaliseId(wanted);
  const found = everyone.find((p) => p.slug === slug);
  if (found !== undefined) return found;
  const close = closestKey(
    slug,
    everyone.map((p) => p.slug),
  );
  const hint = close === undefined ? '' : ` Did you mean "${close}"?`;
  throw new WelcomeInputError(
    `${config.sourceFile}: no learner or instructor "${wanted}" in cohort ${config.name}.${hint}`,
  );
}

function sheetOf(config: CohortConfig, person: RosterPerson, options: WelcomeOptions): WelcomeSheet {
  const learner = person.role === PersonRole.LEARNER;
  const { slug, namespace, iamPrincipalArn: principal } = person;
  const regionName = config.region ?? options.region;
  const region = regionName ?? FILL_IN.region;
  const bucket = options.bucket ?? FILL_IN.bucket;
  const clientId = options.clientId ?? FILL_IN.clientId;
  const hostname = config.mlflow.hostname;
  const names = secretNames(config.name);
  const secret = learner ? names.learnerMlflow(slug) : names.instructorMlflow(slug);
  // The person's role exists for every learner, but only a roster principal may assume it.
  const roleArn =
    principal === undefined
      ? undefined
      : personRoleArn(
          regionName === undefined ? DEFAULT_PARTITION : partitionOfRegion(regionName),
          config.account ?? FILL_IN.account,
          config.name,
          slug,
        );
  const operator = `whoever runs the cohort (credentials that may read ${secretPrefix(config.name)}*)`;
  const prefix = learner ? learnerPrefix(slug) : SHARED_PREFIX;
  return {
    cohort: config.name,
    role: person.role,
    slug,
    id: person.id,
    name: person.name,
    email: person.email,
    region,
    stack: stackName(config.name, shardPart(person.shard)),
    mlflow: {
      url: hostname === undefined ? FILL_IN.mlflowUrl : `https://${hostname}`,
      plainHttp: hostname === undefined,
      username: slug,
      ...(learner ? { experiment: personalExperimentName(slug) } : {}),
      admin: !learner,
      passwordSecret: secret,
      passwordCommand: passwordCommand(secret, region),
      passwordReader:
        roleArn === undefined
          ? `${operator}. You have no AWS role of your own (no iamPrincipalArn on the roster): they ` +
            `hand it over with cohort-lab welcome ${config.sourceFile} --person ${slug} --reveal`
          : `you, as your AWS role (below), or ${operator}`,
      rotationDays: PASSWORD_ROTATION_DAYS,
    },
    aws: {
      ...(learner || principal !== undefined ? { roleName: personRoleName(config.name, slug) } : {}),
      ...(roleArn === undefined
        ? {}
        : { principal, roleArn, assumeRoleCommands: assumeRoleCommands(roleArn, slug) }),
    },
    feast: {
      endpoint: feastInClusterUrl(COHORT_NAMESPACE),
      cognitoUsername: slug,
      group: rosterGroup(person.role),
      clientId,
      canWrite: !learner,
      tokenValidityHours: TOKEN_VALIDITY_HOURS,
      ...cognitoCommands(slug, region, clientId),
    },
    kubernetes: kubernetesAccess(config, person, region),
    s3: {
      bucket,
      prefix,
      uri: `s3://${bucket}/${prefix}`,
      readWrite: [prefix],
      readOnly: learner ? [SHARED_PREFIX] : [LEARNERS_PREFIX],
      access: learner
        ? `your role: pods of service account ${LEARNER_SERVICE_ACCOUNT} in ${namespace} get it (EKS Pod Identity)` +
          (roleArn === undefined
            ? '; you cannot assume it yourself (no iamPrincipalArn)'
            : ', and you assume it')
        : roleArn === undefined
          ? 'none: an instructor without an iamPrincipalArn on the roster has no AWS role'
          : 'your role, which you assume',
    },
    ...githubCiOf(config, person, regionName),
    fillIn: fillIns(config, options, roleArn !== undefined || person.github !== undefined),
  };
}

/** A learner's CI role and secret (Lab 2): their repository variables, computed without asking AWS. */
function githubCiOf(
  config: CohortConfig,
  person: RosterPerson,
  regionName: string | undefined,
): Pick<WelcomeSheet, 'githubCi'> {
  if (person.github === undefined) return {};
  const partition = regionName === undefined ? DEFAULT_PARTITION : partitionOfRegion(regionName);
  return {
    githubCi: {
      repository: person.github.repository,
      environments: person.github.environments,
      roleArn: ciRoleArn(partition, config.account ?? FILL_IN.account, config.name, person.slug),
      secretId: secretNames(config.name).learnerMlflowCi(person.slug),
      mlflowUsername: ciUsername(person.slug),
      model: promotionModelName(person.slug),
    },
  };
}

/** The fill-in markers a sheet still holds, each with where its value is. */
function fillIns(config: CohortConfig, options: WelcomeOptions, printsRoleArn: boolean): FillIn[] {
  const fill: FillIn[] = [];
  const output = (marker: string, part: string, name: string, option: string) =>
    fill.push({
      marker,
      where: `output ${name} of stack ${stackName(config.name, part)} (or run welcome with ${option})`,
      command: stackOutputCommand(config.name, part, name),
    });
  if (config.mlflow.hostname === undefined) {
    fill.push({
      marker: FILL_IN.mlflowUrl,
      where: `http://<ADDRESS of Ingress ${COHORT_NAMESPACE}/mlflow> (the cohort file gives MLflow no host name)`,
      command: `kubectl -n ${COHORT_NAMESPACE} get ingress mlflow`,
    });
  }
  if (config.region === undefined && options.region === undefined) {
    fill.push({
      marker: FILL_IN.region,
      where:
        'the region the cohort is deployed to (the cohort file names none; or run welcome with --region)',
    });
  }
  if (config.account === undefined && printsRoleArn) {
    fill.push({
      marker: FILL_IN.account,
      where:
        'the account the cohort is deployed to (the cohort file names none), with the credentials that deployed it',
      command: 'aws sts get-caller-identity --query Account --output text',
    });
  }
  if (options.clientId === undefined) {
    output(FILL_IN.clientId, 'apps', 'UserPoolClientId', '--client-id');
  }
  if (options.bucket === undefined) {
    output(FILL_IN.bucket, 'data', 'ArtifactBucketName', '--bucket');
  }
  return fill;
}

function kubernetesAccess(
  config: CohortConfig,
  person: RosterPerson,
  region: string,
): WelcomeSheet['kubernetes'] {
  const { cluster } = config;
  const endpoint =
    cluster.endpointAccess === ApiEndpointAccess.PUBLIC
      ? `public, from ${cluster.publicAccessCidrs.join(', ')} only`
      : "private: from inside the cohort's VPC only";
  if (person.iamPrincipalArn === undefined) {
    return {
      access: 'none',
      ...(person.namespace ? { namespace: person.namespace } : {}),
      endpoint,
      commands: [],
    };
  }
  const kubeconfig = `aws eks update-kubeconfig --name ${clusterName(config.name)} --region ${region}`;
  if (person.namespace !== undefined) {
    return {
      access: 'namespace',
      namespace: person.namespace,
      endpoint,
      commands: [kubeconfig, `kubectl -n ${person.namespace} get pods`],
    };
  }
  return { access: 'cluster-admin', endpoint, commands: [kubeconfig, 'kubectl get namespaces'] };
}

/** Where to read a person's current password, for `--reveal`. */
export interface PasswordSource {
  /** @default the SDK's (AWS_REGION, the profile) */
  readonly region?: string;
  /** A named profile of the shared AWS config. @default the standard credential chain */
  readonly profile?: string;
  /** The client to read with (tests). @default a Secrets Manager client from the above */
  readonly client?: Pick<SecretsManagerClient, 'send'>;
}

/**
 * The current (`AWSCURRENT`) password in the person's MLflow secret, with the AWS SDK's standard
 * credential chain (`AWS_ENDPOINT_URL` is honoured). Errors name the secret, never a value.
 */
export async function fetchPassword(sheet: WelcomeSheet, source: PasswordSource = {}): Promise<string> {
  const own =
    source.client === undefined
      ? new SecretsManagerClient({
          ...(source.region === undefined ? {} : { region: source.region }),
          ...(source.profile === undefined ? {} : { profile: source.profile }),
        })
      : undefined;
  const client = source.client ?? own!;
  const secret = sheet.mlflow.passwordSecret;
  let text: string | undefined;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: secret }))).SecretString;
  } catch (err) {
    const e = err as Error;
    throw new WelcomeFailure(`Cannot read secret ${secret}: ${e.name}: ${e.message}`);
  } finally {
    own?.destroy();
  }
  let password: unknown;
  try {
    password = (JSON.parse(text ?? '') as { password?: unknown }).password;
  } catch {
    password = undefined;
  }
  if (typeof password !== 'string' || password === '') {
    throw new WelcomeFailure(`Secret ${secret} holds no {"password": "..."} string`);
  }
  return password;
}

/**
 * Write each `.env` into `dir` as `<slug>.env`, readable by the owner only (0600): written to a
 * fresh file beside it and renamed over, so an existing file or a link there is replaced, never
 * followed. Returns the paths.
 */
export function writeEnvFiles(dir: string, files: ReadonlyArray<{ slug: string; text: string }>): string[] {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return files.map(({ slug, text }) => {
      const path = join(dir, `${slug}.env`);
      const temporary = join(dir, `.${slug}.env.${process.pid}`);
      writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' });
      chmodSync(temporary, 0o600);
      renameSync(temporary, path);
      return path;
    });
  } catch (err) {
    throw new WelcomeFailure(`Cannot write the .env files in ${dir}: ${(err as Error).message}`);
  }
}

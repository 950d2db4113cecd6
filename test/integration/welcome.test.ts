/**
 * `cohort-lab welcome --reveal` through the real entry point (bin/ops.ts under tsx), reading the
 * person's secret from moto's Secrets Manager with the AWS SDK's standard chain: static test
 * credentials and `AWS_ENDPOINT_URL` in the environment, as a person's shell would hold theirs.
 *
 * The password is a value of this test only. It is asserted with booleans (`includes`), never
 * with a matcher that would print the output holding it when a test fails.
 */
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { secretNames } from '../../lib/core';
import { Moto, randomPassword, startMoto } from '../../lib/local/services';
import { CLI_TIMEOUT_MS } from '../support/cohort';

const REPO_ROOT = join(__dirname, '..', '..');
const TODAY = '2026-11-29';
const COHORT = 'demo-2027-spring';
const PASSWORD = randomPassword();
const WARNING =
  "WARNING: this prints grace-hopper's current MLflow password. Hand it over privately: not in a chat, " +
  'a ticket or on a shared screen. It is not written to the .env file.\n';

let moto: Moto;
let out: string;

function welcome(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AWS_')) env[k] = v;
  }
  const run = spawnSync(
    join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
    ['bin/ops.ts', 'welcome', 'cohorts/demo.yaml', '--today', TODAY, '--out', out, ...args],
    {
      cwd: REPO_ROOT,
      env: {
        ...env,
        ...moto.awsEnv,
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_CONFIG_FILE: '/nonexistent',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      },
      encoding: 'utf8',
      timeout: CLI_TIMEOUT_MS,
    },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

beforeAll(async () => {
  moto = await startMoto();
  out = mkdtempSync(join(tmpdir(), 'cohortlab-welcome-'));
  // The secret as LabPerson creates it, in the demo cohort's region.
  const sm = new SecretsManagerClient({
    endpoint: moto.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await sm.send(
    new CreateSecretCommand({
      Name: secretNames(COHORT).learnerMlflow('grace-hopper'),
      SecretString: JSON.stringify({ username: 'grace-hopper', password: PASSWORD }),
    }),
  );
  sm.destroy();
}, 60_000);

afterAll(async () => {
  await moto?.process.stop();
  rmSync(out, { recursive: true, force: true });
}, 30_000);

describe('cohort-lab welcome --reveal', () => {
  test('prints the current password after a warning on stderr, and never writes it to the .env', () => {
    // GIVEN grace-hopper's secret in Secrets Manager WHEN welcome reveals it
    const run = welcome('--learner', 'grace-hopper', '--reveal');
    // THEN the sheet holds it, the warning came first on stderr, the .env does not hold it
    expect(run.status).toBe(0);
    expect(run.stderr).toBe(WARNING);
    expect(run.stdout.includes(`  password    ${PASSWORD} (the current one)\n`)).toBe(true);
    const envFile = join(out, 'grace-hopper.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const env = readFileSync(envFile, 'utf8');
    expect(env.includes(PASSWORD)).toBe(false);
    expect(env).toMatch(/^MLFLOW_TRACKING_PASSWORD=$/m);
  }, 60_000);

  test('without --reveal, the same sheet holds no password', () => {
    const run = welcome('--learner', 'grace-hopper');
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout.includes(PASSWORD)).toBe(false);
  }, 60_000);

  test('with --json, the password is in the document only', () => {
    const run = welcome('--person', 'grace-hopper', '--reveal', '--json');
    expect(run.status).toBe(0);
    const doc = JSON.parse(run.stdout) as {
      people: Array<{ mlflow: { password?: string }; envFile: string }>;
    };
    expect(doc.people[0].mlflow.password === PASSWORD).toBe(true);
    expect(readFileSync(doc.people[0].envFile, 'utf8').includes(PASSWORD)).toBe(false);
  }, 60_000);

  test('fails when the secret is not there: exit 1, naming the secret', () => {
    const run = welcome('--person', 'alan-turing', '--reveal');
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      WARNING.replace("grace-hopper's", "alan-turing's") +
        `Cannot read secret ${secretNames(COHORT).learnerMlflow('alan-turing')}: ` +
        "ResourceNotFoundException: Secrets Manager can't find the specified secret.\n",
    );
  }, 60_000);
});

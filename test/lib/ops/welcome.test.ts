import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'fs';
import { join } from 'path';
import { PersonRole } from '../../../lib/core';
import {
  fetchPassword,
  FILL_IN,
  WelcomeFailure,
  WelcomeInputError,
  WelcomeSheet,
  welcomeSheets,
  writeEnvFiles,
} from '../../../lib/ops/welcome';
import { renderEnv, renderJson, renderSheet } from '../../../lib/ops/welcome-text';
import { configFrom, loadCohort } from '../../support/cohort';
import { testTempDir } from '../../support/tmp';

const demo = loadCohort('cohorts/demo.yaml');
const ROLE = 'arn:aws:iam::<account>:role/cohortlab/demo-2027-spring/people/lab-grace-hopper-3c3b09c8';
const DEPLOYED = { bucket: 'cohortlab-demo-artifacts-1a2b3c', clientId: '5example0client0id' };

function sheetOf(person: string, options = {}): WelcomeSheet {
  const sheets = welcomeSheets(demo, { person, ...options });
  expect(sheets).toHaveLength(1);
  return sheets[0];
}

/** The `KEY=value` lines of a `.env`, without its comments. */
function settings(env: string): string[] {
  return env.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

describe('welcome: the sheets', () => {
  test('one sheet per person of the demo cohort, instructors first', () => {
    // GIVEN the demo cohort WHEN no person is named
    const sheets = welcomeSheets(demo);
    // THEN everyone, by slug and role
    expect(sheets.map((s) => [s.role, s.slug])).toEqual([
      [PersonRole.INSTRUCTOR, 'ada-lovelace'],
      [PersonRole.LEARNER, 'grace-hopper'],
      [PersonRole.LEARNER, 'alan-turing'],
      [PersonRole.LEARNER, 'katherine-johnson'],
    ]);
  });

  test('a learner with a principal: MLflow, their role, kubectl in their namespace, their S3 prefix', () => {
    // GIVEN grace-hopper, who has an iamPrincipalArn WHEN her sheet is built
    const sheet = sheetOf('grace-hopper');
    // THEN every name is computed from her slug, and her stack from its hash
    expect(sheet.stack).toBe('cohortlab-demo-2027-spring-learners-2'); // sha256('grace-hopper') mod 64
    expect(sheet.mlflow).toEqual({
      url: 'https://mlflow.demo-2027-spring.cohort-lab.example',
      plainHttp: false,
      username: 'grace-hopper',
      experiment: 'learners/grace-hopper',
      admin: false,
      passwordSecret: 'cohort-lab/demo-2027-spring/learners/grace-hopper/mlflow',
      passwordCommand:
        'aws secretsmanager get-secret-value --secret-id cohort-lab/demo-2027-spring/learners/grace-hopper/mlflow ' +
        '--query SecretString --output text --region eu-west-1 | jq -r .password',
      passwordReader:
        'you, as your AWS role (below), or whoever runs the cohort (credentials that may read cohort-lab/demo-2027-spring/*)',
      rotationDays: 30,
    });
    expect(sheet.aws.principal).toBe('arn:aws:iam::111122223333:role/learner-grace-hopper');
    expect(sheet.aws.roleArn).toBe(ROLE);
    expect(sheet.aws.roleName).toBe('lab-grace-hopper-3c3b09c8');
    expect(sheet.aws.assumeRoleCommands?.join('\n')).toContain(`--role-arn ${ROLE} \\`);
    expect(sheet.kubernetes).toEqual({
      access: 'namespace',
      namespace: 'learner-grace-hopper',
      endpoint: 'public, from 203.0.113.0/24 only',
      commands: [
        'aws eks update-kubeconfig --name cohortlab-demo-2027-spring --region eu-west-1',
        'kubectl -n learner-grace-hopper get pods',
      ],
    });
    expect(sheet.s3).toEqual(
      expect.objectContaining({
        uri: 's3://<bucket>/learners/grace-hopper/',
        readWrite: ['learners/grace-hopper/'],
        readOnly: ['shared/'],
      }),
    );
    expect(sheet.feast).toEqual(
      expect.objectContaining({
        endpoint: 'http://feast.cohort-lab.svc.cluster.local:6566',
        cognitoUsername: 'grace-hopper',
        group: 'learners',
        clientId: '<client id>',
        canWrite: false,
      }),
    );
    // AND what the cohort file cannot know is left as a fill-in marker, with where to read it
    expect(sheet.fillIn.map((f) => f.marker)).toEqual(['<account>', '<client id>', '<bucket>']);
    expect(sheet.fillIn[2]).toEqual({
      marker: '<bucket>',
      where:
        'output ArtifactBucketName of stack cohortlab-demo-2027-spring-data (or run welcome with --bucket)',
      command:
        'aws cloudformation describe-stacks --stack-name cohortlab-demo-2027-spring-data \\\n' +
        `  --query "Stacks[0].Outputs[?OutputKey=='ArtifactBucketName'].OutputValue" --output text`,
    });
  });

  test('a learner without a principal: no role to assume, no cluster access, an operator reads the password', () => {
    // GIVEN alan-turing, who has no iamPrincipalArn, named by his id as the cohort file writes it
    const sheet = sheetOf('alan_turing');
    // THEN
    expect(sheet.slug).toBe('alan-turing');
    expect(sheet.aws).toEqual({ roleName: 'lab-alan-turing-3c3b09c8' });
    expect(sheet.kubernetes.access).toBe('none');
    expect(sheet.kubernetes.commands).toEqual([]);
    expect(sheet.mlflow.passwordReader).toBe(
      `whoever runs the cohort (credentials that may read cohort-lab/demo-2027-spring/*). You have no AWS role of ` +
        `your own (no iamPrincipalArn on the roster): they hand it over with cohort-lab welcome ` +
        `${demo.sourceFile} --person alan-turing --reveal`,
    );
    expect(sheet.fillIn.map((f) => f.marker)).toEqual(['<client id>', '<bucket>']);
  });

  test('an instructor: MLflow admin, their own secret, cluster admin, writes shared/ and reads learners/', () => {
    const sheet = sheetOf('ada-lovelace');
    expect(sheet.role).toBe(PersonRole.INSTRUCTOR);
    expect(sheet.mlflow.admin).toBe(true);
    expect(sheet.mlflow.experiment).toBeUndefined();
    expect(sheet.mlflow.passwordSecret).toBe('cohort-lab/demo-2027-spring/instructors/ada-lovelace/mlflow');
    expect(sheet.kubernetes.access).toBe('cluster-admin');
    expect(sheet.kubernetes.commands).toEqual([
      'aws eks update-kubeconfig --name cohortlab-demo-2027-spring --region eu-west-1',
      'kubectl get namespaces',
    ]);
    expect(sheet.feast.group).toBe('instructors');
    expect(sheet.feast.canWrite).toBe(true);
    expect(sheet.s3.uri).toBe('s3://<bucket>/shared/');
    expect(sheet.s3.readOnly).toEqual(['learners/']);
  });

  test("a learner with a repository: the CI role's ARN and the secret id, the repository variables of Lab 2", () => {
    // GIVEN Grace, whose entry names grace-hopper/cohort-lab-promotion; Alan, whose does not
    const grace = sheetOf('grace-hopper');
    // THEN her sheet holds her CI role (computed, no lookup; the demo names no account) and her mlflow-ci secret
    expect(grace.githubCi).toEqual({
      repository: 'grace-hopper/cohort-lab-promotion',
      environments: ['staging', 'production'],
      roleArn: expect.stringMatching(
        /^arn:aws:iam::<account>:role\/cohortlab\/demo-2027-spring\/ci\/ci-grace-hopper-[0-9a-f]{8}$/,
      ) as unknown as string,
      secretId: 'cohort-lab/demo-2027-spring/learners/grace-hopper/mlflow-ci',
      mlflowUsername: 'ci.grace-hopper',
      model: 'promotion.grace-hopper',
    });
    const text = renderSheet(grace, 'welcome/grace-hopper.env');
    expect(text).toContain(`COHORT_LAB_CI_ROLE_ARN=${grace.githubCi!.roleArn}`);
    expect(text).toContain('MLFLOW_CI_SECRET_ID=cohort-lab/demo-2027-spring/learners/grace-hopper/mlflow-ci');
    expect(sheetOf('alan-turing').githubCi).toBeUndefined();
  });

  test('the deployed values given as options replace their fill-in markers everywhere', () => {
    const sheet = sheetOf('grace-hopper', DEPLOYED);
    expect(sheet.s3.uri).toBe('s3://cohortlab-demo-artifacts-1a2b3c/learners/grace-hopper/');
    expect(sheet.feast.clientId).toBe('5example0client0id');
    expect([...sheet.feast.firstSignIn, ...sheet.feast.token].join('\n')).not.toContain(FILL_IN.clientId);
    expect(sheet.fillIn.map((f) => f.marker)).toEqual(['<account>']);
  });

  test('a cohort file without region or account: fill-in markers, and --region fills the region', () => {
    // GIVEN a cohort file that names neither (the test base file), with a principal
    const config = configFrom((doc) => {
      (doc.learners as Array<Record<string, unknown>>)[0].iamPrincipalArn =
        'arn:aws:iam::111122223333:user/grace';
    });
    const [sheet] = welcomeSheets(config, { person: 'grace-hopper' });
    expect(sheet.region).toBe('<region>');
    expect(sheet.mlflow.passwordCommand).toContain('--region <region> |');
    expect(sheet.fillIn.map((f) => f.marker)).toEqual(['<region>', '<account>', '<client id>', '<bucket>']);
    // WHEN --region is given THEN it is used, with its partition
    const [china] = welcomeSheets(config, { person: 'grace-hopper', region: 'cn-north-1' });
    expect(china.region).toBe('cn-north-1');
    // AND an instructor without a principal has no role at all
    expect(welcomeSheets(config, { person: 'ada' })[0].aws).toEqual({});
    expect(china.aws.roleArn).toMatch(/^arn:aws-cn:iam::<account>:role\/cohortlab\/test-cohort\/people\//);
  });

  test('fails when the person is not on the roster, suggesting a close slug', () => {
    expect(() => welcomeSheets(demo, { person: 'grace.hoper' })).toThrow(
      new WelcomeInputError(
        `${demo.sourceFile}: no learner or instructor "grace.hoper" in cohort demo-2027-spring. Did you mean "grace-hopper"?`,
      ),
    );
    expect(() => welcomeSheets(demo, { person: 'linus' })).toThrow(
      new WelcomeInputError(
        `${demo.sourceFile}: no learner or instructor "linus" in cohort demo-2027-spring.`,
      ),
    );
  });

  test('fails when --region contradicts the cohort file', () => {
    expect(() => welcomeSheets(demo, { region: 'us-east-1' })).toThrow(
      new WelcomeInputError(
        `--region us-east-1 contradicts ${demo.sourceFile}, whose cohort is in eu-west-1`,
      ),
    );
  });
});

describe('welcome: what is printed and written', () => {
  const grace = sheetOf('grace-hopper', DEPLOYED);

  test('the .env: every setting the course asks for, the password and token lines empty', () => {
    const env = renderEnv(grace);
    expect(settings(env)).toEqual([
      'MLFLOW_TRACKING_URI=https://mlflow.demo-2027-spring.cohort-lab.example',
      'MLFLOW_TRACKING_USERNAME=grace-hopper',
      'MLFLOW_TRACKING_PASSWORD=',
      'MLFLOW_EXPERIMENT_NAME=learners/grace-hopper',
      'AWS_REGION=eu-west-1',
      'COHORT_LAB_BUCKET=cohortlab-demo-artifacts-1a2b3c',
      'COHORT_LAB_S3_PREFIX=learners/grace-hopper/',
      'FEAST_FEATURE_SERVER_URL=http://feast.cohort-lab.svc.cluster.local:6566',
      'FEAST_COGNITO_CLIENT_ID=5example0client0id',
      'FEAST_ACCESS_TOKEN=',
    ]);
    expect(env).toContain('# Do NOT commit this file or share it');
    expect(env).toContain(`#   ${grace.mlflow.passwordCommand}\n`);
  });

  test("the .env: an instructor's has no experiment; a value still unknown is empty, with where to read it", () => {
    const env = renderEnv(sheetOf('ada-lovelace'));
    expect(settings(env).map((l) => l.split('=')[0])).not.toContain('MLFLOW_EXPERIMENT_NAME');
    expect(settings(env)).toContain('COHORT_LAB_BUCKET=');
    expect(settings(env)).toContain('COHORT_LAB_S3_PREFIX=shared/');
    expect(env).toContain(
      "# The cohort's S3 bucket\n" +
        '# Not known yet: output ArtifactBucketName of stack cohortlab-demo-2027-spring-data (or run welcome with --bucket)\n' +
        '#   aws cloudformation describe-stacks --stack-name cohortlab-demo-2027-spring-data \\\n' +
        `#     --query "Stacks[0].Outputs[?OutputKey=='ArtifactBucketName'].OutputValue" --output text\n` +
        'COHORT_LAB_BUCKET=\n',
    );
  });

  test('the sheet shows a password only when given one', () => {
    const without = renderSheet(grace, 'welcome/grace-hopper.env');
    expect(without).toContain('Cohort Lab demo-2027-spring: welcome, Grace Hopper');
    expect(without).toContain('  URL         https://mlflow.demo-2027-spring.cohort-lab.example\n');
    expect(without).toContain('    kubectl -n learner-grace-hopper get pods\n');
    expect(without).toContain(
      '  your prefix s3://cohortlab-demo-artifacts-1a2b3c/learners/grace-hopper/ (read and write)',
    );
    expect(without).not.toMatch(/^ {2}password {4}\S+ \(the current one\)$/m);
    const revealed = renderSheet(grace, 'welcome/grace-hopper.env', 'Example0Password0Value00000000000');
    expect(revealed).toContain('  password    Example0Password0Value00000000000 (the current one)\n');
  });

  test('a sandbox without a host name: the sheet says where the MLflow address is', () => {
    const [sheet] = welcomeSheets(loadCohort('cohorts/sandbox-example.yaml'));
    expect(sheet.mlflow.plainHttp).toBe(true);
    const text = renderSheet(sheet, 'welcome/grace-hopper.env');
    expect(text).toContain('  URL         <mlflow url> (plain HTTP, no TLS: see "To fill in")');
    expect(text).toContain('    kubectl -n cohort-lab get ingress mlflow\n');
    expect(settings(renderEnv(sheet))).toContain('MLFLOW_TRACKING_URI=');
  });

  test('the JSON document holds the sheets and the .env paths, and a password only when given one', () => {
    const plain = JSON.parse(
      renderJson('cohorts/demo.yaml', [{ sheet: grace, envFile: 'welcome/grace-hopper.env' }]),
    );
    expect(plain.people[0].envFile).toBe('welcome/grace-hopper.env');
    expect(plain.people[0].mlflow).toEqual(grace.mlflow);
    expect('password' in plain.people[0].mlflow).toBe(false);
    const revealed = JSON.parse(
      renderJson(
        'cohorts/demo.yaml',
        [{ sheet: grace, envFile: 'welcome/grace-hopper.env' }],
        'Example0Password',
      ),
    );
    expect(revealed.people[0].mlflow.password).toBe('Example0Password');
  });

  test('the .env files are written mode 0600, replacing a file or a link there without following it', () => {
    // GIVEN a directory holding an old, world-readable file and a link to a file elsewhere
    const dir = testTempDir('cohortlab-welcome');
    const elsewhere = join(testTempDir('cohortlab-welcome-elsewhere'), 'target');
    writeFileSync(elsewhere, 'untouched\n');
    writeFileSync(join(dir, 'grace-hopper.env'), 'old\n', { mode: 0o644 });
    symlinkSync(elsewhere, join(dir, 'ada-lovelace.env'));
    // WHEN both are written
    const paths = writeEnvFiles(dir, [
      { slug: 'grace-hopper', text: 'A=1\n' },
      { slug: 'ada-lovelace', text: 'B=2\n' },
    ]);
    // THEN regular files of mode 0600 hold the new text, and the link's target is untouched
    expect(paths).toEqual([join(dir, 'grace-hopper.env'), join(dir, 'ada-lovelace.env')]);
    for (const path of paths) {
      expect(lstatSync(path).isFile()).toBe(true);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(paths[0], 'utf8')).toBe('A=1\n');
    expect(readFileSync(elsewhere, 'utf8')).toBe('untouched\n');
  });

  test('fails when the .env directory cannot be made', () => {
    const file = join(testTempDir('cohortlab-welcome-file'), 'not-a-dir');
    writeFileSync(file, '');
    expect(() => writeEnvFiles(join(file, 'out'), [{ slug: 'grace-hopper', text: '' }])).toThrow(
      new WelcomeFailure(
        `Cannot write the .env files in ${join(file, 'out')}: ENOTDIR: not a directory, mkdir '${join(file, 'out')}'`,
      ),
    );
  });
});

describe('welcome: reading the current password', () => {
  const grace = sheetOf('grace-hopper');
  const client = (answer: () => Promise<unknown>) => ({
    send: jest.fn(async (command: GetSecretValueCommand) => {
      expect(command.input).toEqual({ SecretId: grace.mlflow.passwordSecret });
      return answer();
    }),
  });

  test("the secret's password", async () => {
    const c = client(async () => ({
      SecretString: '{"username":"grace-hopper","password":"Example0Password"}',
    }));
    await expect(fetchPassword(grace, { client: c as never })).resolves.toBe('Example0Password');
  });

  test('fails when Secrets Manager refuses, naming the secret', async () => {
    const denied = Object.assign(
      new Error('User is not authorized to perform: secretsmanager:GetSecretValue'),
      {
        name: 'AccessDeniedException',
      },
    );
    const c = client(async () => {
      throw denied;
    });
    await expect(fetchPassword(grace, { client: c as never })).rejects.toThrow(
      new WelcomeFailure(
        'Cannot read secret cohort-lab/demo-2027-spring/learners/grace-hopper/mlflow: AccessDeniedException: ' +
          'User is not authorized to perform: secretsmanager:GetSecretValue',
      ),
    );
  });

  test('fails when the secret holds no password, without quoting what it holds', async () => {
    const c = client(async () => ({ SecretString: '{"username":"grace-hopper","pass":"Example0Password"}' }));
    await expect(fetchPassword(grace, { client: c as never })).rejects.toThrow(
      new WelcomeFailure(
        'Secret cohort-lab/demo-2027-spring/learners/grace-hopper/mlflow holds no {"password": "..."} string',
      ),
    );
  });
});

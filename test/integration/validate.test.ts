/**
 * `cohort-lab validate` against real environments: one local lab of a NO_PERMISSIONS cohort
 * (test/fixtures/cohorts/validate-lab.yaml), started once through the CLI and reused, then broken
 * one way at a time (auth off, a public bucket, a secret without rotation, a rotation that last
 * failed, a learner who can read another's run); each broken environment must fail exactly the
 * right checks and no others, and is mended before the next. Then AWS mode, through the CLI with
 * `AWS_ENDPOINT_URL` on a separate moto that holds what the lab cannot (an EKS cluster, log groups,
 * a bucket with the TLS-only policy) beside copies of the cohort's secrets, with MLflow and Feast
 * those of the lab.
 *
 * What is a stand-in, and says so: "auth off" is the lab's own MLflow server process started a
 * second time from its command line and environment without `--app-name basic-auth` (and without
 * `--allowed-hosts`, because it is reached directly rather than through the load balancer
 * stand-in); "a rotation that last failed" is the AWSPENDING version Secrets Manager's createSecret
 * step leaves when a later step fails, written with PutSecretValue.
 *
 * Longer than 300 lines on purpose: one lab (about a minute to start) serves every case, so the
 * cases share this file; `report --local` is tested here too, on the same lab.
 */
import { ChildProcess, spawn } from 'child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateClusterCommand, DeleteClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  BucketLocationConstraint,
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { loadCohortFile } from '../../lib/config';
import { SecretKind, secretNames } from '../../lib/core';
import { awsClients, readSecrets } from '../../lib/local/aws-state';
import { cohortSecretSpecs, createCohortSecret } from '../../lib/local/cohort-secrets';
import { REPO_ROOT } from '../../lib/local/container';
import { localBucketName } from '../../lib/local/infra';
import { labPorts, LAB_SERVICES, portFree } from '../../lib/local/ports';
import { startMoto, Moto } from '../../lib/local/services';
import { readState } from '../../lib/local/state';
import { basicAuth, call } from '../../lib/ops/validate/http';
import { CHECK_IDS, CheckId, CheckStatus, runChecks } from '../../lib/ops/validate';
import { localTarget } from '../../lib/ops/validate/targets-local';

jest.setTimeout(600_000);

const TSX = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const OPS = join(REPO_ROOT, 'bin', 'ops.ts');
const COHORT_FILE = join(REPO_ROOT, 'test', 'fixtures', 'cohorts', 'validate-lab.yaml');
const config = loadCohortFile(COHORT_FILE, { today: '2026-11-29' });
const names = secretNames(config.name);
const scratch = mkdtempSync(join(tmpdir(), 'cohortlab-validate-'));
// Root runs the lab's PostgreSQL as the postgres user, which must pass through (not list) this.
chmodSync(scratch, 0o711);
const stateDir = join(scratch, 'lab');

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSX, OPS, ...args], { cwd: REPO_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function freeBlock(): Promise<number> {
  for (;;) {
    const base = 30_000 + Math.floor(Math.random() * 2_000) * 10;
    const free = await Promise.all(LAB_SERVICES.map((_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
}

/** The ids of the checks that failed on the lab, run through the library (for the broken cases). */
async function failedOnLab(override: { mlflowUrl?: string; now?: Date } = {}): Promise<CheckId[]> {
  const target = await localTarget(config, stateDir);
  const results = await runChecks(
    {
      ...target,
      mlflow: { ...target.mlflow, url: override.mlflowUrl ?? target.mlflow.url },
      now: () => override.now ?? new Date(),
    },
    CHECK_IDS,
  );
  return results.filter((r) => r.status === CheckStatus.FAIL).map((r) => r.id);
}

let base = 0;
let lab: ReturnType<typeof awsClients>;

beforeAll(async () => {
  base = await freeBlock();
  const up = await cli([
    'local',
    'up',
    COHORT_FILE,
    '--detach',
    '--state',
    stateDir,
    '--base-port',
    String(base),
  ]);
  if (up.code !== 0) throw new Error(`local up failed:\n${up.stderr}`);
  lab = awsClients(`http://127.0.0.1:${labPorts(base).moto}`);
});

afterAll(async () => {
  await cli(['local', 'down', '--purge', '--state', stateDir]);
});

describe('validate --local on a healthy lab', () => {
  test('every check passes or says why it cannot run here; JUnit and JSON say the same', async () => {
    // WHEN the CLI validates the running lab
    const junit = join(scratch, 'validate.xml');
    const res = await cli([
      'validate',
      COHORT_FILE,
      '--local',
      '--state',
      stateDir,
      '--json',
      '--junit',
      junit,
    ]);
    // THEN it exits 0, every check passes but the three a lab cannot hold, which skip with a reason
    expect({ code: res.code, stderr: res.stderr }).toEqual({ code: 0, stderr: '' });
    const doc = JSON.parse(res.stdout) as {
      passed: boolean;
      checks: Array<{ id: string; status: string; evidence: string[] }>;
    };
    expect(doc.passed).toBe(true);
    const skipped = [CheckId.BUCKET_TLS_ONLY, CheckId.EKS_ENDPOINT, CheckId.LOG_RETENTION];
    expect(doc.checks.map((c) => [c.id, c.status])).toEqual(
      CHECK_IDS.map((id) => [id, skipped.includes(id) ? 'skip' : 'pass']),
    );
    // AND the evidence names what was seen: status codes, the object's key and key ARN, secret ARNs
    const evidence = Object.fromEntries(doc.checks.map((c) => [c.id, c.evidence.join('\n')]));
    expect(evidence[CheckId.MLFLOW_AUTH]).toMatch(/anonymous POST \/graphql: 401 \(want 401\)/);
    expect(evidence[CheckId.MLFLOW_LEARNER_RUN]).toMatch(
      new RegExp(
        `s3://${localBucketName(config.name)}/mlflow/\\d+/[0-9a-f]{32}/artifacts/cohort-lab-validate.txt`,
      ),
    );
    expect(evidence[CheckId.MLFLOW_LEARNER_RUN]).toMatch(/server-side encryption aws:kms, key arn:aws:kms:/);
    expect(evidence[CheckId.MLFLOW_ISOLATION]).toMatch(
      /alan-turing reads grace-hopper's run [0-9a-f]{32}: 403/,
    );
    expect(evidence[CheckId.SECRETS_ROTATION_ON]).toMatch(
      /secret:cohort-lab\/validate-lab\/redis-\w+: rotation on, every 30 days/,
    );
    // AND the JUnit file has one test case per check, none failed, three skipped
    const xml = readFileSync(junit, 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(CHECK_IDS.length);
    expect(xml).toMatch(/<testsuites name="cohort-lab validate" tests="11" failures="0" skipped="3"/);
    // AND no secret value of the lab is in what it printed
    for (const s of await readSecrets(lab.sm, 'cohort-lab/')) {
      for (const [k, v] of Object.entries(JSON.parse(s.current) as Record<string, string>)) {
        // Not secret: user and database names, and the ARN of the master user's secret.
        if (!['username', 'dbname', 'masterarn'].includes(k)) expect(res.stdout).not.toContain(v);
      }
    }
  });

  test('fails when the cohort file is invalid or a check is unknown: exit 2, nothing checked', async () => {
    const unknown = await cli([
      'validate',
      COHORT_FILE,
      '--local',
      '--state',
      stateDir,
      '--only',
      'mlflow-auth,nope',
    ]);
    expect({ code: unknown.code, stderr: unknown.stderr.trim() }).toEqual({
      code: 2,
      stderr: `--only: unknown check "nope"; the checks are ${CHECK_IDS.join(', ')}`,
    });
    const bad = await cli([
      'validate',
      join(REPO_ROOT, 'test/fixtures/cohorts/bad/bad-enum.yaml'),
      '--local',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^Invalid cohort file:\n.*bad-enum\.yaml: /);
  });

  test('fails when the lab is not running: exit 1 with the way to start it', async () => {
    const res = await cli(['validate', COHORT_FILE, '--local', '--state', join(scratch, 'nowhere')]);
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toBe(
      `The local lab in ${join(scratch, 'nowhere')} is not running. Start it with: cohort-lab local up`,
    );
  });
});

describe('validate --local on broken labs: exactly the right checks fail', () => {
  test('auth off: MLflow without basic-auth fails mlflow-auth and mlflow-isolation, nothing else', async () => {
    // GIVEN the lab's MLflow server started again from its own command line without the auth app
    const pod = readState(stateDir)!.services.find((s) => s.name === 'mlflow-pod')!;
    const argv = readFileSync(`/proc/${pod.pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a.length > 0);
    const env = Object.fromEntries(
      readFileSync(`/proc/${pod.pid}/environ`, 'utf8')
        .split('\0')
        .filter((e) => e.includes('='))
        .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    );
    const port = base + 9;
    const args: string[] = [];
    for (let i = 1; i < argv.length; i++) {
      if (argv[i] === '--app-name' || argv[i] === '--allowed-hosts') {
        i++; // the flag and its value left out
      } else if (argv[i] === '--port') {
        args.push('--port', String(port));
        i++;
      } else {
        args.push(argv[i]);
      }
    }
    const server: ChildProcess = spawn(argv[0], args, { env, stdio: 'ignore', detached: true });
    try {
      const url = `http://127.0.0.1:${port}`;
      for (let t = Date.now(); Date.now() - t < 90_000;) {
        if ((await call(`${url}/health`)).status === 200) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      // WHEN the checks run against it THEN anonymous calls and the other learner get in
      expect(await failedOnLab({ mlflowUrl: url })).toEqual([CheckId.MLFLOW_AUTH, CheckId.MLFLOW_ISOLATION]);
    } finally {
      process.kill(-server.pid!, 'SIGTERM');
    }
  });

  test('a public bucket: Block Public Access off fails bucket-public-access only', async () => {
    const bucket = localBucketName(config.name);
    await lab.s3.send(new DeletePublicAccessBlockCommand({ Bucket: bucket }));
    try {
      expect(await failedOnLab()).toEqual([CheckId.BUCKET_PUBLIC_ACCESS]);
    } finally {
      await lab.s3.send(
        new PutPublicAccessBlockCommand({
          Bucket: bucket,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: true,
          },
        }),
      );
    }
  });

  test('a secret without rotation fails secrets-rotation-on only', async () => {
    const name = `cohort-lab/${config.name}/stray-api-token`;
    await lab.sm.send(new CreateSecretCommand({ Name: name, SecretString: '{"token":"not-rotated"}' }));
    try {
      expect(await failedOnLab()).toEqual([CheckId.SECRETS_ROTATION_ON]);
    } finally {
      await lab.sm.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    }
  });

  test('a rotation that last failed (AWSPENDING left behind) fails secrets-rotation-succeeded only', async () => {
    const secret = names.learnerMlflow('alan-turing');
    const { VersionId } = await lab.sm.send(
      new PutSecretValueCommand({
        SecretId: secret,
        SecretString: '{"username":"alan-turing","password":"pending-value-never-set"}',
        VersionStages: ['AWSPENDING'],
      }),
    );
    try {
      expect(await failedOnLab()).toEqual([CheckId.SECRETS_ROTATION_SUCCEEDED]);
    } finally {
      await lab.sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secret,
          VersionStage: 'AWSPENDING',
          RemoveFromVersionId: VersionId,
        }),
      );
    }
  });

  test('a rotation overdue (the clock 32 days on) fails secrets-rotation-succeeded only', async () => {
    expect(await failedOnLab({ now: new Date(Date.now() + 32 * 86_400_000) })).toEqual([
      CheckId.SECRETS_ROTATION_SUCCEEDED,
    ]);
  });

  test("a learner who can read another's run fails mlflow-isolation only", async () => {
    // GIVEN the admin grants alan-turing READ on grace-hopper's experiment
    const target = await localTarget(config, stateDir);
    const admin = basicAuth(target.mlflow.admin.username, target.mlflow.admin.password);
    const exp = await call(
      `${target.mlflow.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=learners%2Fgrace-hopper`,
      { authorization: admin },
    );
    const experimentId = (exp.json?.experiment as { experiment_id: string }).experiment_id;
    // MLflow 3.17's per-user grant API (mlflow/server/auth/routes.py GRANT_USER_PERMISSION).
    const grant = { username: 'alan-turing', resource_type: 'experiment', resource_id: experimentId };
    const created = await call(`${target.mlflow.url}/api/3.0/mlflow/users/permissions/grant`, {
      authorization: admin,
      body: { ...grant, permission: 'READ' },
    });
    expect(created.status).toBe(200);
    try {
      expect(await failedOnLab()).toEqual([CheckId.MLFLOW_ISOLATION]);
    } finally {
      await call(`${target.mlflow.url}/api/3.0/mlflow/users/permissions/revoke`, {
        authorization: admin,
        body: grant,
      });
    }
    // AND once mended, nothing fails
    expect(await failedOnLab()).toEqual([]);
  });
});

describe('report --local: the recent changes of the running lab', () => {
  test("a learner's model version is listed with its alias and tag (MLflow records no user: '-')", async () => {
    // GIVEN grace-hopper registers a model from a run, points the alias champion at it and tags it
    const target = await localTarget(config, stateDir);
    const grace = target.mlflow.learners.find((l) => l.username === 'grace-hopper')!;
    const as = (path: string, body: unknown) =>
      call(`${target.mlflow.url}${path}`, { authorization: basicAuth(grace.username, grace.password), body });
    const exp = await call(
      `${target.mlflow.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=learners%2Fgrace-hopper`,
      { authorization: basicAuth(grace.username, grace.password) },
    );
    const run = await as('/api/2.0/mlflow/runs/create', {
      experiment_id: (exp.json?.experiment as { experiment_id: string }).experiment_id,
      start_time: Date.now(),
    });
    const info = (run.json?.run as { info: { run_id: string; artifact_uri: string } }).info;
    const model = 'validate-audit-model';
    const steps = [
      await as('/api/2.0/mlflow/registered-models/create', { name: model }),
      await as('/api/2.0/mlflow/model-versions/create', {
        name: model,
        source: `${info.artifact_uri}/model`,
        run_id: info.run_id,
      }),
      await as('/api/2.0/mlflow/registered-models/alias', { name: model, alias: 'champion', version: '1' }),
      await as('/api/2.0/mlflow/model-versions/set-tag', {
        name: model,
        version: '1',
        key: 'promoted-by',
        value: 'grace-hopper',
      }),
    ];
    expect(steps.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // WHEN the report is built with the lab
    const out = join(scratch, 'report-local');
    const res = await cli([
      'report',
      COHORT_FILE,
      '--local',
      '--state',
      stateDir,
      '--out',
      out,
      '--today',
      '2026-11-29',
    ]);
    // THEN it lists the version, its user, alias and tag under "Recent changes", and the secrets' rotations
    expect({
      code: res.code,
      stderr: res.stderr.replace(/^.*(Bundling|building|Done in).*\n?|^\s*\n/gm, ''),
    }).toEqual({
      code: 0,
      stderr: '',
    });
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('## Recent changes');
    expect(md).toMatch(
      /\| \d{4}-\d\d-\d\dT[\d:.]+Z \| validate-audit-model v1 \| - \| champion \| promoted-by=grace-hopper \| /,
    );
    expect(md).toMatch(/\| cohort-lab\/validate-lab\/learners\/grace-hopper\/mlflow \| \d{4}-/);
  });
});

describe('validate on AWS (moto through AWS_ENDPOINT_URL)', () => {
  let moto: Moto;
  const region = config.region!;
  const bucket = 'validate-lab-artifacts-aws';
  const clusterName = `cohortlab-${config.name}`;
  let env: NodeJS.ProcessEnv;
  let eks: EKSClient;
  const cluster = (publicAccessCidrs?: string[]) =>
    new CreateClusterCommand({
      name: clusterName,
      roleArn: 'arn:aws:iam::123456789012:role/cluster',
      resourcesVpcConfig: {
        subnetIds: ['subnet-1', 'subnet-2'],
        endpointPrivateAccess: true,
        endpointPublicAccess: publicAccessCidrs !== undefined,
        ...(publicAccessCidrs ? { publicAccessCidrs } : {}),
      },
    });
  // Every check but the learner's run: MLflow (the lab's) writes its artifact to the lab's moto.
  const only = CHECK_IDS.filter((id) => id !== CheckId.MLFLOW_LEARNER_RUN).join(',');

  beforeAll(async () => {
    mkdirSync(join(scratch, 'moto-aws'));
    moto = await startMoto({ logDir: join(scratch, 'moto-aws') });
    const common = {
      endpoint: moto.endpoint,
      region,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    };
    // The cohort's secrets as the stacks create them (every one rotated: on AWS the database users
    // have hosted rotation), holding the lab's current values so the lab's MLflow takes them.
    const sm = new SecretsManagerClient(common);
    const values = Object.fromEntries(
      (await readSecrets(lab.sm, 'cohort-lab/')).map((s) => [s.name, s.current]),
    );
    for (const spec of cohortSecretSpecs(config)) {
      await createCohortSecret(
        sm,
        { ...spec, kind: spec.kind ?? SecretKind.GENERATED_KEY },
        JSON.parse(values[spec.name]),
      );
    }
    const s3 = new S3Client({ ...common, forcePathStyle: true });
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        CreateBucketConfiguration: { LocationConstraint: BucketLocationConstraint.eu_west_1 },
      }),
    );
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: tlsPolicy(bucket) }));
    eks = new EKSClient(common);
    await eks.send(cluster(['203.0.113.0/24']));
    const logs = new CloudWatchLogsClient(common);
    for (const group of [
      `/aws/eks/${clusterName}/cluster`,
      `/aws/lambda/${clusterName}-apps-SecretRotation`,
    ]) {
      await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
      await logs.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 90 }));
    }
    const token = await cli(['local', 'token', 'grace-hopper', '--state', stateDir]);
    env = {
      ...process.env,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_EC2_METADATA_DISABLED: 'true',
      COHORT_LAB_FEAST_TOKEN: token.stdout.trim(),
    };
  });

  afterAll(async () => {
    await moto?.process.stop();
  });

  const validateAws = async () => {
    const ports = labPorts(base);
    const res = await cli(
      [
        'validate',
        COHORT_FILE,
        '--json',
        '--only',
        only,
        '--bucket',
        bucket,
        '--mlflow-url',
        `http://127.0.0.1:${ports.mlflow}`,
        '--feast-url',
        `http://127.0.0.1:${ports.feast}`,
      ],
      env,
    );
    const doc = JSON.parse(res.stdout) as {
      checks: Array<{ id: string; status: string; evidence: string[] }>;
    };
    return { code: res.code, failed: doc.checks.filter((c) => c.status === 'fail').map((c) => c.id), doc };
  };

  test('a healthy deployment passes every check, the cluster and log groups included', async () => {
    const { code, failed, doc } = await validateAws();
    expect({ code, failed }).toEqual({ code: 0, failed: [] });
    expect(doc.checks.every((c) => c.status === 'pass')).toBe(true);
    const evidence = Object.fromEntries(doc.checks.map((c) => [c.id, c.evidence.join('\n')]));
    expect(evidence[CheckId.EKS_ENDPOINT]).toMatch(
      /endpointPublicAccess=true, publicAccessCidrs=\["203\.0\.113\.0\/24"\]/,
    );
    expect(evidence[CheckId.LOG_RETENTION]).toMatch(
      /\/aws\/eks\/cohortlab-validate-lab\/cluster.*retention 90 days/,
    );
    expect(evidence[CheckId.BUCKET_TLS_ONLY]).toMatch(/Deny s3:\* to \* when aws:SecureTransport=false/);
  });

  test('an endpoint open to 0.0.0.0/0 fails eks-endpoint only', async () => {
    await eks.send(new DeleteClusterCommand({ name: clusterName }));
    await eks.send(cluster(['0.0.0.0/0']));
    try {
      expect(await validateAws()).toMatchObject({ code: 1, failed: [CheckId.EKS_ENDPOINT] });
    } finally {
      await eks.send(new DeleteClusterCommand({ name: clusterName }));
      await eks.send(cluster(['203.0.113.0/24']));
    }
  });

  test('a log group kept forever fails log-retention only', async () => {
    const logs = new CloudWatchLogsClient({
      endpoint: moto.endpoint,
      region,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await logs.send(new CreateLogGroupCommand({ logGroupName: `/aws/vpc/${clusterName}-flow-logs` }));
    try {
      expect(await validateAws()).toMatchObject({ code: 1, failed: [CheckId.LOG_RETENTION] });
    } finally {
      await logs.send(
        new PutRetentionPolicyCommand({
          logGroupName: `/aws/vpc/${clusterName}-flow-logs`,
          retentionInDays: 30,
        }),
      );
    }
  });

  test('a bucket without the TLS-only policy fails bucket-tls-only only', async () => {
    const s3 = new S3Client({
      endpoint: moto.endpoint,
      region,
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    try {
      expect(await validateAws()).toMatchObject({ code: 1, failed: [CheckId.BUCKET_TLS_ONLY] });
    } finally {
      await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: tlsPolicy(bucket) }));
    }
  });
});

/** The statements ArtifactBucket's `enforceSSL` and `minimumTLSVersion: 1.2` write. */
function tlsPolicy(bucket: string): string {
  const Resource = [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`];
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Resource,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Resource,
        Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } },
      },
    ],
  });
}

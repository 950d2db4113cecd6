/**
 * Lab 3's drift CronJob on real processes: the container's own command, args, env and mounted
 * ConfigMap, taken from the synthesised learner chart, run with the pinned packages of the drift
 * image (.venvs/monitoring) against the local lab (`cohort-lab local up`: its MLflow, its Feast
 * registry and sample data in moto's S3) and moto for CloudWatch and SNS, with an SQS queue
 * subscribed to the alert topic to see what the topic delivers.
 *
 * Stand-ins, said plainly: cluster DNS (the learner's `mlflow-settings` ConfigMap points at the
 * lab's MLflow instead of `mlflow.cohort-lab.svc.cluster.local`), the External Secrets Operator
 * (the `mlflow-credentials` Secret holds the learner's credentials file's values), EKS Pod Identity
 * (moto's dummy keys) and the cohort's alert topic (created on moto here; the data stack creates it
 * on AWS). The CronJob's schedule is Kubernetes' part; the test runs its Job's container once per case.
 * One more, for moto's sake: botocore 1.43 (the image's) sends CloudWatch calls in its JSON protocol,
 * which moto 5.2.5 answers with a 500; botocore is given a copy of its own CloudWatch model listing
 * only the query protocol (AWS_DATA_PATH), so the same operations go in the query protocol.
 */
import { spawn } from 'child_process';
import { App } from 'cdk8s';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { addLearnerChart, ImageSource } from '../../cdk8s';
import { loadCohortFile } from '../../lib/config';
import { containerProcess, REPO_ROOT } from '../../lib/local/container';
import { localBucketName } from '../../lib/local/infra';
import { containerOf, find, K8sObject, podSpecOf } from '../../lib/local/manifest';
import { LAB_SERVICES, portFree } from '../../lib/local/ports';
import { runToCompletion } from '../../lib/local/processes';
import { MOTO_AWS_ENV } from '../../lib/local/services';
import { readState } from '../../lib/local/state';

jest.setTimeout(300_000);

const TSX = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const OPS = join(REPO_ROOT, 'bin', 'ops.ts');
const MONITORING_PYTHON = join(REPO_ROOT, '.venvs', 'monitoring', 'bin', 'python');
const HELPER = join(__dirname, 'support', 'drift_aws.py');
const SLUG = 'grace-hopper';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The query-protocol CloudWatch model for botocore (see the top of this file). */
const BOTOCORE_DATA = mkdtempSync(join(tmpdir(), 'cohortlab-drift-botocore-'));

async function helper<T>(...args: string[]): Promise<T> {
  const env = { ...process.env, ...MOTO_AWS_ENV, AWS_DATA_PATH: BOTOCORE_DATA };
  const r = await run(MONITORING_PYTHON, [HELPER, ...args], env);
  if (r.code !== 0) throw new Error(`drift_aws.py ${args[0]} exited with ${r.code}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

async function freeBlock(): Promise<number> {
  for (;;) {
    const base = 22_000 + Math.floor(Math.random() * 2_000) * 10;
    const free = await Promise.all(LAB_SERVICES.map((_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
}

function envFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

interface Summary {
  readonly severity: 'warning' | 'critical' | null;
  readonly drifted_features: number;
  readonly max_psi: number;
  readonly mlflow_run_id: string;
  readonly alert_message_id: string | null;
  readonly features: Array<{ feature: string; drifted: boolean; current_count: number }>;
}

interface Observed {
  readonly metrics: Array<{
    name: string;
    dimensions: Record<string, string>;
    maximum: number | null;
    samples: number;
  }>;
  readonly messages: Array<{
    Type: string;
    TopicArn: string;
    Message: string;
    MessageAttributes: Record<string, { Type: string; Value: string }>;
  }>;
}

describe('the drift CronJob as a local process against the local lab and moto', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cohortlab-drift-it-'));
  // Root runs the lab's PostgreSQL as the postgres user, which must pass through to its data.
  chmodSync(scratch, 0o711);
  const stateDir = join(scratch, 'lab');
  const config = loadCohortFile(join(REPO_ROOT, 'cohorts', 'demo.yaml'), { today: '2026-11-29' });
  const bucket = localBucketName(config.name);
  const cli = (args: string[]) => run(process.execPath, [TSX, OPS, 'local', ...args]);
  let moto: string;
  let learner: Record<string, string>;
  let aws: { topicArn: string; queueUrl: string };
  let objects: K8sObject[];
  const secrets: string[] = [];

  beforeAll(async () => {
    await helper('query-model', BOTOCORE_DATA);
    const base = await freeBlock();
    const up = await cli(['up', '--detach', '--state', stateDir, '--base-port', String(base)]);
    if (up.code !== 0) throw new Error(`the local lab did not start:\n${up.stderr}`);
    moto = readState(stateDir)!.services.find((s) => s.name === 'moto')!.url!;
    learner = envFile(join(stateDir, 'people', `${SLUG}.env`));
    secrets.push(learner.MLFLOW_TRACKING_PASSWORD);
    aws = await helper('setup', moto, bucket, SLUG, config.name);

    // GIVEN the learner's chart with the drift job, as the learners stack synthesises it
    const person = config.learners.find((l) => l.slug === SLUG)!;
    const chart = addLearnerChart(
      new App(),
      config.name,
      'eu-west-1',
      person,
      'arn:aws:iam::111122223333:role/x',
      { image: 'cohort-lab-mlflow:local', source: ImageSource.ENVIRONMENT_FILE },
      {
        image: 'cohort-lab-monitoring:local',
        imageSource: ImageSource.ENVIRONMENT_FILE,
        schedule: config.drift.schedule,
        alertTopicArn: aws.topicArn,
        feastProject: config.feast.project,
        artifactBucketName: bucket,
      },
    );
    // Cluster DNS stand-in: the learner's MLflow settings point at the lab's MLflow.
    objects = (chart.toJson() as K8sObject[]).map((o) =>
      o.kind === 'ConfigMap' && o.metadata.name === 'mlflow-settings'
        ? { ...o, data: { ...(o.data as object), MLFLOW_TRACKING_URI: learner.MLFLOW_TRACKING_URI } }
        : o,
    );
  });

  afterAll(async () => {
    await cli(['down', '--purge', '--state', stateDir]);
    rmSync(scratch, { recursive: true, force: true });
    rmSync(BOTOCORE_DATA, { recursive: true, force: true });
  });

  /** One run of the CronJob's container, to its end; its JSON summary. */
  async function runJob(name: string): Promise<Summary> {
    const cronJob = find(objects, 'CronJob', 'drift');
    const pod = podSpecOf(cronJob);
    const spec = containerProcess({
      objects,
      pod,
      container: containerOf(pod, 'drift'),
      image: 'monitoring',
      secrets: {
        'mlflow-credentials': {
          MLFLOW_TRACKING_USERNAME: learner.MLFLOW_TRACKING_USERNAME,
          MLFLOW_TRACKING_PASSWORD: learner.MLFLOW_TRACKING_PASSWORD,
        },
      },
      root: join(scratch, name),
      extraEnv: {
        ...MOTO_AWS_ENV,
        AWS_ENDPOINT_URL: moto,
        FEAST_S3_ENDPOINT_URL: moto,
        AWS_DATA_PATH: BOTOCORE_DATA,
      },
    });
    // THEN it is the manifest's command
    expect([spec.command, ...spec.args].slice(0, 3)).toEqual(['python', '-m', 'drift']);
    const out = await runToCompletion(name, { ...spec, command: MONITORING_PYTHON }, scratch, secrets);
    return JSON.parse(out.slice(out.indexOf('{\n'))) as Summary;
  }

  async function mlflowRun(runId: string): Promise<{ metrics: Array<{ key: string; value: number }> }> {
    const auth = Buffer.from(`${learner.MLFLOW_TRACKING_USERNAME}:${learner.MLFLOW_TRACKING_PASSWORD}`);
    const res = await fetch(`${learner.MLFLOW_TRACKING_URI}/api/2.0/mlflow/runs/get?run_id=${runId}`, {
      headers: { authorization: `Basic ${auth.toString('base64')}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      run: { info: { experiment_id: string }; data: { metrics: Array<{ key: string; value: number }> } };
    };
    return { metrics: body.run.data.metrics };
  }

  const dims = { Cohort: config.name, Learner: SLUG, Model: `promotion.${SLUG}` };

  test('no shift: metrics with the contract dimensions, a run in MLflow, and no alert', async () => {
    // WHEN the job runs on the sample data, whose reference is that very data
    const summary = await runJob('drift-no-shift');
    const observed = await helper<Observed>('observe', moto, aws.queueUrl);
    // THEN nothing drifted and no alert went out
    expect(summary).toMatchObject({ severity: null, drifted_features: 0, alert_message_id: null });
    expect(summary.features.map((f) => f.current_count)).toEqual([50, 50, 50]);
    expect(observed.messages).toEqual([]);
    // AND both metrics arrived, with the contract's dimensions
    expect(observed.metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'DriftedFeatures', dimensions: dims, maximum: 0 }),
        expect.objectContaining({ name: 'MaxPsi', dimensions: dims, maximum: 0 }),
      ]),
    );
    // AND the run is in the learner's MLflow with the drift metrics
    const mlflow = await mlflowRun(summary.mlflow_run_id);
    expect(mlflow.metrics).toEqual(
      expect.arrayContaining([
        { key: 'drift.drifted_features', value: 0, timestamp: expect.any(Number), step: 0 },
      ]),
    );
  });

  test('a stated shift: a critical alert with the contract attributes reaches the subscribed queue', async () => {
    // GIVEN the Feast sample data shifted (active minutes x 0.3, quiz scores 35 points lower)
    await helper('shift', moto, bucket);
    // WHEN the job runs again
    const summary = await runJob('drift-shift');
    const observed = await helper<Observed>('observe', moto, aws.queueUrl);
    // THEN two features drifted: a critical alert
    expect(summary.severity).toBe('critical');
    expect(summary.features.filter((f) => f.drifted).map((f) => f.feature)).toEqual([
      'minutes_active',
      'avg_quiz_score',
    ]);
    expect(observed.messages).toHaveLength(1);
    const [message] = observed.messages;
    expect(message.TopicArn).toBe(aws.topicArn);
    expect(message.MessageAttributes).toEqual({
      severity: { Type: 'String', Value: 'critical' },
      learner: { Type: 'String', Value: SLUG },
      cohort: { Type: 'String', Value: config.name },
      source: { Type: 'String', Value: 'drift' },
    });
    expect(JSON.parse(message.Message)).toMatchObject({
      learner: SLUG,
      model: `promotion.${SLUG}`,
      drifted: ['minutes_active', 'avg_quiz_score'],
      mlflow_run_id: summary.mlflow_run_id,
    });
    // AND the metric shows two drifted features for this learner and model
    const drifted = observed.metrics.find((m) => m.name === 'DriftedFeatures')!;
    expect(drifted).toMatchObject({ dimensions: dims, maximum: 2, samples: 2 });
  });
});

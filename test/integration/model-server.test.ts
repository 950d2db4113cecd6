/**
 * images/mlflow/cohort_lab_serve.py as a process, against MLflow's own registry on a local SQLite
 * store (no server needed for the registry: the model server is an MLflow client like any other).
 * It follows `@champion`: 503 before a model, the version and run on /version, MLflow's scoring
 * input on /invocations; a version that cannot load leaves the old one serving and is named on
 * /version; a loadable one is swapped in.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { REPO_ROOT } from '../../lib/local/container';
import { MLFLOW_PYTHON } from '../../lib/local/mlflow';
import { freePort, sleep } from '../../lib/local/processes';

jest.setTimeout(240_000);

const dir = mkdtempSync(join(tmpdir(), 'cohortlab-model-server-'));
const store = `sqlite:///${join(dir, 'mlflow.db')}`;
const env = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: dir,
  MLFLOW_TRACKING_URI: store,
  MLFLOW_DISABLE_TELEMETRY: 'true',
  PYTHONPATH: join(REPO_ROOT, 'images', 'mlflow'),
};
let server: ChildProcess | undefined;
let url: string;

/** Run MLflow client code against the store; returns its last stdout line. */
function python(code: string): string {
  const run = spawnSync(MLFLOW_PYTHON, ['-c', code], { cwd: dir, env, encoding: 'utf8', timeout: 180_000 });
  if (run.status !== 0) throw new Error(`python failed (${run.status}):\n${run.stderr}`);
  return run.stdout.trim().split('\n').pop() ?? '';
}

const LOG_MODEL = (nFeatures: number) => `
import mlflow
from mlflow import MlflowClient
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
X, y = load_breast_cancer(return_X_y=True, as_frame=True)
X = X.iloc[:, :${nFeatures}]
with mlflow.start_run() as run:
    info = mlflow.sklearn.log_model(LogisticRegression(max_iter=5000).fit(X, y), name="model",
        input_example=X.head(2), pip_requirements=["scikit-learn"])
c = MlflowClient()
v = c.create_model_version("promotion.it", info.model_uri, run_id=run.info.run_id, model_id=info.model_id)
c.set_registered_model_alias("promotion.it", "champion", v.version)
print(v.version, run.info.run_id)
`;

async function version(): Promise<Record<string, unknown>> {
  return (await (await fetch(`${url}/version`)).json()) as Record<string, unknown>;
}

async function until(check: (doc: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  let doc = await version();
  for (let i = 0; i < 200 && !check(doc); i++) {
    await sleep(300);
    doc = await version();
  }
  return doc;
}

beforeAll(async () => {
  python('from mlflow import MlflowClient; MlflowClient().create_registered_model("promotion.it")');
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawn(
    MLFLOW_PYTHON,
    [
      '-m',
      'cohort_lab_serve',
      '--model-uri',
      'models:/promotion.it@champion',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--poll-seconds',
      '1',
    ],
    { cwd: dir, env, stdio: 'ignore', detached: true },
  );
  for (let i = 0; i < 200 && (await fetch(`${url}/ping`).catch(() => undefined)) === undefined; i++)
    await sleep(200);
});

afterAll(() => {
  if (server?.pid !== undefined && server.exitCode === null) process.kill(-server.pid, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('cohort_lab_serve follows a model alias', () => {
  test('503 on /ping and no version before the alias exists', async () => {
    expect((await fetch(`${url}/ping`)).status).toBe(503);
    expect(await version()).toEqual({
      model: 'promotion.it',
      alias: 'champion',
      version: null,
      run_id: null,
    });
    expect((await fetch(`${url}/invocations`, { method: 'POST', body: '{}' })).status).toBe(503);
  });

  test('serves the champion: /version names it, /invocations answers dataframe_split, refuses an unknown input (400)', async () => {
    const [v1, run1] = python(LOG_MODEL(2)).split(' ');
    const doc = await until((d) => d.version === v1);
    expect(doc).toEqual({ model: 'promotion.it', alias: 'champion', version: v1, run_id: run1 });
    expect((await fetch(`${url}/ping`)).status).toBe(200);
    const post = (body: unknown) =>
      fetch(`${url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const split = await post({
      dataframe_split: {
        columns: ['mean radius', 'mean texture'],
        data: [
          [28.1, 20.0],
          [7.7, 12.0],
        ],
      },
    });
    expect(split.status).toBe(200);
    expect(await split.json()).toEqual({ predictions: [0, 1] });
    const bad = await post({ something: [] });
    expect(bad.status).toBe(400);
  });

  test('a version that cannot load leaves the old one serving, named on /version; a good one is swapped in', async () => {
    // GIVEN @champion moved to a version whose artifacts are not there
    const broken = python(`
from mlflow import MlflowClient
c = MlflowClient()
v = c.create_model_version("promotion.it", source="${dir}/nowhere")
c.set_registered_model_alias("promotion.it", "champion", v.version)
print(v.version)`);
    const stuck = await until((d) => d.pending_version === broken);
    // THEN the old version still serves, and /version says which one failed and why
    expect(stuck).toMatchObject({
      version: '1',
      pending_version: broken,
      pending_error: expect.stringContaining('MlflowException'),
    });
    expect((await fetch(`${url}/ping`)).status).toBe(200);
    // WHEN a loadable version becomes champion THEN it is swapped in and the error is gone
    const [v3] = python(LOG_MODEL(3)).split(' ');
    const swapped = await until((d) => d.version === v3);
    expect(swapped).toEqual({
      model: 'promotion.it',
      alias: 'champion',
      version: v3,
      run_id: expect.any(String),
    });
  });
});

/**
 * The MLflow checks: authentication on every kind of route, a learner's run whose artifact lands
 * in the bucket under `mlflow/` encrypted with the cohort key, and learners kept apart under
 * `NO_PERMISSIONS`. They use MLflow's REST API as a client does (MLflow 3.17's routes).
 */
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { MLFLOW_ADMIN_USERNAME, personalExperimentName } from '../../core';
import { basicAuth, call, HttpAnswer, shown } from './http';
import { CheckOutcome, fail, MlflowLogin, pass, skip, ValidationTarget } from './types';

/** The routes an anonymous caller must be refused on: REST, ajax, GraphQL and the artifact routes. */
export const UNAUTHENTICATED_PROBES: ReadonlyArray<readonly [string, string, unknown?]> = [
  ['GET', '/api/2.0/mlflow/experiments/search?max_results=5'],
  ['GET', '/ajax-api/2.0/mlflow/experiments/search?max_results=5'],
  ['POST', '/graphql', { query: '{ __typename }' }],
  ['GET', '/get-artifact?path=model/MLmodel&run_uuid=0123456789abcdef'],
  ['GET', '/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/model/MLmodel'],
  ['GET', '/model-versions/get-artifact?path=MLmodel&name=x&version=1'],
];

/** The password MLflow's basic-auth app ships for its admin (built from parts: it is no secret). */
const DEFAULT_ADMIN_PASSWORD = ['password', '1234'].join('');

/** The artifact the run checks upload. */
export const PROBE_ARTIFACT = 'cohort-lab-validate.txt';

export async function checkMlflowAuth(t: ValidationTarget): Promise<CheckOutcome> {
  const url = t.mlflow.url;
  const evidence: string[] = [];
  let ok = true;
  for (const [method, path, body] of UNAUTHENTICATED_PROBES) {
    const res = await call(`${url}${path}`, { method, body });
    ok &&= res.status === 401;
    evidence.push(`anonymous ${method} ${path}: ${shown(res)} (want 401)`);
  }
  const probe = `${url}/api/2.0/mlflow/experiments/search?max_results=1`;
  const legacy = await call(probe, { authorization: basicAuth('admin', DEFAULT_ADMIN_PASSWORD) });
  ok &&= legacy.status === 401;
  evidence.push(`admin with MLflow's default password: ${shown(legacy)} (want 401)`);
  const admin = await call(probe, {
    authorization: basicAuth(t.mlflow.admin.username, t.mlflow.admin.password),
  });
  ok &&= admin.status === 200;
  evidence.push(`${MLFLOW_ADMIN_USERNAME} with the password from the secret: ${shown(admin)} (want 200)`);
  return ok ? pass(evidence) : fail(evidence);
}

/** A learner's MLflow session: REST calls with their basic auth. */
class Session {
  constructor(
    private readonly url: string,
    public readonly login: MlflowLogin,
  ) {}

  public api(path: string, body?: unknown, method?: string): Promise<HttpAnswer> {
    return call(`${this.url}${path}`, {
      method,
      body,
      authorization: basicAuth(this.login.username, this.login.password),
    });
  }
}

interface ProbeRun {
  readonly runId: string;
  readonly experimentId: string;
  /** The artifact's path under the proxy (`<experiment>/<run>/artifacts/<file>`). */
  readonly artifactPath: string;
}

/** As `s`, create a run in their personal experiment and upload the probe artifact through MLflow. */
async function probeRun(s: Session, evidence: string[]): Promise<ProbeRun | undefined> {
  const name = personalExperimentName(s.login.username);
  const exp = await s.api(
    `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
  );
  const experimentId = (exp.json?.experiment as { experiment_id?: string } | undefined)?.experiment_id;
  evidence.push(
    `${s.login.username}: experiment ${name}: ${shown(exp)}${experimentId ? `, id ${experimentId}` : ''}`,
  );
  if (experimentId === undefined) return undefined;
  const created = await s.api('/api/2.0/mlflow/runs/create', {
    experiment_id: experimentId,
    run_name: 'cohort-lab-validate',
    start_time: Date.now(),
    tags: [{ key: 'cohort-lab.validate', value: 'true' }],
  });
  const info = (created.json?.run as { info?: { run_id?: string; artifact_uri?: string } } | undefined)?.info;
  evidence.push(
    `${s.login.username}: runs/create: ${shown(created)}${info?.run_id ? `, run ${info.run_id}` : ''}`,
  );
  if (info?.run_id === undefined || info.artifact_uri === undefined) return undefined;
  // mlflow-artifacts:/<experiment>/<run>/artifacts (or mlflow-artifacts://<host>/...): the proxy's path.
  const root = info.artifact_uri.replace(/^mlflow-artifacts:(\/\/[^/]*)?\/*/, '');
  const artifactPath = `${root}/${PROBE_ARTIFACT}`;
  const put = await s.api(
    `/api/2.0/mlflow-artifacts/artifacts/${artifactPath}`,
    `written by cohort-lab validate at ${new Date().toISOString()}\n`,
    'PUT',
  );
  evidence.push(`${s.login.username}: artifact ${PROBE_ARTIFACT} uploaded through MLflow: ${shown(put)}`);
  const done = await s.api('/api/2.0/mlflow/runs/update', {
    run_id: info.run_id,
    status: 'FINISHED',
    end_time: Date.now(),
  });
  evidence.push(`${s.login.username}: runs/update FINISHED: ${shown(done)}`);
  return put.status === 200 && done.status === 200
    ? { runId: info.run_id, experimentId, artifactPath }
    : undefined;
}

export async function checkLearnerRun(t: ValidationTarget): Promise<CheckOutcome> {
  const learner = t.mlflow.learners[0];
  if (learner === undefined) return fail(['no learner with MLflow credentials to log a run as']);
  const evidence: string[] = [];
  const run = await probeRun(new Session(t.mlflow.url, learner), evidence);
  if (run === undefined) return fail(evidence);
  const key = `mlflow/${run.artifactPath}`;
  let head;
  try {
    head = await t.s3.send(new HeadObjectCommand({ Bucket: t.bucket, Key: key }));
  } catch (err) {
    return fail([...evidence, `s3://${t.bucket}/${key}: not found (${(err as Error).name})`]);
  }
  evidence.push(
    `s3://${t.bucket}/${key}: ${head.ContentLength ?? 0} bytes, last modified ${head.LastModified?.toISOString() ?? '?'}`,
  );
  evidence.push(
    `  server-side encryption ${head.ServerSideEncryption ?? 'none'}, key ${head.SSEKMSKeyId ?? 'none'}`,
  );
  let keyArn: string | undefined;
  let keyId: string | undefined;
  try {
    const meta = (await t.kms.send(new DescribeKeyCommand({ KeyId: t.keyAlias }))).KeyMetadata;
    keyArn = meta?.Arn;
    keyId = meta?.KeyId;
    evidence.push(`cohort key ${t.keyAlias}: ${keyArn ?? '?'}`);
  } catch (err) {
    return fail([...evidence, `cohort key ${t.keyAlias}: cannot be described (${(err as Error).name})`]);
  }
  const used = head.SSEKMSKeyId;
  const cohortKey =
    used !== undefined &&
    (used === keyArn || used === keyId || (keyId !== undefined && used.endsWith(`/${keyId}`)));
  return head.ServerSideEncryption === 'aws:kms' && cohortKey ? pass(evidence) : fail(evidence);
}

export async function checkIsolation(t: ValidationTarget): Promise<CheckOutcome> {
  if (t.mlflow.defaultPermission !== 'NO_PERMISSIONS') {
    return skip(
      `the cohort's mlflow.defaultPermission is ${t.mlflow.defaultPermission}: learners may read each ` +
        "other's work by the cohort's choice; the check applies under NO_PERMISSIONS",
    );
  }
  const [a, b] = t.mlflow.learners;
  if (a === undefined || b === undefined) return skip('the roster has fewer than two learners');
  const evidence: string[] = [];
  const owner = new Session(t.mlflow.url, a);
  const other = new Session(t.mlflow.url, b);
  const run = await probeRun(owner, evidence);
  if (run === undefined) return fail([...evidence, `${a.username} could not log a run to test against`]);
  const name = personalExperimentName(a.username);
  const reads: Array<[string, Promise<HttpAnswer>]> = [
    [`experiment ${name}`, other.api(`/api/2.0/mlflow/experiments/get?experiment_id=${run.experimentId}`)],
    [`run ${run.runId}`, other.api(`/api/2.0/mlflow/runs/get?run_id=${run.runId}`)],
    [`artifact ${PROBE_ARTIFACT}`, other.api(`/api/2.0/mlflow-artifacts/artifacts/${run.artifactPath}`)],
  ];
  let ok = true;
  for (const [what, pending] of reads) {
    const res = await pending;
    ok &&= res.status === 403;
    evidence.push(`${b.username} reads ${a.username}'s ${what}: ${shown(res)} (want 403)`);
  }
  // A search answers 200 with only what the caller may read (MLflow filters the results).
  const search = await other.api('/api/2.0/mlflow/runs/search', {
    experiment_ids: [run.experimentId],
    max_results: 100,
  });
  const found = ((search.json?.runs as Array<{ info?: { run_id?: string } }> | undefined) ?? []).map(
    (r) => r.info?.run_id,
  );
  const leaked = search.status === 200 && found.includes(run.runId);
  ok &&= search.status === 403 || (search.status === 200 && !leaked);
  evidence.push(
    `${b.username} searches the runs of experiment ${run.experimentId}: ${shown(search)}, ` +
      `${found.length} run(s) returned${leaked ? `, ${run.runId} among them` : ''} (want 403, or none of ${a.username}'s)`,
  );
  return ok ? pass(evidence) : fail(evidence);
}

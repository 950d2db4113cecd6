/**
 * The Feast chart on loopback for the benchmark (scripts/bench-feast.ts): the demo cohort's chart
 * synthesised against a real OpenID provider, real Redis and moto's S3, the apply Job, the lab's
 * sample data materialised, and any number of feature servers started from the manifest's
 * container, each with its own `feature_store.yaml` if asked. The same steps as
 * test/integration/feast.test.ts, in a file of its own so the benchmark does not import test code.
 */
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App } from 'cdk8s';
import { parse, stringify } from 'yaml';
import { chartValues, ImageSource } from '../../cdk8s';
import { FeastChart } from '../../cdk8s/feast';
import { handler } from '../../constructs/cohort-identity/pre-token-generation.handler';
import { loadCohortFile } from '../config';
import { REDIS_PORT } from '../core';
import { containerProcess, ProcessSpec, REPO_ROOT } from './container';
import { renderExternalSecrets } from './external-secrets';
import { containerOf, find, K8sObject, objectsOf, podSpecOf } from './manifest';
import { newClientSecret, OidcProvider, startOidcProvider } from './oidc';
import { freePort, RunningProcess, runToCompletion, waitForHttp, waitForTcp } from './processes';
import { Moto, randomPassword, startMoto } from './services';

/** Claims a Cognito access token of `user` in `groups` carries after the pre-token trigger. */
async function cognitoClaims(user: string, groups: string[]): Promise<Record<string, unknown>> {
  const event = {
    version: '2',
    triggerSource: 'TokenGeneration_Authentication',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_Bench',
    userName: user,
    callerContext: { awsSdkVersion: 'bench', clientId: 'bench' },
    request: { userAttributes: {}, groupConfiguration: { groupsToOverride: groups } },
    response: { claimsAndScopeOverrideDetails: {} },
  };
  const out = await handler(JSON.parse(JSON.stringify(event)));
  return {
    username: user,
    'cognito:groups': groups,
    ...out.response.claimsAndScopeOverrideDetails.accessTokenGeneration?.claimsToAddOrOverride,
  };
}

/** A running Feast lab: Redis, registry and data in place, servers started on demand. */
export interface FeastLab {
  readonly oidc: OidcProvider;
  readonly logDir: string;
  /** Secret values (passwords, client secrets), for redaction. */
  readonly secrets: string[];
  /** The `feature_store.yaml` the chart generated (Redis pointed at the loopback one). */
  readonly featureStoreYaml: string;
  /** The feature server container of the manifest as a process spec on `port`. */
  serverSpec(port: number): ProcessSpec;
  /** Start a server from `spec` (with `yaml` as its feature_store.yaml if given); waits for /health. */
  startServer(name: string, spec: ProcessSpec, yaml?: string): Promise<RunningProcess>;
  /**
   * Restart the OpenID provider on its port with a new signing key: the old key leaves its JWKS,
   * as when an identity provider rotates keys. Tokens it signed before are signed by a removed key.
   */
  replaceSigningKey(): Promise<void>;
  /**
   * Run `python -c code args` with the feature server's interpreter, environment and working
   * directory (and `yaml` as its feature_store.yaml if given); resolves with its output.
   */
  runPython(name: string, code: string, args: readonly string[], yaml?: string): Promise<string>;
  close(): Promise<void>;
}

/** Start the lab with one learner (`learner`, group `learners`). */
export async function startFeastLab(bucket: string): Promise<FeastLab> {
  const logDir = mkdtempSync(join(tmpdir(), 'cohortlab-feast-bench-logs-'));
  const root = mkdtempSync(join(tmpdir(), 'cohortlab-feast-bench-'));
  const running: RunningProcess[] = [];
  const secrets: string[] = [];
  const moto: Moto = await startMoto();
  running.push(moto.process);
  await fetch(`${moto.endpoint}/${bucket}`, { method: 'PUT' });
  const users = { learner: await cognitoClaims('learner', ['learners']) };
  const clientSecrets = { learner: newClientSecret() };
  let oidc = await startOidcProvider(users, { clientSecrets });
  running.push(oidc.process);
  secrets.push(...oidc.secrets);

  const config = loadCohortFile(join(REPO_ROOT, 'cohorts', 'demo.yaml'), { today: '2026-11-29' });
  const values = chartValues(config, {
    region: 'eu-west-1',
    artifactBucketName: bucket,
    vpcCidr: '10.0.0.0/16',
    database: { host: '127.0.0.1', port: 5432, sslMode: 'require' },
    images: { mlflow: 'cohort-lab-mlflow:test', feast: 'cohort-lab-feast:test' },
    imageSources: { mlflow: ImageSource.CDK_ASSET, feast: ImageSource.CDK_ASSET },
    oidc: { discoveryUrl: oidc.discoveryUrl, issuer: oidc.issuer, clientId: 'cohort-lab-learners' },
    secretStoreName: 'bench-store',
  });
  const chart = new FeastChart(new App(), 'feast', { values });
  const redisPassword = randomPassword();
  secrets.push(redisPassword);
  const redisPort = await freePort();
  const service = `redis.${values.namespace}.svc.cluster.local:${REDIS_PORT}`;
  const featureStoreYaml = chart.featureStoreYaml.replace(service, `127.0.0.1:${redisPort}`);
  const objects: K8sObject[] = objectsOf(chart).map((o) =>
    o.kind === 'ConfigMap' && o.metadata.name === 'feast-config'
      ? { ...o, data: { 'feature_store.yaml': featureStoreYaml } }
      : o,
  );
  const secretValues = renderExternalSecrets(objects, {
    [values.secrets.redis]: { password: redisPassword, previousPassword: randomPassword() },
  });
  const awsEnv = { ...moto.awsEnv, FEAST_S3_ENDPOINT_URL: moto.endpoint };
  const container = (
    workload: K8sObject,
    name: string,
    extra: Partial<Parameters<typeof containerProcess>[0]> = {},
  ) =>
    containerProcess({
      objects,
      pod: podSpecOf(workload),
      container: containerOf(podSpecOf(workload), name),
      image: 'feast',
      secrets: secretValues,
      root,
      extraEnv: awsEnv,
      ...extra,
    });

  const redisDeployment = find(objects, 'Deployment', 'redis');
  const redis = new RunningProcess(
    'redis',
    container(redisDeployment, 'redis', {
      image: undefined,
      extraEnv: {},
      argOverrides: { '--port': String(redisPort), '--bind': '127.0.0.1' },
    }),
    logDir,
  );
  running.push(redis);
  await waitForTcp(redisPort, redis, secrets);
  await runToCompletion(
    'feast-apply',
    container(find(objects, 'Job', 'feast-apply'), 'apply'),
    logDir,
    secrets,
  );
  await runToCompletion(
    'gen-data',
    {
      command: join(REPO_ROOT, '.venvs', 'feast', 'bin', 'python'),
      args: [
        join(REPO_ROOT, 'labs', 'feature_repo', 'gen_data.py'),
        '--upload',
        '--out',
        join(root, 'la.parquet'),
      ],
      env: {
        PATH: process.env.PATH ?? '',
        ...awsEnv,
        AWS_DEFAULT_REGION: 'eu-west-1',
        COHORT_LAB_BUCKET: bucket,
        PYTHONDONTWRITEBYTECODE: '1',
      },
      cwd: root,
      mounts: {},
    },
    logDir,
    secrets,
  );
  const deployment = find(objects, 'Deployment', 'feast');
  const serverSpec = (port: number) =>
    container(deployment, 'feast', { argOverrides: { '--port': String(port), '--host': '127.0.0.1' } });
  const first = serverSpec(await freePort());
  const moduleArgs = first.args.slice(0, first.args.indexOf('serve'));
  const now = new Date().toISOString().slice(0, 19);
  await runToCompletion(
    'feast-materialize',
    { ...first, args: [...moduleArgs, 'materialize-incremental', now] },
    logDir,
    secrets,
  );
  await runToCompletion(
    'feast-wait-for-registry',
    container(deployment, 'wait-for-registry'),
    logDir,
    secrets,
  );

  let yamls = 0;
  const withYaml = (env: ProcessSpec['env'], yaml: string | undefined): ProcessSpec['env'] => {
    if (yaml === undefined) return env;
    const file = join(root, `feature_store-${++yamls}.yaml`);
    writeFileSync(file, yaml);
    return { ...env, FEAST_FS_YAML_FILE_PATH: file };
  };
  return {
    get oidc() {
      return oidc;
    },
    logDir,
    secrets,
    featureStoreYaml,
    serverSpec,
    async startServer(name: string, spec: ProcessSpec, yaml?: string): Promise<RunningProcess> {
      const env = withYaml(spec.env, yaml);
      const proc = new RunningProcess(name, { ...spec, env }, logDir);
      running.push(proc);
      const port = spec.args[spec.args.indexOf('--port') + 1];
      await waitForHttp(`http://127.0.0.1:${port}/health`, proc, secrets, 120_000);
      return proc;
    },
    async replaceSigningKey(): Promise<void> {
      const port = Number(new URL(oidc.issuer).port);
      await oidc.process.stop();
      oidc = await startOidcProvider(users, { clientSecrets, port });
      running.push(oidc.process);
    },
    async runPython(name: string, code: string, args: readonly string[], yaml?: string): Promise<string> {
      const spec = first;
      return runToCompletion(
        name,
        { ...spec, args: ['-c', code, ...args], env: withYaml(spec.env, yaml) },
        logDir,
        secrets,
      );
    },
    async close(): Promise<void> {
      await Promise.all(running.reverse().map((p) => p.stop()));
    },
  };
}

/** `yaml` with authentication off (`auth: {type: no_auth}`), for the no-auth baseline. */
export function withoutAuth(yaml: string): string {
  const doc = parse(yaml) as Record<string, unknown>;
  return stringify({ ...doc, auth: { type: 'no_auth' } });
}

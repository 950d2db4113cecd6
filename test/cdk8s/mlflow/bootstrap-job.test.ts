import { createBootstrapJob, createMasterSecret } from '../../../cdk8s/mlflow/bootstrap-job';
import { createServerSecrets } from '../../../cdk8s/mlflow/server';
import { loadCohort } from '../../support/cohort';
import { objects, ofKind, one } from '../../support/charts';
import { bareChart, childIds, envOf, specOf, synthMlflow } from './support';

interface Inputs {
  readonly image?: string;
  readonly imageId?: string;
  readonly host?: string;
  readonly port?: number;
}

/** The bootstrap Job built on its own in an empty chart, with the Secrets it reads. */
function buildJob(inputs: Inputs = {}) {
  const chart = bareChart();
  const app = createServerSecrets(chart, {
    namespace: 'lab',
    storeName: 'store',
    refreshIntervalSeconds: 60,
    adminSecretName: 'c/admin',
    flaskKeySecretName: 'c/flask',
    databaseSecretName: 'c/db',
  }).database;
  const master = createMasterSecret(chart, {
    namespace: 'lab',
    storeName: 'store',
    refreshIntervalSeconds: 60,
    remoteName: 'c/db-master',
  });
  const job = createBootstrapJob(chart, {
    namespace: 'lab',
    image: inputs.image ?? 'registry.example.edu/mlflow:1',
    imageId: inputs.imageId,
    imageExceptions: [],
    database: { host: inputs.host ?? 'db.internal', port: inputs.port ?? 5433, sslMode: 'require' },
    vpcCidr: '10.9.0.0/16',
    master,
    app,
  });
  return { chart, job, objects: objects(chart) };
}

const jobName = (inputs: Inputs = {}) => ofKind(buildJob(inputs).objects, 'Job')[0].metadata.name;

describe('createMasterSecret', () => {
  test("reads the RDS master user's name and password", () => {
    // GIVEN the master Secret built on its own
    const chart = bareChart();
    createMasterSecret(chart, {
      namespace: 'lab',
      storeName: 'store',
      refreshIntervalSeconds: 60,
      remoteName: 'c/m',
    });
    // WHEN it is read back
    const es = one(objects(chart), 'ExternalSecret', 'mlflow-db-master');
    // THEN it is `DbMasterSecret` with both keys of the named secret
    expect(childIds(chart)).toEqual(['DbMasterSecret']);
    expect(
      specOf(es).data.map((d: { secretKey: string; remoteRef: { key: string; property: string } }) => d),
    ).toEqual([
      expect.objectContaining({
        secretKey: 'username',
        remoteRef: expect.objectContaining({ key: 'c/m', property: 'username' }),
      }),
      expect.objectContaining({
        secretKey: 'password',
        remoteRef: expect.objectContaining({ key: 'c/m', property: 'password' }),
      }),
    ]);
  });
});

describe('createBootstrapJob', () => {
  test('adds its objects to the chart under the contract IDs', () => {
    // GIVEN the Job built after the Secrets it reads
    const { chart } = buildJob();
    // WHEN the chart's children are listed
    // THEN the Job's carry the IDs the manifests and the apps stack are named after, in order
    expect(childIds(chart)).toEqual([
      'AdminSecret',
      'FlaskSecret',
      'DbSecret',
      'DbMasterSecret',
      'BootstrapSa',
      'DbBootstrap',
      'BootstrapNetworkPolicy',
    ]);
  });

  test('connects as the master user and creates the app user and both databases', () => {
    // GIVEN the Job built on its own
    const job = ofKind(buildJob().objects, 'Job')[0];
    // WHEN its container is read back
    const c = specOf(job).template.spec.containers[0];
    const env = envOf(c);
    const ref = (name: string) => env[name].valueFrom?.secretKeyRef;
    // THEN libpq gets the endpoint and the master credentials; the app's come from its own Secret
    expect(c.command).toEqual(['python', '-m', 'cohort_lab_db', 'bootstrap']);
    expect(
      Object.fromEntries(
        ['PGHOST', 'PGPORT', 'PGSSLMODE', 'PGDATABASE', 'PGCONNECT_TIMEOUT', 'MLFLOW_DATABASES'].map((k) => [
          k,
          env[k].value,
        ]),
      ),
    ).toEqual({
      PGHOST: 'db.internal',
      PGPORT: '5433',
      PGSSLMODE: 'require',
      PGDATABASE: 'postgres',
      PGCONNECT_TIMEOUT: '10',
      MLFLOW_DATABASES: 'mlflow,mlflow_auth',
    });
    expect(ref('PGUSER')).toMatchObject({ name: 'mlflow-db-master', key: 'username' });
    expect(ref('PGPASSWORD')).toMatchObject({ name: 'mlflow-db-master', key: 'password' });
    expect(ref('APP_DB_USER')).toMatchObject({ name: 'mlflow-db', key: 'username' });
    expect(ref('APP_DB_PASSWORD')).toMatchObject({ name: 'mlflow-db', key: 'password' });
  });

  test('runs as the mlflow service account, without a token or fsGroup (it writes no volume)', () => {
    // GIVEN the Job built on its own
    const pod = specOf(ofKind(buildJob().objects, 'Job')[0]).template.spec;
    // WHEN its pod spec is read back
    // THEN it is restricted and mounts nothing
    expect(pod.serviceAccountName).toBe('mlflow');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroupChangePolicy: 'Always',
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.volumes).toBeUndefined();
  });

  test('talks only to PostgreSQL in the VPC', () => {
    // GIVEN the Job built on its own
    // WHEN its NetworkPolicy is read back
    const np = one(buildJob().objects, 'NetworkPolicy', 'mlflow-db-bootstrap');
    // THEN it allows egress to the database port in the VPC and nothing else
    expect(np.spec).toEqual({
      podSelector: {
        matchLabels: {
          'app.kubernetes.io/name': 'mlflow-db-bootstrap',
          'app.kubernetes.io/part-of': 'cohort-lab',
        },
      },
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.9.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5433 }] }],
    });
  });

  test('gets a new name when the image or the database endpoint changes, and only then', () => {
    // GIVEN the name for one set of inputs
    const before = jobName();
    // WHEN each input changes in turn
    // THEN the name is stable for the same inputs and changes with each input
    expect(before).toMatch(/^mlflow-db-bootstrap-[0-9a-f]{8}$/);
    expect(jobName()).toBe(before);
    expect(jobName({ image: 'registry.example.edu/mlflow:2' })).not.toBe(before);
    expect(jobName({ host: 'other.internal' })).not.toBe(before);
    expect(jobName({ port: 5434 })).not.toBe(before);
    expect(jobName({ image: 'a', imageId: 'asset-1' })).toBe(jobName({ image: 'b', imageId: 'asset-1' }));
  });
});

describe('MlflowChart bootstrap Job', () => {
  test('the bootstrap Job uses the master secret and gets a new name when its inputs change', () => {
    // GIVEN the demo cohort, then the same on another database host
    const all = synthMlflow();
    const other = synthMlflow(loadCohort('cohorts/demo.yaml'), {
      database: { host: 'other.internal', port: 5432, sslMode: 'require' },
    });
    // WHEN their Jobs are read back
    const [job] = ofKind(all, 'Job');
    // THEN there is one, reading the master Secret, renamed with the database
    expect(ofKind(all, 'Job')).toHaveLength(1);
    expect(job.metadata.name).toMatch(/^mlflow-db-bootstrap-[0-9a-f]{8}$/);
    expect(envOf(specOf(job).template.spec.containers[0]).PGPASSWORD.valueFrom?.secretKeyRef).toMatchObject({
      name: 'mlflow-db-master',
    });
    expect(ofKind(other, 'Job')[0].metadata.name).not.toBe(job.metadata.name);
  });
});

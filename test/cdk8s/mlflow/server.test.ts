import * as kplus from 'cdk8s-plus-27';
import {
  createMlflowServer,
  createServerSecrets,
  MLFLOW_DB_POOL_OVERFLOW,
  MLFLOW_DB_POOL_SIZE,
  mlflowAllowedHosts,
} from '../../../cdk8s/mlflow/server';
import { MLFLOW_PORT } from '../../../lib/core';
import { allContainers, objects, ofKind, one } from '../../support/charts';
import { bareChart, childIds, containerNamed, envOf, mlflowContainer, specOf, synthMlflow } from './support';

const LABELS = { 'app.kubernetes.io/name': 'mlflow' };

/** The server built on its own in an empty chart, from only the values it takes. */
function buildServer(corsOrigins?: readonly string[]) {
  const chart = bareChart();
  const serviceAccount = new kplus.ServiceAccount(chart, 'ServiceAccount', { metadata: { name: 'mlflow' } });
  const secrets = createServerSecrets(chart, {
    namespace: 'lab',
    storeName: 'store',
    refreshIntervalSeconds: 30,
    adminSecretName: 'c/admin',
    flaskKeySecretName: 'c/flask',
    databaseSecretName: 'c/db',
  });
  const server = createMlflowServer(chart, {
    namespace: 'lab',
    labels: LABELS,
    image: 'registry.example.edu/mlflow:1',
    imageExceptions: [],
    replicas: 3,
    sizing: {
      cpuRequestMillis: 200,
      cpuLimitMillis: 800,
      memoryRequestMebibytes: 600,
      memoryLimitMebibytes: 1200,
      ephemeralStorageLimitGibibytes: 4,
    },
    serviceAccount,
    secrets,
    authIni: '[mlflow]\n',
    database: { host: 'db.internal', port: 5433, sslMode: 'verify-full' },
    artifactBucketName: 'bucket-1',
    region: 'eu-central-1',
    allowedHosts: ['a.example', 'b.example'],
    corsOrigins,
  });
  return { chart, server, objects: objects(chart) };
}

describe('mlflowAllowedHosts', () => {
  test('the public host, the private endpoint, then the in-cluster names', () => {
    // GIVEN a public host name and a private endpoint
    // WHEN the allowed hosts are listed
    // THEN they are exactly these, in this order
    expect(
      mlflowAllowedHosts({
        namespace: 'lab',
        hostname: 'mlflow.example.edu',
        privateEndpointHostname: 'internal-x.elb.amazonaws.com',
      }),
    ).toEqual([
      'mlflow.example.edu',
      'internal-x.elb.amazonaws.com',
      'mlflow.lab.svc.cluster.local:5000',
      'mlflow.lab.svc:5000',
      'mlflow.lab:5000',
    ]);
  });

  test('without a host name, any load balancer name; without a private endpoint, none', () => {
    // GIVEN neither a host name nor a private endpoint (a sandbox)
    // WHEN the allowed hosts are listed
    // THEN the load balancer's own names stand in for the public host
    expect(mlflowAllowedHosts({ namespace: 'lab' })).toEqual([
      '*.elb.amazonaws.com',
      'mlflow.lab.svc.cluster.local:5000',
      'mlflow.lab.svc:5000',
      'mlflow.lab:5000',
    ]);
  });
});

describe('createMlflowServer', () => {
  test('adds its objects to the chart under the contract IDs', () => {
    // GIVEN the server and its Secrets built in a chart that holds its service account
    const { chart } = buildServer();
    // WHEN the chart's children are listed
    // THEN they carry the IDs the manifests and the apps stack are named after, in order
    expect(childIds(chart)).toEqual([
      'ServiceAccount',
      'AdminSecret',
      'FlaskSecret',
      'DbSecret',
      'AuthConfig',
      'Tmp',
      'AuthVolume',
      'Deployment',
      'Pdb',
      'Service',
    ]);
  });

  test('uses the replicas, sizes, database, bucket, region, hosts and ini it is given', () => {
    // GIVEN the server built from explicit values
    const { objects: objs } = buildServer();
    // WHEN the Deployment and the ConfigMap are read back
    const d = one(objs, 'Deployment', 'mlflow');
    const c = mlflowContainer(objs);
    const args = c.args!;
    const flag = (f: string) => args[args.indexOf(f) + 1];
    const env = envOf(c);
    // THEN each value lands where it belongs
    expect(specOf(d).replicas).toBe(3);
    expect(flag('--artifacts-destination')).toBe('s3://bucket-1/mlflow');
    expect(flag('--allowed-hosts')).toBe('a.example,b.example');
    expect(args).not.toContain('--cors-allowed-origins');
    expect(env.MLFLOW_BACKEND_STORE_URI.value).toBe(
      'postgresql+psycopg2://db.internal:5433/mlflow?sslmode=verify-full&connect_timeout=10',
    );
    expect([env.AWS_REGION.value, env.AWS_DEFAULT_REGION.value]).toEqual(['eu-central-1', 'eu-central-1']);
    expect(c.resources).toEqual({
      requests: { cpu: '200m', memory: '600Mi', 'ephemeral-storage': '1Gi' },
      limits: { cpu: '800m', memory: '1200Mi', 'ephemeral-storage': '4Gi' },
    });
    // The init container keeps the server's CPU request and scratch, with smaller memory and CPU limits.
    expect(containerNamed(objs, 'sync-admin').resources).toEqual({
      requests: { cpu: '200m', memory: '256Mi', 'ephemeral-storage': '1Gi' },
      limits: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '4Gi' },
    });
    expect(one(objs, 'ConfigMap', 'mlflow-auth-config').data).toEqual({ 'basic_auth.ini': '[mlflow]\n' });
  });

  test('passes the CORS origins when there are any', () => {
    // GIVEN two allowed origins
    const c = mlflowContainer(buildServer(['https://a.example', 'https://b.example']).objects);
    // WHEN the server's flags are read back
    const args = c.args!;
    // THEN they follow --cors-allowed-origins, comma-separated
    expect(args.slice(args.indexOf('--cors-allowed-origins'))).toEqual([
      '--cors-allowed-origins',
      'https://a.example,https://b.example',
    ]);
  });

  test('ExternalSecrets: one per Secrets Manager secret the server reads, with the given store and interval', () => {
    // GIVEN the server's Secrets built on their own
    const { objects: objs, server } = buildServer();
    // WHEN they are read back
    const remote = (name: string) =>
      specOf(one(objs, 'ExternalSecret', name)).data.map(
        (d: { secretKey: string; remoteRef: { key: string } }) => [d.secretKey, d.remoteRef.key],
      );
    // THEN each takes its keys from its own secret
    expect(remote('mlflow-admin')).toEqual([['password', 'c/admin']]);
    expect(remote('mlflow-flask')).toEqual([['secretKey', 'c/flask']]);
    expect(remote('mlflow-db')).toEqual([
      ['username', 'c/db'],
      ['password', 'c/db'],
    ]);
    for (const es of ofKind(objs, 'ExternalSecret')) {
      expect(specOf(es)).toMatchObject({ refreshInterval: '30s', secretStoreRef: { name: 'store' } });
    }
    expect(server.service.name).toBe('mlflow');
  });
});

describe('MlflowChart server', () => {
  const all = synthMlflow();

  test('runs the basic-auth app with one worker, S3 artifact proxy under mlflow/ and allowed hosts', () => {
    // GIVEN the demo cohort
    const c = mlflowContainer(all);
    // WHEN the server's command and flags are read back
    expect(c.command).toEqual(['mlflow', 'server']);
    const args = c.args!;
    const flag = (f: string) => args[args.indexOf(f) + 1];
    // THEN it serves the basic-auth app, proxies artifacts and accepts only the cohort's hosts
    expect(flag('--app-name')).toBe('basic-auth');
    expect(flag('--workers')).toBe('1');
    expect(args).toContain('--serve-artifacts');
    expect(flag('--artifacts-destination')).toBe('s3://cohortlab-test-artifacts/mlflow');
    expect(flag('--allowed-hosts').split(',')).toEqual([
      'mlflow.demo-2027-spring.cohort-lab.example',
      'mlflow.cohort-lab.svc.cluster.local:5000',
      'mlflow.cohort-lab.svc:5000',
      'mlflow.cohort-lab:5000',
    ]);
    expect(flag('--cors-allowed-origins')).toBe('https://mlflow.demo-2027-spring.cohort-lab.example');
  });

  test('keeps a database connection open per request in flight, within what PostgreSQL allows', () => {
    // GIVEN the demo cohort
    const env = envOf(mlflowContainer(all));
    // THEN each pod keeps MLFLOW_DB_POOL_SIZE connections per database (tracking and auth) instead
    // of SQLAlchemy's 5, which made most requests of a class open a new TLS connection
    expect(env.MLFLOW_SQLALCHEMYSTORE_POOL_SIZE.value).toBe(String(MLFLOW_DB_POOL_SIZE));
    expect(env.MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW.value).toBe(String(MLFLOW_DB_POOL_OVERFLOW));
    expect(MLFLOW_DB_POOL_SIZE).toBeGreaterThanOrEqual(20); // the 20 learners measured
    // AND the server's init container (one connection, then exits) gets no pool settings
    expect(envOf(containerNamed(all, 'sync-admin')).MLFLOW_SQLALCHEMYSTORE_POOL_SIZE).toBeUndefined();
  });

  test('takes every credential from a Secret reference, never a literal', () => {
    // GIVEN the demo cohort
    const env = envOf(mlflowContainer(all));
    const initEnv = envOf(containerNamed(all, 'sync-admin'));
    // WHEN the server's and the init container's env are read back
    // THEN database and Flask credentials come from the synced Secrets, and the admin password
    // only reaches the init container that syncs it
    expect(env.PGPASSWORD.valueFrom?.secretKeyRef).toEqual(
      expect.objectContaining({ name: 'mlflow-db', key: 'password' }),
    );
    expect(env.PGUSER.valueFrom?.secretKeyRef).toEqual(
      expect.objectContaining({ name: 'mlflow-db', key: 'username' }),
    );
    expect(env.MLFLOW_FLASK_SERVER_SECRET_KEY.valueFrom?.secretKeyRef).toEqual(
      expect.objectContaining({ name: 'mlflow-flask', key: 'secretKey' }),
    );
    expect(env.MLFLOW_BACKEND_STORE_URI.value).toBe(
      'postgresql+psycopg2://db.cohortlab.internal:5432/mlflow?sslmode=require&connect_timeout=10',
    );
    expect(env.MLFLOW_AUTH_ADMIN_PASSWORD).toBeUndefined();
    expect(initEnv.MLFLOW_AUTH_ADMIN_PASSWORD.valueFrom?.secretKeyRef).toEqual(
      expect.objectContaining({ name: 'mlflow-admin', key: 'password' }),
    );
    for (const { container } of allContainers(all)) {
      for (const e of container.env ?? []) {
        if (/PASSWORD|SECRET_KEY|PGUSER/.test(e.name)) {
          expect(e).toEqual({ name: e.name, valueFrom: { secretKeyRef: expect.any(Object) } });
        }
      }
    }
  });

  test('ExternalSecrets read the cohort secrets every 60 s from the cluster store', () => {
    // GIVEN the demo cohort
    // WHEN its ExternalSecrets are read back
    const es = ofKind(all, 'ExternalSecret');
    // THEN there is one per secret, refreshed every 60 s from the cluster's store
    expect(es.map((e) => e.metadata.name).sort()).toEqual([
      'mlflow-admin',
      'mlflow-db',
      'mlflow-db-master',
      'mlflow-flask',
    ]);
    expect(specOf(one(all, 'ExternalSecret', 'mlflow-db'))).toMatchObject({
      refreshInterval: '60s',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'cohort-secrets-manager' },
      data: [
        { remoteRef: { key: 'cohort-lab/demo-2027-spring/db-mlflow' } },
        { remoteRef: { key: 'cohort-lab/demo-2027-spring/db-mlflow' } },
      ],
    });
  });

  test('Reloader rolls the server when a mounted secret changes', () => {
    // GIVEN the demo cohort
    // WHEN the server's annotations are read back
    // THEN they name every Secret the server reads
    expect(
      one(all, 'Deployment', 'mlflow').metadata.annotations?.['secret.reloader.stakater.com/reload'],
    ).toBe('mlflow-admin,mlflow-flask,mlflow-db');
  });

  test('Reloader rolls the server when the basic-auth ini changes (MLflow reads it at start only)', () => {
    // GIVEN the demo cohort; WHEN the server's annotations are read back
    // THEN the ConfigMap that holds the ini (default permission, auth database) is named
    const deployment = one(all, 'Deployment', 'mlflow');
    expect(deployment.metadata.annotations?.['configmap.reloader.stakater.com/reload']).toBe(
      'mlflow-auth-config',
    );
    const volumes = (
      deployment.spec as { template: { spec: { volumes: Array<{ configMap?: { name: string } }> } } }
    ).template.spec.volumes;
    expect(volumes.map((v) => v.configMap?.name).filter(Boolean)).toEqual(['mlflow-auth-config']);
  });

  test('probes: startup and liveness on /health, readiness on both databases', () => {
    // GIVEN the demo cohort
    const server = mlflowContainer(all);
    // WHEN the probes are read back
    // THEN readiness runs the image's database probe, the others are HTTP /health checks
    expect(server.readinessProbe).toEqual({
      exec: { command: ['python', '-m', 'cohort_lab_auth', 'probe'] },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    const get = { path: '/health', port: MLFLOW_PORT, scheme: 'HTTP' };
    expect(server.livenessProbe).toEqual({
      httpGet: get,
      periodSeconds: 20,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    expect(server.startupProbe).toEqual({ httpGet: get, periodSeconds: 5, failureThreshold: 36 });
  });

  test('keeps one replica up during disruptions and spreads replicas over zones and nodes', () => {
    // GIVEN the demo cohort (two replicas)
    // WHEN the PDB and the Deployment are read back
    const d = specOf(one(all, 'Deployment', 'mlflow'));
    // THEN one pod may go at a time, and the pods spread softly over zones, then nodes
    expect(specOf(one(all, 'PodDisruptionBudget', 'mlflow')).maxUnavailable).toBe(1);
    expect(d.replicas).toBe(2);
    expect(
      d.template.spec.topologySpreadConstraints.map(
        (s: { topologyKey: string; whenUnsatisfiable: string }) => [s.topologyKey, s.whenUnsatisfiable],
      ),
    ).toEqual([
      ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
      ['kubernetes.io/hostname', 'ScheduleAnyway'],
    ]);
  });

  test('a ClusterIP Service on the MLflow port', () => {
    // GIVEN the demo cohort
    // WHEN the Service is read back
    // THEN it exposes only the MLflow port inside the cluster
    expect(specOf(one(all, 'Service', 'mlflow'))).toMatchObject({
      type: 'ClusterIP',
      ports: [{ name: 'http', port: MLFLOW_PORT, targetPort: MLFLOW_PORT }],
    });
  });
});

import { addCohortCharts, ImageSource } from '../../../cdk8s';
import { MLFLOW_AUTH_CACHE_TTL_SECONDS, MlflowChart } from '../../../cdk8s/mlflow';
import { RESERVED_SLUGS } from '../../../lib/core';
import { loadCohort, configFrom } from '../../support/cohort';
import {
  allContainers,
  chartApp,
  HARDENED_CONTAINER_CONTEXT,
  K8s,
  objects,
  ofKind,
  one,
  TEST_INFRA,
  testValues,
} from '../../support/charts';

function synth(config = loadCohort('cohorts/demo.yaml')): K8s[] {
  const app = chartApp();
  return objects(new MlflowChart(app, 'mlflow', { values: testValues(config) }));
}

function mlflowContainer(all: K8s[]) {
  return allContainers(all).find((c) => c.workload.kind === 'Deployment' && c.container.name === 'mlflow')!
    .container;
}

describe('MlflowChart', () => {
  const all = synth();

  test('runs the basic-auth app with one worker, S3 artifact proxy under mlflow/ and allowed hosts', () => {
    const c = mlflowContainer(all);
    expect(c.command).toEqual(['mlflow', 'server']);
    const args = c.args!;
    const flag = (f: string) => args[args.indexOf(f) + 1];
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

  test('takes every credential from a Secret reference, never a literal', () => {
    const c = mlflowContainer(all);
    const env = Object.fromEntries(c.env!.map((e) => [e.name, e]));
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
    // The admin password is only given to the init container that syncs it.
    expect(env.MLFLOW_AUTH_ADMIN_PASSWORD).toBeUndefined();
    const init = allContainers(all).find((x) => x.container.name === 'sync-admin')!.container;
    expect(init.env!.find((e) => e.name === 'MLFLOW_AUTH_ADMIN_PASSWORD')?.valueFrom?.secretKeyRef).toEqual(
      expect.objectContaining({ name: 'mlflow-admin', key: 'password' }),
    );
  });

  test('the auth ini sets the default permission, the credential cache and a password-less DB URI', () => {
    const ini = (one(all, 'ConfigMap', 'mlflow-auth-config').data as Record<string, string>)[
      'basic_auth.ini'
    ];
    expect(ini).toContain('default_permission = READ');
    expect(ini).toContain(`auth_cache_ttl_seconds = ${MLFLOW_AUTH_CACHE_TTL_SECONDS}`);
    // MLflow's basic auth wrapped with the per-request user memo of the image (cohort_lab_auth.py).
    expect(ini).toContain('authorization_function = cohort_lab_auth:authenticate_request_basic_auth');
    expect(ini).toContain(
      'database_uri = postgresql+psycopg2://db.cohortlab.internal:5432/mlflow_auth?sslmode=require&connect_timeout=10',
    );
    expect(ini).not.toMatch(/admin_password|password1234|:\/\/[^/]*:[^/]*@/);
  });

  test('the admin user MLflow is given is a name no learner or instructor id may normalise to', () => {
    // The chart names the admin in the ini and to the init container that syncs its password;
    // a person whose slug matched it would share the admin's MLflow account.
    const ini = (one(all, 'ConfigMap', 'mlflow-auth-config').data as Record<string, string>)[
      'basic_auth.ini'
    ];
    const iniAdmin = /^admin_username = (.+)$/m.exec(ini)?.[1];
    const init = allContainers(all).find((x) => x.container.name === 'sync-admin')!.container;
    const envAdmin = init.env!.find((e) => e.name === 'MLFLOW_AUTH_ADMIN_USERNAME')?.value;

    expect(iniAdmin).toBe(envAdmin);
    expect(RESERVED_SLUGS.has(envAdmin!)).toBe(true);
  });

  test('the default permission follows the cohort file', () => {
    const config = configFrom((doc) => {
      doc.mlflow = { ...(doc.mlflow as object), defaultPermission: 'NO_PERMISSIONS' };
    });
    const ini = (one(synth(config), 'ConfigMap', 'mlflow-auth-config').data as Record<string, string>)[
      'basic_auth.ini'
    ];
    expect(ini).toContain('default_permission = NO_PERMISSIONS');
  });

  test('ExternalSecrets read the cohort secrets every 60 s from the cluster store', () => {
    const es = ofKind(all, 'ExternalSecret');
    expect(es.map((e) => e.metadata.name).sort()).toEqual([
      'mlflow-admin',
      'mlflow-db',
      'mlflow-db-master',
      'mlflow-flask',
    ]);
    const db = one(all, 'ExternalSecret', 'mlflow-db').spec as Record<string, unknown>;
    expect(db.refreshInterval).toBe('60s');
    expect(db.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'cohort-secrets-manager' });
    expect((db.data as Array<{ remoteRef: { key: string } }>).map((d) => d.remoteRef.key)).toEqual([
      'cohort-lab/demo-2027-spring/db-mlflow',
      'cohort-lab/demo-2027-spring/db-mlflow',
    ]);
  });

  test('Reloader rolls the server when a mounted secret changes', () => {
    const d = one(all, 'Deployment', 'mlflow');
    expect(d.metadata.annotations?.['secret.reloader.stakater.com/reload']).toBe(
      'mlflow-admin,mlflow-flask,mlflow-db',
    );
  });

  test('every container is hardened, sized and (for servers) probed', () => {
    const containers = allContainers(all);
    expect(containers.length).toBe(3);
    for (const { container, pod } of containers) {
      expect(container.securityContext).toEqual(expect.objectContaining(HARDENED_CONTAINER_CONTEXT));
      expect(container.resources?.requests).toEqual(
        expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }),
      );
      expect(container.resources?.limits).toEqual(
        expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }),
      );
      expect(pod.automountServiceAccountToken).toBe(false);
      expect((pod.securityContext as Record<string, unknown>).seccompProfile).toEqual({
        type: 'RuntimeDefault',
      });
    }
    const server = mlflowContainer(all);
    expect(server.readinessProbe).toEqual(
      expect.objectContaining({ exec: { command: ['python', '-m', 'cohort_lab_auth', 'probe'] } }),
    );
    expect(server.livenessProbe).toEqual(
      expect.objectContaining({ httpGet: expect.objectContaining({ path: '/health' }) }),
    );
    expect(server.startupProbe).toBeDefined();
  });

  test('keeps one replica up during disruptions and spreads replicas over zones and nodes', () => {
    const pdb = one(all, 'PodDisruptionBudget', 'mlflow').spec as Record<string, unknown>;
    expect(pdb.maxUnavailable).toBe(1);
    const d = one(all, 'Deployment', 'mlflow').spec as {
      replicas: number;
      template: { spec: Record<string, unknown> };
    };
    expect(d.replicas).toBe(2);
    const spread = d.template.spec.topologySpreadConstraints as Array<{
      topologyKey: string;
      whenUnsatisfiable: string;
    }>;
    expect(spread.map((s) => s.topologyKey)).toEqual([
      'topology.kubernetes.io/zone',
      'kubernetes.io/hostname',
    ]);
  });

  test('the Ingress terminates TLS with the configured certificate on an ALB', () => {
    const ing = one(all, 'Ingress', 'mlflow');
    const ann = ing.metadata.annotations!;
    expect(ann['alb.ingress.kubernetes.io/certificate-arn']).toBe(
      'arn:aws:acm:eu-west-1:111122223333:certificate/0f3e6c1a-58d2-4f0e-9a43-7c2b9d1e6a10',
    );
    expect(ann['alb.ingress.kubernetes.io/ssl-redirect']).toBe('443');
    expect(ann['alb.ingress.kubernetes.io/ssl-policy']).toMatch(/^ELBSecurityPolicy-TLS13/);
    const spec = ing.spec as { ingressClassName: string; rules: Array<{ host: string }> };
    expect(spec.ingressClassName).toBe('alb');
    expect(spec.rules[0].host).toBe('mlflow.demo-2027-spring.cohort-lab.example');
  });

  test('a sandbox without a certificate gets a plain-HTTP listener and no TLS annotations', () => {
    const config = loadCohort('cohorts/sandbox-example.yaml');
    const ing = one(synth(config), 'Ingress', 'mlflow');
    expect(ing.metadata.annotations!['alb.ingress.kubernetes.io/listen-ports']).toBe('[{"HTTP": 80}]');
    expect(ing.metadata.annotations!['alb.ingress.kubernetes.io/certificate-arn']).toBeUndefined();
  });

  test('NetworkPolicy: in from the VPC and learner namespaces on 5000; out to PostgreSQL, S3 and Pod Identity only', () => {
    const np = one(all, 'NetworkPolicy', 'mlflow').spec as {
      ingress: Array<{ from: unknown[]; ports: Array<{ port: number }> }>;
      egress: Array<{ to: Array<{ ipBlock: { cidr: string } }>; ports: Array<{ port: number }> }>;
    };
    expect(np.ingress.map((r) => r.ports[0].port)).toEqual([5000, 5000]);
    expect(np.ingress[1].from).toEqual([
      { namespaceSelector: { matchLabels: { 'cohort-lab.io/learner': 'true' } } },
    ]);
    expect(np.egress.map((r) => [r.to[0].ipBlock.cidr, r.ports[0].port])).toEqual([
      ['10.80.0.0/16', 5432],
      ['0.0.0.0/0', 443],
      ['169.254.170.23/32', 80],
    ]);
  });

  test('the bootstrap Job uses the master secret and gets a new name when its inputs change', () => {
    const job = ofKind(all, 'Job');
    expect(job).toHaveLength(1);
    expect(job[0].metadata.name).toMatch(/^mlflow-db-bootstrap-[0-9a-f]{8}$/);
    const other = ofKind(
      objects(
        new MlflowChart(chartApp(), 'm', {
          values: testValues(loadCohort('cohorts/demo.yaml'), {
            database: { host: 'other.internal', port: 5432, sslMode: 'require' },
          }),
        }),
      ),
      'Job',
    );
    expect(other[0].metadata.name).not.toBe(job[0].metadata.name);
  });

  test('the workload charts depend on the namespace chart', () => {
    const charts = addCohortCharts(chartApp(), testValues(loadCohort('cohorts/demo.yaml')));
    expect(charts.mlflow.node.dependencies).toContain(charts.namespaces);
  });

  describe('image-digest exception (checkov CKV_K8S_43), by where the image comes from', () => {
    const ENV_SECRET = /^CKV_K8S_35=libpq \(PGPASSWORD\)/;
    /** The checkov annotations of the server Deployment and the bootstrap Job, for one MLflow image. */
    const acks = (mlflow: string, source: ImageSource) => {
      const values = testValues(loadCohort('cohorts/demo.yaml'), {
        images: { ...TEST_INFRA.images, mlflow },
        imageSources: { ...TEST_INFRA.imageSources, mlflow: source },
      });
      const objs = objects(new MlflowChart(chartApp(), 'mlflow', { values }));
      return [one(objs, 'Deployment', 'mlflow'), ofKind(objs, 'Job')[0]].map((w) =>
        Object.fromEntries(
          Object.entries(w.metadata.annotations ?? {}).filter(([k]) => k.startsWith('checkov.io/')),
        ),
      );
    };

    test('an image CDK builds: the content-hash tag in the CDK assets repository is the pin', () => {
      const uri = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds-container-assets:0f1e2d3c';
      for (const a of acks(uri, ImageSource.CDK_ASSET)) {
        expect(a).toEqual({
          'checkov.io/skip1':
            'CKV_K8S_43=images are built by CDK at deploy time and addressed by their content-hash tag in the immutable CDK assets repository; no digest exists at synth time',
          'checkov.io/skip2': expect.stringMatching(ENV_SECRET),
        });
      }
    });

    test("a prebuilt image named by tag in the cohort file: the tag is the operator's pin, a digest is recommended", () => {
      for (const a of acks('registry.example.edu/mlflow:3.17.2-1', ImageSource.COHORT_FILE)) {
        expect(a).toEqual({
          'checkov.io/skip1':
            "CKV_K8S_43=the image is prebuilt and pinned by its tag, the operator's pin in the cohort file's mlflow.image; a tag can be re-pushed and synth cannot resolve a digest offline, so image@sha256:<digest> there is recommended (it needs no exception)",
          'checkov.io/skip2': expect.stringMatching(ENV_SECRET),
        });
      }
    });

    test('a prebuilt image named by digest: no image exception at all', () => {
      const image = `registry.example.edu/mlflow@sha256:${'0123456789abcdef'.repeat(4)}`;
      for (const a of acks(image, ImageSource.COHORT_FILE)) {
        expect(a).toEqual({ 'checkov.io/skip1': expect.stringMatching(ENV_SECRET) });
      }
    });
  });

  test('matches the snapshot (guards object names)', () => {
    expect(all).toMatchSnapshot();
  });
});

import { Lazy } from 'aws-cdk-lib';
import { testTempDir } from '../../support/tmp';
import { Testing } from 'cdk8s';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { FeastChart, FeastChartProps, FEATURE_REPO_FILES, LABS_FEATURE_REPO_DIR } from '../../../cdk8s/feast';
import { ChartValues, ImageSource } from '../../../cdk8s';
import { FEAST_PORT, LEARNER_NAMESPACE_LABEL, POD_IDENTITY_AGENT, REDIS_PORT } from '../../../lib/core';
import { testInfra, testValues } from '../../support/chart-values';
import { HARDENED_CONTAINER_CONTEXT } from '../../support/charts';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are plain JSON */
type Obj = Record<string, any>;

function synth(values: ChartValues = testValues(), props: Partial<FeastChartProps> = {}): Obj[] {
  const chart = new FeastChart(Testing.app(), 'feast', { values, ...props });
  return Testing.synth(chart) as Obj[];
}

function one(objects: Obj[], kind: string, name: string | RegExp): Obj {
  const hits = objects.filter(
    (o) =>
      o.kind === kind && (typeof name === 'string' ? o.metadata.name === name : name.test(o.metadata.name)),
  );
  expect(hits).toHaveLength(1);
  return hits[0];
}

const workloads = (objects: Obj[]) => objects.filter((o) => ['Deployment', 'Job'].includes(o.kind));
const containersOf = (w: Obj): Obj[] => [
  ...(w.spec.template.spec.initContainers ?? []),
  ...w.spec.template.spec.containers,
];
const SANDBOX = (doc: Record<string, unknown>) => {
  doc.profile = 'sandbox';
  doc.course = { start: '2027-01-04', end: '2027-01-29' };
};

describe('FeastChart', () => {
  test('generates feature_store.yaml from the config and the infrastructure values', () => {
    // GIVEN the base cohort on made-up infrastructure
    const objects = synth();
    // WHEN the yaml is read back
    const cm = one(objects, 'ConfigMap', 'feast-config');
    const doc = parse(cm.data['feature_store.yaml']);
    // THEN it is the S3 registry, the in-cluster Redis and OIDC against the values' issuer
    expect(doc).toEqual({
      project: 'test_cohort',
      provider: 'local',
      registry: {
        registry_type: 'file',
        path: 's3://cohortlab-test-cohort-artifacts/feast/registry.db',
        cache_ttl_seconds: 60,
      },
      online_store: {
        type: 'redis',
        redis_type: 'redis',
        connection_string: 'redis.cohort-lab.svc.cluster.local:6379,password=${FEAST_REDIS_PASSWORD}',
      },
      offline_store: { type: 'file' },
      entity_key_serialization_version: 3,
      auth: {
        type: 'oidc',
        auth_discovery_url:
          'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example/.well-known/openid-configuration',
        client_id: 'example-client-id',
        issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example',
      },
    });
  });

  test('the server reads the yaml from the ConfigMap and the Redis password from the synced Secret', () => {
    const objects = synth();
    const server = one(objects, 'Deployment', 'feast');
    const [c] = server.spec.template.spec.containers;
    expect(c.command).toEqual(['python', '-m', 'cohort_lab_feast']);
    expect(c.args).toEqual([
      'serve',
      '--host',
      '0.0.0.0',
      '--port',
      '6566',
      '--workers',
      '2',
      '--no-access-log',
      '--registry_ttl_sec',
      '60',
    ]);
    const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e]));
    expect(env.FEAST_FS_YAML_FILE_PATH.value).toBe('/etc/feast/feature_store.yaml');
    expect(env.FEAST_REDIS_PASSWORD.valueFrom).toEqual({
      secretKeyRef: { name: 'feast-redis', key: 'password', optional: false },
    });
    expect(env.XDG_RUNTIME_DIR.value).toBe('/tmp');
    expect(c.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'config', mountPath: '/etc/feast', readOnly: true },
        { name: 'tmp', mountPath: '/tmp' },
      ]),
    );
    expect(server.spec.template.spec.volumes).toEqual(
      expect.arrayContaining([{ name: 'config', configMap: { name: 'feast-config' } }]),
    );
    expect(server.metadata.annotations).toEqual(
      expect.objectContaining({
        'secret.reloader.stakater.com/reload': 'feast-redis',
        'configmap.reloader.stakater.com/reload': 'feast-config',
        'checkov.io/skip1': expect.stringMatching(/^CKV_K8S_43=/),
        'checkov.io/skip2': expect.stringMatching(/^CKV_K8S_35=Feast expands/),
      }),
    );
  });

  test("no server pod is ready before the registry holds the apply Job's permissions", () => {
    const pod = one(synth(), 'Deployment', 'feast').spec.template.spec;
    expect(pod.initContainers).toHaveLength(1);
    const [init] = pod.initContainers;
    expect(init.name).toBe('wait-for-registry');
    expect(init.command).toEqual(['python', '-m', 'cohort_lab_feast']);
    expect(init.args).toEqual(['wait-for-permissions', '300']);
    expect(init.env).toEqual(pod.containers[0].env);
  });

  test('the Redis password comes from Secrets Manager through ESO and is in no manifest, argv or env value', () => {
    const objects = synth();
    const es = one(objects, 'ExternalSecret', 'feast-redis');
    expect(es.spec.data).toEqual([
      expect.objectContaining({
        secretKey: 'password',
        remoteRef: expect.objectContaining({ key: 'cohort-lab/test-cohort/redis', property: 'password' }),
      }),
      expect.objectContaining({
        secretKey: 'previousPassword',
        remoteRef: expect.objectContaining({
          key: 'cohort-lab/test-cohort/redis',
          property: 'previousPassword',
        }),
      }),
    ]);
    expect(es.spec.target.template.data).toEqual({
      password: '{{ .password }}',
      'auth.conf':
        'user default on resetpass >{{ .password }} >{{ .previousPassword }} ~* &* +@all -@scripting -@dangerous\n',
    });
    // No Secret object is emitted, and no literal password shape appears anywhere.
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const text = JSON.stringify(objects);
    expect(text).not.toMatch(/password=(?!\$\{FEAST_REDIS_PASSWORD\})/);
    for (const w of workloads(objects)) {
      for (const c of containersOf(w)) {
        expect([...(c.command ?? []), ...(c.args ?? [])].join(' ')).not.toMatch(/pass/i);
        for (const e of c.env ?? []) {
          if (/PASSWORD|SECRET|TOKEN/.test(e.name)) {
            expect(e.value).toBeUndefined();
            expect(e.valueFrom.secretKeyRef).toBeDefined();
          }
          expect(e.name).not.toBe('INTRA_COMMUNICATION_BASE64');
        }
      }
    }
  });

  test('Redis reads requirepass from an included file, not argv; runs the configured image', () => {
    const objects = synth();
    const redis = one(objects, 'Deployment', 'redis');
    const spec = redis.spec.template.spec;
    const [c] = spec.containers;
    expect(c.image).toBe('public.ecr.aws/docker/library/redis:7.4.11-alpine');
    expect(c.command).toEqual(['redis-server']);
    expect(c.args).toEqual([
      '/etc/redis/redis.conf',
      '--include',
      '/etc/redis-auth/auth.conf',
      '--bind',
      '0.0.0.0',
      '--port',
      '6379',
      '--dir',
      '/data',
    ]);
    expect(spec.volumes).toEqual(
      expect.arrayContaining([
        {
          name: 'auth',
          secret: {
            secretName: 'feast-redis',
            defaultMode: 0o400,
            items: [{ key: 'auth.conf', path: 'auth.conf' }],
          },
        },
        { name: 'data', emptyDir: { sizeLimit: '768Mi' } },
        { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
      ]),
    );
    expect(c.env).toBeUndefined();
    const conf = one(objects, 'ConfigMap', 'redis-config').data['redis.conf'];
    expect(conf).toContain('maxmemory 384mb');
    expect(conf).toContain('maxmemory-policy noeviction');
    expect(conf).not.toContain('requirepass');
    expect(redis.spec.strategy).toEqual({ type: 'Recreate' });
  });

  test('every container is hardened: non-root, read-only root, no escalation, no capabilities, seccomp, sized', () => {
    const objects = synth();
    const all = workloads(objects);
    expect(all.map((w) => `${w.kind}/${w.metadata.name}`).sort()).toEqual([
      'Deployment/feast',
      'Deployment/redis',
      expect.stringMatching(/^Job\/feast-apply-[0-9a-f]{8}$/),
    ]);
    for (const w of all) {
      const pod = w.spec.template.spec;
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext).toEqual(
        expect.objectContaining({
          runAsNonRoot: true,
          runAsUser: 10001,
          seccompProfile: { type: 'RuntimeDefault' },
        }),
      );
      for (const c of containersOf(w)) {
        expect(c.securityContext).toEqual(expect.objectContaining(HARDENED_CONTAINER_CONTEXT));
        for (const kind of ['requests', 'limits']) {
          expect(Object.keys(c.resources[kind]).sort()).toEqual(['cpu', 'ephemeral-storage', 'memory']);
        }
        expect(c.volumeMounts).toEqual(expect.arrayContaining([{ name: 'tmp', mountPath: '/tmp' }]));
      }
      if (w.kind === 'Deployment') {
        for (const c of pod.containers) {
          for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
            expect(c[probe]).toBeDefined();
          }
        }
      }
    }
    const [server] = one(objects, 'Deployment', 'feast').spec.template.spec.containers;
    expect(server.readinessProbe.httpGet).toEqual({ path: '/health', port: FEAST_PORT, scheme: 'HTTP' });
  });

  test('the apply Job registers the labs feature repository, read from the same files', () => {
    const objects = synth();
    const job = one(objects, 'Job', /^feast-apply-/);
    const hash = job.metadata.name.slice('feast-apply-'.length);
    const repo = one(objects, 'ConfigMap', `feast-feature-repo-${hash}`);
    const expected = Object.fromEntries(
      FEATURE_REPO_FILES.map((f) => [f, readFileSync(join(LABS_FEATURE_REPO_DIR, f), 'utf8')]),
    );
    expect(repo.data).toEqual(expected);
    expect(Object.keys(repo.data)).not.toContain('gen_data.py');

    const [c] = job.spec.template.spec.containers;
    expect(c.command).toEqual(['python', '-m', 'cohort_lab_feast']);
    expect(c.args).toEqual(['--chdir', '/opt/feature-repo', 'apply', '--skip-source-validation']);
    const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e]));
    expect(env.COHORT_LAB_BUCKET.value).toBe('cohortlab-test-cohort-artifacts');
    expect(env.FEAST_FS_YAML_FILE_PATH.value).toBe('/etc/feast/feature_store.yaml');
    expect(job.spec.template.spec.serviceAccountName).toBe('feast');
    expect(job.spec.backoffLimit).toBe(6);
  });

  test('the Job name changes when the feature repository changes, and only then', () => {
    const dir = testTempDir('feast-repo');
    try {
      cpSync(LABS_FEATURE_REPO_DIR, dir, { recursive: true });
      const name = () =>
        one(synth(testValues(), { featureRepoDir: dir }), 'Job', /^feast-apply-/).metadata.name;
      const before = name();
      expect(name()).toBe(before);
      expect(one(synth(), 'Job', /^feast-apply-/).metadata.name).toBe(before);
      writeFileSync(
        join(dir, 'features.py'),
        `${readFileSync(join(dir, 'features.py'), 'utf8')}\n# changed\n`,
      );
      expect(name()).not.toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('NetworkPolicies: Redis only from Feast pods; Feast only from learners and the namespace', () => {
    const objects = synth();
    const feastLabels = { 'app.kubernetes.io/name': 'feast', 'app.kubernetes.io/part-of': 'cohort-lab' };
    const applyLabels = {
      'app.kubernetes.io/name': 'feast-apply',
      'app.kubernetes.io/part-of': 'cohort-lab',
    };
    const tcp = (port: number) => [{ protocol: 'TCP', port }];

    const redis = one(objects, 'NetworkPolicy', 'redis').spec;
    expect(redis.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(redis.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: feastLabels } }, { podSelector: { matchLabels: applyLabels } }],
        ports: tcp(REDIS_PORT),
      },
    ]);
    expect(redis.egress).toEqual([]);

    const feast = one(objects, 'NetworkPolicy', 'feast').spec;
    expect(feast.podSelector).toEqual({ matchLabels: feastLabels });
    expect(feast.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { [LEARNER_NAMESPACE_LABEL]: 'true' } } }],
        ports: tcp(FEAST_PORT),
      },
      { from: [{ podSelector: {} }], ports: tcp(FEAST_PORT) },
    ]);
    const egressPorts = (spec: Obj) => spec.egress.map((r: Obj) => r.ports[0].port).sort();
    expect(egressPorts(feast)).toEqual([443, REDIS_PORT, 80].sort());
    expect(feast.egress).toEqual(
      expect.arrayContaining([
        { to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }], ports: tcp(80) },
        expect.objectContaining({
          to: [
            { podSelector: { matchLabels: expect.objectContaining({ 'app.kubernetes.io/name': 'redis' }) } },
          ],
        }),
      ]),
    );

    const apply = one(objects, 'NetworkPolicy', 'feast-apply').spec;
    expect(apply.ingress).toEqual([]);
    expect(egressPorts(apply)).toEqual(egressPorts(feast));
  });

  test('in-cluster only: a ClusterIP Service and no Ingress; a PDB for the server', () => {
    const objects = synth();
    expect(objects.filter((o) => o.kind === 'Ingress')).toEqual([]);
    for (const name of ['feast', 'redis']) {
      expect(one(objects, 'Service', name).spec.type).toBe('ClusterIP');
    }
    expect(one(objects, 'Service', 'feast').spec.ports).toEqual([
      { name: 'http', port: FEAST_PORT, targetPort: FEAST_PORT },
    ]);
    expect(one(objects, 'PodDisruptionBudget', 'feast').spec.maxUnavailable).toBe(1);
    const sa = one(objects, 'ServiceAccount', 'feast');
    expect(sa.automountServiceAccountToken).toBe(false);
  });

  test('two replicas for a cohort, one for a sandbox, or as given', () => {
    const replicas = (values: ChartValues, props: Partial<FeastChartProps> = {}) =>
      one(synth(values, props), 'Deployment', 'feast').spec.replicas;
    expect(replicas(testValues())).toBe(2);
    expect(replicas(testValues(SANDBOX))).toBe(1);
    expect(replicas(testValues(), { replicas: 3 })).toBe(3);
  });

  test('synth is deterministic', () => {
    expect(JSON.stringify(synth())).toBe(JSON.stringify(synth()));
  });

  test('accepts CDK tokens for the identity provider (resolved at deploy time)', () => {
    const token = Lazy.string({ produce: () => 'https://example.com' });
    expect(() =>
      synth(testValues(undefined, { oidc: { discoveryUrl: token, issuer: token, clientId: token } })),
    ).not.toThrow();
  });

  describe('image-digest exception (checkov CKV_K8S_43), by where the image comes from', () => {
    const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
    const ENV_SECRET = /^CKV_K8S_35=Feast expands/;
    /** The checkov annotations of the server Deployment and the apply Job, for one Feast image. */
    const feastAcks = (feast: string, source: ImageSource) => {
      const objects = synth(
        testValues(undefined, {
          images: { ...testInfra().images, feast },
          imageSources: { ...testInfra().imageSources, feast: source },
        }),
      );
      return [one(objects, 'Deployment', 'feast'), one(objects, 'Job', /^feast-apply-/)].map((w) =>
        Object.fromEntries(
          Object.entries(w.metadata.annotations as Record<string, string>).filter(([k]) =>
            k.startsWith('checkov.io/'),
          ),
        ),
      );
    };
    const redisAcks = (redisImage?: string) => {
      const values = testValues((doc) => {
        if (redisImage) doc.feast = { ...(doc.feast as object), redisImage };
      });
      const annotations = one(synth(values), 'Deployment', 'redis').metadata.annotations ?? {};
      return Object.fromEntries(Object.entries(annotations).filter(([k]) => k.startsWith('checkov.io/')));
    };

    test('an image CDK builds: the content-hash tag in the CDK assets repository is the pin', () => {
      const uri = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds-container-assets:0f1e2d3c';
      for (const acks of feastAcks(uri, ImageSource.CDK_ASSET)) {
        expect(acks).toEqual({
          'checkov.io/skip1':
            'CKV_K8S_43=images are built by CDK at deploy time and addressed by their content-hash tag in the immutable CDK assets repository; no digest exists at synth time',
          'checkov.io/skip2': expect.stringMatching(ENV_SECRET),
        });
      }
    });

    test("a prebuilt image named by tag in the cohort file: the tag is the operator's pin, a digest is recommended", () => {
      for (const acks of feastAcks('registry.example.edu/feast:0.67.0-1', ImageSource.COHORT_FILE)) {
        expect(acks).toEqual({
          'checkov.io/skip1':
            "CKV_K8S_43=the image is prebuilt and pinned by its tag, the operator's pin in the cohort file's feast.image; a tag can be re-pushed and synth cannot resolve a digest offline, so image@sha256:<digest> there is recommended (it needs no exception)",
          'checkov.io/skip2': expect.stringMatching(ENV_SECRET),
        });
      }
      // Standalone manifests name the same kind of image in the environment file.
      for (const acks of feastAcks('registry.example.edu/feast:0.67.0-1', ImageSource.ENVIRONMENT_FILE)) {
        expect(acks['checkov.io/skip1']).toContain(
          "the operator's pin in the environment file's images.feast;",
        );
      }
    });

    test('a prebuilt image named by digest: no image exception at all', () => {
      for (const source of [ImageSource.COHORT_FILE, ImageSource.ENVIRONMENT_FILE]) {
        for (const acks of feastAcks(`registry.example.edu/feast@${DIGEST}`, source)) {
          expect(acks).toEqual({ 'checkov.io/skip1': expect.stringMatching(ENV_SECRET) });
        }
      }
    });

    test("Redis: the default image's tag is Cohort Lab's pin, a tag from the cohort file the operator's, a digest needs none", () => {
      expect(redisAcks()).toEqual({
        'checkov.io/skip1':
          "CKV_K8S_43=the image is prebuilt and pinned by its tag, the operator's pin in the cohort file's feast.redisImage (unset: Cohort Lab's default); a tag can be re-pushed and synth cannot resolve a digest offline, so image@sha256:<digest> there is recommended (it needs no exception)",
      });
      expect(redisAcks('registry.example.edu/redis:7.4.11-alpine')).toEqual({
        'checkov.io/skip1': expect.stringContaining(
          "CKV_K8S_43=the image is prebuilt and pinned by its tag, the operator's pin in the cohort file's feast.redisImage;",
        ),
      });
      expect(redisAcks(`registry.example.edu/redis@${DIGEST}`)).toEqual({});
    });
  });

  test('snapshot', () => {
    expect(synth()).toMatchSnapshot();
  });

  test('fails when the Feast project is empty', () => {
    const values = testValues();
    const bad = { ...values, config: { ...values.config, feast: { ...values.config.feast, project: '' } } };
    expect(() => synth(bad)).toThrow(
      'FeastChart: feast.project "" (from inline.yaml) must start with a letter and contain only letters, digits and "_" (at most 63 characters)',
    );
  });

  test('fails when the discovery URL is plain http off loopback', () => {
    const oidc = {
      discoveryUrl: 'http://idp.example.com/.well-known/openid-configuration',
      issuer: 'https://idp.example.com',
    };
    expect(() => synth(testValues(undefined, { oidc }))).toThrow(
      'FeastChart: infra.oidc.discoveryUrl "http://idp.example.com/.well-known/openid-configuration" must be an https:// URL (plain http only on loopback, for tests)',
    );
  });

  test('fails when the discovery URL is not a discovery document', () => {
    const oidc = { discoveryUrl: 'https://idp.example.com/jwks.json', issuer: 'https://idp.example.com' };
    expect(() => synth(testValues(undefined, { oidc }))).toThrow(
      'FeastChart: infra.oidc.discoveryUrl "https://idp.example.com/jwks.json" must end in /.well-known/openid-configuration',
    );
  });

  test('fails when the Feast image is empty', () => {
    const images = { ...testInfra().images, feast: ' ' };
    expect(() => synth(testValues(undefined, { images }))).toThrow(
      'FeastChart: infra.images.feast is empty; give the Feast image to run',
    );
  });

  test('fails when replicas is not a whole number of at least 1', () => {
    expect(() => synth(testValues(), { replicas: 0 })).toThrow(
      'FeastChart: replicas 0 must be a whole number of at least 1',
    );
  });

  describe('feature repository checks', () => {
    let dir: string;
    beforeEach(() => {
      dir = testTempDir('feast-repo');
      cpSync(LABS_FEATURE_REPO_DIR, dir, { recursive: true });
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    test('fails when the repository has no permissions.py', () => {
      rmSync(join(dir, 'permissions.py'));
      expect(() => synth(testValues(), { featureRepoDir: dir })).toThrow(
        `FeastChart: feature repository ${dir} has no permissions.py`,
      );
    });

    test('fails when permissions.py uses AllowAll', () => {
      writeFileSync(
        join(dir, 'permissions.py'),
        'from feast.permissions.policy import AllowAll\np = Permission(name="all", policy=AllowAll)\n',
      );
      expect(() => synth(testValues(), { featureRepoDir: dir })).toThrow(
        `FeastChart: ${join(dir, 'permissions.py')} uses AllowAll, which corrupts the Feast 0.67 registry; use GroupBasedPolicy or RoleBasedPolicy`,
      );
    });

    test('fails when permissions.py defines no Permission', () => {
      writeFileSync(
        join(dir, 'permissions.py'),
        '"""Permission(...) only in a docstring."""\n# Permission(\n',
      );
      expect(() => synth(testValues(), { featureRepoDir: dir })).toThrow(
        `FeastChart: ${join(dir, 'permissions.py')} defines no Permission; without one Feast grants every signed-in user full access`,
      );
    });
  });
});

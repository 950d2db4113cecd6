import { createRedis, createRedisSecret, redisConf, REDIS_AUTH_TEMPLATE } from '../../../cdk8s/feast/redis';
import { DEFAULT_REDIS_IMAGE, REDIS_PORT } from '../../../lib/core';
import { testValues } from '../../support/chart-values';
import {
  bareChart,
  checkovAnnotations,
  childIds,
  containersOf,
  Obj,
  one,
  SIZING,
  synthChart,
  synthFeast,
  workloads,
} from './support';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const LABELS = { 'app.kubernetes.io/name': 'redis' };

/** Redis built on its own in an empty chart, from only the values it takes. */
function buildRedis(image = DEFAULT_REDIS_IMAGE) {
  const chart = bareChart();
  const secret = createRedisSecret(chart, {
    namespace: 'lab',
    storeName: 'store',
    refreshIntervalSeconds: 30,
    remoteName: 'cohort-lab/c/redis',
  });
  const redis = createRedis(chart, { namespace: 'lab', labels: LABELS, image, sizing: SIZING, secret });
  return { chart, redis, objects: synthChart(chart) };
}

describe('createRedisSecret', () => {
  test('renders the password and an ACL file with the current and the previous password', () => {
    // GIVEN the Redis secret built on its own
    const { objects } = buildRedis();
    // WHEN its ExternalSecret is read back
    const es = one(objects, 'ExternalSecret', 'feast-redis');
    // THEN both passwords come from the named Secrets Manager secret and the ACL is templated
    expect(es.spec).toMatchObject({
      refreshInterval: '30s',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'store' },
      target: { template: { data: { password: '{{ .password }}', 'auth.conf': REDIS_AUTH_TEMPLATE } } },
    });
    expect(es.spec.data.map((d: Obj) => [d.secretKey, d.remoteRef.key, d.remoteRef.property])).toEqual([
      ['password', 'cohort-lab/c/redis', 'password'],
      ['previousPassword', 'cohort-lab/c/redis', 'previousPassword'],
    ]);
  });

  test('the ACL denies scripting and dangerous commands', () => {
    // GIVEN the ACL template
    // WHEN it is read as one rule
    // THEN the default user has both passwords, every key and channel, and no scripting or @dangerous
    expect(REDIS_AUTH_TEMPLATE).toBe(
      'user default on resetpass >{{ .password }} >{{ .previousPassword }} ~* &* +@all -@scripting -@dangerous\n',
    );
  });
});

describe('createRedis', () => {
  test('adds its objects to the chart under the contract IDs', () => {
    // GIVEN Redis built in an empty chart
    const { chart } = buildRedis();
    // WHEN the chart's children are listed
    // THEN they carry the IDs the manifests and the apps stack are named after, in order
    expect(childIds(chart)).toEqual([
      'RedisSecret',
      'RedisConfig',
      'RedisConfVolume',
      'RedisAuthVolume',
      'RedisData',
      'RedisTmp',
      'Redis',
      'RedisService',
    ]);
  });

  test('sets maxmemory to three quarters of the memory limit and the data volume to twice that', () => {
    // GIVEN a 1024 MiB memory limit
    const { objects } = buildRedis();
    // WHEN the config and the volumes are read back
    const conf = one(objects, 'ConfigMap', 'redis-config').data;
    const volumes = one(objects, 'Deployment', 'redis').spec.template.spec.volumes;
    // THEN maxmemory is 768 MB and the data emptyDir 1536 MiB
    expect(conf).toEqual({ 'redis.conf': redisConf(768) });
    expect(volumes).toEqual(expect.arrayContaining([{ name: 'data', emptyDir: { sizeLimit: '1536Mi' } }]));
  });

  test('reads requirepass from the included auth.conf, never argv or env', () => {
    // GIVEN Redis built on its own
    const { objects } = buildRedis();
    // WHEN its container is read back
    const spec = one(objects, 'Deployment', 'redis').spec.template.spec;
    const [c] = spec.containers;
    // THEN the ACL file is included from the Secret volume, owner-read only, and no env is set
    expect(c.command).toEqual(['redis-server']);
    expect(c.args).toEqual([
      '/etc/redis/redis.conf',
      '--include',
      '/etc/redis-auth/auth.conf',
      '--bind',
      '0.0.0.0',
      '--port',
      String(REDIS_PORT),
      '--dir',
      '/data',
    ]);
    expect(c.env).toBeUndefined();
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
      ]),
    );
    expect(c.volumeMounts).toEqual(
      expect.arrayContaining([{ name: 'auth', mountPath: '/etc/redis-auth', readOnly: true }]),
    );
  });

  test('one pod, recreated on change, rolled by Reloader when the Secret or the config changes', () => {
    // GIVEN Redis built on its own
    const { objects } = buildRedis();
    // WHEN the Deployment is read back
    const d = one(objects, 'Deployment', 'redis');
    // THEN it runs one replica with the Recreate strategy and names both sources for Reloader
    expect(d.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    expect(d.metadata.annotations).toMatchObject({
      'secret.reloader.stakater.com/reload': 'feast-redis',
      'configmap.reloader.stakater.com/reload': 'redis-config',
    });
  });

  test('probes over TCP: an authenticated PING would need the password in env', () => {
    // GIVEN Redis built on its own
    const [c] = one(buildRedis().objects, 'Deployment', 'redis').spec.template.spec.containers;
    // WHEN its probes are read back
    // THEN each is a TCP check on the Redis port
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(c[probe].tcpSocket).toEqual({ port: REDIS_PORT });
    }
  });

  test('a ClusterIP Service on the Redis port selects the Redis pods', () => {
    // GIVEN Redis built on its own
    const { objects, redis } = buildRedis();
    // WHEN the Service is read back
    const svc = one(objects, 'Service', 'redis');
    // THEN it is in-cluster only, on 6379, and the builder returns it with the Deployment
    expect(svc.spec).toMatchObject({
      type: 'ClusterIP',
      ports: [{ name: 'redis', port: REDIS_PORT, targetPort: REDIS_PORT }],
    });
    expect(svc.spec.selector).toEqual(one(objects, 'Deployment', 'redis').spec.selector.matchLabels);
    expect(redis.service.name).toBe('redis');
    expect(redis.deployment.name).toBe('redis');
  });

  test("image-digest exception: the default image's tag is Cohort Lab's pin, a tag from the cohort file the operator's, a digest needs none", () => {
    // GIVEN Redis with the default image, a tagged image and a digest-pinned image
    const acks = (image: string) => checkovAnnotations(one(buildRedis(image).objects, 'Deployment', 'redis'));
    // WHEN their checkov annotations are read back
    // THEN the reason names who pinned the tag, and a digest needs no exception
    expect(acks(DEFAULT_REDIS_IMAGE)).toEqual({
      'checkov.io/skip1':
        "CKV_K8S_43=the image is prebuilt and pinned by its tag, the operator's pin in the cohort file's feast.redisImage (unset: Cohort Lab's default); a tag can be re-pushed and synth cannot resolve a digest offline, so image@sha256:<digest> there is recommended (it needs no exception)",
    });
    expect(acks('registry.example.edu/redis:7.4.11-alpine')).toEqual({
      'checkov.io/skip1':
        "CKV_K8S_43=the image is prebuilt and pinned by its tag, the operator's pin in the cohort file's feast.redisImage; a tag can be re-pushed and synth cannot resolve a digest offline, so image@sha256:<digest> there is recommended (it needs no exception)",
    });
    expect(acks(`registry.example.edu/redis@${DIGEST}`)).toEqual({});
  });
});

describe('redisConf', () => {
  test('is the whole redis.conf: protected, bounded, no eviction, snapshots, no CONFIG', () => {
    // GIVEN a maxmemory of 384 MB
    // WHEN the config is built
    // THEN it is exactly these lines (requirepass lives in the included auth.conf)
    expect(redisConf(384).split('\n')).toEqual([
      '# Feast online store of the cohort. Paths, port and bind address are on the command line;',
      '# the password comes from an included file rendered from the Secret.',
      'protected-mode yes',
      'maxmemory 384mb',
      'maxmemory-policy noeviction',
      'save 300 1',
      'appendonly no',
      'rename-command CONFIG ""',
      '',
    ]);
  });
});

describe('FeastChart Redis', () => {
  test('runs the configured image with the default sizing: maxmemory 384 MB', () => {
    // GIVEN the base cohort (default Redis image and sizing)
    const objects = synthFeast();
    // WHEN Redis is read back
    const [c] = one(objects, 'Deployment', 'redis').spec.template.spec.containers;
    // THEN it runs the default image and three quarters of 512 MiB
    expect(c.image).toBe(DEFAULT_REDIS_IMAGE);
    expect(one(objects, 'ConfigMap', 'redis-config').data).toEqual({ 'redis.conf': redisConf(384) });
  });

  test('the Redis password comes from Secrets Manager through ESO and is in no manifest, argv or env value', () => {
    // GIVEN the whole chart
    const objects = synthFeast();
    // WHEN its objects, containers and every string in them are examined
    const strings: string[] = [];
    const collect = (v: unknown): void => {
      if (typeof v === 'string') strings.push(v);
      else if (Array.isArray(v)) v.forEach(collect);
      else if (v !== null && typeof v === 'object') Object.values(v).forEach(collect);
    };
    collect(objects);
    // THEN ESO reads the cohort's Redis secret, no Secret object is emitted, no value holds a
    // password other than Feast's ${FEAST_REDIS_PASSWORD} reference, and credentials reach
    // containers only as Secret references
    expect(one(objects, 'ExternalSecret', 'feast-redis').spec.data.map((d: Obj) => d.remoteRef.key)).toEqual([
      'cohort-lab/test-cohort/redis',
      'cohort-lab/test-cohort/redis',
    ]);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(strings.filter((s) => /password=(?!\$\{FEAST_REDIS_PASSWORD\})/.test(s))).toEqual([]);
    for (const w of workloads(objects)) {
      for (const c of containersOf(w)) {
        expect([...(c.command ?? []), ...(c.args ?? [])].filter((a: string) => /pass/i.test(a))).toEqual([]);
        // Feast's own intra-communication secret is never set from the manifest.
        expect((c.env ?? []).map((e: Obj) => e.name)).not.toContain('INTRA_COMMUNICATION_BASE64');
        for (const e of c.env ?? []) {
          if (/PASSWORD|SECRET|TOKEN/.test(e.name)) {
            expect(e).toEqual({ name: e.name, valueFrom: { secretKeyRef: expect.any(Object) } });
          }
        }
      }
    }
  });

  test('a cohort file may name another Redis image', () => {
    // GIVEN a cohort file with its own Redis image
    const image = 'registry.example.edu/redis:7.4.11-alpine';
    const values = testValues((doc) => {
      doc.feast = { ...(doc.feast as object), redisImage: image };
    });
    // WHEN the chart is synthesised
    const [c] = one(synthFeast(values), 'Deployment', 'redis').spec.template.spec.containers;
    // THEN Redis runs it
    expect(c.image).toBe(image);
  });
});

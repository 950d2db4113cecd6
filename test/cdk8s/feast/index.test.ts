import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { ChartValues, ImageSource } from '../../../cdk8s';
import { prebuiltTagException } from '../../../cdk8s/common/checkov';
import { FeastChart, FeastChartProps, featureStoreYaml } from '../../../cdk8s/feast';
import { FEAST_PORT } from '../../../lib/core';
import { testInfra, testValues } from '../../support/chart-values';
import { HARDENED_CONTAINER_CONTEXT } from '../../support/charts';
import { checkovAnnotations, containersOf, one, SANDBOX, synthFeast, workloads } from './support';

// The chart as a whole: what it composes from the cohort's values. Each piece is tested in the
// file named after its source file (server, redis, apply-job, network-policies, ...).
describe('FeastChart', () => {
  test('generates feature_store.yaml from the config and the infrastructure values', () => {
    // GIVEN the base cohort on made-up infrastructure
    const objects = synthFeast();
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

  test('exposes the yaml it mounts, and the repository files it applies', () => {
    // GIVEN the chart of the base cohort
    const values = testValues();
    const chart = new FeastChart(Testing.app(), 'feast', { values });
    // WHEN its public properties are compared with its objects and with the pure function
    const objects = Testing.synth(chart);
    // THEN the ConfigMap holds exactly chart.featureStoreYaml, built from the cohort's values
    expect(one(objects, 'ConfigMap', 'feast-config').data).toEqual({
      'feature_store.yaml': chart.featureStoreYaml,
    });
    expect(chart.featureStoreYaml).toBe(
      featureStoreYaml({
        cohortName: values.config.name,
        project: values.config.feast.project,
        artifactBucketName: values.infra.artifactBucketName,
        namespace: values.namespace,
        oidc: values.infra.oidc,
      }),
    );
    expect(Object.keys(chart.featureRepo)).toEqual(['features.py', 'permissions.py']);
    expect([chart.deployment, chart.redis, chart.service, chart.redisService].map((c) => c.name)).toEqual([
      'feast',
      'redis',
      'feast',
      'redis',
    ]);
    expect(chart.applyJob.name).toMatch(/^feast-apply-[0-9a-f]{8}$/);
  });

  test('every container is hardened: non-root, read-only root, no escalation, no capabilities, seccomp, sized', () => {
    // GIVEN the base cohort
    const objects = synthFeast();
    // WHEN every workload is examined
    const all = workloads(objects);
    // THEN there are three, and each pod and container runs restricted, sized and (servers) probed
    expect(all.map((w) => `${w.kind}/${w.metadata.name}`).sort()).toEqual([
      'Deployment/feast',
      'Deployment/redis',
      expect.stringMatching(/^Job\/feast-apply-[0-9a-f]{8}$/),
    ]);
    for (const w of all) {
      const pod = w.spec.template.spec;
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        fsGroup: 10001,
        fsGroupChangePolicy: 'Always',
        seccompProfile: { type: 'RuntimeDefault' },
      });
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

  test('the default sizes: server 250m/1 CPU and 768/1536 MiB, Redis 50m/500m and 128/512 MiB', () => {
    // GIVEN the base cohort without sizing props
    const objects = synthFeast();
    // WHEN the main containers' resources are read back
    const resourcesOf = (name: string) =>
      one(objects, 'Deployment', name).spec.template.spec.containers[0].resources;
    // THEN they are the documented defaults
    expect(resourcesOf('feast')).toEqual({
      requests: { cpu: '250m', memory: '768Mi', 'ephemeral-storage': '1Gi' },
      limits: { cpu: '1000m', memory: '1536Mi', 'ephemeral-storage': '1Gi' },
    });
    expect(resourcesOf('redis')).toEqual({
      requests: { cpu: '50m', memory: '128Mi', 'ephemeral-storage': '1Gi' },
      limits: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '1Gi' },
    });
  });

  test('two replicas for a cohort, one for a sandbox, or as given', () => {
    // GIVEN a cohort, a sandbox, and a cohort with replicas set on the chart
    const replicas = (values: ChartValues, props: Partial<FeastChartProps> = {}) =>
      one(synthFeast(values, props), 'Deployment', 'feast').spec.replicas;
    // WHEN each is synthesised
    // THEN the server runs the profile's count, or the one given
    expect(replicas(testValues())).toBe(2);
    expect(replicas(testValues(SANDBOX))).toBe(1);
    expect(replicas(testValues(), { replicas: 3 })).toBe(3);
  });

  test('synth is deterministic', () => {
    // GIVEN two synths of the same values
    // WHEN their output is compared
    // THEN it is byte-identical
    expect(JSON.stringify(synthFeast())).toBe(JSON.stringify(synthFeast()));
  });

  describe('image-digest exception (checkov CKV_K8S_43), by where the image comes from', () => {
    const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
    const ENV_SECRET = /^CKV_K8S_35=Feast expands/;
    /** The checkov annotations of the server Deployment and the apply Job, for one Feast image. */
    const feastAcks = (feast: string, source: ImageSource) => {
      const objects = synthFeast(
        testValues(undefined, {
          images: { ...testInfra().images, feast },
          imageSources: { ...testInfra().imageSources, feast: source },
        }),
      );
      return [one(objects, 'Deployment', 'feast'), one(objects, 'Job', /^feast-apply-/)].map(
        checkovAnnotations,
      );
    };

    test('an image CDK builds: the content-hash tag in the CDK assets repository is the pin', () => {
      // GIVEN an image built by CDK
      const uri = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds-container-assets:0f1e2d3c';
      // WHEN the workloads' exceptions are read back
      // THEN both carry the CDK-asset reason, then the env-secret one
      for (const acks of feastAcks(uri, ImageSource.CDK_ASSET)) {
        expect(acks).toEqual({
          'checkov.io/skip1':
            'CKV_K8S_43=images are built by CDK at deploy time and addressed by their content-hash tag in the immutable CDK assets repository; no digest exists at synth time',
          'checkov.io/skip2': expect.stringMatching(ENV_SECRET),
        });
      }
    });

    test("a prebuilt image named by tag in the cohort file: the tag is the operator's pin, a digest is recommended", () => {
      // GIVEN a tagged image from the cohort file, and one from the environment file
      // WHEN the workloads' exceptions are read back
      // THEN the reason names the setting the operator pinned it in
      for (const acks of feastAcks('registry.example.edu/feast:0.67.0-1', ImageSource.COHORT_FILE)) {
        expect(acks).toEqual({
          'checkov.io/skip1':
            "CKV_K8S_43=the image is prebuilt and pinned by its tag, the operator's pin in the cohort file's feast.image; a tag can be re-pushed and synth cannot resolve a digest offline, so image@sha256:<digest> there is recommended (it needs no exception)",
          'checkov.io/skip2': expect.stringMatching(ENV_SECRET),
        });
      }
      const fromEnvironmentFile = prebuiltTagException("the environment file's images.feast");
      for (const acks of feastAcks('registry.example.edu/feast:0.67.0-1', ImageSource.ENVIRONMENT_FILE)) {
        expect(acks['checkov.io/skip1']).toBe(`CKV_K8S_43=${fromEnvironmentFile.reason}`);
      }
    });

    test('a prebuilt image named by digest: no image exception at all', () => {
      // GIVEN a digest-pinned image from either file
      // WHEN the workloads' exceptions are read back
      // THEN only the env-secret exception is left
      for (const source of [ImageSource.COHORT_FILE, ImageSource.ENVIRONMENT_FILE]) {
        for (const acks of feastAcks(`registry.example.edu/feast@${DIGEST}`, source)) {
          expect(acks).toEqual({ 'checkov.io/skip1': expect.stringMatching(ENV_SECRET) });
        }
      }
    });
  });

  test('snapshot', () => {
    // GIVEN the base cohort; WHEN synthesised; THEN the objects (names included) are unchanged
    expect(synthFeast()).toMatchSnapshot();
  });
});

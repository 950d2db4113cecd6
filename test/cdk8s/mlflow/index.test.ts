import { ImageSource } from '../../../cdk8s';
import { MlflowChart } from '../../../cdk8s/mlflow';
import { loadCohort } from '../../support/cohort';
import {
  allContainers,
  chartApp,
  HARDENED_CONTAINER_CONTEXT,
  objects,
  ofKind,
  one,
  TEST_INFRA,
  testValues,
} from '../../support/charts';
import { synthMlflow } from './support';

// The chart as a whole: what it composes from the cohort's values. Each piece is tested in the
// file named after its source file (server, ingress, network-policy, bootstrap-job, auth-ini).
describe('MlflowChart', () => {
  const all = synthMlflow();

  test('every container is hardened, sized and (for servers) probed', () => {
    // GIVEN the demo cohort
    // WHEN every container of every workload is examined
    const containers = allContainers(all);
    // THEN there are three, each restricted, sized, without a service account token
    expect(containers.map((c) => `${c.workload.kind}/${c.container.name}`).sort()).toEqual([
      'Deployment/mlflow',
      'Deployment/sync-admin',
      'Job/bootstrap',
    ]);
    for (const { container, pod, workload } of containers) {
      expect(container.securityContext).toEqual(expect.objectContaining(HARDENED_CONTAINER_CONTEXT));
      for (const kind of ['requests', 'limits'] as const) {
        expect(Object.keys(container.resources?.[kind] ?? {}).sort()).toEqual([
          'cpu',
          'ephemeral-storage',
          'memory',
        ]);
      }
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        fsGroupChangePolicy: 'Always',
        seccompProfile: { type: 'RuntimeDefault' },
        // Only the server writes a volume (its /tmp scratch).
        ...(workload.kind === 'Deployment' ? { fsGroup: 10001 } : {}),
      });
    }
  });

  test('exposes the objects it composes and the hosts it allows', () => {
    // GIVEN the chart of the demo cohort
    const chart = new MlflowChart(chartApp(), 'mlflow', {
      values: testValues(loadCohort('cohorts/demo.yaml')),
    });
    // WHEN its public properties are read
    // THEN they are the server, its Service and Ingress, the bootstrap Job and the allowed hosts
    expect([chart.deployment.name, chart.service.name, chart.ingress.name]).toEqual([
      'mlflow',
      'mlflow',
      'mlflow',
    ]);
    expect(chart.bootstrapJob.name).toMatch(/^mlflow-db-bootstrap-[0-9a-f]{8}$/);
    expect(chart.allowedHosts).toEqual([
      'mlflow.demo-2027-spring.cohort-lab.example',
      'mlflow.cohort-lab.svc.cluster.local:5000',
      'mlflow.cohort-lab.svc:5000',
      'mlflow.cohort-lab:5000',
    ]);
  });

  test('the default size: 250m/1 CPU, 768/1536 MiB, 2 GiB scratch, or as given', () => {
    // GIVEN the demo cohort with the default sizing, and with a sizing prop
    const sized = objects(
      new MlflowChart(chartApp(), 'mlflow', {
        values: testValues(loadCohort('cohorts/demo.yaml')),
        sizing: {
          cpuRequestMillis: 500,
          cpuLimitMillis: 2000,
          memoryRequestMebibytes: 1024,
          memoryLimitMebibytes: 2048,
          ephemeralStorageLimitGibibytes: 3,
        },
      }),
    );
    const resourcesOf = (objs: typeof all) =>
      allContainers(objs).find((c) => c.container.name === 'mlflow')!.container.resources;
    // WHEN the server's resources are read back
    // THEN they are the documented defaults, or the ones given
    expect(resourcesOf(all)).toEqual({
      requests: { cpu: '250m', memory: '768Mi', 'ephemeral-storage': '1Gi' },
      limits: { cpu: '1000m', memory: '1536Mi', 'ephemeral-storage': '2Gi' },
    });
    expect(resourcesOf(sized)).toEqual({
      requests: { cpu: '500m', memory: '1024Mi', 'ephemeral-storage': '1Gi' },
      limits: { cpu: '2000m', memory: '2048Mi', 'ephemeral-storage': '3Gi' },
    });
  });

  describe('image-digest exception (checkov CKV_K8S_43), by where the image comes from', () => {
    const ENV_SECRET = /^CKV_K8S_35=libpq \(PGPASSWORD\)/;
    /** The checkov annotations of the server Deployment and the bootstrap Job, for one MLflow image. */
    const acks = (mlflow: string, source: ImageSource) => {
      const objs = synthMlflow(undefined, {
        images: { ...TEST_INFRA.images, mlflow },
        imageSources: { ...TEST_INFRA.imageSources, mlflow: source },
      });
      return [one(objs, 'Deployment', 'mlflow'), ofKind(objs, 'Job')[0]].map((w) =>
        Object.fromEntries(
          Object.entries(w.metadata.annotations ?? {}).filter(([k]) => k.startsWith('checkov.io/')),
        ),
      );
    };

    test('an image CDK builds: the content-hash tag in the CDK assets repository is the pin', () => {
      // GIVEN an image built by CDK
      const uri = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds-container-assets:0f1e2d3c';
      // WHEN the workloads' exceptions are read back
      // THEN both carry the CDK-asset reason, then the env-secret one
      for (const a of acks(uri, ImageSource.CDK_ASSET)) {
        expect(a).toEqual({
          'checkov.io/skip1':
            'CKV_K8S_43=images are built by CDK at deploy time and addressed by their content-hash tag in the immutable CDK assets repository; no digest exists at synth time',
          'checkov.io/skip2': expect.stringMatching(ENV_SECRET),
        });
      }
    });

    test("a prebuilt image named by tag in the cohort file: the tag is the operator's pin, a digest is recommended", () => {
      // GIVEN a tagged image from the cohort file
      // WHEN the workloads' exceptions are read back
      // THEN the reason names the setting the operator pinned it in
      for (const a of acks('registry.example.edu/mlflow:3.17.2-1', ImageSource.COHORT_FILE)) {
        expect(a).toEqual({
          'checkov.io/skip1':
            "CKV_K8S_43=the image is prebuilt and pinned by its tag, the operator's pin in the cohort file's mlflow.image; a tag can be re-pushed and synth cannot resolve a digest offline, so image@sha256:<digest> there is recommended (it needs no exception)",
          'checkov.io/skip2': expect.stringMatching(ENV_SECRET),
        });
      }
    });

    test('a prebuilt image named by digest: no image exception at all', () => {
      // GIVEN a digest-pinned image
      const image = `registry.example.edu/mlflow@sha256:${'0123456789abcdef'.repeat(4)}`;
      // WHEN the workloads' exceptions are read back
      // THEN only the env-secret exception is left
      for (const a of acks(image, ImageSource.COHORT_FILE)) {
        expect(a).toEqual({ 'checkov.io/skip1': expect.stringMatching(ENV_SECRET) });
      }
    });
  });

  test('matches the snapshot (guards object names)', () => {
    // GIVEN the demo cohort; WHEN synthesised; THEN the objects (names included) are unchanged
    expect(all).toMatchSnapshot();
  });
});

/**
 * The sizing figures of lib/core/capacity.ts: the EKS formulas, and the figures that have another
 * home (the charts' requests, the learner quota, the SecretsSync values) against that home, so the
 * sizing cannot drift from what is deployed.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { addCohortCharts } from '../../../cdk8s';
import { LEARNER_QUOTA } from '../../../cdk8s/common/quotas';
import {
  CLUSTER_ADDON_PODS,
  eksMaxPods,
  INSTANCE_SHAPES,
  kubeReservedCpuMillis,
  kubeReservedMemoryMebibytes,
  LEARNER_QUOTA_REQUESTS,
  nodeAllocatable,
  PodRequests,
  SHARED_SERVICE_REQUESTS,
} from '../../../lib/core';
import { chartApp, K8s, objects, testValues } from '../../support/charts';
import { buildStacks, loadCohort } from '../../support/cohort';
import { parseTemplateJson } from '../../support/template-json';

describe('node allocatable', () => {
  test('max pods follow the VPC CNI formula: ENIs x (addresses per ENI - 1) + 2', () => {
    expect(eksMaxPods(INSTANCE_SHAPES['m6i.large'])).toBe(29);
    expect(eksMaxPods(INSTANCE_SHAPES['t3.large'])).toBe(35);
    expect(eksMaxPods(INSTANCE_SHAPES['t3a.large'])).toBe(35);
  });

  test.each([
    [1, 60],
    [2, 70],
    [4, 80],
    [8, 90],
    [16, 110],
  ])(
    'kube-reserved CPU of %i vCPUs is %im (6%% of the first core, 1%%, 0.5%% x 2, 0.25%% beyond)',
    (vcpus, m) => {
      expect(kubeReservedCpuMillis(vcpus)).toBe(m);
    },
  );

  test('kube-reserved memory is 11 MiB per pod plus 255 MiB', () => {
    expect(kubeReservedMemoryMebibytes(29)).toBe(574);
    expect(kubeReservedMemoryMebibytes(35)).toBe(640);
  });

  test('an m6i.large node offers 1930m CPU, 7108 MiB and 29 pods; a t3.large 1930m, 7042 MiB and 35 pods', () => {
    // 8192 MiB less 5% the kernel keeps = 7782; less kube-reserved and the 100 MiB eviction threshold
    expect(nodeAllocatable('m6i.large')).toEqual({
      instanceType: 'm6i.large',
      cpuMillis: 1930,
      memoryMebibytes: 7108,
      pods: 29,
    });
    expect(nodeAllocatable('t3.large')).toEqual({
      instanceType: 't3.large',
      cpuMillis: 1930,
      memoryMebibytes: 7042,
      pods: 35,
    });
  });

  test('an instance type without figures has no allocatable', () => {
    expect(nodeAllocatable('c7g.large')).toBeUndefined();
  });
});

describe('figures that live elsewhere too', () => {
  /** A pod's requests as the scheduler counts them: the containers' sum, or the largest init container. */
  function podRequests(pod: K8s): PodRequests {
    const spec = (pod.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    const sum = (containers: unknown): PodRequests[] =>
      ((containers as Array<{ resources?: { requests?: Record<string, string> } }> | undefined) ?? []).map(
        (c) => ({
          cpuMillis: parseInt(c.resources?.requests?.cpu ?? '0', 10),
          memoryMebibytes: parseInt(c.resources?.requests?.memory ?? '0', 10),
        }),
      );
    const main = sum(spec.containers).reduce(
      (a, b) => ({
        cpuMillis: a.cpuMillis + b.cpuMillis,
        memoryMebibytes: a.memoryMebibytes + b.memoryMebibytes,
      }),
      { cpuMillis: 0, memoryMebibytes: 0 },
    );
    return sum(spec.initContainers).reduce(
      (a, b) => ({
        cpuMillis: Math.max(a.cpuMillis, b.cpuMillis),
        memoryMebibytes: Math.max(a.memoryMebibytes, b.memoryMebibytes),
      }),
      main,
    );
  }

  test("the shared services' requests are the charts' (per pod)", () => {
    // GIVEN the demo cohort's charts
    const charts = addCohortCharts(chartApp(), testValues(loadCohort('cohorts/demo.yaml')));
    // WHEN the Deployments' pods are read
    const deployments = [...objects(charts.mlflow), ...objects(charts.feast)].filter(
      (o) => o.kind === 'Deployment',
    );
    const byName = Object.fromEntries(deployments.map((d) => [d.metadata.name, podRequests(d)]));
    // THEN
    expect(byName).toEqual({
      mlflow: SHARED_SERVICE_REQUESTS.mlflow,
      feast: SHARED_SERVICE_REQUESTS.feast,
      redis: SHARED_SERVICE_REQUESTS.redis,
    });
    expect(deployments.find((d) => d.metadata.name === 'redis')?.spec).toMatchObject({ replicas: 1 });
  });

  test("a learner's quota is the namespace chart's", () => {
    expect(LEARNER_QUOTA_REQUESTS).toEqual({
      cpuMillis: LEARNER_QUOTA.requestsCpuMillis,
      memoryMebibytes: LEARNER_QUOTA.requestsMemoryMebibytes,
    });
  });

  test("External Secrets Operator's and Reloader's requests are the SecretsSync construct's", () => {
    // GIVEN the demo cluster stack
    const t = Template.fromStack(buildStacks(loadCohort('cohorts/demo.yaml')).stacks.cluster);
    const values = (chart: string) =>
      parseTemplateJson(
        Object.values(t.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: chart } }))[0]
          .Properties.Values,
      ) as Record<string, Record<string, unknown>>;
    const requests = (resources: unknown): PodRequests => {
      const r = (resources as { requests: { cpu: string; memory: string } }).requests;
      return { cpuMillis: parseInt(r.cpu, 10), memoryMebibytes: parseInt(r.memory, 10) };
    };
    const figure = (name: string): PodRequests => {
      const group = CLUSTER_ADDON_PODS.find((g) => g.name === name)!;
      return { cpuMillis: group.cpuMillis, memoryMebibytes: group.memoryMebibytes };
    };
    // WHEN / THEN
    const eso = values('external-secrets');
    expect(requests(eso.resources)).toEqual(figure('External Secrets Operator'));
    expect(requests(eso.webhook.resources)).toEqual(figure('ESO webhook'));
    expect(requests(eso.certController.resources)).toEqual(figure('ESO cert controller'));
    const reloader = values('reloader').reloader as { deployment: { resources: unknown } };
    expect(requests(reloader.deployment.resources)).toEqual(figure('Reloader'));
    expect(requests(values('cluster-autoscaler').resources)).toEqual(figure('Cluster Autoscaler'));
  });
});

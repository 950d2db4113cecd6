import { Chart, Testing } from 'cdk8s';
import { ChartValues } from '../../../cdk8s';
import { FeastChart, FeastChartProps } from '../../../cdk8s/feast';
import { ContainerSizing } from '../../../cdk8s/common/hardening';
import { testValues } from '../../support/chart-values';
import { emptyChart } from '../../support/charts';

export { childIds } from '../../support/charts';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are plain JSON */
export type Obj = Record<string, any>;

/** The Feast chart's objects for `values` (the base fixture cohort by default). */
export function synthFeast(values: ChartValues = testValues(), props: Partial<FeastChartProps> = {}): Obj[] {
  const chart = new FeastChart(Testing.app(), 'feast', { values, ...props });
  return Testing.synth(chart) as Obj[];
}

/** An empty chart like the Feast chart, for testing one builder on its own. */
export function bareChart(): Chart {
  return emptyChart('feast');
}

/** The objects of `chart`. */
export function synthChart(chart: Chart): Obj[] {
  return Testing.synth(chart) as Obj[];
}

/** The single object of a kind whose name is, or matches, `name`. */
export function one(objects: Obj[], kind: string, name: string | RegExp): Obj {
  const hits = objects.filter(
    (o) =>
      o.kind === kind && (typeof name === 'string' ? o.metadata.name === name : name.test(o.metadata.name)),
  );
  expect(hits).toHaveLength(1);
  return hits[0];
}

/** Deployments and Jobs. */
export const workloads = (objects: Obj[]): Obj[] =>
  objects.filter((o) => ['Deployment', 'Job'].includes(o.kind));

/** Init containers, then containers, of a workload. */
export const containersOf = (w: Obj): Obj[] => [
  ...(w.spec.template.spec.initContainers ?? []),
  ...w.spec.template.spec.containers,
];

/** A container's env entries by name. */
export const envOf = (container: Obj): Record<string, Obj> =>
  Object.fromEntries((container.env as Obj[]).map((e) => [e.name, e]));

/** The `checkov.io/` annotations of an object. */
export const checkovAnnotations = (o: Obj): Record<string, string> =>
  Object.fromEntries(
    Object.entries((o.metadata.annotations ?? {}) as Record<string, string>).filter(([k]) =>
      k.startsWith('checkov.io/'),
    ),
  );

/** Patch of the base fixture that turns it into a sandbox. */
export const SANDBOX = (doc: Record<string, unknown>): void => {
  doc.profile = 'sandbox';
  doc.course = { start: '2027-01-04', end: '2027-01-29' };
};

/** A small sizing for builder tests. */
export const SIZING: ContainerSizing = {
  cpuRequestMillis: 100,
  cpuLimitMillis: 500,
  memoryRequestMebibytes: 256,
  memoryLimitMebibytes: 1024,
  ephemeralStorageLimitGibibytes: 1,
};

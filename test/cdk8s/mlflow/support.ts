import { Chart } from 'cdk8s';
import { InfraValues } from '../../../cdk8s';
import { MlflowChart } from '../../../cdk8s/mlflow';
import { CohortConfig } from '../../../lib/config';
import { loadCohort } from '../../support/cohort';
import {
  allContainers,
  chartApp,
  ContainerJson,
  emptyChart,
  K8s,
  objects,
  testValues,
} from '../../support/charts';

export { childIds } from '../../support/charts';

/** The MLflow chart's objects for a cohort (the demo cohort by default) on the test infrastructure. */
export function synthMlflow(
  config: CohortConfig = loadCohort('cohorts/demo.yaml'),
  infra: Partial<InfraValues> = {},
): K8s[] {
  return objects(new MlflowChart(chartApp(), 'mlflow', { values: testValues(config, infra) }));
}

/** An empty chart like the MLflow chart, for testing one builder on its own. */
export function bareChart(): Chart {
  return emptyChart('mlflow');
}

/** The server container of the `mlflow` Deployment. */
export function mlflowContainer(all: readonly K8s[]): ContainerJson {
  return containerNamed(all, 'mlflow');
}

/** The one container or init container named `name`. */
export function containerNamed(all: readonly K8s[], name: string): ContainerJson {
  const hits = allContainers(all).filter((c) => c.container.name === name);
  if (hits.length !== 1) throw new Error(`expected one container ${name}, got ${hits.length}`);
  return hits[0].container;
}

/** A container's env entries by name. */
export function envOf(c: ContainerJson): Record<string, NonNullable<ContainerJson['env']>[number]> {
  return Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
}

/** A Kubernetes object's spec, typed loosely for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are plain JSON
export const specOf = (o: K8s): Record<string, any> => o.spec as Record<string, any>;

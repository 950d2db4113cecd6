import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ChartValues } from './common/values';
import { FeastChart } from './feast';
import { LearnerChart } from './learner';
import { MlflowChart } from './mlflow';
import { NamespaceChart } from './namespaces';

export * from './common/values';
export { FeastChart, LearnerChart, MlflowChart, NamespaceChart };
export { LEARNER_OBJECTS, learnerSecretStoreName } from './learner';
export type { LearnerChartProps } from './learner';

/** The charts of one cohort. */
export interface CohortCharts {
  readonly namespaces: NamespaceChart;
  readonly mlflow: MlflowChart;
  readonly feast: FeastChart;
}

/**
 * Every chart of a cohort under `scope` (a cdk8s App for `cdk8s synth`, or the apps stack's
 * cdk8s App when applied through the EKS cluster). Workload charts depend on the namespaces.
 */
export function addCohortCharts(scope: Construct, values: ChartValues): CohortCharts {
  const namespaces = new NamespaceChart(scope, 'namespaces', { values });
  const mlflow = new MlflowChart(scope, 'mlflow', { values });
  const feast = new FeastChart(scope, 'feast', { values });
  for (const chart of [mlflow, feast] as Chart[]) {
    chart.addDependency(namespaces);
  }
  return { namespaces, mlflow, feast };
}

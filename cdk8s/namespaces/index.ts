import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { LabNamespace } from '../common/lab-namespace';
import { SERVICES_QUOTA } from '../common/quotas';
import { ChartValues } from '../common/values';

/** Properties of {@link NamespaceChart}. */
export interface NamespaceChartProps extends ChartProps {
  readonly values: ChartValues;
}

/**
 * The namespace of the cohort's shared services (`cohort-lab`: MLflow, Feast, Redis) with the
 * secure baseline of {@link LabNamespace}. Each learner's own namespace comes with the rest of the
 * learner's objects in their `learners-N` stack (cdk8s/learner).
 */
export class NamespaceChart extends Chart {
  public readonly services: LabNamespace;

  constructor(scope: Construct, id: string, props: NamespaceChartProps) {
    super(scope, id, { ...props, disableResourceNameHashes: true });
    const { config, namespace } = props.values;
    this.services = new LabNamespace(this, 'Services', {
      name: namespace,
      quota: SERVICES_QUOTA[config.profile.name],
    });
  }
}

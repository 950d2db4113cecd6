import { Chart, ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  APP_NAME_LABEL,
  FEAST_PORT,
  LEARNER_NAMESPACE_LABEL,
  LEARNER_SLUG_LABEL,
  MLFLOW_PORT,
  NAMESPACE_NAME_LABEL,
} from '../../lib/core';
import { ChartValues } from '../common/values';
import { LabNamespace } from './lab-namespace';
import { LEARNER_QUOTA, SERVICES_QUOTA } from './quotas';

export { LEARNER_QUOTA, SERVICES_QUOTA } from './quotas';

/** Properties of {@link NamespaceChart}. */
export interface NamespaceChartProps extends ChartProps {
  readonly values: ChartValues;
}

/**
 * The cohort's namespaces, each with the secure baseline of {@link LabNamespace}: `cohort-lab` for
 * the shared services, and `learner-<slug>` for every learner (labelled so MLflow and Feast accept
 * their traffic, and matching the learner's EKS access entry scope).
 */
export class NamespaceChart extends Chart {
  public readonly services: LabNamespace;
  public readonly learners: readonly LabNamespace[];

  constructor(scope: Construct, id: string, props: NamespaceChartProps) {
    super(scope, id, { ...props, disableResourceNameHashes: true });
    const { config, namespace } = props.values;
    this.services = new LabNamespace(this, 'Services', {
      name: namespace,
      quota: SERVICES_QUOTA[config.profile.name],
    });
    this.learners = config.learners.map((learner) => {
      const ns = new LabNamespace(this, `Learner-${learner.slug}`, {
        name: learner.namespace,
        quota: LEARNER_QUOTA,
        labels: { [LEARNER_NAMESPACE_LABEL]: 'true', [LEARNER_SLUG_LABEL]: learner.slug },
      });
      // Besides DNS, a learner's pods may reach exactly the lab services: MLflow and Feast.
      new kplus.k8s.KubeNetworkPolicy(ns, 'LabServices', {
        metadata: { name: 'allow-lab-services', namespace: learner.namespace },
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [
            ['mlflow', MLFLOW_PORT],
            ['feast', FEAST_PORT],
          ].map(([name, port]) => ({
            to: [
              {
                namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } },
                podSelector: { matchLabels: { [APP_NAME_LABEL]: String(name) } },
              },
            ],
            ports: [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(Number(port)) }],
          })),
        },
      });
      return ns;
    });
  }
}

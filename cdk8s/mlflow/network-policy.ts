import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  HTTPS_PORT,
  LEARNER_NAMESPACE_LABEL,
  MLFLOW_PORT,
  POD_IDENTITY_AGENT,
  PRIVATE_IPV4_RANGES,
  WORLD_CIDR,
} from '../../lib/core';

/** Properties of {@link createNetworkPolicy}. */
export interface MlflowNetworkPolicyProps {
  readonly namespace: string;
  /** Labels of the MLflow server's pods. */
  readonly labels: Record<string, string>;
  /** CIDR of the cohort VPC: load balancer targets, the rotation function and the database. */
  readonly vpcCidr: string;
  /** Port of MLflow's PostgreSQL. */
  readonly databasePort: number;
}

/**
 * The `mlflow` NetworkPolicy in `chart` (on top of the namespace's default deny): in from the VPC
 * and learners' namespaces on MLflow's port; out to PostgreSQL, S3 and the Pod Identity agent.
 *
 * Written as a raw object: cdk8s-plus-27 cannot express ipBlock peers together with namespace
 * selectors in one policy with the port ranges needed here.
 */
export function createNetworkPolicy(
  chart: Chart,
  props: MlflowNetworkPolicyProps,
): kplus.k8s.KubeNetworkPolicy {
  const { namespace, labels, vpcCidr } = props;
  return new kplus.k8s.KubeNetworkPolicy(chart, 'NetworkPolicy', {
    metadata: { name: 'mlflow', namespace, labels },
    spec: {
      podSelector: { matchLabels: labels },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          // The load balancer's targets (ip mode) and the rotation Lambda sit in the VPC.
          from: [{ ipBlock: { cidr: vpcCidr } }],
          ports: [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(MLFLOW_PORT) }],
        },
        {
          // Learners' notebooks and pipelines in their own namespaces.
          from: [{ namespaceSelector: { matchLabels: { [LEARNER_NAMESPACE_LABEL]: 'true' } } }],
          ports: [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(MLFLOW_PORT) }],
        },
      ],
      egress: [
        {
          // PostgreSQL (RDS) inside the VPC.
          to: [{ ipBlock: { cidr: vpcCidr } }],
          ports: [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(props.databasePort) }],
        },
        {
          // S3 through the gateway endpoint (public S3 addresses) over TLS.
          to: [{ ipBlock: { cidr: WORLD_CIDR, except: [...PRIVATE_IPV4_RANGES] } }],
          ports: [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(HTTPS_PORT) }],
        },
        {
          // EKS Pod Identity agent: where the SDK gets the service account's credentials.
          to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }],
          ports: [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(POD_IDENTITY_AGENT.port) }],
        },
      ],
    },
  });
}

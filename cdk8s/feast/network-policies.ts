import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  FEAST_PORT,
  HTTPS_PORT,
  LEARNER_NAMESPACE_LABEL,
  POD_IDENTITY_AGENT,
  PRIVATE_IPV4_RANGES,
  REDIS_PORT,
  WORLD_CIDR,
} from '../../lib/core';

/** Properties of {@link createNetworkPolicies}. */
export interface FeastNetworkPoliciesProps {
  readonly namespace: string;
  /** Labels of the feature server's pods. */
  readonly serverLabels: Record<string, string>;
  /** Labels of the Redis pods. */
  readonly redisLabels: Record<string, string>;
  /** Labels of the apply Job's pods. */
  readonly applyLabels: Record<string, string>;
}

/**
 * The chart's three NetworkPolicies (on top of the namespace's default deny): the server takes
 * traffic from learners' namespaces and its own namespace, and reaches Redis, S3 and the OIDC
 * provider (public addresses over TLS) and the Pod Identity agent; the apply Job reaches the same
 * and takes nothing; Redis takes traffic from the server and the apply Job only, and reaches
 * nobody.
 *
 * Written as raw objects, like the MLflow chart: ipBlock peers with exceptions next to namespace
 * selectors.
 */
export function createNetworkPolicies(chart: Chart, props: FeastNetworkPoliciesProps): void {
  const { namespace, serverLabels, redisLabels, applyLabels } = props;
  const port = (n: number) => [{ protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(n) }];
  const awsEgress = [
    {
      // S3 (registry, offline data) and the user pool's JWKS over TLS, at public addresses.
      to: [{ ipBlock: { cidr: WORLD_CIDR, except: [...PRIVATE_IPV4_RANGES] } }],
      ports: port(HTTPS_PORT),
    },
    {
      // EKS Pod Identity agent: where the SDK gets the service account's credentials.
      to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT.cidr } }],
      ports: port(POD_IDENTITY_AGENT.port),
    },
  ];
  const toRedis = { to: [{ podSelector: { matchLabels: redisLabels } }], ports: port(REDIS_PORT) };

  new kplus.k8s.KubeNetworkPolicy(chart, 'NetworkPolicy', {
    metadata: { name: 'feast', namespace, labels: serverLabels },
    spec: {
      podSelector: { matchLabels: serverLabels },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          // Learners' notebooks and pipelines in their own namespaces.
          from: [{ namespaceSelector: { matchLabels: { [LEARNER_NAMESPACE_LABEL]: 'true' } } }],
          ports: port(FEAST_PORT),
        },
        {
          // The cohort namespace's own pods (MLflow, jobs, an instructor's debug pod).
          from: [{ podSelector: {} }],
          ports: port(FEAST_PORT),
        },
      ],
      egress: [toRedis, ...awsEgress],
    },
  });

  new kplus.k8s.KubeNetworkPolicy(chart, 'ApplyNetworkPolicy', {
    metadata: { name: 'feast-apply', namespace, labels: applyLabels },
    spec: {
      podSelector: { matchLabels: applyLabels },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [toRedis, ...awsEgress],
    },
  });

  new kplus.k8s.KubeNetworkPolicy(chart, 'RedisNetworkPolicy', {
    metadata: { name: 'redis', namespace, labels: redisLabels },
    spec: {
      podSelector: { matchLabels: redisLabels },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [
            { podSelector: { matchLabels: serverLabels } },
            { podSelector: { matchLabels: applyLabels } },
          ],
          ports: port(REDIS_PORT),
        },
      ],
      // Redis talks to nobody.
      egress: [],
    },
  });
}

import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DNS_LABEL_PATTERN, DNS_PORT, PART_OF_LABELS } from '../../lib/core';

/** Resource ceiling of a namespace, enforced by its ResourceQuota. */
export interface NamespaceQuota {
  /** Sum of CPU requests, in millicores. */
  readonly requestsCpuMillis: number;
  /** Sum of CPU limits, in millicores. */
  readonly limitsCpuMillis: number;
  /** Sum of memory requests, in MiB. */
  readonly requestsMemoryMebibytes: number;
  /** Sum of memory limits, in MiB. */
  readonly limitsMemoryMebibytes: number;
  /** Most pods at once. */
  readonly pods: number;
  /** Most PersistentVolumeClaims. */
  readonly persistentVolumeClaims: number;
  /** Most Services of type LoadBalancer (each one is an AWS load balancer that costs money). */
  readonly loadBalancers: number;
}

/** Properties of {@link LabNamespace}. */
export interface LabNamespaceProps {
  /** Namespace name (a DNS-1123 label). */
  readonly name: string;
  /** Quota of the namespace. */
  readonly quota: NamespaceQuota;
  /** Extra labels on the Namespace object. @default - only the Pod Security and lab labels */
  readonly labels?: Record<string, string>;
}

/** Pod Security Standards version the namespace labels pin (the cluster's minor version). */
export const POD_SECURITY_VERSION = 'v1.36';

/**
 * A namespace with the lab's secure baseline: Pod Security `restricted` enforced, audited and warned;
 * a ResourceQuota; a LimitRange that gives containers without requests/limits sane ones; and a
 * default-deny NetworkPolicy for ingress and egress that allows only DNS to kube-dns. Workloads add
 * their own allow policies.
 */
export class LabNamespace extends Construct {
  public readonly namespace: kplus.Namespace;
  public readonly name: string;

  constructor(scope: Construct, id: string, props: LabNamespaceProps) {
    super(scope, id);
    if (!DNS_LABEL_PATTERN.test(props.name)) {
      throw new Error(`LabNamespace: name "${props.name}" is not a DNS-1123 label`);
    }
    this.name = props.name;
    const pss: Record<string, string> = {};
    for (const mode of ['enforce', 'audit', 'warn']) {
      pss[`pod-security.kubernetes.io/${mode}`] = 'restricted';
      pss[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY_VERSION;
    }
    this.namespace = new kplus.Namespace(this, 'Resource', {
      metadata: {
        name: props.name,
        labels: { ...pss, ...PART_OF_LABELS, ...props.labels },
      },
    });

    const q = props.quota;
    new kplus.k8s.KubeResourceQuota(this, 'Quota', {
      metadata: { name: 'lab-quota', namespace: props.name },
      spec: {
        hard: {
          'requests.cpu': kplus.k8s.Quantity.fromString(`${q.requestsCpuMillis}m`),
          'limits.cpu': kplus.k8s.Quantity.fromString(`${q.limitsCpuMillis}m`),
          'requests.memory': kplus.k8s.Quantity.fromString(`${q.requestsMemoryMebibytes}Mi`),
          'limits.memory': kplus.k8s.Quantity.fromString(`${q.limitsMemoryMebibytes}Mi`),
          pods: kplus.k8s.Quantity.fromNumber(q.pods),
          persistentvolumeclaims: kplus.k8s.Quantity.fromNumber(q.persistentVolumeClaims),
          'services.loadbalancers': kplus.k8s.Quantity.fromNumber(q.loadBalancers),
          'services.nodeports': kplus.k8s.Quantity.fromNumber(0),
        },
      },
    });

    new kplus.k8s.KubeLimitRange(this, 'Limits', {
      metadata: { name: 'lab-limits', namespace: props.name },
      spec: {
        limits: [
          {
            type: 'Container',
            defaultRequest: {
              cpu: kplus.k8s.Quantity.fromString('100m'),
              memory: kplus.k8s.Quantity.fromString('128Mi'),
            },
            default: {
              cpu: kplus.k8s.Quantity.fromString('500m'),
              memory: kplus.k8s.Quantity.fromString('512Mi'),
            },
            max: { cpu: kplus.k8s.Quantity.fromString('4'), memory: kplus.k8s.Quantity.fromString('8Gi') },
          },
        ],
      },
    });

    // Default deny in both directions; DNS to kube-dns is the one thing every pod needs.
    const policy = new kplus.NetworkPolicy(this, 'DefaultDeny', {
      metadata: { name: 'default-deny', namespace: props.name },
      selector: kplus.Pods.all(this, 'AllPods'),
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
      egress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    });
    const kubeDns = kplus.Pods.select(this, 'KubeDns', {
      labels: { 'k8s-app': 'kube-dns' },
      namespaces: kplus.Namespaces.select(this, 'KubeSystem', { names: ['kube-system'] }),
    });
    policy.addEgressRule(kubeDns, [
      kplus.NetworkPolicyPort.udp(DNS_PORT),
      kplus.NetworkPolicyPort.tcp(DNS_PORT),
    ]);
  }
}

/**
 * The figures node sizing rests on (docs/capacity.md): what an EC2 instance type gives Kubernetes
 * once EKS has reserved its share, what runs on every node and in every cluster, and what the
 * shared services and a learner's namespace request. Each figure says where it comes from; the
 * sizing arithmetic is in lib/config/capacity.ts. Tests compare the figures that have another home
 * (the charts, the SecretsSync construct) with that home, so the two cannot drift apart.
 */

/** CPU and memory the scheduler reserves for a pod: the sum of its containers' requests. */
export interface PodRequests {
  /** CPU requests, in millicores. */
  readonly cpuMillis: number;
  /** Memory requests, in MiB. */
  readonly memoryMebibytes: number;
}

/** Pods of one kind: how many there are, what each requests, and where the figures come from. */
export interface PodGroup extends PodRequests {
  readonly name: string;
  /** Number of pods (replicas); per node for a DaemonSet. */
  readonly pods: number;
  readonly source: string;
}

/** An EC2 instance type as EKS sizes a node of it. */
export interface InstanceShape {
  readonly vcpus: number;
  /** Memory as EC2 sells it, in MiB. */
  readonly memoryMebibytes: number;
  /** Network interfaces of the default network card (the VPC CNI's pod IPs come from them). */
  readonly enis: number;
  /** IPv4 addresses per network interface. */
  readonly ipv4PerEni: number;
}

/**
 * The instance types the profiles use. vCPU and memory: Cluster Autoscaler's own instance list
 * (kubernetes/autoscaler, tag cluster-autoscaler-1.36.1, cloudprovider/aws/ec2_instance_types.go);
 * ENIs and addresses per ENI: the EKS AMI's instance table (awslabs/amazon-eks-ami,
 * nodeadm/internal/kubelet/instance-info.jsonl). Another type is added here with the same two sources.
 */
export const INSTANCE_SHAPES: Readonly<Record<string, InstanceShape>> = {
  'm6i.large': { vcpus: 2, memoryMebibytes: 8192, enis: 3, ipv4PerEni: 10 },
  't3.large': { vcpus: 2, memoryMebibytes: 8192, enis: 3, ipv4PerEni: 12 },
  't3a.large': { vcpus: 2, memoryMebibytes: 8192, enis: 3, ipv4PerEni: 12 },
};

/**
 * Share of an instance's memory the node never reports to Kubernetes (kernel, firmware): an
 * assumption, not measured here. The kubelet's memory capacity is the kernel's MemTotal, a few
 * percent below the EC2 figure.
 */
export const KERNEL_MEMORY_SHARE = 0.05;

/** The kubelet's hard eviction threshold on EKS AMIs (`memory.available<100Mi`, nodeadm). */
export const EVICTION_HARD_MEMORY_MEBIBYTES = 100;

/**
 * Pods per node with the VPC CNI's defaults (no prefix delegation), as the EKS AMI computes it:
 * ENIs × (IPv4 addresses per ENI − 1) + 2 (nodeadm `calculateStandardMaxPods`).
 */
export function eksMaxPods(shape: InstanceShape): number {
  return shape.enis * (shape.ipv4PerEni - 1) + 2;
}

/**
 * CPU the EKS AMI reserves for the kubelet and the container runtime (`kubeReserved.cpu`, nodeadm
 * `getCPUMillicoresToReserve`): 6% of the first core, 1% of the second, 0.5% of the third and
 * fourth, 0.25% of every further core, in whole millicores.
 */
export function kubeReservedCpuMillis(vcpus: number): number {
  const total = vcpus * 1000;
  const bounds = [0, 1000, 2000, 4000, Math.max(total, 4000)];
  const basisPoints = [600, 100, 50, 25];
  let reserved = 0;
  basisPoints.forEach((bp, i) => {
    if (total > bounds[i]) {
      reserved += Math.floor(((Math.min(total, bounds[i + 1]) - bounds[i]) * bp) / 10_000);
    }
  });
  return reserved;
}

/** Memory the EKS AMI reserves for the kubelet: 11 MiB per pod the node may run, plus 255 MiB. */
export function kubeReservedMemoryMebibytes(maxPods: number): number {
  return 11 * maxPods + 255;
}

/** What the scheduler may place on one node: its allocatable CPU, memory and pods. */
export interface NodeAllocatable extends PodRequests {
  readonly instanceType: string;
  readonly pods: number;
}

/**
 * The allocatable resources of a node of `instanceType`: capacity less kube-reserved and the
 * eviction threshold (the EKS AMI reserves nothing for `system-reserved`). Undefined for a type
 * {@link INSTANCE_SHAPES} does not list.
 */
export function nodeAllocatable(instanceType: string): NodeAllocatable | undefined {
  const shape = INSTANCE_SHAPES[instanceType];
  if (shape === undefined) {
    return undefined;
  }
  const pods = eksMaxPods(shape);
  const capacityMebibytes = Math.floor(shape.memoryMebibytes * (1 - KERNEL_MEMORY_SHARE));
  return {
    instanceType,
    cpuMillis: shape.vcpus * 1000 - kubeReservedCpuMillis(shape.vcpus),
    memoryMebibytes: capacityMebibytes - kubeReservedMemoryMebibytes(pods) - EVICTION_HARD_MEMORY_MEBIBYTES,
    pods,
  };
}

/** Requests of the Cluster Autoscaler pod (its memory limit is the same figure). */
export const CLUSTER_AUTOSCALER_REQUESTS: PodRequests = { cpuMillis: 100, memoryMebibytes: 600 };

/**
 * Requests of the CloudWatch Observability add-on's two DaemonSets (the CloudWatch agent, Fluent
 * Bit): the chart's defaults (aws-observability/helm-charts, amazon-cloudwatch-observability
 * values.yaml `agent.resources`, `containerLogs.fluentBit.resources`), which the add-on's
 * configuration sets explicitly (constructs/cluster-observability), so these are what runs.
 */
export const CLOUDWATCH_AGENT_REQUESTS: PodRequests = { cpuMillis: 250, memoryMebibytes: 128 };
export const FLUENT_BIT_REQUESTS: PodRequests = { cpuMillis: 50, memoryMebibytes: 25 };

/** The DaemonSets EKS runs on every node of the managed node group. */
export const NODE_DAEMONSETS: readonly PodGroup[] = [
  {
    name: 'aws-node (VPC CNI)',
    pods: 1,
    cpuMillis: 25,
    memoryMebibytes: 0,
    source: 'aws/amazon-vpc-cni-k8s chart values: requests cpu 25m',
  },
  {
    name: 'kube-proxy',
    pods: 1,
    cpuMillis: 100,
    memoryMebibytes: 0,
    source: 'EKS kube-proxy add-on: requests cpu 100m (from memory, not fetched)',
  },
  {
    name: 'eks-pod-identity-agent',
    pods: 1,
    cpuMillis: 0,
    memoryMebibytes: 0,
    source: 'aws/eks-pod-identity-agent chart values: no requests',
  },
  {
    name: 'CloudWatch agent (Container Insights)',
    pods: 1,
    ...CLOUDWATCH_AGENT_REQUESTS,
    source: 'constructs/cluster-observability (the add-on chart default, set explicitly)',
  },
  {
    name: 'Fluent Bit (pod logs)',
    pods: 1,
    ...FLUENT_BIT_REQUESTS,
    source: 'constructs/cluster-observability (the add-on chart default, set explicitly)',
  },
];

/** The cluster's own add-ons: one set per cluster, whatever the roster. */
export const CLUSTER_ADDON_PODS: readonly PodGroup[] = [
  {
    name: 'CoreDNS',
    pods: 2,
    cpuMillis: 100,
    memoryMebibytes: 70,
    source: 'EKS CoreDNS add-on: 2 replicas, requests 100m / 70Mi (from memory, not fetched)',
  },
  {
    name: 'AWS Load Balancer Controller',
    pods: 2,
    cpuMillis: 0,
    memoryMebibytes: 0,
    source: 'eks-charts chart: 2 replicas; aws-eks-v2 sets no requests',
  },
  {
    name: 'External Secrets Operator',
    pods: 1,
    cpuMillis: 50,
    memoryMebibytes: 64,
    source: 'constructs/secrets-sync',
  },
  {
    name: 'ESO webhook',
    pods: 1,
    cpuMillis: 20,
    memoryMebibytes: 32,
    source: 'constructs/secrets-sync',
  },
  {
    name: 'ESO cert controller',
    pods: 1,
    cpuMillis: 20,
    memoryMebibytes: 32,
    source: 'constructs/secrets-sync',
  },
  { name: 'Reloader', pods: 1, cpuMillis: 10, memoryMebibytes: 64, source: 'constructs/secrets-sync' },
  {
    name: 'CloudWatch agent operator',
    pods: 1,
    cpuMillis: 100,
    memoryMebibytes: 64,
    source: 'amazon-cloudwatch-observability chart values: manager requests 100m / 64Mi (not set by us)',
  },
  {
    name: 'Cluster Autoscaler',
    pods: 1,
    ...CLUSTER_AUTOSCALER_REQUESTS,
    source: 'constructs/cluster-autoscaler',
  },
];

/**
 * Requests of one pod of each shared service in the cohort namespace; the charts take their
 * default sizing from here:
 * MLflow and the Feast server per replica, Redis once. The charts' Jobs (database bootstrap, Feast
 * apply) run once per deploy and are left out.
 */
export const SHARED_SERVICE_REQUESTS: Readonly<Record<'mlflow' | 'feast' | 'redis', PodRequests>> = {
  mlflow: { cpuMillis: 250, memoryMebibytes: 768 },
  feast: { cpuMillis: 250, memoryMebibytes: 768 },
  redis: { cpuMillis: 50, memoryMebibytes: 128 },
};

/** Requests a learner's namespace quota allows in total; cdk8s/common/quotas.ts builds LEARNER_QUOTA from it. */
export const LEARNER_QUOTA_REQUESTS: PodRequests = { cpuMillis: 1000, memoryMebibytes: 2048 };

import {
  CLUSTER_ADDON_PODS,
  INSTANCE_SHAPES,
  LEARNER_QUOTA_REQUESTS,
  NODE_DAEMONSETS,
  nodeAllocatable,
  NodeAllocatable,
  PodGroup,
  PodRequests,
  SHARED_SERVICE_REQUESTS,
} from '../core';
import { NODES_PER_NODE_GROUP } from '../core';
import { CohortConfig } from './types';

/**
 * Node sizing per learner (docs/capacity.md): how many nodes a roster needs at a lab's peak, from
 * the node's allocatable resources, what every node and every cluster runs, the shared services'
 * requests and the learners' expected concurrent load. Pure arithmetic on figures passed in; the
 * figures themselves are in lib/core/capacity.ts.
 */

/** How hard the roster uses the cluster at a lab's peak. */
export interface LearnerLoad {
  /** Share of the roster with pods running at the same time (0–1). */
  readonly activeShare: number;
  /** Share of its namespace quota's requests an active learner's pods request (0–1). */
  readonly quotaShare: number;
  /** Pods an active learner runs at once. */
  readonly podsPerActiveLearner: number;
}

/**
 * The assumed peak of a lab: half the roster works at once, each with pods requesting half of the
 * namespace quota (500m CPU, 1 GiB), in three pods (a notebook, a pipeline step, a model server).
 */
export const LAB_PEAK_LOAD: LearnerLoad = { activeShare: 0.5, quotaShare: 0.5, podsPerActiveLearner: 3 };

/**
 * Share of a node's free CPU and memory that pods fill in practice: the scheduler cannot pack
 * requests perfectly, and a node the autoscaler is still adding holds nothing yet.
 */
export const PACKING_EFFICIENCY = 0.85;

/** Everything {@link nodesNeeded} computes with. */
export interface CapacityInputs {
  /** Learners on the roster. */
  readonly learners: number;
  /** Allocatable resources of one node. */
  readonly node: NodeAllocatable;
  /** Pods on every node (DaemonSets). */
  readonly perNode: readonly PodGroup[];
  /** Pods once per cluster: add-ons and shared services. */
  readonly fixed: readonly PodGroup[];
  /** Requests a learner's namespace quota allows. */
  readonly learnerQuota: PodRequests;
  readonly load: LearnerLoad;
  /** See {@link PACKING_EFFICIENCY}. */
  readonly packingEfficiency: number;
}

/** CPU, memory and pods. */
export interface ResourceAmounts extends PodRequests {
  readonly pods: number;
}

/** Which resource runs out first. */
export type BindingResource = 'cpu' | 'memory' | 'pods';

/** The nodes a roster needs, and how the figure came about. */
export interface CapacityEstimate {
  readonly instanceType: string;
  readonly learners: number;
  /** Learners with pods running at the peak. */
  readonly activeLearners: number;
  /** Requests of the whole cluster at the peak (DaemonSets excluded: they come with each node). */
  readonly demand: ResourceAmounts;
  /** What one node offers the demand: allocatable less DaemonSets, CPU and memory times the packing efficiency. */
  readonly perNode: ResourceAmounts;
  /** Nodes each resource alone would need. */
  readonly nodesBy: Readonly<Record<BindingResource, number>>;
  /** Nodes needed: the largest of {@link nodesBy}. */
  readonly nodes: number;
  readonly binding: BindingResource;
}

/** Nodes needed for `inputs.learners` at the assumed peak (at least 1). */
export function nodesNeeded(inputs: CapacityInputs): CapacityEstimate {
  const { learners, node, load } = inputs;
  if (!Number.isInteger(learners) || learners < 0) {
    throw new Error(`nodesNeeded: learners must be a whole number of 0 or more (got ${learners})`);
  }
  for (const [name, share] of [
    ['activeShare', load.activeShare],
    ['quotaShare', load.quotaShare],
    ['packingEfficiency', inputs.packingEfficiency],
  ] as const) {
    if (!(share > 0 && share <= 1)) {
      throw new Error(`nodesNeeded: ${name} must be above 0 and at most 1 (got ${share})`);
    }
  }
  const activeLearners = Math.ceil(learners * load.activeShare);
  const fixed = total(inputs.fixed);
  const demand: ResourceAmounts = {
    cpuMillis: fixed.cpuMillis + activeLearners * inputs.learnerQuota.cpuMillis * load.quotaShare,
    memoryMebibytes:
      fixed.memoryMebibytes + activeLearners * inputs.learnerQuota.memoryMebibytes * load.quotaShare,
    pods: fixed.pods + activeLearners * load.podsPerActiveLearner,
  };
  const daemons = total(inputs.perNode);
  const perNode: ResourceAmounts = {
    cpuMillis: (node.cpuMillis - daemons.cpuMillis) * inputs.packingEfficiency,
    memoryMebibytes: (node.memoryMebibytes - daemons.memoryMebibytes) * inputs.packingEfficiency,
    pods: node.pods - daemons.pods,
  };
  if (perNode.cpuMillis <= 0 || perNode.memoryMebibytes <= 0 || perNode.pods <= 0) {
    throw new Error(`nodesNeeded: the DaemonSets leave nothing of a ${node.instanceType} node`);
  }
  const nodesBy = {
    cpu: Math.ceil(demand.cpuMillis / perNode.cpuMillis),
    memory: Math.ceil(demand.memoryMebibytes / perNode.memoryMebibytes),
    pods: Math.ceil(demand.pods / perNode.pods),
  };
  // On a tie, the first of cpu, memory, pods is named.
  const binding = (['cpu', 'memory', 'pods'] as const).reduce((a, b) => (nodesBy[b] > nodesBy[a] ? b : a));
  return {
    instanceType: node.instanceType,
    learners,
    activeLearners,
    demand,
    perNode,
    nodesBy,
    nodes: Math.max(1, nodesBy[binding]),
    binding,
  };
}

/** A roster as the sizing reads it: the cohort's shape without the people. */
export interface RosterShape {
  readonly learners: number;
  /** The node group's instance types; the one that needs the most nodes counts. */
  readonly instanceTypes: readonly string[];
  readonly mlflowReplicas: number;
  readonly feastReplicas: number;
  /** @default LAB_PEAK_LOAD */
  readonly load?: LearnerLoad;
}

/** The pods a cohort cluster runs whatever the roster: the add-ons and the shared services. */
export function fixedPods(mlflowReplicas: number, feastReplicas: number): PodGroup[] {
  const service = (name: string, pods: number, requests: PodRequests): PodGroup => ({
    name,
    pods,
    ...requests,
    source: 'cdk8s charts (defaults)',
  });
  return [
    ...CLUSTER_ADDON_PODS,
    service('MLflow server', mlflowReplicas, SHARED_SERVICE_REQUESTS.mlflow),
    service('Feast feature server', feastReplicas, SHARED_SERVICE_REQUESTS.feast),
    service('Redis', 1, SHARED_SERVICE_REQUESTS.redis),
  ];
}

/**
 * Nodes `roster` needs at the peak, with the figures of lib/core/capacity.ts. With several
 * instance types (the Cluster Autoscaler sizes a group by one of them), the type that needs the
 * most nodes counts. Throws for an instance type without figures.
 */
export function rosterCapacity(roster: RosterShape): CapacityEstimate {
  if (roster.instanceTypes.length === 0) {
    throw new Error('rosterCapacity: list at least one instance type');
  }
  const estimates = roster.instanceTypes.map((type) => {
    const node = nodeAllocatable(type);
    if (node === undefined) {
      throw new Error(unknownTypeMessage(type));
    }
    return nodesNeeded({
      learners: roster.learners,
      node,
      perNode: NODE_DAEMONSETS,
      fixed: fixedPods(roster.mlflowReplicas, roster.feastReplicas),
      learnerQuota: LEARNER_QUOTA_REQUESTS,
      load: roster.load ?? LAB_PEAK_LOAD,
      packingEfficiency: PACKING_EFFICIENCY,
    });
  });
  return estimates.reduce((a, b) => (b.nodes > a.nodes ? b : a));
}

/** The roster shape of a validated cohort. */
export function rosterOf(config: CohortConfig): RosterShape {
  return {
    learners: config.learners.length,
    instanceTypes: config.compute.instanceTypes,
    mlflowReplicas: config.mlflow.replicas,
    feastReplicas: config.feast.replicas,
  };
}

/**
 * The warning `plan` shows when `compute.maxNodes` is below what the roster needs at a lab's peak
 * (or when the instance types have no sizing figures, so nothing could be checked); undefined
 * when the ceiling is high enough.
 */
export function maxNodesWarning(config: CohortConfig, load: LearnerLoad = LAB_PEAK_LOAD): string | undefined {
  const { maxNodes, instanceTypes } = config.compute;
  const unknown = instanceTypes.filter((type) => nodeAllocatable(type) === undefined);
  if (unknown.length > 0) {
    return (
      `MAX NODES NOT CHECKED: ${config.sourceFile}: compute.maxNodes (${maxNodes}) could not be checked ` +
      `against the roster: ${unknownTypeMessage(unknown[0])}.`
    );
  }
  const estimate = rosterCapacity({ ...rosterOf(config), load });
  if (estimate.nodes <= maxNodes) {
    return undefined;
  }
  const need =
    `${estimate.learners} learners need about ${estimate.nodes} ${estimate.instanceType} nodes at a lab's ` +
    `peak (${RESOURCE_WORDS[estimate.binding]} runs out first; docs/capacity.md)`;
  const fix =
    estimate.nodes > NODES_PER_NODE_GROUP.serviceLimit
      ? `that is more than one managed node group holds (${NODES_PER_NODE_GROUP.serviceLimit}): list a larger instance type in compute.instanceTypes`
      : `set compute.maxNodes to ${estimate.nodes} or more`;
  return (
    `MAX NODES BELOW THE ROSTER: ${config.sourceFile}: compute.maxNodes is ${maxNodes}, but ${need}. ` +
    `The Cluster Autoscaler stops at ${maxNodes} and learners' pods stay Pending; ${fix}.`
  );
}

const RESOURCE_WORDS: Readonly<Record<BindingResource, string>> = {
  cpu: 'CPU',
  memory: 'memory',
  pods: 'pods',
};

function total(groups: readonly PodGroup[]): ResourceAmounts {
  return groups.reduce(
    (sum, g) => ({
      cpuMillis: sum.cpuMillis + g.pods * g.cpuMillis,
      memoryMebibytes: sum.memoryMebibytes + g.pods * g.memoryMebibytes,
      pods: sum.pods + g.pods,
    }),
    { cpuMillis: 0, memoryMebibytes: 0, pods: 0 },
  );
}

function unknownTypeMessage(type: string): string {
  return `no sizing figures for instance type ${type} (lib/core/capacity.ts knows ${Object.keys(INSTANCE_SHAPES).join(', ')})`;
}

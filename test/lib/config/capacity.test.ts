import {
  CapacityInputs,
  CohortConfig,
  fixedPods,
  LAB_PEAK_LOAD,
  maxNodesWarning,
  nodesNeeded,
  rosterCapacity,
} from '../../../lib/config';
import { NodeAllocatable } from '../../../lib/core';
import { configFrom, loadCohort } from '../../support/cohort';

/** A node with round figures, and a cluster with nothing on it but the learners. */
const NODE: NodeAllocatable = { instanceType: 'test.node', cpuMillis: 2000, memoryMebibytes: 8000, pods: 20 };
const EMPTY: CapacityInputs = {
  learners: 0,
  node: NODE,
  perNode: [],
  fixed: [],
  learnerQuota: { cpuMillis: 1000, memoryMebibytes: 2000 },
  load: { activeShare: 1, quotaShare: 1, podsPerActiveLearner: 1 },
  packingEfficiency: 1,
};

/** A cohort of `learners` learners, with `compute` over the base fixture's. */
function cohortOf(learners: number, compute: Record<string, unknown> = {}): CohortConfig {
  return configFrom((doc) => {
    doc.learners = Array.from({ length: learners }, (_, i) => ({
      id: `learner${i}`,
      email: `learner${i}@example.edu`,
      displayName: `Learner ${i}`,
    }));
    doc.compute = compute;
  });
}

describe('nodesNeeded', () => {
  test('a node holds as many active learners as its CPU allows', () => {
    // GIVEN learners who each request a whole quota (1 CPU) on 2-CPU nodes
    // WHEN
    const estimate = nodesNeeded({ ...EMPTY, learners: 5 });
    // THEN 5 CPUs on nodes of 2: 3 nodes; memory (5 x 2000 on 8000) would need 2
    expect(estimate).toMatchObject({ nodes: 3, binding: 'cpu', nodesBy: { cpu: 3, memory: 2, pods: 1 } });
  });

  test('only the active share of the roster, at its share of the quota, counts', () => {
    // GIVEN half the roster active, each at half its quota: 10 learners -> 5 x 500m
    const estimate = nodesNeeded({
      ...EMPTY,
      learners: 10,
      load: { activeShare: 0.5, quotaShare: 0.5, podsPerActiveLearner: 1 },
    });
    // THEN
    expect(estimate.activeLearners).toBe(5);
    expect(estimate.demand).toEqual({ cpuMillis: 2500, memoryMebibytes: 5000, pods: 5 });
    expect(estimate.nodes).toBe(2);
  });

  test('DaemonSets come off every node, the fixed pods once, and packing leaves a margin', () => {
    // GIVEN 500m of DaemonSets per node, 1 CPU of fixed pods, 80% packing
    const estimate = nodesNeeded({
      ...EMPTY,
      learners: 2,
      perNode: [{ name: 'ds', pods: 2, cpuMillis: 250, memoryMebibytes: 0, source: 'test' }],
      fixed: [{ name: 'svc', pods: 2, cpuMillis: 500, memoryMebibytes: 1000, source: 'test' }],
      packingEfficiency: 0.8,
    });
    // THEN each node offers (2000 - 500) x 0.8 = 1200m and 18 pods; 3000m are asked: 3 nodes
    expect(estimate.perNode).toEqual({ cpuMillis: 1200, memoryMebibytes: 6400, pods: 18 });
    expect(estimate.demand).toEqual({ cpuMillis: 3000, memoryMebibytes: 6000, pods: 4 });
    expect(estimate.nodes).toBe(3);
  });

  test('pods bind when learners run many small ones', () => {
    const estimate = nodesNeeded({
      ...EMPTY,
      learners: 4,
      learnerQuota: { cpuMillis: 100, memoryMebibytes: 100 },
      load: { activeShare: 1, quotaShare: 1, podsPerActiveLearner: 10 },
    });
    expect(estimate).toMatchObject({ nodes: 2, binding: 'pods' });
  });

  test('an empty roster still needs one node', () => {
    expect(nodesNeeded(EMPTY).nodes).toBe(1);
  });

  test('fails when a share is not above 0 and at most 1', () => {
    expect(() => nodesNeeded({ ...EMPTY, load: { ...EMPTY.load, activeShare: 1.5 } })).toThrow(
      'nodesNeeded: activeShare must be above 0 and at most 1 (got 1.5)',
    );
  });

  test('fails when the roster size is not a whole number', () => {
    expect(() => nodesNeeded({ ...EMPTY, learners: -1 })).toThrow(
      'nodesNeeded: learners must be a whole number of 0 or more (got -1)',
    );
  });

  test('fails when the DaemonSets fill the node', () => {
    expect(() =>
      nodesNeeded({
        ...EMPTY,
        perNode: [{ name: 'ds', pods: 1, cpuMillis: 2000, memoryMebibytes: 0, source: 'test' }],
      }),
    ).toThrow('nodesNeeded: the DaemonSets leave nothing of a test.node node');
  });
});

describe('rosterCapacity', () => {
  test.each([
    [10, 4],
    [100, 21],
    [1000, 197],
  ])('%i learners on m6i.large need %i nodes at the lab peak (CPU binds)', (learners, nodes) => {
    const estimate = rosterCapacity({
      learners,
      instanceTypes: ['m6i.large'],
      mlflowReplicas: 2,
      feastReplicas: 2,
    });
    expect(estimate).toMatchObject({ nodes, binding: 'cpu', instanceType: 'm6i.large' });
  });

  test('the peak is half the roster at half its quota, in three pods each', () => {
    expect(LAB_PEAK_LOAD).toEqual({ activeShare: 0.5, quotaShare: 0.5, podsPerActiveLearner: 3 });
  });

  test('the fixed pods are the add-ons and the shared services at their replicas', () => {
    const services = fixedPods(3, 1).filter((g) => g.source.startsWith('cdk8s'));
    expect(services.map((g) => [g.name, g.pods])).toEqual([
      ['MLflow server', 3],
      ['Feast feature server', 1],
      ['Redis', 1],
    ]);
  });

  test('with several instance types, the one needing the most nodes counts', () => {
    // GIVEN learners running many small pods: an m6i.large takes 29 pods, a t3.large 35
    const roster = {
      learners: 100,
      mlflowReplicas: 2,
      feastReplicas: 2,
      load: { activeShare: 1, quotaShare: 0.1, podsPerActiveLearner: 10 },
    };
    // WHEN
    const mixed = rosterCapacity({ ...roster, instanceTypes: ['t3.large', 'm6i.large'] });
    // THEN the m6i.large counts: 1015 pods at 24 per node (5 go to DaemonSets)
    expect(mixed).toMatchObject({ instanceType: 'm6i.large', nodes: 43, binding: 'pods' });
    expect(rosterCapacity({ ...roster, instanceTypes: ['t3.large'] }).nodes).toBe(34);
  });

  test('fails when an instance type has no figures', () => {
    expect(() =>
      rosterCapacity({ learners: 1, instanceTypes: ['c7g.large'], mlflowReplicas: 1, feastReplicas: 1 }),
    ).toThrow(
      'no sizing figures for instance type c7g.large (lib/core/capacity.ts knows m6i.large, t3.large, t3a.large)',
    );
  });
});

describe('maxNodesWarning', () => {
  test('says nothing for the demo cohort: 3 learners fit in its 4 nodes', () => {
    expect(maxNodesWarning(loadCohort('cohorts/demo.yaml'))).toBeUndefined();
    expect(maxNodesWarning(loadCohort('cohorts/sandbox-example.yaml'))).toBeUndefined();
  });

  test('says nothing when maxNodes equals what the roster needs', () => {
    expect(maxNodesWarning(cohortOf(100, { maxNodes: 21 }))).toBeUndefined();
  });

  test("warns when the cohort's maxNodes is below what its roster needs, with the number to set", () => {
    // GIVEN 100 learners and the cohort profile's default of at most 4 nodes
    // WHEN
    const warning = maxNodesWarning(cohortOf(100));
    // THEN
    expect(warning).toBe(
      "MAX NODES BELOW THE ROSTER: inline.yaml: compute.maxNodes is 4, but 100 learners need about 21 m6i.large nodes at a lab's peak (CPU runs out first; docs/capacity.md). " +
        "The Cluster Autoscaler stops at 4 and learners' pods stay Pending; set compute.maxNodes to 21 or more.",
    );
  });

  test('warns when even 450 nodes, one node group, would not hold the roster', () => {
    // GIVEN 1,000 learners all working at once at their full quota
    const config = cohortOf(1000, { maxNodes: 450 });
    // WHEN
    const warning = maxNodesWarning(config, { activeShare: 1, quotaShare: 1, podsPerActiveLearner: 3 });
    // THEN
    expect(warning).toBe(
      "MAX NODES BELOW THE ROSTER: inline.yaml: compute.maxNodes is 450, but 1000 learners need about 785 m6i.large nodes at a lab's peak (CPU runs out first; docs/capacity.md). " +
        "The Cluster Autoscaler stops at 450 and learners' pods stay Pending; that is more than one managed node group holds (450): list a larger instance type in compute.instanceTypes.",
    );
  });

  test('warns that an instance type without figures could not be checked', () => {
    expect(maxNodesWarning(cohortOf(10, { instanceTypes: ['m6i.large', 'c7g.large'] }))).toBe(
      'MAX NODES NOT CHECKED: inline.yaml: compute.maxNodes (4) could not be checked against the roster: ' +
        'no sizing figures for instance type c7g.large (lib/core/capacity.ts knows m6i.large, t3.large, t3a.large).',
    );
  });
});

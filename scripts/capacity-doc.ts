/**
 * Writes the generated tables of docs/capacity.md from the sizing code (lib/config/capacity.ts and
 * the figures in lib/core/capacity.ts): `npm run docs:capacity`. A unit test
 * (test/scripts/capacity-doc.test.ts) fails when the document and the code disagree.
 *
 * Each table sits between `<!-- generated:<name> -->` and `<!-- end generated:<name> -->`; the
 * text around them is written by hand.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { fixedPods, LAB_PEAK_LOAD, PACKING_EFFICIENCY, Profile, rosterCapacity } from '../lib/config';
import {
  eksMaxPods,
  INSTANCE_SHAPES,
  kubeReservedCpuMillis,
  kubeReservedMemoryMebibytes,
  LEARNER_QUOTA_REQUESTS,
  NODE_DAEMONSETS,
  nodeAllocatable,
  PodGroup,
} from '../lib/core';

/** The document the tables belong to. */
export const CAPACITY_DOC = join(__dirname, '..', 'docs', 'capacity.md');

/** Roster sizes of the nodes table. */
export const ROSTER_SIZES = [10, 100, 1000] as const;

/** Instance-type columns of the nodes table: the profiles' types (t3a.large has t3.large's figures). */
const NODE_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['m6i.large', 'm6i.large nodes'],
  ['t3.large', 't3.large / t3a.large nodes'],
];

/** Every generated table of the document, by name. */
export function capacityTables(): Record<string, string> {
  return {
    allocatable: allocatableTable(),
    fixed: fixedTable(),
    'per-learner': perLearnerTable(),
    'per-node': perNodeTable(),
    nodes: nodesTable(),
  };
}

/** `text` with every generated table replaced by its current version. */
export function withCurrentTables(text: string): string {
  let result = text;
  for (const [name, table] of Object.entries(capacityTables())) {
    const begin = `<!-- generated:${name} -->`;
    const end = `<!-- end generated:${name} -->`;
    const start = result.indexOf(begin);
    const stop = result.indexOf(end);
    if (start < 0 || stop < start) {
      throw new Error(`${CAPACITY_DOC}: no "${begin}" ... "${end}" block`);
    }
    result = `${result.slice(0, start + begin.length)}\n\n${table}\n\n${result.slice(stop)}`;
  }
  return result;
}

/** A Markdown table laid out as Prettier lays it out (left-aligned, padded columns). */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const count = (n: number) => n.toLocaleString('en-US');
const cpu = (millis: number) => `${count(Math.round(millis))}m`;
const mib = (mebibytes: number) => `${count(Math.round(mebibytes))} MiB`;
const percent = (share: number) => `${Math.round(share * 100)}%`;

function allocatableTable(): string {
  const daemons = NODE_DAEMONSETS.reduce(
    (sum, g) => ({
      cpu: sum.cpu + g.pods * g.cpuMillis,
      memory: sum.memory + g.pods * g.memoryMebibytes,
      pods: sum.pods + g.pods,
    }),
    { cpu: 0, memory: 0, pods: 0 },
  );
  const rows = Object.entries(INSTANCE_SHAPES).map(([type, shape]) => {
    const node = nodeAllocatable(type)!;
    const maxPods = eksMaxPods(shape);
    return [
      `\`${type}\``,
      `${shape.vcpus} vCPU, ${mib(shape.memoryMebibytes)}`,
      `${shape.enis} x (${shape.ipv4PerEni} - 1) + 2 = ${maxPods}`,
      `${cpu(kubeReservedCpuMillis(shape.vcpus))}, ${mib(kubeReservedMemoryMebibytes(maxPods))}`,
      `${cpu(node.cpuMillis)}, ${mib(node.memoryMebibytes)}, ${node.pods} pods`,
      `${cpu((node.cpuMillis - daemons.cpu) * PACKING_EFFICIENCY)}, ${mib((node.memoryMebibytes - daemons.memory) * PACKING_EFFICIENCY)}, ${node.pods - daemons.pods} pods`,
    ];
  });
  return markdownTable(
    [
      'Instance type',
      'EC2',
      'Max pods (ENIs x (IPs - 1) + 2)',
      'kube-reserved',
      'Allocatable',
      `For the roster (less DaemonSets; CPU, memory x ${percent(PACKING_EFFICIENCY)})`,
    ],
    rows,
  );
}

function fixedTable(): string {
  const cohort = Profile.cohort();
  const groups: PodGroup[] = [
    ...NODE_DAEMONSETS.map((g) => ({ ...g, name: `${g.name}, on every node` })),
    ...fixedPods(cohort.defaultMlflowReplicas, cohort.defaultFeastReplicas),
  ];
  const rows = groups.map((g) => [
    g.name,
    String(g.pods),
    cpu(g.cpuMillis),
    mib(g.memoryMebibytes),
    g.source,
  ]);
  const once = groups.slice(NODE_DAEMONSETS.length);
  rows.push([
    '**Once per cluster, in total**',
    String(once.reduce((n, g) => n + g.pods, 0)),
    cpu(once.reduce((n, g) => n + g.pods * g.cpuMillis, 0)),
    mib(once.reduce((n, g) => n + g.pods * g.memoryMebibytes, 0)),
    'the sum of the rows above without the DaemonSets',
  ]);
  return markdownTable(['Pods', 'Count', 'CPU request (each)', 'Memory request (each)', 'Source'], rows);
}

function perLearnerTable(): string {
  const load = LAB_PEAK_LOAD;
  const quota = LEARNER_QUOTA_REQUESTS;
  const active = { cpu: quota.cpuMillis * load.quotaShare, memory: quota.memoryMebibytes * load.quotaShare };
  const rows = [
    ['Namespace quota (requests)', cpu(quota.cpuMillis), mib(quota.memoryMebibytes), '-'],
    [
      `An active learner (${percent(load.quotaShare)} of the quota)`,
      cpu(active.cpu),
      mib(active.memory),
      String(load.podsPerActiveLearner),
    ],
    [
      `A learner on the roster (${percent(load.activeShare)} active at the peak)`,
      cpu(active.cpu * load.activeShare),
      mib(active.memory * load.activeShare),
      String(load.podsPerActiveLearner * load.activeShare),
    ],
  ];
  return markdownTable(['Per learner', 'CPU', 'Memory', 'Pods'], rows);
}

function perNodeTable(): string {
  const load = LAB_PEAK_LOAD;
  const activeCpu = LEARNER_QUOTA_REQUESTS.cpuMillis * load.quotaShare;
  const activeMemory = LEARNER_QUOTA_REQUESTS.memoryMebibytes * load.quotaShare;
  const rows = Object.keys(INSTANCE_SHAPES).map((type) => {
    // What one more node adds: the learners part of the answer, without the fixed pods.
    const { perNode } = rosterCapacity({
      learners: 0,
      instanceTypes: [type],
      mlflowReplicas: 1,
      feastReplicas: 1,
    });
    const active = Math.min(
      Math.floor(perNode.cpuMillis / activeCpu),
      Math.floor(perNode.memoryMebibytes / activeMemory),
      Math.floor(perNode.pods / load.podsPerActiveLearner),
    );
    return [`\`${type}\``, String(active), String(Math.floor(active / load.activeShare))];
  });
  return markdownTable(
    ['Instance type', 'Active learners per node', 'Learners on the roster per node'],
    rows,
  );
}

function nodesTable(): string {
  const cohort = Profile.cohort();
  const rows = ROSTER_SIZES.map((learners) => {
    const estimates = NODE_COLUMNS.map(([type]) =>
      rosterCapacity({
        learners,
        instanceTypes: [type],
        mlflowReplicas: cohort.defaultMlflowReplicas,
        feastReplicas: cohort.defaultFeastReplicas,
      }),
    );
    const { demand, activeLearners } = estimates[0];
    return [
      count(learners),
      count(activeLearners),
      `${cpu(demand.cpuMillis)}, ${mib(demand.memoryMebibytes)}, ${count(demand.pods)} pods`,
      ...estimates.map((e) => `**${count(e.nodes)}** (${e.binding === 'cpu' ? 'CPU' : e.binding})`),
    ];
  });
  return markdownTable(
    ['Learners', 'Active at the peak', 'Requested (cluster)', ...NODE_COLUMNS.map(([, title]) => title)],
    rows,
  );
}

if (require.main === module) {
  const text = readFileSync(CAPACITY_DOC, 'utf8');
  const updated = withCurrentTables(text);
  writeFileSync(CAPACITY_DOC, updated);
  process.stdout.write(
    updated === text ? `${CAPACITY_DOC}: up to date\n` : `${CAPACITY_DOC}: tables rewritten\n`,
  );
}

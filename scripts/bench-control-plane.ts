/**
 * A large roster on a real Kubernetes control plane: how long its manifests take to apply and how
 * big etcd gets.
 *
 *   npx tsx scripts/bench-control-plane.ts [--learners 1000] [--concurrency 8]
 *
 * The cohort is cohorts/demo.yaml with `--learners` generated learners; the standalone manifests
 * command (bin/manifests.ts, COHORT_FILE) writes its manifests. A fresh control plane of its own
 * (scripts/k8s-control-plane.sh: its own etcd, so the size is this cohort's) takes the namespaces,
 * mlflow and feast charts in order, then the learners shard by shard, as the learners-N stacks
 * deploy: one stack after the other, and within a stack every learner's manifest at once
 * (CloudFormation creates a stack's custom resources in parallel), here at most `--concurrency`
 * requests in flight. Each manifest is applied object by object with server-side apply and strict
 * field validation. Any refusal or warning makes the run fail.
 *
 * Printed: the control plane's start time, the synth time, the apply time (and objects per
 * second), the time until the controllers have settled (every namespace has its service account),
 * and etcd's database file (member/snap/db) before and after.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse, stringify } from 'yaml';
import { loadCohortFile } from '../lib/config';
import { COHORT_NAMESPACE } from '../lib/core';
import {
  applyManifest,
  ChartManifest,
  inParallel,
  synthCohortManifests,
} from '../lib/local/cohort-manifests';
import { REPO_ROOT } from '../lib/local/container';
import { startControlPlane } from '../lib/local/control-plane';

/** Options of {@link runBench}. */
export interface BenchOptions {
  readonly learners: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Progress lines go here. @default nowhere */
  readonly log?: (line: string) => void;
}

/** What one run measured. */
export interface BenchResult {
  readonly learners: number;
  readonly shards: number;
  /** Learner manifests applied (one per learner: a learner without one fails the run). */
  readonly learnerManifests: number;
  readonly objects: number;
  readonly startSeconds: number;
  readonly synthSeconds: number;
  readonly applySeconds: number;
  readonly settleSeconds: number;
  readonly etcdBytesBefore: number;
  readonly etcdBytesAfter: number;
  /** The part of the file etcd uses, after. */
  readonly etcdBytesInUse: number;
  /** Every warning the server sent (a clean run has none). */
  readonly warnings: string[];
}

const TODAY = '2026-11-29';

/** cohorts/demo.yaml with `n` generated learners instead of its own (and no instructor principals). */
export function benchCohort(n: number): string {
  const doc = parse(readFileSync(join(REPO_ROOT, 'cohorts', 'demo.yaml'), 'utf8')) as Record<string, unknown>;
  doc.learners = Array.from({ length: n }, (_, i) => {
    const id = `bench-${String(i + 1).padStart(4, '0')}`;
    return { id, email: `${id}@cohort-lab.example`, displayName: `Bench Learner ${i + 1}` };
  });
  // Room on the node group for every learner's quota, so the cohort file is valid as it stands.
  doc.compute = { ...(doc.compute as object), maxNodes: 450 };
  return stringify(doc);
}

const seconds = (since: number) => (Date.now() - since) / 1000;

/** Generate, synthesise and apply a roster of `opts.learners` on a fresh control plane. */
export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'cohortlab-bench-k8s-'));
  const cohortFile = join(dir, 'cohort.yaml');
  writeFileSync(cohortFile, benchCohort(opts.learners));
  const config = loadCohortFile(cohortFile, { today: TODAY });

  let t = Date.now();
  const manifests = synthCohortManifests(cohortFile, join(dir, 'manifests'), { today: TODAY });
  const synthSeconds = seconds(t);
  log(`synthesised ${manifests.length} manifests in ${synthSeconds.toFixed(1)} s`);

  const cp = startControlPlane();
  const admin = cp.client(opts.concurrency);
  try {
    const etcdBytesBefore = cp.etcdDbBytes();
    const warnings: string[] = [];
    const apply = async (m: ChartManifest) => {
      for (const a of await applyManifest(admin, m)) {
        warnings.push(
          ...a.warnings.map((w) => `${m.chart}: ${a.object.kind} ${a.object.metadata.name}: ${w}`),
        );
      }
    };
    const byChart = new Map(manifests.map((m) => [m.chart, m]));
    const shards = new Map<number, ChartManifest[]>();
    for (const learner of config.learners) {
      const list = shards.get(learner.shard) ?? [];
      const manifest = byChart.get(`learner-${learner.slug}`);
      if (!manifest) throw new Error(`bin/manifests.ts wrote no manifest for learner ${learner.slug}`);
      list.push(manifest);
      shards.set(learner.shard, list);
    }

    t = Date.now();
    for (const chart of ['namespaces', 'mlflow', 'feast']) await apply(byChart.get(chart)!);
    for (const [shard, list] of [...shards.entries()].sort(([a], [b]) => a - b)) {
      await inParallel(list, opts.concurrency, apply);
      log(`learners-${shard}: ${list.length} learners applied (${seconds(t).toFixed(1)} s)`);
    }
    const applySeconds = seconds(t);

    // The controllers' share: each namespace's service account and root CA ConfigMap, quota status.
    t = Date.now();
    const cohortNamespaces = new Set([COHORT_NAMESPACE, ...config.learners.map((l) => l.namespace)]);
    for (;;) {
      const accounts = await admin.list('v1', 'ServiceAccount', { fieldSelector: 'metadata.name=default' });
      const ready = accounts.filter((a) => cohortNamespaces.has(a.metadata.namespace ?? '')).length;
      if (ready === cohortNamespaces.size) break;
      if (seconds(t) > 600)
        throw new Error(`controllers not settled after 600 s (${ready} service accounts)`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const settleSeconds = seconds(t);
    return {
      learners: config.learners.length,
      shards: shards.size,
      learnerManifests: [...shards.values()].reduce((sum, list) => sum + list.length, 0),
      objects: manifests.reduce((sum, m) => sum + m.objects.length, 0),
      startSeconds: cp.startSeconds ?? NaN,
      synthSeconds,
      applySeconds,
      settleSeconds,
      etcdBytesBefore,
      etcdBytesAfter: cp.etcdDbBytes(),
      etcdBytesInUse: await cp.etcdDbBytesInUse(),
      warnings,
    };
  } finally {
    admin.close();
    cp.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures, one per line. */
export function formatResult(r: BenchResult): string[] {
  const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
  return [
    `learners:           ${r.learners} in ${r.shards} shards, ${r.objects} objects`,
    `control plane:      started in ${r.startSeconds.toFixed(1)} s`,
    `synth:              ${r.synthSeconds.toFixed(1)} s (bin/manifests.ts)`,
    `apply:              ${r.applySeconds.toFixed(1)} s (${(r.objects / r.applySeconds).toFixed(0)} objects/s)`,
    `controllers settle: ${r.settleSeconds.toFixed(1)} s more`,
    `etcd db file:       ${mib(r.etcdBytesBefore)} empty, ${mib(r.etcdBytesAfter)} with the cohort (${mib(r.etcdBytesInUse)} in use)`,
    `warnings:           ${r.warnings.length}`,
  ];
}

function argValue(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} needs a whole number of at least 1 (got ${args[i + 1]})`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const result = await runBench({
    learners: argValue(args, '--learners', 1000),
    concurrency: argValue(args, '--concurrency', 8),
    log: (line) => console.log(line),
  });
  console.log(formatResult(result).join('\n'));
  for (const w of result.warnings) console.error(`warning: ${w}`);
  process.exit(result.warnings.length > 0 ? 1 : 0);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

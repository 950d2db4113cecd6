/**
 * Benchmark: how synth time and template sizes grow with the roster.
 *
 *   npm run bench:synth [-- --rounds 5 --sizes 10,100,1000]
 *
 * Writes cohorts of 10, 100 and 1,000 learners (the demo cohort, cohorts/demo.yaml, with its
 * learners filled up; every tenth added learner has an iamPrincipalArn) into a temp dir, and
 * synthesises each in a fresh process the way `cdk synth` does: `bin/app.ts` (cdk-nag included)
 * with the repository's own tsx, cdk.json's context and the cohort in CDK_CONTEXT_JSON and
 * CDK_OUTDIR set, as the CDK CLI passes them. The sizes run interleaved, the order rotating each
 * round, because this machine is shared and noisy; each figure is the median of the rounds.
 *
 * Prints the wall time and the CPU time of each size, the stacks' resources and bytes (largest
 * shard, totals), the load average before and after, and what one more learner costs, from the
 * 100 -> 1,000 difference: milliseconds, resources and bytes. Targets (the Learners issue), in
 * wall time: at most 30 ms per learner, and under 60 s for 1,000 learners. Exit code 1 when a
 * target is missed.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { loadavg, tmpdir } from 'os';
import { join } from 'path';
import { cdkJsonContext } from '../lib/stacks/cohort-app';
import { cohortYaml, demoDocument, withLearners } from './synthetic-cohort';

const REPO = join(__dirname, '..');
/** The date the expiry rule compares with, as CI pins it (the demo cohort stays valid). */
const TODAY = '2026-11-29';
const TARGET_MS_PER_LEARNER = 30;
const TARGET_1000_SECONDS = 60;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

interface StackSize {
  readonly stack: string;
  readonly resources: number;
  readonly bytes: number;
}

/** One synth: wall time, the process's CPU time (user + system), and the stacks' sizes when asked. */
interface SynthRun {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly stacks: StackSize[];
}

/**
 * Synthesise `cohortFile` in a fresh process: `node --import tsx bin/app.ts`, one process (the tsx
 * CLI would start a second), with a preload that writes the process's CPU time when it exits. CPU
 * time counts only this synth's work, so it moves far less than wall time when other jobs share
 * the machine.
 */
function synth(cohortFile: string, withSizes: boolean, preload: string): SynthRun {
  const outdir = mkdtempSync(join(tmpdir(), 'cohortlab-bench-synth-out-'));
  const cpuFile = join(outdir, 'cpu.json');
  try {
    const start = process.hrtime.bigint();
    const run = spawnSync(
      process.execPath,
      ['--require', preload, '--import', 'tsx', join(REPO, 'bin', 'app.ts')],
      {
        cwd: REPO,
        env: {
          ...process.env,
          CDK_OUTDIR: outdir,
          // What the CDK CLI passes: cdk.json's context (the feature flags) and the -c values.
          CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), cohort: cohortFile, today: TODAY }),
          BENCH_CPU_FILE: cpuFile,
        },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (run.status !== 0) {
      throw new Error(`synth of ${cohortFile} failed (exit ${run.status}):\n${run.stderr}`);
    }
    const cpu = JSON.parse(readFileSync(cpuFile, 'utf8')) as { user: number; system: number };
    const stacks = withSizes
      ? readdirSync(outdir)
          .filter((f) => f.endsWith('.template.json'))
          .map((f) => {
            const text = readFileSync(join(outdir, f), 'utf8');
            const resources = Object.keys(
              (JSON.parse(text) as { Resources?: object }).Resources ?? {},
            ).length;
            return { stack: f.replace(/\.template\.json$/, ''), resources, bytes: Buffer.byteLength(text) };
          })
      : [];
    return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, stacks };
  } finally {
    // Each synth stages the assets again (the kubectl layer alone is ~60 MB).
    rmSync(outdir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const n = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const kb = (bytes: number) => `${n(bytes / 1024, 1)} KB`;

function main(): void {
  const rounds = Number(arg('rounds', '5'));
  const sizes = arg('sizes', '10,100,1000').split(',').map(Number);
  if (!sizes.includes(100) || !sizes.includes(1000)) {
    throw new Error('--sizes must include 100 and 1000: the cost per learner is their difference');
  }
  const dir = mkdtempSync(join(tmpdir(), 'cohortlab-bench-synth-'));
  const preload = join(dir, 'cpu-usage.cjs');
  writeFileSync(
    preload,
    "process.on('exit', () => require('fs').writeFileSync(process.env.BENCH_CPU_FILE, JSON.stringify(process.cpuUsage())));\n",
  );
  const files = new Map<number, string>();
  for (const size of sizes) {
    const file = join(dir, `bench-${size}.yaml`);
    writeFileSync(file, cohortYaml(withLearners(demoDocument(), size)));
    files.set(size, file);
  }
  console.log(
    `Synth benchmark: ${sizes.join(', ')} learners, ${rounds} interleaved rounds, node ${process.version}`,
  );
  // Other jobs on this shared machine slow every synth; the load average tells such a run apart.
  const load = () =>
    loadavg()
      .map((l) => n(l, 1))
      .join(', ');
  console.log(`Load average before: ${load()}`);
  const runs = new Map<number, SynthRun[]>(sizes.map((s) => [s, []]));
  for (let round = 0; round < rounds; round++) {
    const order = sizes.map((_, i) => sizes[(i + round) % sizes.length]);
    for (const size of order) {
      const result = synth(files.get(size)!, runs.get(size)!.length === 0, preload);
      runs.get(size)!.push(result);
      console.log(
        `  round ${round + 1}: ${n(size)} learners ${n(result.wallMs / 1000, 1)} s wall, ${n(result.cpuMs / 1000, 1)} s CPU`,
      );
    }
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(`Load average after: ${load()}`);

  const wall = (size: number) => median(runs.get(size)!.map((r) => r.wallMs));
  const cpu = (size: number) => median(runs.get(size)!.map((r) => r.cpuMs));
  const range = (values: number[]) =>
    `${n(Math.min(...values) / 1000, 1)}–${n(Math.max(...values) / 1000, 1)}`;
  console.log('');
  console.log(
    '| Learners | Synth wall (median, min–max) | CPU (median, min–max) | Stacks | Largest shard | All templates |',
  );
  console.log(
    '| -------- | ---------------------------- | --------------------- | ------ | ------------- | ------------- |',
  );
  const totals = new Map<number, { resources: number; bytes: number }>();
  for (const size of sizes) {
    const all = runs.get(size)![0].stacks;
    const shards = all.filter((s) => /-learners-\d+$/.test(s.stack));
    const largest = shards.reduce((a, b) => (b.resources > a.resources ? b : a), shards[0]);
    const total = all.reduce((t, s) => ({ resources: t.resources + s.resources, bytes: t.bytes + s.bytes }), {
      resources: 0,
      bytes: 0,
    });
    totals.set(size, total);
    console.log(
      `| ${n(size)} | ${n(wall(size) / 1000, 1)} s (${range(runs.get(size)!.map((r) => r.wallMs))}) ` +
        `| ${n(cpu(size) / 1000, 1)} s (${range(runs.get(size)!.map((r) => r.cpuMs))}) ` +
        `| ${all.length} | ${largest.stack.replace(/^.*-(learners-\d+)$/, '$1')}: ${n(largest.resources)} resources, ` +
        `${kb(largest.bytes)} | ${n(total.resources)} resources, ${kb(total.bytes)} |`,
    );
  }
  const added = 900;
  const msPerLearner = (wall(1000) - wall(100)) / added;
  const cpuMsPerLearner = (cpu(1000) - cpu(100)) / added;
  const resourcesPerLearner = (totals.get(1000)!.resources - totals.get(100)!.resources) / added;
  const bytesPerLearner = (totals.get(1000)!.bytes - totals.get(100)!.bytes) / added;
  const seconds1000 = wall(1000) / 1000;
  console.log('');
  console.log(
    `Each added learner (100 -> 1,000): ${n(msPerLearner, 1)} ms wall (${n(cpuMsPerLearner, 1)} ms CPU), ` +
      `${n(resourcesPerLearner, 2)} resources, ${kb(bytesPerLearner)} of template`,
  );
  // The targets are in wall time, what a person waits for.
  const perLearnerMet = msPerLearner <= TARGET_MS_PER_LEARNER;
  const totalMet = seconds1000 < TARGET_1000_SECONDS;
  console.log(
    `Target: at most ${TARGET_MS_PER_LEARNER} ms per learner: ${perLearnerMet ? 'met' : 'NOT MET'} (${n(msPerLearner, 1)} ms)`,
  );
  console.log(
    `Target: under ${TARGET_1000_SECONDS} s for 1,000 learners: ${totalMet ? 'met' : 'NOT MET'} (${n(seconds1000, 1)} s)`,
  );
  if (!perLearnerMet || !totalMet) {
    process.exitCode = 1;
  }
}

main();

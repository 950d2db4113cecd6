/**
 * Our own checks of GitHub Actions workflows (lib/ops/workflow-check.ts), run by
 * scripts/workflow-check.sh beside actionlint and zizmor:
 *
 *   tsx scripts/workflow-check.ts [--cohort <file>] [--learner <slug>] [--expect-fail] <workflow.yml>...
 *
 * The CI role's trust is read from the synthesised template of the cohort file (default
 * cohorts/demo.yaml) for the learner (default: the first with a repository). Exit 0 when every
 * file passes (with --expect-fail: when every file has a finding, the tamper check of the bad
 * fixtures), 1 otherwise, 2 on bad input.
 */
import { readFileSync } from 'fs';
import { loadCohortFile } from '../lib/config';
import { CiRoleTrust, checkWorkflow, ciRoleTrust } from '../lib/ops/workflow-check';
import { addCohortStacks, newCohortApp } from '../lib/stacks/cohort-app';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

function main(argv: string[]): number {
  let cohort = 'cohorts/demo.yaml';
  let learnerSlug: string | undefined;
  let expectFail = false;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--cohort') cohort = argv[++i];
    else if (a === '--learner') learnerSlug = argv[++i];
    else if (a === '--expect-fail') expectFail = true;
    else files.push(a);
  }
  if (files.length === 0) {
    console.error(
      'usage: workflow-check.ts [--cohort <file>] [--learner <slug>] [--expect-fail] <workflow.yml>...',
    );
    return 2;
  }
  const config = loadCohortFile(cohort);
  const learner = config.learners.find((l) =>
    learnerSlug === undefined ? l.github !== undefined : l.slug === learnerSlug,
  );
  if (learner?.github === undefined) {
    console.error(`${cohort}: no learner ${learnerSlug ?? 'with a github.repository'} with a repository`);
    return 2;
  }
  const trust = synthesisedTrust(config, learner.slug, learner.github.repository);
  console.log(
    `CI role of ${learner.slug} (${cohort}, synthesised): aud ${trust.audience ?? 'NONE'}, sub ${trust.subjects.join(', ')}`,
  );
  let failed = 0;
  for (const file of files) {
    const problems = checkWorkflow(readFileSync(file, 'utf8'), file, trust);
    for (const p of problems) console.log(`${p.file}: ${p.path}: ${p.message}`);
    if (expectFail ? problems.length === 0 : problems.length > 0) failed += 1;
    if (expectFail && problems.length === 0) console.log(`${file}: a bad fixture passed every check`);
    if (!expectFail && problems.length === 0) console.log(`${file}: ok`);
  }
  return failed === 0 ? 0 : 1;
}

/** The trust of the learner's CI role in the synthesised learners-N template. */
function synthesisedTrust(
  config: ReturnType<typeof loadCohortFile>,
  slug: string,
  repository: string,
): CiRoleTrust {
  const outdir = mkdtempSync(join(tmpdir(), 'cohortlab-workflow-check-'));
  try {
    const app = newCohortApp(outdir);
    const stacks = addCohortStacks(app, config);
    const learner = config.learners.find((l) => l.slug === slug)!;
    const stack = stacks.learners.get(learner.shard)!;
    const template = app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
    const trust = ciRoleTrust(template, slug, repository);
    if (trust === undefined) throw new Error(`${stack.stackName} holds no CI role tagged lab:ci=${slug}`);
    return trust;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

process.exitCode = main(process.argv.slice(2));

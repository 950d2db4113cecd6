#!/usr/bin/env -S npx tsx
// Ops CLI entry: parses arguments and hands them to lib/ops. No logic lives here.
import { Command } from 'commander';
import { CohortConfigError, loadCohortFile } from '../lib/config';
import { planCohort, renderPlan } from '../lib/ops/plan';
import { localCommand } from './local';

const program = new Command();
program.name('cohort-lab').description('Plan and operate Cohort Lab environments.');

program
  .command('plan')
  .description('Validate a cohort file, synthesise it offline, run the policy checks and print the plan.')
  .argument('[cohort-file]', 'cohort YAML file', 'cohorts/demo.yaml')
  .option('-o, --out <dir>', 'where to write the synthesised templates', 'cdk.out')
  .option('--today <date>', 'date used for expiry checks (YYYY-MM-DD)', new Date().toISOString().slice(0, 10))
  .option(
    '--allow-expired',
    'plan a cohort whose course has ended (to review it before tearing it down)',
    false,
  )
  .action((file: string, opts: { out: string; today: string; allowExpired: boolean }) => {
    const config = loadCohortFile(file, { today: opts.today, allowExpired: opts.allowExpired });
    const plan = planCohort(config, opts.out, opts.today);
    console.log(renderPlan(plan));
    if (plan.violations.length > 0 || plan.limitProblems.length > 0) {
      console.error('\nPlan FAILED: fix or acknowledge the findings above.');
      process.exitCode = 1;
    }
  });

program.addCommand(localCommand());

try {
  program.parse();
} catch (err) {
  if (err instanceof CohortConfigError) {
    console.error(`Invalid cohort file:\n${err.message}`);
    process.exit(2);
  }
  throw err;
}

#!/usr/bin/env -S npx tsx
// Ops CLI entry: parses arguments and hands them to lib/ops. No logic lives here.
import { Command } from 'commander';
import { CohortConfigError, loadCohortFile } from '../lib/config';
import { debugRequested, failureReport } from '../lib/ops/failure';
import { planCohort, renderPlan } from '../lib/ops/plan';
import {
  DEFAULT_WELCOME_DIR,
  fetchPassword,
  WelcomeFailure,
  WelcomeInputError,
  welcomeSheets,
  writeEnvFiles,
} from '../lib/ops/welcome';
import { renderEnv, renderJson, renderSheet, SHEET_SEPARATOR } from '../lib/ops/welcome-text';
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
  .option('--verbose', 'print the stack trace of an unexpected error (as COHORT_LAB_DEBUG=1 does)', false)
  .action((file: string, opts: { out: string; today: string; allowExpired: boolean; verbose: boolean }) => {
    try {
      const config = loadCohortFile(file, { today: opts.today, allowExpired: opts.allowExpired });
      const plan = planCohort(config, opts.out, opts.today);
      console.log(renderPlan(plan));
      if (plan.violations.length > 0 || plan.limitProblems.length > 0) {
        console.error('\nPlan FAILED: fix or acknowledge the findings above.');
        process.exitCode = 1;
      }
    } catch (err) {
      if (err instanceof CohortConfigError) {
        throw err;
      }
      // Anything else (a CDK synth error, a bug): one line, the stack trace only when asked for.
      for (const line of failureReport('Plan', err, opts.verbose || debugRequested())) {
        console.error(line);
      }
      process.exitCode = 1;
    }
  });

interface WelcomeCliOptions {
  person?: string;
  learner?: string;
  json: boolean;
  reveal: boolean;
  out: string;
  bucket?: string;
  clientId?: string;
  region?: string;
  profile?: string;
  today: string;
}

program
  .command('welcome')
  .description(
    "Print each person's welcome sheet (MLflow, Feast, kubectl, S3) and write their .env; never a password unless --reveal.",
  )
  .argument('[cohort-file]', 'cohort YAML file', 'cohorts/demo.yaml')
  .option('-p, --person <slug>', 'only this learner or instructor (slug, or id as the cohort file writes it)')
  .option('--learner <slug>', 'same as --person')
  .option('--json', 'print one JSON document instead of the sheets', false)
  .option(
    '--reveal',
    "also print the person's current MLflow password, read from Secrets Manager (needs --person; never in the .env)",
    false,
  )
  .option('-o, --out <dir>', 'where to write <slug>.env (mode 0600)', DEFAULT_WELCOME_DIR)
  .option('--bucket <name>', "the artifact bucket (the data stack's ArtifactBucketName output)")
  .option('--client-id <id>', "the Cognito app client (the apps stack's UserPoolClientId output)")
  .option('--region <region>', 'the region, when the cohort file names none; also where --reveal reads')
  .option(
    '--profile <name>',
    'AWS profile --reveal reads the secret with (default: the standard credential chain)',
  )
  .option('--today <date>', 'date used for expiry checks (YYYY-MM-DD)', new Date().toISOString().slice(0, 10))
  .action(async (file: string, opts: WelcomeCliOptions) => {
    if (opts.person !== undefined && opts.learner !== undefined && opts.person !== opts.learner) {
      throw new WelcomeInputError(
        `--person ${opts.person} and --learner ${opts.learner} name two people; give one`,
      );
    }
    const person = opts.person ?? opts.learner;
    if (opts.reveal && person === undefined) {
      throw new WelcomeInputError(
        "--reveal prints one person's password: name them with --person <slug> (or --learner <slug>)",
      );
    }
    const config = loadCohortFile(file, { today: opts.today });
    const sheets = welcomeSheets(config, {
      person,
      bucket: opts.bucket,
      clientId: opts.clientId,
      region: opts.region,
    });
    let password: string | undefined;
    if (opts.reveal) {
      console.error(
        `WARNING: this prints ${sheets[0].slug}'s current MLflow password. Hand it over privately: not in a chat, ` +
          `a ticket or on a shared screen. It is not written to the .env file.`,
      );
      password = await fetchPassword(sheets[0], {
        region: opts.region ?? config.region,
        profile: opts.profile,
      });
    }
    const envFiles = writeEnvFiles(
      opts.out,
      sheets.map((sheet) => ({ slug: sheet.slug, text: renderEnv(sheet) })),
    );
    const people = sheets.map((sheet, i) => ({ sheet, envFile: envFiles[i] }));
    if (opts.json) {
      console.log(renderJson(file, people, password));
    } else {
      console.log(
        people.map(({ sheet, envFile }) => renderSheet(sheet, envFile, password)).join(SHEET_SEPARATOR),
      );
    }
  });

program.addCommand(localCommand());

program.parseAsync().catch((err: unknown) => {
  if (err instanceof CohortConfigError) {
    console.error(`Invalid cohort file:\n${err.message}`);
    process.exit(2);
  }
  if (err instanceof WelcomeInputError) {
    console.error(err.message);
    process.exit(2);
  }
  if (err instanceof WelcomeFailure) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
});

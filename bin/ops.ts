#!/usr/bin/env -S npx tsx
// Ops CLI entry: parses arguments and hands them to lib/ops. No logic lives here. Longer than 300
// lines only because each command's options are declared here, one block per command.
import './exit-safely';
import { Command } from 'commander';
import { readFileSync } from 'fs';
import { join } from 'path';
import { CohortConfigError, loadCohortFile } from '../lib/config';
import { debugRequested, failureReport } from '../lib/ops/failure';
import { createInterface } from 'readline/promises';
import { COHORT_NAME_PATTERN } from '../lib/core';
import { awsClients } from '../lib/ops/aws';
import { parseDestination } from '../lib/ops/export';
import { calendarDate, OpsInputError } from '../lib/ops/input-error';
import { takeInventory } from '../lib/ops/inventory';
import { environments, renderEnvironments } from '../lib/ops/list';
import { classify, deleteLeftovers, renderSweep } from '../lib/ops/sweep';
import { planTeardown, renderTeardownPlan, teardown, TeardownFailure } from '../lib/ops/teardown';
import { planCohort, planJson, renderPlan } from '../lib/ops/plan';
import {
  DEFAULT_WELCOME_DIR,
  fetchPassword,
  WelcomeFailure,
  WelcomeInputError,
  welcomeSheets,
  writeEnvFiles,
} from '../lib/ops/welcome';
import { renderEnv, renderJson, renderSheet, SHEET_SEPARATOR } from '../lib/ops/welcome-text';
import { validateCommand, ValidateOptions } from '../lib/ops/validate/command';
import { CHECK_IDS } from '../lib/ops/validate/types';
import { reportCommand, ReportOptions } from '../lib/ops/report/command';
import { gradeCommand, GradeOptions } from '../lib/ops/grade/command';
import { DEFAULT_KEY_FILE, DEFAULT_QUIZ_FILE } from '../lib/ops/grade';
import { localCommand } from './local';

const program = new Command();
program.name('cohort-lab').description('Plan and operate Cohort Lab environments.').version(packageVersion());

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
  .option(
    '--verbose',
    'list every acknowledgement with its reason, and print the stack trace of an unexpected error (as COHORT_LAB_DEBUG=1 does)',
    false,
  )
  .option('--json', 'print the plan as one JSON document', false)
  .action(
    (
      file: string,
      opts: { out: string; today: string; allowExpired: boolean; verbose: boolean; json: boolean },
    ) => {
      const today = calendarDate('--today', opts.today);
      try {
        const config = loadCohortFile(file, { today, allowExpired: opts.allowExpired });
        const plan = planCohort(config, opts.out, today);
        console.log(opts.json ? JSON.stringify(planJson(plan), null, 2) : renderPlan(plan, opts.verbose));
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
    },
  );

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string })
    .version;
}

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
interface AwsCliOptions {
  region?: string;
  profile?: string;
  json: boolean;
}

/** The cohort a teardown argument names: a cohort file (its `cohort`), or the name itself. */
function cohortOf(arg: string): string {
  if (/\.ya?ml$/.test(arg)) {
    return loadCohortFile(arg, { allowExpired: true }).name;
  }
  if (!COHORT_NAME_PATTERN.test(arg)) {
    throw new OpsInputError(
      `cohort: "${arg}" is neither a cohort file (.yaml) nor a cohort name (${COHORT_NAME_PATTERN.source})`,
    );
  }
  return arg;
}

program
  .command('list')
  .description(
    'List every Cohort Lab environment of the account and region: owner, profile, expiry, stacks, learners, cost so far.',
  )
  .option('--region <region>', 'AWS region (default: the standard chain: AWS_REGION, the profile)')
  .option('--profile <name>', 'AWS profile (default: the standard credential chain)')
  .option('--json', 'print JSON', false)
  .action(async (opts: AwsCliOptions) => {
    const clients = awsClients(opts);
    try {
      const rows = environments(await takeInventory(clients), new Date());
      console.log(opts.json ? JSON.stringify(rows, null, 2) : renderEnvironments(rows));
      // Findings: an expired environment still deployed.
      process.exitCode = rows.some((r) => r.expired) ? 1 : 0;
    } finally {
      clients.destroy();
    }
  });

program
  .command('sweep')
  .description('Find leftovers tagged lab:cohort whose stacks are gone (dry run); --delete removes them.')
  .option('--cohort <name>', 'only this cohort')
  .option('--delete', 'delete the leftovers', false)
  .option(
    '--today <date>',
    'date retention is counted to (YYYY-MM-DD)',
    new Date().toISOString().slice(0, 10),
  )
  .option('--region <region>', 'AWS region (default: the standard chain)')
  .option('--profile <name>', 'AWS profile (default: the standard credential chain)')
  .option('--json', 'print JSON', false)
  .action(async (opts: AwsCliOptions & { cohort?: string; delete: boolean; today: string }) => {
    const today = calendarDate('--today', opts.today);
    const cohort = opts.cohort === undefined ? undefined : cohortOf(opts.cohort);
    const clients = awsClients(opts);
    try {
      const items = classify(await takeInventory(clients, cohort), today);
      const progress = (line: string) => console.error(line);
      const result = opts.delete ? await deleteLeftovers(clients, items, progress) : undefined;
      if (opts.json) {
        console.log(
          JSON.stringify({ items, deleted: result?.deleted ?? [], failed: result?.failed ?? [] }, null, 2),
        );
      } else {
        console.log(renderSweep(items, opts.delete));
      }
      const leftovers = items.filter((i) => i.verdict === 'leftover').length;
      process.exitCode = result === undefined ? (leftovers > 0 ? 1 : 0) : result.failed.length > 0 ? 1 : 0;
    } finally {
      clients.destroy();
    }
  });

program
  .command('teardown')
  .description(
    'Tear a cohort down in order (dry run unless --yes): export, final snapshot, learners, apps, Kubernetes leftovers, cluster, data.',
  )
  .argument('<cohort>', 'cohort file (.yaml) or cohort name')
  .option('--yes', 'do it (asks once more when there is a terminal)', false)
  .option('--export-to <s3url>', 'where the export retention copies the bucket: s3://<bucket>/<prefix>')
  .option(
    '--wait-kubernetes <seconds>',
    'how long to wait for Kubernetes-made load balancers and volumes',
    '900',
  )
  .option('--region <region>', 'AWS region (default: the standard chain)')
  .option('--profile <name>', 'AWS profile (default: the standard credential chain)')
  .option('--json', 'print JSON', false)
  .action(
    async (
      arg: string,
      opts: AwsCliOptions & { yes: boolean; exportTo?: string; waitKubernetes: string },
    ) => {
      const cohort = cohortOf(arg);
      const exportTo = opts.exportTo === undefined ? undefined : parseDestination(opts.exportTo);
      if (opts.exportTo !== undefined && exportTo === undefined) {
        throw new OpsInputError(`--export-to: must be s3://<bucket>/<prefix> (got "${opts.exportTo}")`);
      }
      const wait = Number(opts.waitKubernetes);
      if (!Number.isInteger(wait) || wait < 0) {
        throw new OpsInputError(
          `--wait-kubernetes: must be a whole number of seconds (got "${opts.waitKubernetes}")`,
        );
      }
      const clients = awsClients(opts);
      try {
        const plan = planTeardown(await takeInventory(clients), { cohort, exportTo });
        if (!opts.yes) {
          console.log(opts.json ? JSON.stringify(plan, null, 2) : renderTeardownPlan(plan));
          return;
        }
        if (
          process.stdin.isTTY &&
          !(await confirm(`Tear down ${cohort}? Type the cohort name to go on: `, cohort))
        ) {
          console.error('Not confirmed: nothing was changed.');
          process.exitCode = 1;
          return;
        }
        const controller = new AbortController();
        process.once('SIGINT', () => {
          console.error('Interrupt: stopping after the current step (run teardown again to carry on).');
          controller.abort();
        });
        const result = await teardown(clients, {
          cohort,
          exportTo,
          kubernetesWaitSeconds: wait,
          signal: controller.signal,
          progress: (line) => console.error(line),
        });
        const summary = { cohort, done: result.done, export: result.export, left: result.left };
        console.log(
          opts.json
            ? JSON.stringify(summary, null, 2)
            : [
                `Teardown of ${cohort} done: ${result.done.join(', ')}.`,
                `Left on purpose (${result.left.length}):`,
                ...result.left.map((r) => `  ${r.kind} ${r.id}`),
                `Next: cohort-lab sweep --cohort ${cohort}`,
              ].join('\n'),
        );
      } finally {
        clients.destroy();
      }
    },
  );

async function confirm(question: string, expected: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim() === expected;
  } finally {
    rl.close();
  }
}

program
  .command('validate')
  .description(
    'Check a running cohort end to end (MLflow, Feast, secrets, bucket, cluster, logs): pass or fail with evidence; exit 1 on any failure.',
  )
  .argument('<cohort-file>', 'cohort YAML file')
  .option('--local', "validate the cohort's local lab instead of AWS", false)
  .option('--state <dir>', "the local lab's state directory (default .lab/<cohort>)")
  .option('--junit <file>', 'also write the results as JUnit XML')
  .option('--json', 'print one JSON document instead of the text', false)
  .option('--only <checks>', `comma-separated checks to run (${CHECK_IDS.join(', ')})`)
  .option('--region <region>', 'the region, when the cohort file names none')
  .option('--profile <name>', 'AWS profile (default: the standard credential chain)')
  .option('--mlflow-url <url>', "MLflow's address (default https://<mlflow.hostname>)")
  .option(
    '--feast-url <url>',
    'Feast, port-forwarded (it has no Ingress); a learner token in COHORT_LAB_FEAST_TOKEN',
  )
  .option('--bucket <name>', "the artifact bucket (default: the data stack's ArtifactBucketName output)")
  .option('--today <date>', 'date used for expiry checks (YYYY-MM-DD)', new Date().toISOString().slice(0, 10))
  .action(async (file: string, opts: ValidateOptions) => {
    process.exitCode = await validateCommand(file, opts, {
      out: (t) => console.log(t),
      err: (t) => console.error(t),
    });
  });

program
  .command('report')
  .description(
    'Write the compliance report (Markdown and HTML) of a cohort from its synthesised app: encryption, rotation, access, retention, cdk-nag, NIST 800-53, checkov, open risks; with --local or --live, the recent changes too.',
  )
  .argument('[cohort-file]', 'cohort YAML file', 'cohorts/demo.yaml')
  .option('-o, --out <dir>', 'where to write report.md and report.html', 'report')
  .option('--today <date>', 'date used for expiry checks (YYYY-MM-DD)', new Date().toISOString().slice(0, 10))
  .option('--allow-expired', 'report on a cohort whose course has ended', false)
  .option('--local', "also list the recent changes of the cohort's running local lab", false)
  .option('--state <dir>', "the local lab's state directory (default .lab/<cohort>)")
  .option('--live', 'also list the recent changes of the deployed cohort on AWS', false)
  .option('--region <region>', 'the region, when the cohort file names none (--live)')
  .option('--profile <name>', 'AWS profile (--live; default: the standard credential chain)')
  .option('--mlflow-url <url>', "MLflow's address (--live; default https://<mlflow.hostname>)")
  .option('--bucket <name>', "the artifact bucket (--live; default: the data stack's output)")
  .action(async (file: string, opts: ReportOptions) => {
    process.exitCode = await reportCommand(file, opts, {
      out: (t) => console.log(t),
      err: (t) => console.error(t),
    });
  });

program
  .command('grade')
  .description(
    "Score learners' quiz answer files against the quiz and its key (pass at the quiz's passPercent) and write per-learner results and per-question statistics (CSV and Markdown); exit 1 when someone failed.",
  )
  .argument('[answers...]', 'answer files, or directories of them (*.yaml, *.yml)', ['answers'])
  .option('--quiz <file>', 'the quiz learners received', DEFAULT_QUIZ_FILE)
  .option('--key <file>', "the quiz's answer key (instructors only; kept apart from labs/)", DEFAULT_KEY_FILE)
  .option(
    '--roster <cohort-file>',
    "the cohort file: every answer file's learner must be on it; who has none is listed",
  )
  .option(
    '-o, --out <dir>',
    'where to write results.csv, results.md, questions.csv and questions.md',
    'grades',
  )
  .option('--json', 'print one JSON document instead of the summary', false)
  .action((answers: string[], opts: GradeOptions) => {
    process.exitCode = gradeCommand(answers, opts, {
      out: (t) => console.log(t),
      err: (t) => console.error(t),
    });
  });

program.parseAsync().catch((err: unknown) => {
  if (err instanceof CohortConfigError) {
    console.error(`Invalid cohort file:\n${err.message}`);
    process.exit(2);
  }
  if (err instanceof OpsInputError) {
    console.error(err.message);
    process.exit(2);
  }
  if (err instanceof WelcomeInputError) {
    console.error(err.message);
    process.exit(2);
  }
  if (err instanceof TeardownFailure) {
    console.error(`Teardown stopped: ${err.message}`);
    process.exit(1);
  }
  if (err instanceof WelcomeFailure) {
    console.error(err.message);
    process.exit(1);
  }
  // Anything else (an AWS error: no credentials, no region, access denied): one line, exit 1; the
  // stack trace only with COHORT_LAB_DEBUG=1.
  for (const line of failureReport(program.args[0] ?? 'cohort-lab', err, debugRequested())) {
    console.error(line);
  }
  process.exit(1);
});

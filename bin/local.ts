// The `cohort-lab local` command group: parses arguments and hands them to lib/ops/local. No
// logic lives here. Exit codes: 0 done, 1 failures, 2 bad input (a usage error included).
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  localDown,
  LocalIo,
  localLogs,
  localRotate,
  localStatus,
  localToken,
  localUp,
} from '../lib/ops/local';
import { DEFAULT_BASE_PORT } from '../lib/local/ports';
import { PostgresSource } from '../lib/local/postgres';

const io: LocalIo = { out: (text) => console.log(text), err: (text) => console.error(text) };

/** Run a command's promise to its exit code, then exit (a detached lab's processes run on). */
function finish(run: Promise<number>): void {
  void run.then((code) => process.exit(code));
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1024 || n > 65529) {
    throw new InvalidArgumentError('a whole number from 1024 to 65529');
  }
  return n;
}

function lineCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 100_000) {
    throw new InvalidArgumentError('a whole number from 0 to 100000');
  }
  return n;
}

export function localCommand(): Command {
  const local = new Command('local').description(
    "Run a cohort's services on this machine, from the same manifests: MLflow and Feast with PostgreSQL, Redis, moto and an OpenID provider, on 127.0.0.1, no AWS account.",
  );
  const usageExit = (err: CommanderError) => {
    if (err.exitCode === 0) process.exit(0);
    process.exit(2);
  };
  const stateOption = [
    '--state <dir>',
    "the lab's state directory (default: .lab/<cohort> in the repository)",
  ] as const;

  local
    .command('up')
    .description('Start the lab of a cohort (default: the demo cohort) and print where everything is.')
    .argument('[cohort-file]', 'cohort YAML file (default: cohorts/demo.yaml)')
    .option('-d, --detach', 'leave the lab running in the background and return (stop it with `down`)', false)
    .option(
      '--base-port <port>',
      `first of the lab's seven ports on 127.0.0.1 (default: ${DEFAULT_BASE_PORT})`,
      port,
    )
    .addOption(
      new Option(
        '--postgres <which>',
        "the PostgreSQL to run: the system's (Debian's package) or the embedded one (npm package, PostgreSQL 17) " +
          "(default: the system's when it has one, else the embedded one)",
      ).choices(Object.values(PostgresSource)),
    )
    .option(...stateOption)
    .exitOverride(usageExit)
    .action(
      (
        file: string | undefined,
        opts: { detach: boolean; basePort?: number; state?: string; postgres?: PostgresSource },
      ) => finish(localUp(file, opts, io)),
    );

  local
    .command('status')
    .description(
      "Show each service of the lab (URL, pid, state, start time) and the end of a failed one's log.",
    )
    .argument('[cohort-file]', 'cohort YAML file (default: cohorts/demo.yaml)')
    .option(...stateOption)
    .exitOverride(usageExit)
    .action((file: string | undefined, opts: { state?: string }) => finish(localStatus(file, opts, io)));

  local
    .command('down')
    .description(
      'Stop the lab; its data (database, artifacts, Feast registry, secrets) stays for the next `up`.',
    )
    .argument('[cohort-file]', 'cohort YAML file (default: cohorts/demo.yaml)')
    .option('--purge', 'also delete the state directory and all the data in it', false)
    .option(...stateOption)
    .exitOverride(usageExit)
    .action((file: string | undefined, opts: { purge: boolean; state?: string }) =>
      finish(localDown(file, opts, io)),
    );

  local
    .command('rotate')
    .description(
      "Rotate secrets end to end (all four steps) with the cohort's rotation function: all, one, or a person's.",
    )
    .argument('[cohort-file]', 'cohort YAML file (default: the one the lab runs)')
    .option('--secret <name>', 'one secret, e.g. mlflow-admin or cohort-lab/<cohort>/redis')
    .option('--person <slug>', "one person's MLflow credentials")
    .option(...stateOption)
    .exitOverride(usageExit)
    .action((file: string | undefined, opts: { secret?: string; person?: string; state?: string }) =>
      finish(localRotate(file, opts, io)),
    );

  local
    .command('token')
    .description(
      'Print a Feast access token of a person (15 minutes), alone, for scripts: FEAST_TOKEN=$(... token <slug>)',
    )
    .argument('<slug>', "the person's user name")
    .argument('[cohort-file]', 'cohort YAML file (default: the one the lab runs)')
    .option(...stateOption)
    .exitOverride(usageExit)
    .action((slug: string, file: string | undefined, opts: { state?: string }) =>
      finish(localToken(slug, file, opts, io)),
    );

  local
    .command('logs')
    .description(
      "Show the end of one service's log, then follow it until Ctrl-C; secret values are replaced by ***.",
    )
    .argument(
      '<service>',
      'a service of the lab: mlflow, feast, oidc, moto, postgres, redis, mlflow-pod, ...',
    )
    .argument('[cohort-file]', 'cohort YAML file (default: the one the lab runs)')
    .option('-n, --lines <count>', 'lines of the log to show first', lineCount, 20)
    .option('--no-follow', 'print those lines and return')
    .option(...stateOption)
    .exitOverride(usageExit)
    .action(
      (service: string, file: string | undefined, opts: { lines: number; follow: boolean; state?: string }) =>
        finish(localLogs(service, file, opts, io)),
    );

  return local.exitOverride(usageExit);
}

/**
 * `cohort-lab validate <cohort-file>`: pick the target (the local lab with `--local`, else AWS),
 * run the checks, print each with its evidence as it finishes, write JUnit XML when asked, and
 * return the exit code: 0 every check passed or skipped, 1 a check failed or the environment cannot
 * be reached, 2 bad input (an invalid cohort file, an unknown check, a missing region or address).
 */
import { mkdirSync, writeFileSync } from 'fs';
import { dirname, resolve } from 'path';
import { CohortConfigError, loadCohortFile } from '../../config';
import { defaultStateDir } from '../../local/lab';
import { LabUsageError } from '../../local/lab-rotate';
import { StateCorruptError } from '../../local/state';
import {
  exitCodeOf,
  renderJson,
  renderJunit,
  renderResult,
  renderSummary,
  runChecks,
  selectChecks,
} from './index';
import { awsTarget, AwsTargetOptions, FEAST_TOKEN_VARIABLE } from './targets-aws';
import { localTarget } from './targets-local';
import { ValidateInputError, ValidationTarget } from './types';

export interface ValidateOptions extends Omit<AwsTargetOptions, 'feastToken'> {
  readonly local: boolean;
  /** The local lab's state directory. @default .lab/<cohort> */
  readonly state?: string;
  readonly junit?: string;
  readonly json: boolean;
  /** Comma-separated check ids. @default every check */
  readonly only?: string;
  readonly today: string;
}

export interface ValidateIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export async function validateCommand(file: string, opts: ValidateOptions, io: ValidateIo): Promise<number> {
  let target: ValidationTarget;
  let ids;
  try {
    ids = selectChecks(opts.only);
    // The local lab creates nothing on AWS: an ended course may still run there.
    const config = loadCohortFile(file, { today: opts.today, allowExpired: opts.local });
    if (opts.local && (opts.mlflowUrl ?? opts.feastUrl ?? opts.bucket) !== undefined) {
      throw new ValidateInputError(
        '--mlflow-url, --feast-url and --bucket are for AWS; --local finds them in the lab',
      );
    }
    target = opts.local
      ? await localTarget(
          config,
          opts.state === undefined ? defaultStateDir(config.name) : resolve(opts.state),
        )
      : await awsTarget(config, { ...opts, feastToken: process.env[FEAST_TOKEN_VARIABLE] });
  } catch (err) {
    if (err instanceof CohortConfigError) {
      io.err(`Invalid cohort file:\n${err.message}`);
      return 2;
    }
    if (err instanceof ValidateInputError) {
      io.err(err.message);
      return 2;
    }
    if (err instanceof LabUsageError || err instanceof StateCorruptError) {
      io.err(err.message);
      return err instanceof LabUsageError ? err.exitCode : 1;
    }
    io.err(`Cannot reach the environment to validate: ${(err as Error).name}: ${(err as Error).message}`);
    return 1;
  }
  if (!opts.json) io.out(`Validating ${target.cohort} (${target.description}): ${ids.length} checks`);
  const started = new Date();
  const results = await runChecks(target, ids, (r) => {
    if (!opts.json) io.out(renderResult(r));
  });
  if (opts.junit !== undefined) {
    mkdirSync(dirname(resolve(opts.junit)), { recursive: true });
    writeFileSync(opts.junit, renderJunit(target.cohort, results, started));
  }
  io.out(opts.json ? renderJson(target, results) : renderSummary(target, results));
  return exitCodeOf(results);
}

/**
 * `cohort-lab local ...`: the cohort's services on this machine, from the same manifests (the
 * runtime is lib/local). Each command writes what it has to say through `io` and returns its exit
 * code: 0 done, 1 a failure (a port taken, something missing, a service down, the lab already
 * running or not running), 2 bad input (an invalid cohort file, an unknown person or secret).
 */
import { existsSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import { CohortConfig, CohortConfigError, loadCohortFile } from '../../config';
import { REPO_ROOT } from '../../local/container';
import { healthRows } from '../../local/health';
import { defaultStateDir, knownSecretValues, labContext, LabContext } from '../../local/lab';
import { installProblems, portProblems, rootProblems } from '../../local/lab-checks';
import { LabUsageError, personToken, rotateInLab, RotationTarget } from '../../local/lab-rotate';
import { LabStartError, startLab } from '../../local/lab-start';
import { labStatus, logTail } from '../../local/lab-status';
import { followLog } from '../../local/follow-log';
import { stopLab } from '../../local/lab-stop';
import { DEFAULT_BASE_PORT } from '../../local/ports';
import { PostgresSource } from '../../local/postgres';
import { isRunning } from '../../local/pids';
import { LabState, readState, StateCorruptError } from '../../local/state';
import { renderReady, renderStarting, renderStatus, renderStopped } from './render';
import { waitForStopSignal, watchServices } from './signals';

/** Where the commands write: stdout and stderr lines. */
export interface LocalIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Options every `local` command takes. */
export interface LabLocation {
  /** The state directory. @default .lab/<cohort> in the repository */
  readonly state?: string;
}

/** The demo cohort, everyone's default. */
export const DEMO_COHORT = join(REPO_ROOT, 'cohorts', 'demo.yaml');

/** Load a cohort file for the local lab: it creates nothing on AWS, so an ended course may still run. */
export function loadLabCohort(file: string): CohortConfig {
  return loadCohortFile(file, { today: new Date().toISOString().slice(0, 10), allowExpired: true });
}

/** The lab a command acts on: the state directory (given, or the cohort's) and its ports. */
function locate(
  file: string | undefined,
  where: LabLocation,
  basePort?: number,
): { ctx: LabContext; state: LabState | undefined; file: string } {
  let stateDir = where.state ? resolve(where.state) : undefined;
  let cohortFile = file;
  if (stateDir === undefined) {
    cohortFile = file ?? DEMO_COHORT;
    stateDir = defaultStateDir(loadLabCohort(cohortFile).name);
  }
  const state = readState(stateDir);
  cohortFile = cohortFile ?? state?.cohortFile ?? DEMO_COHORT;
  const running = state !== undefined && state.services.some((s) => isRunning(s));
  const base = running ? state.basePort : (basePort ?? state?.basePort ?? DEFAULT_BASE_PORT);
  return { ctx: labContext(stateDir, base), state, file: cohortFile };
}

/** Run `f`, turning the errors a user can act on into a message and an exit code. */
async function guarded(io: LocalIo, f: () => Promise<number>): Promise<number> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof CohortConfigError) {
      io.err(`Invalid cohort file:\n${err.message}`);
      return 2;
    }
    if (err instanceof LabUsageError) {
      io.err(err.message);
      return err.exitCode;
    }
    if (err instanceof LabStartError) {
      io.err(err.message);
      return 1;
    }
    if (err instanceof StateCorruptError || err instanceof RangeError) {
      io.err(err.message);
      return err instanceof RangeError ? 2 : 1;
    }
    io.err(`The local lab failed: ${(err as Error).message}`);
    return 1;
  }
}

export interface UpOptions extends LabLocation {
  readonly detach?: boolean;
  readonly basePort?: number;
  /** @default - the system's PostgreSQL when it has one, else the embedded one */
  readonly postgres?: PostgresSource;
}

/** `local up`: start the lab (see lib/local/lab-start.ts) and, in the foreground, stop it on Ctrl-C. */
export function localUp(file: string | undefined, opts: UpOptions, io: LocalIo): Promise<number> {
  return guarded(io, async () => {
    const cohortFile = file ?? DEMO_COHORT;
    const config = loadLabCohort(cohortFile);
    const { ctx, state } = locate(cohortFile, opts, opts.basePort);
    if (state && state.services.some((s) => isRunning(s))) {
      io.err(
        `The local lab of ${state.cohort} is already running in ${ctx.stateDir}; no second copy was started. ` +
          'Stop it first with `cohort-lab local down`.',
      );
      io.err(renderStatus(await labStatus(ctx), ctx));
      return 1;
    }
    if (state && state.cohort !== config.name) {
      io.err(
        `${ctx.stateDir} holds the local lab of ${state.cohort}, not ${config.name}: give another --state, ` +
          'or remove that lab with `cohort-lab local down --purge --state <dir>`.',
      );
      return 2;
    }
    const problems = [
      ...installProblems(ctx, opts.postgres),
      ...rootProblems(ctx, opts.postgres),
      ...(await portProblems(ctx)),
    ];
    if (problems.length > 0) {
      io.err(
        `Cannot start the local lab; nothing was started:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      );
      return 1;
    }
    io.out(renderStarting(config.name, ctx, !existsSync(ctx.layout.savedSecrets)));
    const abort = new AbortController();
    const stopWaiting = waitForStopSignal(() => {
      io.out('Interrupted: the start stops at the next step and stops what it started.');
      abort.abort();
    });
    let run;
    try {
      run = await startLab({
        config,
        cohortFile,
        ctx,
        progress: io.out,
        foreground: !opts.detach,
        signal: abort.signal,
        postgres: opts.postgres,
      });
    } finally {
      stopWaiting.cancel();
    }
    io.out(renderReady(run, ctx, await healthRows(run.state.services), opts.detach === true));
    if (opts.detach) return 0;
    const unwatch = watchServices(run.state.services, (r) =>
      io.err(`${r.name} (pid ${r.pid}) has stopped; \`cohort-lab local status\` shows the end of its log.`),
    );
    await waitForStopSignal(() => io.out('\nStopping the local lab...')).signalled;
    unwatch();
    const report = await stopLab(ctx, { progress: io.out });
    io.out(renderStopped(report, ctx));
    return report.problems.length > 0 ? 1 : 0;
  });
}

/** `local status`: the health table; for a service that is down, the end of its log. */
export function localStatus(file: string | undefined, opts: LabLocation, io: LocalIo): Promise<number> {
  return guarded(io, async () => {
    const { ctx } = locate(file, opts);
    const status = await labStatus(ctx);
    io.out(renderStatus(status, ctx));
    return status.failing.length > 0 ? 1 : 0;
  });
}

export interface DownOptions extends LabLocation {
  readonly purge?: boolean;
}

/** `local down`: stop everything, save what moto holds; `--purge` deletes the state directory. */
export function localDown(file: string | undefined, opts: DownOptions, io: LocalIo): Promise<number> {
  return guarded(io, async () => {
    let ctx: LabContext;
    try {
      ctx = locate(file, opts).ctx;
    } catch (err) {
      // A corrupt state can still be purged: that is the way out the message names.
      if (!(err instanceof StateCorruptError) || !opts.purge) throw err;
      ctx = labContext(err.stateDir, DEFAULT_BASE_PORT);
    }
    io.out(opts.purge ? 'Stopping the local lab and deleting its data...' : 'Stopping the local lab...');
    const report = await stopLab(ctx, { purge: opts.purge, progress: io.out });
    io.out(renderStopped(report, ctx));
    return report.problems.length > 0 ? 1 : 0;
  });
}

export interface RotateOptions extends LabLocation {
  readonly secret?: string;
  readonly person?: string;
}

/** `local rotate`: rotations end to end with the cohort's rotation function. */
export function localRotate(file: string | undefined, opts: RotateOptions, io: LocalIo): Promise<number> {
  return guarded(io, async () => {
    if (opts.secret && opts.person) {
      io.err('Give --secret or --person, not both.');
      return 2;
    }
    const located = locate(file, opts);
    const config = loadLabCohort(located.file);
    const target: RotationTarget = opts.secret
      ? { secret: opts.secret }
      : opts.person
        ? { person: opts.person }
        : 'all';
    const results = await rotateInLab(located.ctx, config, target, io.out);
    io.out(
      `Rotated ${results.length} secret(s). The people's credentials files hold the new values; MLflow, Feast and ` +
        'Redis read a rotated service secret when they next start (on the cluster, Reloader restarts them).',
    );
    return 0;
  });
}

/** `local token <slug>`: a Feast access token of a person, alone on stdout (for scripts). */
export function localToken(
  slug: string,
  file: string | undefined,
  opts: LabLocation,
  io: LocalIo,
): Promise<number> {
  return guarded(io, async () => {
    const located = locate(file, opts);
    io.out(await personToken(located.ctx, loadLabCohort(located.file), slug));
    return 0;
  });
}

export interface LogsOptions extends LabLocation {
  /** Lines of what the log already holds to show first. */
  readonly lines: number;
  /** Keep following until Ctrl-C (SIGINT), SIGTERM or SIGHUP; otherwise print and return. */
  readonly follow: boolean;
}

/**
 * `local logs <service>`: the end of one service's log, then (by default) every new line as it is
 * written, until Ctrl-C. Every secret value the lab knows is replaced by `***` before a line is shown.
 */
export function localLogs(
  service: string,
  file: string | undefined,
  opts: LogsOptions,
  io: LocalIo,
): Promise<number> {
  return guarded(io, async () => {
    const { ctx, state } = locate(file, opts);
    if (state === undefined) {
      io.err(`The local lab has never run in ${ctx.stateDir}: there is no log to show.`);
      return 1;
    }
    const record = state.services.find((s) => s.name === service);
    if (record === undefined) {
      const names = state.services.map((s) => s.name).join(', ');
      io.err(
        `No service "${service}" in the local lab of ${state.cohort}; its services are: ${names || '(none: the lab is stopped)'}.`,
      );
      return 2;
    }
    const moto = state.services.find((s) => s.name === 'moto');
    const secrets = await knownSecretValues(
      ctx,
      { name: state.cohort },
      moto !== undefined && isRunning(moto),
    );
    if (!opts.follow) {
      if (opts.lines > 0 && existsSync(record.log)) {
        io.out(logTail(readFileSync(record.log, 'utf8'), secrets, opts.lines));
      }
      return 0;
    }
    const abort = new AbortController();
    const wait = waitForStopSignal(() => abort.abort());
    try {
      await followLog(record.log, { secrets, onLine: io.out, signal: abort.signal, lastLines: opts.lines });
    } finally {
      wait.cancel();
    }
    return 0;
  });
}

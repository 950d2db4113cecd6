/**
 * How the local lab is doing (`cohort-lab local status`): each recorded process probed, and for
 * one that died or does not answer, the end of its log with every secret value the lab knows
 * replaced by `***`.
 */
import { existsSync, readFileSync } from 'fs';
import { HealthRow, healthRows } from './health';
import { knownSecretValues, LabContext } from './lab';
import { countLogFile, LogCounts } from './log-metrics';
import { redact } from './processes';
import { isRunning } from './pids';
import { LabState, readState } from './state';

/** Lines of a failing service's log that `status` shows. */
export const LOG_TAIL_LINES = 15;

export interface LabStatus {
  /** Undefined when the lab never ran in this state directory. */
  readonly state: LabState | undefined;
  readonly rows: HealthRow[];
  /** For each row, in its order: what the service's log counts since its current start. */
  readonly activity: ReadonlyArray<{ readonly service: string; readonly counts: LogCounts }>;
  /** For each service that is not up: its log file and the end of it, redacted. */
  readonly failing: ReadonlyArray<{ readonly service: string; readonly log: string; readonly tail: string }>;
}

/** The status of the lab in `ctx`. Throws StateCorruptError when its state is not readable. */
export async function labStatus(ctx: LabContext): Promise<LabStatus> {
  const read = readState(ctx.stateDir);
  // A foreground `up` that is gone supervises nothing any more.
  const state = read?.supervisor && !isRunning(read.supervisor) ? { ...read, supervisor: undefined } : read;
  if (state === undefined || state.services.length === 0)
    return { state, rows: [], activity: [], failing: [] };
  const rows = await healthRows(state.services);
  const activity = rows.map((r) => {
    const record = state.services.find((s) => s.name === r.service)!;
    return { service: r.service, counts: countLogFile(record.log, record.logFrom ?? 0) };
  });
  const down = rows.filter((r) => r.state !== 'up');
  if (down.length === 0) return { state, rows, activity, failing: [] };
  const moto = state.services.find((s) => s.name === 'moto');
  const secrets = await knownSecretValues(ctx, { name: state.cohort }, moto !== undefined && isRunning(moto));
  const failing = down.map((r) => {
    const log = state.services.find((s) => s.name === r.service)!.log;
    return {
      service: r.service,
      log,
      tail: existsSync(log) ? logTail(readFileSync(log, 'utf8'), secrets) : '(no log)',
    };
  });
  return { state, rows, activity, failing };
}

/** The last {@link LOG_TAIL_LINES} lines of `text`, secret values replaced. Pure. */
export function logTail(text: string, secrets: readonly string[], lines = LOG_TAIL_LINES): string {
  return redact(text, secrets).trimEnd().split('\n').slice(-lines).join('\n');
}

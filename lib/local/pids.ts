/**
 * Processes known by pid, as a state file records them: a process started by an earlier command
 * is known by its pid and its start time in the kernel's clock ticks (`/proc/<pid>/stat`), which
 * tells it apart from a later process that got the same pid.
 */
import { readFileSync } from 'fs';
import { killGroup, sleep, StopHow } from './processes';

/**
 * The start time of process `pid` in clock ticks since boot (`/proc/<pid>/stat` field 22), or
 * undefined when there is no such process or it is a zombie.
 */
export function processStartTicks(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields 3.. follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return Number(fields[19]);
}

/** A process started earlier, as a state file records it. */
export interface KnownProcess {
  readonly pid: number;
  /** {@link processStartTicks} when it was started. */
  readonly startTicks: number;
  readonly stop: StopHow;
}

/** True while the recorded process runs (the same process: same pid and start time). */
export function isRunning(p: Pick<KnownProcess, 'pid' | 'startTicks'>): boolean {
  return processStartTicks(p.pid) === p.startTicks;
}

/**
 * Stop a process an earlier command started: its stop signal, then SIGKILL to its process group
 * after `graceMs`. Resolves once it is gone; does nothing when it is gone already.
 */
export async function stopKnownProcess(p: KnownProcess, graceMs = 15_000): Promise<void> {
  if (!isRunning(p)) return;
  try {
    process.kill(p.stop.group ? -p.pid : p.pid, p.stop.signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isRunning(p) && Date.now() < deadline) await sleep(100);
  if (isRunning(p)) {
    killGroup(p.pid);
    const hard = Date.now() + 5_000;
    while (isRunning(p) && Date.now() < hard) await sleep(100);
  }
  // The process group may outlive its leader (a worker that ignored the signal).
  killGroup(p.pid);
}

/** The command line of process `pid` (arguments joined by spaces), or undefined. */
export function commandLine(pid: number): string | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.replace(/\0+$/, '').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

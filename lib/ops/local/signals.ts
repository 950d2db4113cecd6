/**
 * A foreground `up` waits for Ctrl-C (SIGINT), SIGTERM (`cohort-lab local down` sends it from
 * elsewhere) or SIGHUP (its terminal closed), then stops the lab; meanwhile it says when a service
 * of the lab dies.
 */
import { isRunning } from '../../local/pids';
import { ServiceRecord } from '../../local/state';

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface StopSignalWait {
  /** Resolves with the first SIGINT, SIGTERM or SIGHUP. */
  readonly signalled: Promise<NodeJS.Signals>;
  /** Stop listening (the handlers are removed). */
  cancel(): void;
}

/** Listen for SIGINT, SIGTERM and SIGHUP; `onSignal` runs on the first. Later ones are ignored while stopping. */
export function waitForStopSignal(onSignal: (signal: NodeJS.Signals) => void): StopSignalWait {
  let resolveSignal: (s: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<NodeJS.Signals>((resolve) => (resolveSignal = resolve));
  let fired = false;
  const handler = (signal: NodeJS.Signals) => {
    if (fired) return;
    fired = true;
    onSignal(signal);
    resolveSignal(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  return {
    signalled,
    cancel: () => {
      for (const signal of STOP_SIGNALS) process.off(signal, handler);
    },
  };
}

/** Every `intervalMs`, report a recorded service that is no longer running (once each); returns a stop function. */
export function watchServices(
  records: readonly ServiceRecord[],
  onDeath: (record: ServiceRecord) => void,
  intervalMs = 5_000,
): () => void {
  const dead = new Set<string>();
  const timer = setInterval(() => {
    for (const r of records) {
      if (!dead.has(r.name) && !isRunning(r)) {
        dead.add(r.name);
        onDeath(r);
      }
    }
  }, intervalMs);
  return () => clearInterval(timer);
}

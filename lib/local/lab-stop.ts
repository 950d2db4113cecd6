/**
 * Stopping the local lab (`cohort-lab local down`, Ctrl-C on a foreground `up`, a failed `up`):
 * the consumers first (load balancer, Feast, MLflow), then what moto holds is saved into the state
 * directory (the bucket's objects, the secrets), then Redis (which writes its snapshot), the OpenID
 * provider, moto and PostgreSQL. Each process gets its stop signal, then SIGKILL to its process
 * group after a grace period. Afterwards nothing of the lab may be left: no recorded process, no
 * listening lab port, no process working in the state directory; what is left is reported.
 */
import { existsSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'fs';
import { join } from 'path';
import { secretPrefix } from '../core';
import { awsClients, readSecrets, saveBucket, writeSecretsFile } from './aws-state';
import { REPO_ROOT } from './container';
import { localBucketName } from './infra';
import { LabContext } from './lab';
import { allPids, LAB_SERVICES, listeningSockets, portOwner, PortOwner } from './ports';
import { allPostgres } from './postgres';
import { sleep } from './processes';
import { commandLine, isRunning, processStartTicks, stopKnownProcess } from './pids';
import { LabState, readState, ServiceRecord, StateCorruptError, writeState } from './state';

/** The order services stop in; the save happens after the consumers are gone. */
const CONSUMERS = ['mlflow', 'feast', 'mlflow-pod'];
const PROVIDERS = ['redis', 'oidc', 'moto', 'postgres'];

/** What `down` did and found. */
export interface StopReport {
  /** False when nothing ran. */
  readonly wasRunning: boolean;
  readonly stopped: string[];
  /** What was saved from moto (undefined when moto was not running). */
  readonly saved?: { readonly objects: number; readonly secrets: number };
  /** Problems (a failed save, something left running or listening). */
  readonly problems: string[];
  readonly purged: boolean;
  /** The foreground `up` that stopped the lab when asked (its pid). */
  readonly stoppedBy?: number;
}

export interface StopOptions {
  readonly purge?: boolean;
  readonly progress: (line: string) => void;
}

/**
 * Stop the lab in `ctx`. When a foreground `up` supervises it (and that is not this process), that
 * `up` is asked to stop (SIGTERM) and this waits for it. With `purge`, the state directory is
 * removed afterwards, even when it is corrupt.
 */
export async function stopLab(ctx: LabContext, opts: StopOptions): Promise<StopReport> {
  let state: LabState | undefined;
  try {
    state = readState(ctx.stateDir);
  } catch (err) {
    if (!(err instanceof StateCorruptError) || !opts.purge) throw err;
    opts.progress(`The state in ${ctx.stateDir} is corrupt; stopping every process working in it.`);
    const problems = await killProcessesIn(ctx.stateDir);
    rmSync(ctx.stateDir, { recursive: true, force: true });
    return { wasRunning: false, stopped: [], problems, purged: true };
  }
  if (state === undefined) {
    if (opts.purge && existsSync(ctx.stateDir)) rmSync(ctx.stateDir, { recursive: true, force: true });
    return { wasRunning: false, stopped: [], problems: [], purged: opts.purge === true };
  }
  const sup = state.supervisor;
  if (sup && sup.pid !== process.pid && processStartTicks(sup.pid) === sup.startTicks) {
    opts.progress(`Asking the foreground \`up\` (pid ${sup.pid}) to stop the lab...`);
    process.kill(sup.pid, 'SIGTERM');
    const deadline = Date.now() + 180_000;
    while (processStartTicks(sup.pid) === sup.startTicks && Date.now() < deadline) await sleep(200);
    state = readState(ctx.stateDir) ?? state;
    // It saved and stopped everything; what follows checks that nothing is left.
    const report = await stopServices(ctx, state, opts.progress);
    if (opts.purge) rmSync(ctx.stateDir, { recursive: true, force: true });
    return { ...report, wasRunning: true, purged: opts.purge === true, stoppedBy: sup.pid };
  }
  const report = await stopServices(ctx, state, opts.progress);
  if (opts.purge) rmSync(ctx.stateDir, { recursive: true, force: true });
  return { ...report, purged: opts.purge === true };
}

/**
 * Stop the recorded services of `state` in order, saving moto's objects and secrets in between;
 * records the lab as stopped. Used by `down` and by a failed or interrupted `up`.
 */
export async function stopServices(
  ctx: LabContext,
  state: LabState,
  progress: (line: string) => void,
): Promise<Omit<StopReport, 'purged'>> {
  const running = state.services.filter((s) => isRunning(s));
  const wasRunning = running.length > 0;
  writeState(ctx.stateDir, { ...state, status: 'stopping' });
  const problems: string[] = [];
  const stopped: string[] = [];
  const byName = (names: string[]) =>
    state.services
      .filter((s) => names.includes(s.name))
      .sort((a, b) => names.indexOf(a.name) - names.indexOf(b.name));
  const others = state.services.filter((s) => !CONSUMERS.includes(s.name) && !PROVIDERS.includes(s.name));
  const stop = async (records: ServiceRecord[]) => {
    for (const r of records) {
      if (isRunning(r)) {
        await stopKnownProcess(r);
        stopped.push(r.name);
      }
    }
  };
  await stop([...byName(CONSUMERS), ...others]);
  let saved: StopReport['saved'];
  const moto = state.services.find((s) => s.name === 'moto');
  if (moto && isRunning(moto)) {
    try {
      const { s3, sm } = awsClients(`http://127.0.0.1:${ctx.ports.moto}`);
      const secrets = await readSecrets(sm, secretPrefix(state.cohort));
      if (secrets.length > 0) writeSecretsFile(ctx.layout.savedSecrets, secrets);
      const objects = await saveBucket(s3, localBucketName(state.cohort), ctx.layout.savedBucket);
      saved = { objects, secrets: secrets.length };
      progress(
        `  saved ${objects} object(s) of the bucket and ${secrets.length} secret(s) into ${ctx.layout.saved}`,
      );
    } catch (err) {
      problems.push(`could not save what moto holds: ${(err as Error).message}`);
    }
  }
  await stop(byName(PROVIDERS));
  problems.push(...(await leftovers(ctx, state)));
  writeState(ctx.stateDir, {
    ...state,
    status: 'stopped',
    supervisor: undefined,
    services: [],
    stoppedAt: new Date().toISOString(),
  });
  return { wasRunning, stopped, saved, problems };
}

/** What is still there after a stop: recorded processes, listening lab ports, processes in the state dir. */
async function leftovers(ctx: LabContext, state: LabState): Promise<string[]> {
  const problems: string[] = [];
  for (const r of state.services.filter((s) => isRunning(s))) {
    problems.push(`${r.name} (pid ${r.pid}) is still running`);
  }
  problems.push(...(await killProcessesIn(ctx.stateDir)));
  const listening = new Set(listeningSockets().map((s) => s.port));
  for (const name of LAB_SERVICES) {
    const port = ctx.ports[name];
    if (!listening.has(port)) continue;
    const owner: PortOwner | undefined = portOwner(port);
    if (owner && !workingIn(owner.pid, ctx.stateDir)) continue; // someone else's, since
    problems.push(
      `port ${port} (${name}) still listens${owner ? `: pid ${owner.pid} (${owner.command})` : ''}`,
    );
  }
  return problems;
}

/** True when process `pid` works in `dir`: its working directory or an argument is inside it. */
export function workingIn(pid: number, dir: string): boolean {
  const inside = (p: string | undefined) => p !== undefined && (p === dir || p.startsWith(`${dir}/`));
  let cwd: string | undefined;
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    cwd = undefined;
  }
  return inside(cwd) || (commandLine(pid) ?? '').split(' ').some((a) => inside(a) || inside(a.split('=')[1]));
}

/**
 * Stop every process of the lab's programs (Python of the venvs, Node.js, PostgreSQL, Redis) but
 * this one and its parents that works in `dir`, e.g. an init container an interrupted `up` left
 * running; returns what would not stop. Someone's shell or `tail -f` in the directory is left alone.
 */
export async function killProcessesIn(dir: string): Promise<string[]> {
  const mine = ancestors(process.pid);
  const programs = labPrograms();
  const found = allPids().filter(
    (pid) => !mine.has(pid) && programs.has(executable(pid)) && workingIn(pid, dir),
  );
  for (const pid of found) {
    const ticks = processStartTicks(pid);
    if (ticks !== undefined)
      await stopKnownProcess({ pid, startTicks: ticks, stop: { signal: 'SIGTERM', group: false } }, 5_000);
  }
  return found
    .filter((pid) => processStartTicks(pid) !== undefined)
    .map((pid) => `pid ${pid} (${commandLine(pid) ?? '?'}) still works in ${dir}`);
}

/** The programs the lab runs, as `/proc/<pid>/exe` names them. */
function labPrograms(): Set<string> {
  const candidates = [
    process.execPath,
    ...['mlflow', 'feast', 'tools'].map((v) => join(REPO_ROOT, '.venvs', v, 'bin', 'python')),
    // The system's and the embedded PostgreSQL: a lab may run on either.
    ...allPostgres().map((b) => join(b.bin, 'postgres')),
    ...(process.env.PATH ?? '').split(':').map((d) => join(d, 'redis-server')),
  ];
  const out = new Set<string>();
  for (const c of candidates) {
    try {
      out.add(realpathSync(c));
    } catch {
      // not installed
    }
  }
  return out;
}

function executable(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return '';
  }
}

/** `pid` and its parents up to init (a command run as `npx tsx ... --state <dir>` names the dir too). */
function ancestors(pid: number): Set<number> {
  const out = new Set<number>();
  for (let p = pid; p > 1 && !out.has(p);) {
    out.add(p);
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  return out;
}

/** The path of a lab log, for messages. */
export function logPath(ctx: LabContext, name: string): string {
  return join(ctx.layout.logs, `${name}.log`);
}

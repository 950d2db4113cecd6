/**
 * Starting, waiting for and stopping local processes, each with its output in its own log file.
 *
 * Every process gets its own process group (`detached`), so stopping it takes its children too,
 * and writes straight into its log file (no pipe through this process), so it can outlive the
 * command that started it (`cohort-lab local up --detach`); pids.ts finds it again later.
 */
import { ChildProcess, spawn } from 'child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from 'fs';
import { AddressInfo, connect, createServer } from 'net';
import { join } from 'path';
import { ProcessSpec } from './container';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Replace every known secret value in `text` with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets.filter((x) => x.length >= 4).sort((a, b) => b.length - a.length)) {
    out = out.split(s).join('***');
  }
  return out;
}

/** How a process is started and stopped, beyond its {@link ProcessSpec}. */
export interface RunOptions {
  /** Append to the log file instead of replacing it (the local lab keeps every run's output). */
  readonly append?: boolean;
  /** Run as this user and group (root starting PostgreSQL, which refuses to run as root). */
  readonly uid?: number;
  readonly gid?: number;
  /**
   * The signal that stops it, and whether it goes to the whole process group or to the process
   * alone (PostgreSQL: SIGINT to the postmaster only, which then stops its children in order).
   * @default SIGTERM to the process group
   */
  readonly stop?: StopHow;
}

/** How to stop a process: the signal, and whether the whole process group gets it. */
export interface StopHow {
  readonly signal: NodeJS.Signals;
  readonly group: boolean;
}

const DEFAULT_STOP: StopHow = { signal: 'SIGTERM', group: true };

export class RunningProcess {
  public readonly child: ChildProcess;
  public readonly logFile: string;
  /** Where this run's output starts in the log file, in bytes (the local lab appends every run). */
  public readonly logStart: number;
  public readonly stopHow: StopHow;
  private exited: Promise<number | null>;

  constructor(name: string, spec: ProcessSpec, logDir: string, opts: RunOptions = {}) {
    this.logFile = join(logDir, `${name}.log`);
    this.stopHow = opts.stop ?? DEFAULT_STOP;
    this.logStart = opts.append && existsSync(this.logFile) ? statSync(this.logFile).size : 0;
    const fd = openSync(this.logFile, opts.append ? 'a' : 'w', 0o600);
    try {
      this.child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        stdio: ['ignore', fd, fd],
        detached: true,
        uid: opts.uid,
        gid: opts.gid,
      });
    } finally {
      closeSync(fd);
    }
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null)));
      // A command that cannot be started (ENOENT) reports an error and no exit.
      this.child.on('error', () => resolve(-1));
    });
  }

  public get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.logFile}: the process did not start`);
    return this.child.pid;
  }

  /** The process output with secret values replaced. */
  public logs(secrets: readonly string[]): string {
    return redact(readFileSync(this.logFile, 'utf8'), secrets);
  }

  /** Resolves with the exit code when the process ends (-1 when a signal ended it). */
  public wait(): Promise<number | null> {
    return this.exited;
  }

  /** True while the process runs. */
  public get running(): boolean {
    return this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Let this process's event loop end while the process runs on (a detached lab). */
  public unref(): void {
    this.child.unref();
  }

  /** Stop it as {@link stopHow} says, then SIGKILL the process group after `graceMs`. */
  public async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    const pid = this.pid;
    try {
      process.kill(this.stopHow.group ? -pid : pid, this.stopHow.signal);
    } catch {
      return;
    }
    const timer = setTimeout(() => killGroup(pid), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** SIGKILL the process group of `pid` (nothing when it is gone). */
export function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The raw (unredacted) text of every process log in `logDir`, by file name, for "no secret in any log" checks. */
export function rawLogsIn(logDir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(logDir)
      .sort()
      .map((f) => [f, readFileSync(join(logDir, f), 'utf8')]),
  );
}

/** Run to completion; rejects with the (redacted) output when the exit code is not 0. */
export async function runToCompletion(
  name: string,
  spec: ProcessSpec,
  logDir: string,
  secrets: readonly string[],
  opts: RunOptions = {},
): Promise<string> {
  const p = new RunningProcess(name, spec, logDir, opts);
  const code = await p.wait();
  const out = p.logs(secrets);
  if (code !== 0) {
    throw new Error(`${name} exited with ${code}:\n${out.slice(-4000)}`);
  }
  return out;
}

/** Poll `url` until it answers `status` (default any < 500) or `timeoutMs` passes. */
export async function waitForHttp(
  url: string,
  proc: RunningProcess,
  secrets: readonly string[],
  timeoutMs = 90_000,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (!proc.running) {
      throw new Error(
        `process exited with ${proc.child.exitCode} before ${url} answered:\n${proc.logs(secrets).slice(-4000)}`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status < 500) return Date.now() - start;
    } catch {
      // not up yet
    }
    if (Date.now() - start > timeoutMs) {
      throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${proc.logs(secrets).slice(-4000)}`);
    }
    await sleep(250);
  }
}

/** True when something accepts TCP connections on loopback `port`. */
export function tcpOpen(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Poll until `port` on loopback accepts TCP connections (for servers that do not speak HTTP). */
export async function waitForTcp(
  port: number,
  proc: RunningProcess,
  secrets: readonly string[],
  timeoutMs = 30_000,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (!proc.running) {
      throw new Error(
        `process exited with ${proc.child.exitCode} before port ${port} opened:\n${proc.logs(secrets).slice(-4000)}`,
      );
    }
    if (await tcpOpen(port)) return Date.now() - start;
    if (Date.now() - start > timeoutMs) {
      throw new Error(
        `port ${port} did not open within ${timeoutMs} ms:\n${proc.logs(secrets).slice(-4000)}`,
      );
    }
    await sleep(100);
  }
}

/**
 * `waiting` (a wait for `proc` to be ready), but when it fails `proc` is stopped before the error
 * is passed on: a process that never became ready is not left running.
 */
export async function readyOrStop<T>(proc: RunningProcess, waiting: Promise<T>): Promise<T> {
  try {
    return await waiting;
  } catch (err) {
    await proc.stop(5_000);
    throw err;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Starting, waiting for and stopping local processes, each with its output in its own log file. */
import { ChildProcess, spawn } from 'child_process';
import { createWriteStream, readdirSync, readFileSync } from 'fs';
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

export class RunningProcess {
  public readonly child: ChildProcess;
  public readonly logFile: string;
  private exited: Promise<number | null>;

  constructor(name: string, spec: ProcessSpec, logDir: string) {
    this.logFile = join(logDir, `${name}.log`);
    const log = createWriteStream(this.logFile);
    this.child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** The process output with secret values replaced. */
  public logs(secrets: readonly string[]): string {
    return redact(readFileSync(this.logFile, 'utf8'), secrets);
  }

  /** Resolves with the exit code when the process ends. */
  public wait(): Promise<number | null> {
    return this.exited;
  }

  /** SIGTERM the process group, then SIGKILL after `graceMs`. */
  public async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.pid === undefined) return;
    const pid = this.child.pid;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
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
): Promise<string> {
  const p = new RunningProcess(name, spec, logDir);
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
    if (proc.child.exitCode !== null) {
      throw new Error(
        `process exited with ${proc.child.exitCode} before ${url} answered:\n${proc.logs(secrets).slice(-4000)}`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status < 500) return Date.now() - start;
    } catch {
      // not up yet
    }
    if (Date.now() - start > timeoutMs) {
      throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${proc.logs(secrets).slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
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
    if (proc.child.exitCode !== null) {
      throw new Error(
        `process exited with ${proc.child.exitCode} before port ${port} opened:\n${proc.logs(secrets).slice(-4000)}`,
      );
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return Date.now() - start;
    if (Date.now() - start > timeoutMs) {
      throw new Error(
        `port ${port} did not open within ${timeoutMs} ms:\n${proc.logs(secrets).slice(-4000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

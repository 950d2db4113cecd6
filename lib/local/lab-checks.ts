/**
 * What the local lab checks before it starts anything, and after: the programs it runs are
 * installed, its ports are free (naming whoever holds one), root's PostgreSQL can reach its data;
 * and once it runs, that every socket its processes listen on is on loopback.
 */
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { REPO_ROOT } from './container';
import { LabContext } from './lab';
import {
  allPids,
  isLoopback,
  LAB_SERVICES,
  listeningSockets,
  portFree,
  portOwner,
  portTakenMessage,
  socketInodes,
} from './ports';
import { choosePostgres, INSTALL_REDIS, PostgresSource, postgresRunAs, untraversable } from './postgres';
import { isRunning } from './pids';
import { ServiceRecord } from './state';

/** The venvs that stand in for the images and for AWS, and the file each is built from. */
export const LAB_VENVS: ReadonlyArray<readonly [string, string]> = [
  ['tools', 'requirements-tools.txt'],
  ['mlflow', 'images/mlflow/requirements.lock.txt'],
  ['feast', 'images/feast/requirements.lock.txt'],
];

/**
 * Why the lab in `ctx` cannot start on this machine, each with what to do; empty when it can.
 * `postgres`: the PostgreSQL asked for (default: the system's, else the embedded one).
 */
export function installProblems(ctx: LabContext, postgres?: PostgresSource): string[] {
  const problems: string[] = [];
  const missingVenvs = LAB_VENVS.filter(([v]) => !existsSync(join(REPO_ROOT, '.venvs', v, 'bin', 'python')));
  if (missingVenvs.length > 0) {
    problems.push(
      `The Python environments ${missingVenvs.map(([v]) => `.venvs/${v}`).join(', ')} are missing ` +
        '(they run MLflow, Feast and moto). `bash scripts/lab.sh` installs them; or: ' +
        missingVenvs.map(([v, f]) => `bash scripts/python-env.sh ${v} ${f}`).join('; '),
    );
  }
  try {
    choosePostgres(ctx.layout.postgres, { source: postgres });
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (!onPath('redis-server')) {
    problems.push(`Redis is not installed (no redis-server on PATH). Install it with: ${INSTALL_REDIS}`);
  }
  if (!onPath('openssl')) {
    problems.push(
      "openssl is not installed (it makes PostgreSQL's TLS certificate). Install it with: sudo apt-get install openssl",
    );
  }
  return problems;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d.length > 0 && existsSync(join(d, command)));
}

/**
 * When root runs the lab: the `postgres` user exists and can reach the state directory and the
 * binaries it runs (`postgres`, as {@link installProblems} chooses it).
 */
export function rootProblems(ctx: LabContext, postgres?: PostgresSource): string[] {
  let owner: ReturnType<typeof postgresRunAs>;
  try {
    owner = postgresRunAs();
  } catch (err) {
    return [(err as Error).message];
  }
  if (!owner) return [];
  const problems: string[] = [];
  const blocked = untraversable(ctx.layout.postgres, owner.uid, owner.gid);
  if (blocked.length > 0) {
    problems.push(
      `Running as root, the lab runs PostgreSQL as the postgres user, which cannot enter ${blocked.join(', ')} ` +
        `on the way to ${ctx.stateDir}. Choose a state directory it can reach (--state), or run as a normal user.`,
    );
  }
  let bin: string | undefined;
  try {
    bin = choosePostgres(ctx.layout.postgres, { source: postgres }).bin;
  } catch {
    bin = undefined; // installProblems says why
  }
  const binBlocked = bin === undefined ? [] : untraversable(join(bin, 'postgres'), owner.uid, owner.gid);
  if (binBlocked.length > 0) {
    problems.push(
      `Running as root, the lab runs PostgreSQL as the postgres user, which cannot enter ${binBlocked.join(', ')} ` +
        `on the way to its binaries in ${bin}. Clone the repository where it can, or run as a normal user.`,
    );
  }
  return problems;
}

/** Every lab port that is taken, with who holds it. */
export async function portProblems(ctx: LabContext): Promise<string[]> {
  const problems: string[] = [];
  for (const service of LAB_SERVICES) {
    const port = ctx.ports[service];
    if (!(await portFree(port)))
      problems.push(portTakenMessage(port, service, portOwner(port), ctx.basePort));
  }
  return problems;
}

/**
 * Sockets the lab's processes (each recorded process and its process group) listen on beyond
 * loopback, as `name: address:port` (empty when all are on 127.0.0.1).
 */
export function loopbackProblems(records: readonly ServiceRecord[]): string[] {
  const sockets = listeningSockets();
  const problems: string[] = [];
  for (const { name, pids } of labProcessGroups(records)) {
    const inodes = new Set(pids.flatMap((pid) => [...socketInodes(pid)]));
    for (const s of sockets.filter((x) => inodes.has(x.inode) && !isLoopback(x.address))) {
      problems.push(`${name}: ${s.address}:${s.port}`);
    }
  }
  return problems;
}

/** Every process of each recorded service: the processes of its process group. */
export function labProcessGroups(records: readonly ServiceRecord[]): Array<{ name: string; pids: number[] }> {
  const groups = new Map(records.filter((r) => isRunning(r)).map((r) => [r.pid, r.name]));
  const out = new Map<string, number[]>();
  for (const pid of allPids()) {
    const pgid = processGroup(pid);
    const name = pgid === undefined ? undefined : groups.get(pgid);
    if (name !== undefined) out.set(name, [...(out.get(name) ?? []), pid]);
  }
  return [...out.entries()].map(([name, pids]) => ({ name, pids }));
}

function processGroup(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

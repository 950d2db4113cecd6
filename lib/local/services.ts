/**
 * Real services on loopback: PostgreSQL (started by scripts/services.sh; reached here as the OS
 * user's superuser role over the Unix socket) and moto's server standing in for AWS APIs (S3,
 * Secrets Manager), from the tools venv.
 */
import { randomBytes } from 'crypto';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { POSTGRES_PORT } from '../core';
import { REPO_ROOT } from './container';
import { freePort, readyOrStop, RunningProcess, RunOptions, waitForHttp } from './processes';
import { runSql } from './sql';

/** Where scripts/services.sh's PostgreSQL (Debian's cluster) has its Unix socket. */
export const SYSTEM_POSTGRES_SOCKET_DIR = '/var/run/postgresql';

/**
 * Run SQL on scripts/services.sh's PostgreSQL as the local superuser (peer authentication over
 * the Unix socket); what `psql -qtA` would print (see sql.ts). `port` picks another cluster of
 * the same installation (a benchmark's own, e.g. 5433).
 */
export function psql(sql: string, database = 'postgres', port = POSTGRES_PORT): Promise<string> {
  return runSql({ socketDir: SYSTEM_POSTGRES_SOCKET_DIR, port }, sql, database);
}

/** A fresh random password (hex: safe in URIs, Redis connection strings and shells). */
export function randomPassword(bytes = 18): string {
  return randomBytes(bytes).toString('hex');
}

/**
 * An RDS-like master role: it can create roles and databases but is not a superuser, like the
 * RDS master user. Returns its name and password; drop with {@link dropTestDatabase}.
 */
export async function createMasterRole(
  prefix: string,
  port = POSTGRES_PORT,
): Promise<{ username: string; password: string }> {
  const username = `${prefix}_master_${randomBytes(3).toString('hex')}`;
  const password = randomPassword();
  await psql(`CREATE ROLE "${username}" LOGIN CREATEROLE CREATEDB PASSWORD '${password}'`, 'postgres', port);
  return { username, password };
}

/** Drop databases and roles a test created (best effort, for re-runs on one machine). */
export async function dropTestObjects(
  databases: readonly string[],
  roles: readonly string[],
  port = POSTGRES_PORT,
): Promise<void> {
  for (const db of databases) {
    await psql(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`, 'postgres', port);
  }
  for (const role of roles) {
    await psql(`DROP ROLE IF EXISTS "${role}"`, 'postgres', port);
  }
}

export interface Moto {
  readonly endpoint: string;
  readonly process: RunningProcess;
  /** Env that points AWS SDKs at moto (stands in for EKS Pod Identity credentials). */
  readonly awsEnv: Record<string, string>;
}

/** Where and how moto runs. */
export interface MotoOptions {
  /** @default - a free port */
  readonly port?: number;
  /** Directory of its log file (moto.log) and its HOME. @default - a new temporary directory */
  readonly logDir?: string;
  readonly run?: RunOptions;
}

/** Env that points AWS SDKs at moto (stands in for EKS Pod Identity credentials). */
export const MOTO_AWS_ENV: Readonly<Record<string, string>> = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** moto's server, from the tools venv, on loopback; resolves once it answers. */
export async function startMoto(opts: MotoOptions = {}): Promise<Moto> {
  const port = opts.port ?? (await freePort());
  const logDir = opts.logDir ?? mkdtempSync(join(tmpdir(), 'cohortlab-moto-'));
  const process = new RunningProcess(
    'moto',
    {
      command: join(REPO_ROOT, '.venvs', 'tools', 'bin', 'moto_server'),
      args: ['-H', '127.0.0.1', '-p', String(port)],
      env: { PATH: globalThis.process.env.PATH ?? '', HOME: logDir },
      cwd: logDir,
      mounts: {},
    },
    logDir,
    opts.run,
  );
  const endpoint = `http://127.0.0.1:${port}`;
  await readyOrStop(process, waitForHttp(`${endpoint}/moto-api/`, process, [], 30_000));
  return { endpoint, process, awsEnv: { ...MOTO_AWS_ENV } };
}

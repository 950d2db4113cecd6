/**
 * SQL for the local lab and its tests, in this process, through `pg` (node-postgres): one code
 * path for the system's PostgreSQL and the embedded binaries, which ship no `psql`. Nothing goes
 * on a command line, so no password is ever in a process's argv.
 */
import { userInfo } from 'os';
import { Client } from 'pg';
import { POSTGRES_PORT } from '../core';

/** How to reach a PostgreSQL server, and as whom. */
export type SqlConnection =
  | {
      /** A password login over TCP with TLS (`sslmode=require`, as the charts connect to RDS). */
      readonly host: string;
      readonly port: number;
      readonly user: string;
      readonly password: string;
    }
  | {
      /** Peer authentication over the Unix socket in this directory (no password), as the OS user. */
      readonly socketDir: string;
      /** @default POSTGRES_PORT (5432) */
      readonly port?: number;
    };

/**
 * Run `sql` (one or more statements, the simple query protocol) in `database`; returns what
 * `psql -qtA` prints: each row of the last result on a line, its columns joined by `|`, NULL as
 * the empty string. Statements run in one session; an error stops them and is thrown.
 */
export async function runSql(conn: SqlConnection, sql: string, database = 'postgres'): Promise<string> {
  const client = new Client(
    'socketDir' in conn
      ? { host: conn.socketDir, port: conn.port ?? POSTGRES_PORT, user: userInfo().username, database }
      : {
          host: conn.host,
          port: conn.port,
          user: conn.user,
          password: conn.password,
          database,
          // sslmode=require: encrypted, certificate not verified (the lab's is self-signed).
          ssl: { rejectUnauthorized: false },
        },
  );
  await client.connect();
  try {
    const result = await client.query({ text: sql, rowMode: 'array' });
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    return ((last?.rows ?? []) as unknown[][])
      .map((row) => row.map((v) => (v === null ? '' : String(v))).join('|'))
      .join('\n');
  } finally {
    await client.end();
  }
}

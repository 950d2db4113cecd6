/**
 * A private PostgreSQL instance of the local lab: `initdb` into the lab's state directory, TLS on
 * with a self-signed certificate made by `openssl` (the charts connect with `sslmode=require`, as
 * to RDS), listening on 127.0.0.1 only, on the lab's own port, TLS-only password logins
 * (`hostssl ... scram-sha-256`), no Unix socket. It never touches the system's own cluster.
 *
 * Its binaries: the system's (Debian's `postgresql` package) when there are any, else the embedded
 * ones of the npm package {@link EMBEDDED_PACKAGE} (an optional dependency, so `npm ci` installs it
 * on Linux x86-64). Neither needs `psql`: SQL goes through sql.ts.
 *
 * PostgreSQL refuses to run as root; when the lab runs as root, the instance runs as the
 * `postgres` system user, and owns its data directory.
 *
 * Statements are not written to its log on error (`log_min_error_statement = panic`): a failed
 * `CREATE ROLE ... PASSWORD '...'` would otherwise put the password in the log.
 */
import { execFileSync } from 'child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'fs';
import { dirname, join } from 'path';
import { readyOrStop, RunningProcess, RunOptions, waitForTcp } from './processes';
import { runSql } from './sql';
import { PostgresBinaries } from './postgres-install';

export * from './postgres-install';

/** The user and group the instance runs as: the current user, or `postgres` when that is root. */
export function postgresRunAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (line === undefined) {
    throw new Error(
      'PostgreSQL refuses to run as root, and there is no `postgres` system user to run it as. ' +
        'Run the lab as a normal user, or create that user: sudo useradd --system --user-group --no-create-home postgres',
    );
  }
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Directories on the way to `dir` that `uid`/`gid` may not pass through (no search permission),
 * nearest the root first. Root passing its lab to the `postgres` user needs none.
 */
export function untraversable(dir: string, uid: number, gid: number): string[] {
  const blocked: string[] = [];
  for (let d = dirname(dir); ; d = dirname(d)) {
    // A directory not made yet is made by the lab, passable (mode 0711 when root runs it).
    const st = existsSync(d) ? statSync(d) : undefined;
    const bit = st === undefined ? 0 : st.uid === uid ? 0o100 : st.gid === gid ? 0o010 : 0o001;
    if (st !== undefined && (st.mode & bit) === 0) blocked.unshift(d);
    if (d === dirname(d)) break;
  }
  return blocked;
}

/** Where the instance lives and how it is reached. */
export interface PrivatePostgresOptions {
  readonly binaries: PostgresBinaries;
  /** Its data directory (created by {@link PrivatePostgres.init} when missing). */
  readonly dataDir: string;
  readonly port: number;
  readonly logDir: string;
  /** Password of its superuser {@link SUPERUSER} (set by initdb; used over TLS only). */
  readonly superuserPassword: string;
  readonly run?: RunOptions;
}

/** The instance's superuser: it creates the RDS-like master role once, then nothing. */
export const SUPERUSER = 'cohortlab';

export class PrivatePostgres {
  public process: RunningProcess | undefined;

  constructor(private readonly opts: PrivatePostgresOptions) {}

  /** The binaries it runs. */
  public get binaries(): PostgresBinaries {
    return this.opts.binaries;
  }

  /** True once {@link init} has made the data directory. */
  public get initialised(): boolean {
    return existsSync(join(this.opts.dataDir, 'PG_VERSION'));
  }

  /** initdb, the TLS certificate and the configuration; a no-op when the data directory exists. */
  public init(): void {
    if (this.initialised) return;
    const { dataDir, binaries } = this.opts;
    const owner = postgresRunAs();
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const pwfile = join(dirname(dataDir), '.initdb-pw');
    writeFileSync(pwfile, `${this.opts.superuserPassword}\n`, { mode: 0o600 });
    if (owner) {
      chownSync(dataDir, owner.uid, owner.gid);
      chownSync(pwfile, owner.uid, owner.gid);
    }
    try {
      execFileSync(
        join(binaries.bin, 'initdb'),
        [
          '-D',
          dataDir,
          '-U',
          SUPERUSER,
          `--pwfile=${pwfile}`,
          '--auth=scram-sha-256',
          '-E',
          'UTF8',
          '--no-locale',
          '--no-instructions',
          '--no-sync',
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          uid: owner?.uid,
          gid: owner?.gid,
          env: { PATH: process.env.PATH },
        },
      );
    } finally {
      rmSync(pwfile, { force: true });
    }
    // A self-signed certificate for 127.0.0.1: clients use sslmode=require (encryption, as the
    // charts do with RDS), so nothing verifies it.
    const key = join(dataDir, 'server.key');
    const crt = join(dataDir, 'server.crt');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        crt,
        '-days',
        '3650',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    chmodSync(key, 0o600);
    if (owner) {
      chownSync(key, owner.uid, owner.gid);
      chownSync(crt, owner.uid, owner.gid);
    }
    const conf = join(dataDir, 'postgresql.conf');
    writeFileSync(
      conf,
      [
        readFileSync(conf, 'utf8'),
        '# Cohort Lab local lab: loopback only, TLS, no Unix socket, no statement text in the log.',
        "listen_addresses = '127.0.0.1'",
        `port = ${this.opts.port}`,
        "unix_socket_directories = ''",
        'ssl = on',
        "ssl_cert_file = 'server.crt'",
        "ssl_key_file = 'server.key'",
        'log_min_error_statement = panic',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dataDir, 'pg_hba.conf'),
      '# Cohort Lab local lab: password logins over TLS from loopback, nothing else.\n' +
        'hostssl all all 127.0.0.1/32 scram-sha-256\n',
    );
  }

  /** Start the server on the lab's port (the port in its configuration is overridden). */
  public async start(): Promise<number> {
    const owner = postgresRunAs();
    this.process = new RunningProcess(
      'postgres',
      {
        command: join(this.opts.binaries.bin, 'postgres'),
        args: ['-D', this.opts.dataDir, '-p', String(this.opts.port)],
        env: { PATH: process.env.PATH ?? '', LC_ALL: 'C' },
        cwd: this.opts.dataDir,
        mounts: {},
      },
      this.opts.logDir,
      // SIGINT to the postmaster alone: a fast shutdown that stops its children in order.
      { ...this.opts.run, uid: owner?.uid, gid: owner?.gid, stop: { signal: 'SIGINT', group: false } },
    );
    return readyOrStop(
      this.process,
      waitForTcp(this.opts.port, this.process, [this.opts.superuserPassword], 60_000),
    );
  }

  /** Run SQL as the superuser over TLS; what `psql -qtA` would print (see sql.ts). */
  public query(sql: string, database = 'postgres'): Promise<string> {
    return runSql(
      { host: '127.0.0.1', port: this.opts.port, user: SUPERUSER, password: this.opts.superuserPassword },
      sql,
      database,
    );
  }

  /**
   * The RDS-like master role (LOGIN CREATEROLE CREATEDB, not a superuser, like the RDS master user
   * that the bootstrap Job connects as), with `password`: created, or its password set.
   */
  public async ensureMasterRole(username: string, password: string): Promise<void> {
    if (!/^[a-z_][a-z0-9_]*$/.test(username) || !/^[A-Za-z0-9]+$/.test(password)) {
      throw new Error('the master role must be a plain name with a letters-and-digits password');
    }
    // Sent from this process over TLS, so the password is in no process's argv.
    await this.query(
      `DO $$ BEGIN
         IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${username}') THEN
           ALTER ROLE "${username}" LOGIN CREATEROLE CREATEDB PASSWORD '${password}';
         ELSE
           CREATE ROLE "${username}" LOGIN CREATEROLE CREATEDB PASSWORD '${password}';
         END IF;
       END $$;`,
    );
  }
}

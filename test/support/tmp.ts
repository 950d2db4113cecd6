/**
 * Temporary directories of the unit tests. Every synth stages assets (the kubectl layer alone is
 * ~60 MB), so each test file's directories are removed when the file finishes (see
 * cleanup-tmp.ts, a jest setup file); without that a full run leaves gigabytes behind.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const created: string[] = [];

/** A fresh directory under the OS temp dir, removed after the current test file. */
export function testTempDir(prefix: string): string {
  const root = join(tmpdir(), 'cohortlab-tests');
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, `${prefix}-`));
  created.push(dir);
  return dir;
}

/** Remove every directory {@link testTempDir} made in this test file. */
export function removeTestTempDirs(): void {
  for (const dir of created.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
}

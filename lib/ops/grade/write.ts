import { mkdirSync, renameSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';

/**
 * Write `files` into `dir` so that a reader never sees half of a run: each file goes to a hidden
 * temporary name in the same directory first, and only when all are written are they renamed
 * into place (a rename within one file system replaces the old file atomically). A failure while
 * writing removes the temporaries and leaves the previous results as they were.
 */
export function writeAtomically(dir: string, files: ReadonlyArray<{ name: string; text: string }>): string[] {
  mkdirSync(dir, { recursive: true });
  const staged = files.map((f) => ({
    tmp: join(dir, `.${f.name}.${process.pid}.tmp`),
    final: join(dir, f.name),
    text: f.text,
  }));
  try {
    for (const f of staged) writeFileSync(f.tmp, f.text, { encoding: 'utf8', flag: 'wx' });
  } catch (err) {
    for (const f of staged) rmSync(f.tmp, { force: true });
    throw err;
  }
  for (const f of staged) renameSync(f.tmp, f.final);
  return staged.map((f) => f.final);
}

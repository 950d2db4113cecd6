import { appendFileSync, renameSync, writeFileSync } from 'fs';
import { join } from 'path';
import { followLog } from '../../../lib/local/follow-log';
import { testTempDir } from '../../support/tmp';

/** Follows `file` and collects its lines; `until(n)` resolves once n lines have arrived. */
function follow(file: string, secrets: string[], lastLines?: number) {
  const lines: string[] = [];
  const controller = new AbortController();
  const waiters: Array<[number, () => void]> = [];
  const done = followLog(file, {
    secrets,
    lastLines,
    pollMs: 20,
    signal: controller.signal,
    onLine: (line) => {
      lines.push(line);
      for (const [n, resolve] of waiters) if (lines.length >= n) resolve();
    },
  });
  const until = (n: number) =>
    new Promise<void>((resolve) => (lines.length >= n ? resolve() : waiters.push([n, resolve])));
  const stop = async () => {
    controller.abort();
    await done;
  };
  return { lines, until, stop };
}

describe('followLog', () => {
  test('shows the last lines, then each new line as it is written, secrets replaced', async () => {
    // GIVEN a log with three lines
    const file = join(testTempDir('cohortlab-follow'), 'mlflow.log');
    writeFileSync(file, 'one\ntwo\nthree\n');
    const f = follow(file, ['s3cr3t-value'], 2);
    await f.until(2);
    // WHEN a line holding a secret arrives in two writes, then another line
    appendFileSync(file, 'login with s3cr3t');
    appendFileSync(file, '-value failed\nfour\n');
    await f.until(4);
    await f.stop();
    // THEN the last two lines came first, the split line whole and redacted
    expect(f.lines).toEqual(['two', 'three', 'login with *** failed', 'four']);
  });

  test('waits for a file that does not exist yet, and starts over when it is replaced', async () => {
    const dir = testTempDir('cohortlab-follow');
    const file = join(dir, 'feast.log');
    const f = follow(file, []);
    await new Promise((r) => setTimeout(r, 60));
    writeFileSync(file, 'first start\n');
    await f.until(1);
    // WHEN the service restarts into a new, shorter file
    writeFileSync(join(dir, 'next.log'), 'again\n');
    renameSync(join(dir, 'next.log'), file);
    await f.until(2);
    await f.stop();
    expect(f.lines).toEqual(['first start', 'again']);
  });

  test('stops when aborted', async () => {
    const file = join(testTempDir('cohortlab-follow'), 'x.log');
    writeFileSync(file, '');
    const f = follow(file, []);
    await f.stop();
    appendFileSync(file, 'late\n');
    await new Promise((r) => setTimeout(r, 60));
    expect(f.lines).toEqual([]);
  });
});

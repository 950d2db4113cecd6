/**
 * Following one log file as it grows (`tail -f`), every line with the lab's secret values replaced
 * by `***` before anyone sees it. Written here rather than taken from a package: it is a short poll
 * loop, and it must redact whole lines (a secret is never split across a read), start over when the
 * file is truncated or replaced (a service restarted), and wait for a file that does not exist yet.
 */
import { open, stat } from 'fs/promises';
import { redact } from './processes';

export interface FollowLogOptions {
  /** Secret values to replace on every line. */
  readonly secrets: readonly string[];
  /** Called with each line, redacted, without its newline. */
  readonly onLine: (line: string) => void;
  /** Stops following; {@link followLog} then resolves. */
  readonly signal: AbortSignal;
  /**
   * Lines of what the file already holds to show first.
   * @default 10
   */
  readonly lastLines?: number;
  /**
   * How often to look for new lines, milliseconds.
   * @default 200
   */
  readonly pollMs?: number;
}

/** Follow `file` until `opts.signal` aborts. */
export async function followLog(file: string, opts: FollowLogOptions): Promise<void> {
  const pollMs = opts.pollMs ?? 200;
  let offset = 0;
  let identity: string | undefined;
  let partial = '';
  let first = true;
  const emit = (lines: string[]) => {
    for (const line of lines) opts.onLine(redact(line, opts.secrets));
  };
  while (!opts.signal.aborted) {
    const info = await stat(file).catch(() => undefined);
    if (info !== undefined) {
      const id = `${info.dev}:${info.ino}`;
      if (id !== identity || info.size < offset) {
        // A new or truncated file: read it from its start.
        identity = id;
        offset = 0;
        partial = '';
      }
      if (info.size > offset) {
        const handle = await open(file, 'r');
        try {
          const buffer = Buffer.alloc(info.size - offset);
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
          offset += bytesRead;
          const lines = (partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
          partial = lines.pop() ?? '';
          emit(first ? lines.slice(Math.max(0, lines.length - (opts.lastLines ?? 10))) : lines);
        } finally {
          await handle.close();
        }
      }
      first = false;
    }
    await pause(pollMs, opts.signal);
  }
}

/** Wait `ms`, or less if `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

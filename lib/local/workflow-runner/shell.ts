/**
 * What the runner does around a `run:` step: the bash process (GitHub's default shell options,
 * stopped with its whole process group at the step's timeout), the command files steps write
 * ($GITHUB_OUTPUT, $GITHUB_ENV), and the masking of secrets and `::add-mask::` values in logs.
 */
import { spawn } from 'child_process';

/** Values replaced by *** in every log (secrets, `::add-mask::` values); longest first. */
export class Masker {
  private readonly values = new Set<string>();
  add(v: string): void {
    if (v.length >= 3) this.values.add(v);
  }
  apply(text: string): string {
    let out = text;
    for (const v of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(v).join('***');
    return out;
  }
}

/** `k=v` lines and `k<<DELIM` blocks, as GitHub reads $GITHUB_OUTPUT and $GITHUB_ENV. */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) body.push(lines[i]);
      out[heredoc[1]] = body.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

export function bash(
  script: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd,
      env,
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      output += `\nthe step ran longer than ${timeoutMs / 1000} s and was stopped\n`;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output });
    });
  });
}

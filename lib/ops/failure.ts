/**
 * How an ops command reports an error it did not expect (a CDK synth error such as
 * TooManyResourcesInStack, a bug): one line that says what went wrong, and the stack trace only
 * when asked for (`--verbose`, or `COHORT_LAB_DEBUG=1` in the environment).
 */

/** True when the environment asks for stack traces: `COHORT_LAB_DEBUG=1`. */
export function debugRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.COHORT_LAB_DEBUG === '1';
}

/**
 * The lines to print for `err`: `<Command> failed: <name>: <message>` on one line (the name only
 * when it says more than "Error"; a message over several lines joined with spaces), then the stack
 * trace when `withStack`.
 */
export function failureReport(command: string, err: unknown, withStack: boolean): string[] {
  const error = err instanceof Error ? err : undefined;
  const message = (error?.message ?? String(err))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');
  const name = error !== undefined && error.name !== 'Error' ? `${error.name}: ` : '';
  const line = `${command} failed: ${name}${message}`;
  return withStack && error?.stack !== undefined ? [line, error.stack] : [line];
}

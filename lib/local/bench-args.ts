/** The benchmarks' command-line options (scripts/bench-mlflow.ts, scripts/bench-feast.ts). */

/** The value after `--name` on the command line, or `fallback`. */
export function cliArg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

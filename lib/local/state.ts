/**
 * The local lab's state directory and its state file, `lab.json`: which cohort runs there, on
 * which ports, and each process the lab started (pid, start time in clock ticks, how to stop it,
 * its log), so `status` and `down` find them from another command. Written whole on every change
 * (a new file renamed over the old), mode 0600; parsing is pure and says what is wrong.
 *
 * The directory (mode 0700; 0711 when root runs the lab, so the `postgres` user reaches its data):
 *
 * | path                  | what                                                                        |
 * | --------------------- | --------------------------------------------------------------------------- |
 * | `lab.json`            | this state                                                                  |
 * | `logs/`               | every process's output, the rotation function's log                         |
 * | `pods/`               | the pods' mounted ConfigMaps and Secrets (files 0600)                       |
 * | `postgres/`           | PostgreSQL's data directory (its TLS key inside)                            |
 * | `redis/`              | Redis's data directory (its snapshot)                                       |
 * | `saved/`              | what moto held at the last `down`: `bucket/`, `secrets.json` (0600)         |
 * | `private/`            | the lab's own secrets (0600): PostgreSQL superuser, OpenID client secrets   |
 * | `people/<slug>.env`   | each person's credentials (0600)                                            |
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { z } from 'zod';
import { PostgresSource } from './postgres';

/** The state file's name in the state directory. */
export const STATE_FILE = 'lab.json';
/** The layout version this code reads and writes. */
export const STATE_VERSION = 1;

const serviceSchema = z.object({
  name: z.string().min(1),
  pid: z.number().int().positive(),
  startTicks: z.number().int().nonnegative(),
  stop: z.object({ signal: z.enum(['SIGTERM', 'SIGINT']), group: z.boolean() }),
  port: z.number().int().min(1).max(65535).optional(),
  url: z.string().optional(),
  log: z.string().min(1),
  /** Where this start's output begins in `log`, in bytes (absent in a state written before it was kept). */
  logFrom: z.number().int().nonnegative().optional(),
  startedAt: z.string().min(1),
  /** Seconds from its start to ready. */
  readySeconds: z.number().nonnegative(),
});

const stateSchema = z
  .object({
    version: z.literal(STATE_VERSION),
    cohort: z.string().min(1),
    cohortFile: z.string().min(1),
    basePort: z.number().int().min(1024).max(65535),
    status: z.enum(['starting', 'running', 'stopping', 'stopped']),
    /** The `up` that stays in the foreground, if any: `down` asks it to stop everything. */
    supervisor: z.object({ pid: z.number().int().positive(), startTicks: z.number().int() }).optional(),
    startedAt: z.string().optional(),
    stoppedAt: z.string().optional(),
    /** Which PostgreSQL runs the lab's database (the system's or the embedded one) and its version. */
    postgres: z
      .object({ source: z.enum(PostgresSource), version: z.string().min(1), bin: z.string().min(1) })
      .strict()
      .optional(),
    /** Jobs that ran to completion, by name (Kubernetes runs a Job of one name once). */
    completedJobs: z.array(z.string()),
    services: z.array(serviceSchema),
  })
  .strict();

/** One process the lab started. */
export type ServiceRecord = z.infer<typeof serviceSchema>;
/** The state file. */
export type LabState = z.infer<typeof stateSchema>;

/** The state directory or file is not what the lab wrote. */
export class StateCorruptError extends Error {
  constructor(
    public readonly stateDir: string,
    public readonly reason: string,
  ) {
    super(
      `The local lab's state directory ${stateDir} is corrupt: ${reason}. Nothing was started or stopped. ` +
        'To start afresh, remove it with `cohort-lab local down --purge` ' +
        '(this deletes the lab’s database, artifacts and Feast registry).',
    );
  }
}

/** Parse the state file's text. Pure; throws {@link StateCorruptError} naming what is wrong. */
export function parseState(text: string, stateDir: string): LabState {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new StateCorruptError(stateDir, `${STATE_FILE} is not JSON`);
  }
  const result = stateSchema.safeParse(doc);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue.path.length > 0 ? issue.path.join('.') : '(the top level)';
    throw new StateCorruptError(stateDir, `${STATE_FILE} ${where}: ${issue.message}`);
  }
  const names = result.data.services.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) {
    throw new StateCorruptError(stateDir, `${STATE_FILE} lists the process ${duplicate} twice`);
  }
  return result.data;
}

/** The state in `stateDir`, or undefined when the lab never ran there. */
export function readState(stateDir: string): LabState | undefined {
  const file = join(stateDir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  return parseState(readFileSync(file, 'utf8'), stateDir);
}

/** Write `state` whole (a new file renamed over the old), mode 0600. */
export function writeState(stateDir: string, state: LabState): void {
  const file = join(stateDir, STATE_FILE);
  writeFileSync(`${file}.new`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.new`, file);
}

/** The directories of a state directory. */
export function stateLayout(stateDir: string) {
  return {
    logs: join(stateDir, 'logs'),
    pods: join(stateDir, 'pods'),
    postgres: join(stateDir, 'postgres'),
    redis: join(stateDir, 'redis'),
    saved: join(stateDir, 'saved'),
    savedBucket: join(stateDir, 'saved', 'bucket'),
    savedSecrets: join(stateDir, 'saved', 'secrets.json'),
    private: join(stateDir, 'private'),
    people: join(stateDir, 'people'),
  };
}

/** Create the state directory and its directories with their modes. */
export function makeStateDirs(stateDir: string): ReturnType<typeof stateLayout> {
  const layout = stateLayout(stateDir);
  // Parents with the usual mode (e.g. `.lab/`): only the state directory itself is closed.
  mkdirSync(dirname(stateDir), { recursive: true });
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  for (const dir of [layout.logs, layout.pods, layout.redis, layout.saved, layout.private, layout.people]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  return layout;
}

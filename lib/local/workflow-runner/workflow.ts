/**
 * A workflow file as the local runner reads it: the subset of GitHub's workflow syntax our
 * workflows use (`env`, `permissions`, `jobs.<id>.{needs, if, environment, permissions, env,
 * steps}`, steps with `run` or `uses`). A key the runner would not honour is an error naming the
 * file and the field, so a workflow never runs differently here than its text says. (`runs-on`,
 * `concurrency` and `timeout-minutes` are accepted and not acted on: the runner runs one job at a
 * time, each step under its own timeout.)
 */
import { readFileSync } from 'fs';
import { parse } from 'yaml';

export class WorkflowError extends Error {}

export interface Step {
  readonly id?: string;
  readonly name: string;
  readonly if?: string;
  readonly run?: string;
  readonly uses?: string;
  readonly with: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  readonly workingDirectory?: string;
}

export interface Job {
  readonly id: string;
  readonly needs: readonly string[];
  readonly if?: string;
  readonly environment?: string;
  readonly permissions: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  readonly steps: readonly Step[];
}

export interface Workflow {
  readonly file: string;
  readonly name: string;
  readonly on: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly permissions: Readonly<Record<string, string>>;
  /** In the order they run: every job after the jobs it needs. */
  readonly jobs: readonly Job[];
}

const WORKFLOW_KEYS = new Set(['name', 'on', 'permissions', 'concurrency', 'env', 'jobs']);
const JOB_KEYS = new Set([
  'name',
  'needs',
  'if',
  'runs-on',
  'environment',
  'permissions',
  'env',
  'steps',
  'concurrency',
  'timeout-minutes',
]);
const STEP_KEYS = new Set(['id', 'name', 'if', 'run', 'uses', 'with', 'env', 'working-directory', 'shell']);

type Doc = Record<string, unknown>;

function isMap(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(file: string, field: string, v: unknown): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) throw new WorkflowError(`${file}: ${field} must be a map, got ${JSON.stringify(v)}`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'object' && x !== null) {
      throw new WorkflowError(`${file}: ${field}.${k} must be a string, number or boolean`);
    }
    out[k] = String(x);
  }
  return out;
}

function unknownKey(file: string, field: string, doc: Doc, known: Set<string>): void {
  const extra = Object.keys(doc).find((k) => !known.has(k));
  if (extra !== undefined) {
    throw new WorkflowError(`${file}: ${field}.${extra} is not supported by the local runner`);
  }
}

function permissions(file: string, field: string, v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v === 'string') {
    throw new WorkflowError(`${file}: ${field} "${v}" grants every scope; list the scopes a job needs`);
  }
  return strings(file, field, v);
}

function step(file: string, field: string, raw: unknown, index: number): Step {
  if (!isMap(raw)) throw new WorkflowError(`${file}: ${field} must be a map`);
  unknownKey(file, field, raw, STEP_KEYS);
  const run = raw.run === undefined ? undefined : String(raw.run);
  const uses = raw.uses === undefined ? undefined : String(raw.uses);
  if ((run === undefined) === (uses === undefined)) {
    throw new WorkflowError(`${file}: ${field} must have exactly one of run or uses`);
  }
  if (raw.shell !== undefined && raw.shell !== 'bash') {
    throw new WorkflowError(
      `${file}: ${field}.shell "${String(raw.shell)}": the local runner runs bash only`,
    );
  }
  return {
    id: raw.id === undefined ? undefined : String(raw.id),
    name:
      raw.name !== undefined
        ? String(raw.name)
        : (uses ?? `Run ${run!.split('\n')[0]}`) || `step ${index + 1}`,
    if: raw.if === undefined ? undefined : String(raw.if),
    run,
    uses,
    with: strings(file, `${field}.with`, raw.with),
    env: strings(file, `${field}.env`, raw.env),
    workingDirectory: raw['working-directory'] === undefined ? undefined : String(raw['working-directory']),
  };
}

/** Order the jobs so that each comes after every job it needs (stable: file order otherwise). */
function ordered(file: string, jobs: Job[]): Job[] {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  for (const j of jobs) {
    for (const n of j.needs) {
      if (!byId.has(n)) throw new WorkflowError(`${file}: jobs.${j.id}.needs names no job "${n}"`);
    }
  }
  const done = new Set<string>();
  const out: Job[] = [];
  while (out.length < jobs.length) {
    const next = jobs.find((j) => !done.has(j.id) && j.needs.every((n) => done.has(n)));
    if (next === undefined) {
      const stuck = jobs.filter((j) => !done.has(j.id)).map((j) => j.id);
      throw new WorkflowError(`${file}: jobs ${stuck.join(', ')} need each other (a cycle)`);
    }
    done.add(next.id);
    out.push(next);
  }
  return out;
}

export function parseWorkflow(file: string, text: string): Workflow {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new WorkflowError(`${file}: not valid YAML: ${(e as Error).message}`);
  }
  if (!isMap(doc)) throw new WorkflowError(`${file}: a workflow must be a map`);
  unknownKey(file, 'workflow', doc, WORKFLOW_KEYS);
  const on =
    typeof doc.on === 'string'
      ? [doc.on]
      : Array.isArray(doc.on)
        ? doc.on.map(String)
        : Object.keys(isMap(doc.on) ? doc.on : {});
  if (!isMap(doc.jobs) || Object.keys(doc.jobs).length === 0)
    throw new WorkflowError(`${file}: jobs must be a non-empty map`);
  const jobs: Job[] = Object.entries(doc.jobs).map(([id, raw]) => {
    const field = `jobs.${id}`;
    if (!isMap(raw)) throw new WorkflowError(`${file}: ${field} must be a map`);
    unknownKey(file, field, raw, JOB_KEYS);
    const needs =
      raw.needs === undefined ? [] : Array.isArray(raw.needs) ? raw.needs.map(String) : [String(raw.needs)];
    const env = raw.environment;
    const environment = env === undefined ? undefined : isMap(env) ? String(env.name) : String(env);
    if (!Array.isArray(raw.steps) || raw.steps.length === 0)
      throw new WorkflowError(`${file}: ${field}.steps must be a non-empty list`);
    return {
      id,
      needs,
      if: raw.if === undefined ? undefined : String(raw.if),
      environment,
      permissions: permissions(file, `${field}.permissions`, raw.permissions),
      env: strings(file, `${field}.env`, raw.env),
      steps: raw.steps.map((s, i) => step(file, `${field}.steps[${i}]`, s, i)),
    };
  });
  return {
    file,
    name: doc.name === undefined ? file : String(doc.name),
    on,
    env: strings(file, 'env', doc.env),
    permissions: permissions(file, 'permissions', doc.permissions),
    jobs: ordered(file, jobs),
  };
}

export function readWorkflow(file: string): Workflow {
  return parseWorkflow(file, readFileSync(file, 'utf8'));
}

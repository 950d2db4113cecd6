/**
 * The local workflow runner: runs a workflow's jobs in the order `needs:` gives, each `run:` step
 * in bash with the job's environment, against real services (the local lab's MLflow, moto). It is
 * neither GitHub nor `act`: no containers, no marketplace actions (actions.ts emulates three), no
 * matrix or reusable workflows. `act` needs Docker, and `act -n` still runs steps in host mode.
 *
 * What it does as GitHub does: workflow env, then job env, then what steps wrote to $GITHUB_ENV,
 * then step env; `${{ vars.* }}` (environment variables override repository ones), `secrets.*`,
 * `env.*`, `inputs.*`, `github.*` (event payload included), `steps.<id>.outputs.*` from
 * $GITHUB_OUTPUT, `steps.<id>.outcome`; `if:` with success()/failure()/always(); a job whose needs
 * failed is skipped; `::add-mask::` values and secrets are replaced by *** in every log. An
 * environment with required reviewers runs only with an approval the caller supplies (recorded in
 * the result), else the job waits and the run stops there, as on GitHub.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { EmulatedActionsOptions, runAction } from './actions';
import { condition, ExprScope, ExprValue, interpolate } from './expressions';
import { bash, Masker, parseCommandFile } from './shell';
import { Job, readWorkflow, Workflow } from './workflow';

export interface EnvironmentSettings {
  readonly vars?: Readonly<Record<string, string>>;
  readonly requiredReviewers?: boolean;
}

export interface Approval {
  readonly reviewer: string;
  readonly comment?: string;
}

export interface RunOptions {
  readonly workflowFile: string;
  /** The repository to check out (its root holds .github/workflows). */
  readonly sourceDir: string;
  /** Where workspaces and temporary files go. */
  readonly workDir: string;
  readonly eventName: string;
  readonly eventPayload?: Readonly<Record<string, ExprValue>>;
  readonly inputs?: Readonly<Record<string, string>>;
  readonly vars?: Readonly<Record<string, string>>;
  readonly secrets?: Readonly<Record<string, string>>;
  readonly environments?: Readonly<Record<string, EnvironmentSettings>>;
  /** Approvals for environments with required reviewers, by environment name. */
  readonly approvals?: Readonly<Record<string, Approval>>;
  readonly github: {
    readonly repository: string;
    readonly sha: string;
    readonly actor: string;
    readonly runId: string;
  };
  readonly actions: EmulatedActionsOptions;
  /** The host environment the steps start from (PATH, HOME, ...). */
  readonly baseEnv?: Readonly<Record<string, string>>;
  /** @default 600_000 */
  readonly stepTimeoutMs?: number;
}

export type Outcome = 'success' | 'failure' | 'skipped';

export interface StepResult {
  readonly name: string;
  readonly id?: string;
  readonly outcome: Outcome;
  readonly seconds: number;
  readonly log: string;
}

export interface JobResult {
  readonly id: string;
  readonly environment?: string;
  readonly approval?: Approval & { readonly environment: string };
  readonly result: Outcome | 'waiting';
  readonly steps: readonly StepResult[];
}

export interface RunResult {
  readonly workflow: string;
  readonly conclusion: 'success' | 'failure' | 'waiting';
  readonly jobs: readonly JobResult[];
  readonly seconds: number;
}

async function runJob(
  wf: Workflow,
  job: Job,
  opts: RunOptions,
  masker: Masker,
  needs: Record<string, ExprValue>,
): Promise<JobResult> {
  const envSettings = job.environment === undefined ? undefined : opts.environments?.[job.environment];
  let approval: JobResult['approval'];
  if (job.environment !== undefined && envSettings?.requiredReviewers) {
    const given = opts.approvals?.[job.environment];
    if (given === undefined)
      return { id: job.id, environment: job.environment, result: 'waiting', steps: [] };
    approval = { ...given, environment: job.environment };
  }
  const root = join(opts.workDir, job.id);
  const workspace = join(root, 'workspace');
  const temp = join(root, 'tmp');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(temp, { recursive: true });
  const eventPath = join(temp, 'event.json');
  writeFileSync(eventPath, JSON.stringify(opts.eventPayload ?? {}));
  const github: Record<string, ExprValue> = {
    repository: opts.github.repository,
    sha: opts.github.sha,
    actor: opts.github.actor,
    run_id: opts.github.runId,
    server_url: 'https://github.com',
    event_name: opts.eventName,
    event: (opts.eventPayload ?? {}) as ExprValue,
    workspace,
  };
  const defaults: Record<string, string> = {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: opts.github.repository,
    GITHUB_SHA: opts.github.sha,
    GITHUB_ACTOR: opts.github.actor,
    GITHUB_RUN_ID: opts.github.runId,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_EVENT_NAME: opts.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_WORKSPACE: workspace,
    GITHUB_JOB: job.id,
    RUNNER_TEMP: temp,
  };
  const vars = { ...(opts.vars ?? {}), ...(envSettings?.vars ?? {}) };
  const permissions = Object.keys(job.permissions).length > 0 ? job.permissions : wf.permissions;
  const steps: Record<string, ExprValue> = {};
  const path: string[] = [];
  const written: Record<string, string> = {};
  const results: StepResult[] = [];
  let failed = false;
  const scope = (env: Record<string, string>): ExprScope => ({
    contexts: {
      github,
      env,
      vars,
      secrets: { ...(opts.secrets ?? {}) },
      inputs: { ...(opts.inputs ?? {}) },
      steps,
      needs,
      job: { status: failed ? 'failure' : 'success' },
      runner: { os: 'Linux', temp },
    },
    failed,
  });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(wf.env)) env[k] = interpolate(v, scope(env));
  for (const [k, v] of Object.entries(job.env)) env[k] = interpolate(v, scope(env));

  for (const [i, step] of job.steps.entries()) {
    const started = Date.now();
    const jobEnv = { ...env, ...written };
    const record = (outcome: Outcome, log: string, outputs: Record<string, string> = {}): void => {
      if (step.id !== undefined) steps[step.id] = { outputs, outcome, conclusion: outcome };
      if (outcome === 'failure') failed = true;
      results.push({
        name: step.name,
        id: step.id,
        outcome,
        seconds: (Date.now() - started) / 1000,
        log: masker.apply(log),
      });
    };
    let run: boolean;
    try {
      run = condition(step.if, scope(jobEnv));
    } catch (e) {
      record('failure', `the if: of "${step.name}": ${(e as Error).message}\n`);
      continue;
    }
    if (!run) {
      record('skipped', '');
      continue;
    }
    try {
      const stepEnv: Record<string, string> = { ...jobEnv };
      for (const [k, v] of Object.entries(step.env)) stepEnv[k] = interpolate(v, scope(stepEnv));
      if (step.uses !== undefined) {
        const withValues: Record<string, string> = {};
        for (const [k, v] of Object.entries(step.with)) withValues[k] = interpolate(v, scope(stepEnv));
        const effect = runAction(
          step.uses,
          {
            sourceDir: opts.sourceDir,
            workspace,
            with: withValues,
            permissions,
            repository: opts.github.repository,
            environment: job.environment,
          },
          opts.actions,
        );
        Object.assign(written, effect.env);
        for (const [k, v] of Object.entries(effect.env)) if (/SECRET|TOKEN/.test(k)) masker.add(v);
        path.unshift(...effect.path);
        record('success', `${effect.log}\n`);
        continue;
      }
      const script = join(temp, `step-${i}.sh`);
      writeFileSync(script, interpolate(step.run!, scope(stepEnv)));
      const outputFile = join(temp, `output-${i}`);
      const envFile = join(temp, `env-${i}`);
      writeFileSync(outputFile, '');
      writeFileSync(envFile, '');
      const base = { ...(opts.baseEnv ?? {}) };
      const PATH = [...path, base.PATH ?? '/usr/bin:/bin'].join(':');
      const cwd = step.workingDirectory === undefined ? workspace : join(workspace, step.workingDirectory);
      const { code, output } = await bash(
        script,
        cwd,
        { ...base, ...defaults, ...stepEnv, PATH, GITHUB_OUTPUT: outputFile, GITHUB_ENV: envFile },
        opts.stepTimeoutMs ?? 600_000,
      );
      const lines = output.split('\n').filter((line) => {
        const m = /^::add-mask::(.*)$/.exec(line);
        if (m) masker.add(m[1]);
        return m === null;
      });
      const added = existsSync(envFile) ? parseCommandFile(readFileSync(envFile, 'utf8')) : {};
      Object.assign(written, added);
      const outputs = parseCommandFile(readFileSync(outputFile, 'utf8'));
      record(
        code === 0 ? 'success' : 'failure',
        lines.join('\n') + (code === 0 ? '' : `\nexit code ${code}\n`),
        outputs,
      );
    } catch (e) {
      // An action refused, an expression that does not evaluate: the step fails, saying why.
      record('failure', `${(e as Error).message}\n`);
    }
  }
  return {
    id: job.id,
    environment: job.environment,
    approval,
    result: failed ? 'failure' : 'success',
    steps: results,
  };
}

/** Run a workflow file to its end (or to a job waiting for approval). */
export async function runWorkflow(opts: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const wf = readWorkflow(opts.workflowFile);
  if (!wf.on.includes(opts.eventName)) {
    throw new Error(`${opts.workflowFile}: runs on ${wf.on.join(', ')}, not on ${opts.eventName}`);
  }
  const masker = new Masker();
  for (const v of Object.values(opts.secrets ?? {})) masker.add(v);
  const jobs: JobResult[] = [];
  const needs: Record<string, ExprValue> = {};
  let waiting = false;
  for (const job of wf.jobs) {
    const needFailed = job.needs.some((n) => (needs[n] as { result: string }).result !== 'success');
    const scope: ExprScope = {
      contexts: { github: {}, needs, vars: { ...(opts.vars ?? {}) }, inputs: { ...(opts.inputs ?? {}) } },
      failed: needFailed,
    };
    if (waiting || !condition(job.if, scope)) {
      needs[job.id] = { result: 'skipped', outputs: {} };
      jobs.push({ id: job.id, environment: job.environment, result: 'skipped', steps: [] });
      continue;
    }
    const result = await runJob(wf, job, opts, masker, needs);
    if (result.result === 'waiting') waiting = true;
    needs[job.id] = { result: result.result, outputs: {} };
    jobs.push(result);
  }
  const conclusion = waiting ? 'waiting' : jobs.every((j) => j.result !== 'failure') ? 'success' : 'failure';
  return { workflow: wf.name, conclusion, jobs, seconds: (Date.now() - started) / 1000 };
}

/** A run as text: each job, each step's outcome, and the log of every failed step. */
export function formatRun(run: RunResult): string {
  const lines = [`workflow ${run.workflow}: ${run.conclusion} in ${run.seconds.toFixed(1)} s`];
  for (const job of run.jobs) {
    const approval = job.approval ? ` (approved by ${job.approval.reviewer})` : '';
    lines.push(`  job ${job.id}${job.environment ? ` [${job.environment}]` : ''}: ${job.result}${approval}`);
    for (const s of job.steps) {
      lines.push(`    ${s.outcome.padEnd(7)} ${s.name} (${s.seconds.toFixed(1)} s)`);
      if (s.outcome === 'failure')
        lines.push(
          ...s.log
            .trimEnd()
            .split('\n')
            .slice(-15)
            .map((l) => `      | ${l}`),
        );
    }
  }
  return lines.join('\n');
}

/**
 * The `uses:` steps the local runner emulates: a short, explicit table. Any other action fails the
 * step with a message naming it (the runner never skips a step it cannot run). Each is pinned by
 * full commit SHA in our workflows; the runner requires that too.
 *
 *   actions/checkout                   a fresh copy of the repository into the job's workspace
 *   actions/setup-python               the lab's Python venv (.venvs/promotion) first on PATH
 *   aws-actions/configure-aws-credentials  moto's credentials and endpoint in the job's env, after
 *                                      the same checks AWS makes of GitHub's OIDC token: the job
 *                                      may request one (`id-token: write`), and its subject
 *                                      `repo:<owner>/<repo>:environment:<name>` is one the role
 *                                      trusts
 */
import { cpSync, readFileSync } from 'fs';
import { join } from 'path';

export interface ActionContext {
  readonly sourceDir: string;
  readonly workspace: string;
  readonly with: Readonly<Record<string, string>>;
  readonly permissions: Readonly<Record<string, string>>;
  readonly repository: string;
  readonly environment: string | undefined;
}

export interface EmulatedActionsOptions {
  /** The venv standing in for setup-python. */
  readonly pythonVenv: string;
  /** moto's environment (keys, endpoint) standing in for the assumed role's credentials. */
  readonly awsEnv: Readonly<Record<string, string>>;
  /** The `sub` values the CI role trusts (the cohort's trust policy); others are refused. */
  readonly trustedSubjects: readonly string[];
}

/** What an action adds to the job: environment variables and PATH entries. */
export interface ActionEffect {
  readonly env: Record<string, string>;
  readonly path: string[];
  readonly log: string;
}

export class ActionError extends Error {}

const PINNED = /^([\w.-]+\/[\w.-]+)@([0-9a-f]{40})$/;
const SKIP = new Set(['__pycache__', '.pytest_cache', '.mypy_cache', '.ruff_cache', '.venv']);

function checkout(ctx: ActionContext): ActionEffect {
  cpSync(ctx.sourceDir, ctx.workspace, {
    recursive: true,
    filter: (src) => !SKIP.has(src.split('/').pop() ?? ''),
  });
  return { env: {}, path: [], log: `checked out ${ctx.sourceDir} into ${ctx.workspace}` };
}

function setupPython(ctx: ActionContext, opts: EmulatedActionsOptions): ActionEffect {
  const cfg = readFileSync(join(opts.pythonVenv, 'pyvenv.cfg'), 'utf8');
  const version = /^version(?:_info)?\s*=\s*(\S+)/m.exec(cfg)?.[1] ?? '';
  const want = ctx.with['python-version'] ?? '';
  if (want === '' || !(version === want || version.startsWith(`${want}.`))) {
    throw new ActionError(
      `actions/setup-python: python-version "${want}" asked, the local venv ${opts.pythonVenv} has ${version}`,
    );
  }
  return { env: {}, path: [join(opts.pythonVenv, 'bin')], log: `Python ${version} from ${opts.pythonVenv}` };
}

function configureAws(ctx: ActionContext, opts: EmulatedActionsOptions): ActionEffect {
  const role = ctx.with['role-to-assume'] ?? '';
  const region = ctx.with['aws-region'] ?? '';
  if (ctx.permissions['id-token'] !== 'write') {
    throw new ActionError(
      'aws-actions/configure-aws-credentials: the job cannot request an OIDC token: it has no `id-token: write` permission',
    );
  }
  if (!/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(role)) {
    throw new ActionError(
      `aws-actions/configure-aws-credentials: role-to-assume "${role}" is not an IAM role ARN`,
    );
  }
  if (region === '') throw new ActionError('aws-actions/configure-aws-credentials: aws-region is empty');
  const sub =
    ctx.environment === undefined
      ? `repo:${ctx.repository}:ref:<ref>`
      : `repo:${ctx.repository}:environment:${ctx.environment}`;
  if (!opts.trustedSubjects.includes(sub)) {
    throw new ActionError(
      `aws-actions/configure-aws-credentials: Not authorized to perform sts:AssumeRoleWithWebIdentity: ` +
        `the role does not trust the subject ${sub}`,
    );
  }
  return {
    env: { ...opts.awsEnv, AWS_REGION: region, AWS_DEFAULT_REGION: region },
    path: [],
    log: `assumed ${role} as ${sub} (moto's credentials)`,
  };
}

/** Run one `uses:` step, or fail naming an action the runner does not emulate. */
export function runAction(uses: string, ctx: ActionContext, opts: EmulatedActionsOptions): ActionEffect {
  const m = PINNED.exec(uses);
  if (m === null)
    throw new ActionError(`${uses}: actions must be pinned by a full commit SHA (owner/repo@<40 hex>)`);
  switch (m[1]) {
    case 'actions/checkout':
      return checkout(ctx);
    case 'actions/setup-python':
      return setupPython(ctx, opts);
    case 'aws-actions/configure-aws-credentials':
      return configureAws(ctx, opts);
    default:
      throw new ActionError(
        `${m[1]}: the local runner does not emulate this action ` +
          '(it emulates actions/checkout, actions/setup-python, aws-actions/configure-aws-credentials)',
      );
  }
}

/**
 * The static part of Lab 2's "GitHub Actions dry run": our own checks of the promotion lab's
 * workflows (labs/promotion/.github/workflows), beside actionlint and zizmor
 * (scripts/workflow-check.sh). Pure functions of a workflow's text and, for the last check, of
 * the learner's CI role as the synthesised template trusts it:
 *
 * - every action is pinned by a full commit SHA (`owner/repo@<40 hex>`; local `./` actions and
 *   `docker://` images excepted);
 * - a job that assumes the CI role (a step using aws-actions/configure-aws-credentials) takes the
 *   role's ARN from `${{ vars.COHORT_LAB_CI_ROLE_ARN }}`, never a hard-coded ARN (and no role ARN
 *   is written anywhere in the file);
 * - `id-token: write` is granted to the jobs that assume the role and to no other (not at the
 *   workflow level when a job that does not assume the role inherits it);
 * - a job that assumes the role runs in a deployment environment (the role trusts
 *   `repo:<owner>/<repo>:environment:<env>` subjects only, so a job without one cannot assume it),
 *   and each such environment's subject is one the role's trust policy lists;
 * - the promotion workflow (`promote.yml`, or a workflow named `promote`) has jobs that assume the
 *   role in both `staging` and `production`.
 */
import { parseDocument } from 'yaml';
import { githubSubject } from '../core';

/** One finding: file, where in it (`jobs.promote.steps[2].uses`), and what is wrong. */
export interface WorkflowProblem {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

/** What the CI role trusts, from the synthesised template ({@link ciRoleTrust}). */
export interface CiRoleTrust {
  /** `<owner>/<repo>` of the learner. */
  readonly repository: string;
  /** The `token.actions.githubusercontent.com:sub` values of the role's trust policy. */
  readonly subjects: readonly string[];
  readonly audience: string | undefined;
}

/** The repository variable the role ARN must come from. */
export const ROLE_ARN_EXPRESSION = '${{ vars.COHORT_LAB_CI_ROLE_ARN }}';
/** The environments the promotion workflow must use (the contract's). */
export const PROMOTION_ENVIRONMENTS: readonly string[] = ['staging', 'production'];

const SHA_PINNED = /^[^@\s]+@[0-9a-f]{40}$/;
const ROLE_ARN = /arn:aws[a-z-]*:iam::\d{12}:role\//;
const ASSUME_ACTION = /^aws-actions\/configure-aws-credentials@/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every problem of one workflow file. `trust` undefined: the subject check is not made. */
export function checkWorkflow(text: string, file: string, trust?: CiRoleTrust): WorkflowProblem[] {
  const problems: WorkflowProblem[] = [];
  const add = (path: string, message: string) => problems.push({ file, path, message });
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    return [{ file, path: '-', message: `is not valid YAML: ${doc.errors[0].message}` }];
  }
  const workflow = doc.toJS() as unknown;
  if (!isObject(workflow) || !isObject(workflow.jobs)) {
    return [{ file, path: 'jobs', message: 'must be a mapping of jobs' }];
  }
  if (ROLE_ARN.test(text)) {
    const line = text.split('\n').findIndex((l) => ROLE_ARN.test(l)) + 1;
    add(`line ${line}`, `holds a hard-coded IAM role ARN; take it from ${ROLE_ARN_EXPRESSION}`);
  }
  const workflowIdToken = idTokenWrite(workflow.permissions);
  const environmentsUsed = new Set<string>();
  for (const [name, job] of Object.entries(workflow.jobs)) {
    if (!isObject(job)) continue;
    const at = `jobs.${name}`;
    const steps = Array.isArray(job.steps) ? (job.steps as unknown[]) : [];
    let assumes = false;
    steps.forEach((step, i) => {
      if (!isObject(step) || typeof step.uses !== 'string') return;
      const uses = step.uses;
      if (!uses.startsWith('./') && !uses.startsWith('docker://') && !SHA_PINNED.test(uses)) {
        add(`${at}.steps[${i}].uses`, `is not pinned by a full commit SHA (got "${uses}")`);
      }
      if (ASSUME_ACTION.test(uses)) {
        assumes = true;
        const role = isObject(step.with) ? step.with['role-to-assume'] : undefined;
        if (role !== ROLE_ARN_EXPRESSION) {
          add(
            `${at}.steps[${i}].with.role-to-assume`,
            `must be ${ROLE_ARN_EXPRESSION} (got ${JSON.stringify(role ?? null)})`,
          );
        }
      }
    });
    if (typeof job.uses === 'string' && !job.uses.startsWith('./') && !SHA_PINNED.test(job.uses)) {
      add(`${at}.uses`, `is not pinned by a full commit SHA (got "${job.uses}")`);
    }
    const jobIdToken = job.permissions === undefined ? workflowIdToken : idTokenWrite(job.permissions);
    if (assumes && !jobIdToken) {
      add(
        `${at}.permissions`,
        "must grant id-token: write: the job assumes the CI role with GitHub's OIDC token",
      );
    }
    if (!assumes && jobIdToken) {
      add(
        job.permissions === undefined ? 'permissions' : `${at}.permissions`,
        `grants id-token: write to job ${name}, which does not assume the CI role; grant it only to the jobs that do`,
      );
    }
    if (!assumes) continue;
    const environments = jobEnvironments(job.environment, workflow);
    if (environments === undefined) {
      add(
        `${at}.environment`,
        'must name a deployment environment: the CI role trusts repo:<owner>/<repo>:environment:<env> subjects only',
      );
      continue;
    }
    if (typeof environments === 'string') {
      add(`${at}.environment`, environments);
      continue;
    }
    for (const env of environments) {
      environmentsUsed.add(env);
      if (trust !== undefined && !trust.subjects.includes(githubSubject(trust.repository, env))) {
        add(
          `${at}.environment`,
          `runs in "${env}", but the CI role trusts only ${trust.subjects.join(', ') || 'no subject'} (the sub would be ${githubSubject(trust.repository, env)})`,
        );
      }
    }
  }
  if (/(^|\/)promote\.ya?ml$/.test(file) || workflow.name === 'promote') {
    for (const env of PROMOTION_ENVIRONMENTS.filter((e) => !environmentsUsed.has(e))) {
      add(
        'jobs',
        `has no job that assumes the CI role in environment ${env} (promotion goes staging, then production)`,
      );
    }
  }
  return problems;
}

/** Whether a `permissions` value grants `id-token: write` (`write-all` does). */
function idTokenWrite(permissions: unknown): boolean {
  if (permissions === 'write-all') return true;
  return isObject(permissions) && permissions['id-token'] === 'write';
}

/**
 * The environments a job runs in: a name, `{name}`, or an expression over a `workflow_dispatch`
 * choice input (`${{ inputs.x }}`, `${{ github.event.inputs.x }}`), which is each of its options.
 * Undefined: none; a string: why it cannot be known.
 */
function jobEnvironments(environment: unknown, workflow: Json): readonly string[] | string | undefined {
  const name = isObject(environment) ? environment.name : environment;
  if (name === undefined || name === null) return undefined;
  if (typeof name !== 'string') return `must be an environment name (got ${JSON.stringify(name)})`;
  const expression = /^\$\{\{\s*(?:github\.event\.)?inputs\.([A-Za-z0-9_-]+)\s*\}\}$/.exec(name);
  if (expression === null) {
    return name.includes('${{') ? `is an expression the check cannot resolve (got "${name}")` : [name];
  }
  const on = workflow.on ?? workflow.true; // YAML 1.1 reads a bare `on` as true
  const dispatch = isObject(on) ? on.workflow_dispatch : undefined;
  const input = isObject(dispatch) && isObject(dispatch.inputs) ? dispatch.inputs[expression[1]] : undefined;
  if (!isObject(input) || input.type !== 'choice' || !Array.isArray(input.options)) {
    return `names input ${expression[1]}, which must be a workflow_dispatch choice input listing the environments`;
  }
  return (input.options as unknown[]).map(String);
}

/**
 * What the CI role of learner `slug` trusts, read from a synthesised learners-N template (the role
 * tagged `lab:ci=<slug>`), with the learner's repository; undefined when there is no such role.
 */
export function ciRoleTrust(template: Json, slug: string, repository: string): CiRoleTrust | undefined {
  const resources = isObject(template.Resources) ? template.Resources : {};
  for (const resource of Object.values(resources)) {
    if (!isObject(resource) || resource.Type !== 'AWS::IAM::Role' || !isObject(resource.Properties)) continue;
    const tags = Array.isArray(resource.Properties.Tags) ? (resource.Properties.Tags as Json[]) : [];
    if (!tags.some((t) => t.Key === 'lab:ci' && t.Value === slug)) continue;
    const doc = resource.Properties.AssumeRolePolicyDocument;
    const statements = isObject(doc) && Array.isArray(doc.Statement) ? (doc.Statement as Json[]) : [];
    const subjects: string[] = [];
    let audience: string | undefined;
    for (const s of statements) {
      const eq = isObject(s.Condition) && isObject(s.Condition.StringEquals) ? s.Condition.StringEquals : {};
      const sub = eq['token.actions.githubusercontent.com:sub'];
      subjects.push(...(Array.isArray(sub) ? sub.map(String) : typeof sub === 'string' ? [sub] : []));
      const aud = eq['token.actions.githubusercontent.com:aud'];
      if (typeof aud === 'string') audience = aud;
    }
    return { repository, subjects, audience };
  }
  return undefined;
}

/**
 * `cohort-lab validate`: run every check (or those asked for) on a running environment and say,
 * for each, pass, fail or skip with its evidence. A check that throws fails with the error's name
 * and message (never a secret: the checks put no secret value in an error or evidence).
 */
import { checkEksEndpoint, checkLogRetention } from './cluster-checks';
import { checkFeastAnonymous, checkFeastLearner } from './feast-checks';
import { checkIsolation, checkLearnerRun, checkMlflowAuth } from './mlflow-checks';
import { checkPublicAccess, checkTlsOnly } from './bucket-checks';
import { checkRotationOn, checkRotationSucceeded } from './secret-checks';
import {
  CHECK_IDS,
  CHECK_TITLES,
  CheckId,
  CheckOutcome,
  CheckResult,
  CheckStatus,
  ValidateInputError,
  ValidationTarget,
} from './types';

export * from './types';
export { renderJunit } from './junit';

const CHECKS: Readonly<Record<CheckId, (t: ValidationTarget) => Promise<CheckOutcome>>> = {
  [CheckId.MLFLOW_AUTH]: checkMlflowAuth,
  [CheckId.MLFLOW_LEARNER_RUN]: checkLearnerRun,
  [CheckId.MLFLOW_ISOLATION]: checkIsolation,
  [CheckId.FEAST_LEARNER]: checkFeastLearner,
  [CheckId.FEAST_ANONYMOUS]: checkFeastAnonymous,
  [CheckId.SECRETS_ROTATION_ON]: checkRotationOn,
  [CheckId.SECRETS_ROTATION_SUCCEEDED]: checkRotationSucceeded,
  [CheckId.BUCKET_PUBLIC_ACCESS]: checkPublicAccess,
  [CheckId.BUCKET_TLS_ONLY]: checkTlsOnly,
  [CheckId.EKS_ENDPOINT]: checkEksEndpoint,
  [CheckId.LOG_RETENTION]: checkLogRetention,
};

/** The checks `only` names (comma-separated ids), all when undefined. */
export function selectChecks(only: string | undefined): CheckId[] {
  if (only === undefined) return [...CHECK_IDS];
  const asked = only
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const unknown = asked.filter((s) => !(CHECK_IDS as readonly string[]).includes(s));
  if (unknown.length > 0 || asked.length === 0) {
    throw new ValidateInputError(
      `--only: unknown check ${JSON.stringify(unknown.join(',') || only)}; the checks are ${CHECK_IDS.join(', ')}`,
    );
  }
  return CHECK_IDS.filter((id) => asked.includes(id));
}

/** Run `ids` on `target`, in order, one at a time (some write runs the next ones read). */
export async function runChecks(
  target: ValidationTarget,
  ids: readonly CheckId[],
  progress: (r: CheckResult) => void = () => undefined,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const id of ids) {
    const started = Date.now();
    let outcome: CheckOutcome;
    const notHere = target.notHere[id];
    try {
      outcome =
        notHere === undefined ? await CHECKS[id](target) : { status: CheckStatus.SKIP, evidence: [notHere] };
    } catch (err) {
      outcome = {
        status: CheckStatus.FAIL,
        evidence: [`the check could not run: ${(err as Error).name}: ${(err as Error).message}`],
      };
    }
    const result = { id, title: CHECK_TITLES[id], ...outcome, seconds: (Date.now() - started) / 1000 };
    progress(result);
    results.push(result);
  }
  return results;
}

/** 1 when any check failed, else 0. */
export function exitCodeOf(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === CheckStatus.FAIL) ? 1 : 0;
}

/** One check as text: `PASS  id  title`, then its evidence indented. */
export function renderResult(r: CheckResult): string {
  return [
    `${r.status.toUpperCase().padEnd(4)}  ${r.id}: ${r.title}`,
    ...r.evidence.map((e) => `      ${e}`),
  ].join('\n');
}

/** The closing line: how many passed, failed, skipped. */
export function renderSummary(target: ValidationTarget, results: readonly CheckResult[]): string {
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  const failed = results.filter((r) => r.status === CheckStatus.FAIL).map((r) => r.id);
  return (
    `${target.cohort} (${target.description}): ${count(CheckStatus.PASS)} passed, ${count(CheckStatus.FAIL)} failed, ` +
    `${count(CheckStatus.SKIP)} skipped` +
    (failed.length > 0 ? `; FAILED: ${failed.join(', ')}` : '')
  );
}

/** The `--json` document. */
export function renderJson(target: ValidationTarget, results: readonly CheckResult[]): string {
  return JSON.stringify(
    {
      cohort: target.cohort,
      environment: target.description,
      passed: exitCodeOf(results) === 0,
      checks: results,
    },
    null,
    2,
  );
}

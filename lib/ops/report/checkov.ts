/**
 * checkov (requirements-tools.txt, `.venvs/tools`) on the synthesised CloudFormation templates (not
 * `--quiet`, which leaves the passed checks out):
 * its results by check, for the report. The Kubernetes manifests are checked by
 * scripts/validate-manifests.sh in CI (0 failures, each exception annotated with its reason).
 * Paths are shown relative to the template directory, so the report does not depend on where the
 * synth went.
 */
import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { REPO_ROOT } from '../../local/container';
import { Section } from './model';

export const CHECKOV = join(REPO_ROOT, '.venvs', 'tools', 'bin', 'checkov');

interface CheckovCheck {
  readonly check_id: string;
  readonly check_name: string;
  readonly resource: string;
  readonly file_path: string;
  readonly check_result?: { readonly suppress_comment?: string };
}

interface CheckovReport {
  readonly check_type?: string;
  readonly results?: {
    readonly passed_checks?: CheckovCheck[];
    readonly failed_checks?: CheckovCheck[];
    readonly skipped_checks?: CheckovCheck[];
  };
}

export interface CheckovResults {
  readonly passed: readonly CheckovCheck[];
  readonly failed: readonly CheckovCheck[];
  readonly skipped: readonly CheckovCheck[];
}

/** Run checkov's CloudFormation checks on `dir`'s templates. */
export function runCheckov(dir: string): CheckovResults {
  if (!existsSync(CHECKOV)) {
    throw new Error(
      `checkov is not installed (${CHECKOV}): bash scripts/python-env.sh tools requirements-tools.txt`,
    );
  }
  const res = spawnSync(
    CHECKOV,
    ['-d', dir, '--framework', 'cloudformation', '--compact', '--skip-download', '-o', 'json'],
    { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, env: { ...process.env, BC_SKIP_MAPPING: 'TRUE' } },
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.stdout);
  } catch {
    throw new Error(`checkov gave no JSON (exit ${res.status}): ${res.stderr.slice(-500)}`);
  }
  const reports = (Array.isArray(parsed) ? parsed : [parsed]) as CheckovReport[];
  const pick = (k: 'passed_checks' | 'failed_checks' | 'skipped_checks') =>
    reports.flatMap((r) => r.results?.[k] ?? []);
  return { passed: pick('passed_checks'), failed: pick('failed_checks'), skipped: pick('skipped_checks') };
}

export function checkovSection(results: CheckovResults): Section {
  const ids = [
    ...new Set([...results.passed, ...results.failed, ...results.skipped].map((c) => c.check_id)),
  ].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const name = (id: string) =>
    [...results.passed, ...results.failed, ...results.skipped].find((c) => c.check_id === id)?.check_name ??
    '';
  const n = (list: readonly CheckovCheck[], id: string) => list.filter((c) => c.check_id === id).length;
  const rows = ids.map((id) => [
    id,
    name(id),
    String(n(results.passed, id)),
    String(n(results.failed, id)),
    String(n(results.skipped, id)),
  ]);
  const failures = results.failed
    .map((c) => [c.check_id, `${c.file_path.replace(/^\/+/, '')}`, c.resource])
    .sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
  return {
    id: 'checkov',
    title: 'checkov (CloudFormation checks)',
    intro: [
      `checkov's CloudFormation checks on every synthesised template: ${results.passed.length} passed, ${results.failed.length} failed, ${results.skipped.length} skipped. Informational, like the NIST pack: the CloudFormation gates in CI are cdk-nag AwsSolutions and cfn-lint. The Kubernetes manifests pass checkov's Kubernetes checks in CI with 0 failures (scripts/validate-manifests.sh), a gate.`,
    ],
    tables: [
      { caption: 'By check', table: { columns: ['Check', 'Name', 'Passed', 'Failed', 'Skipped'], rows } },
      { caption: 'Failures', table: { columns: ['Check', 'Template', 'Resource'], rows: failures } },
    ],
  };
}

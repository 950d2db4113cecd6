import { App, Environment, Stack } from 'aws-cdk-lib';
import { testTempDir } from './tmp';
import { Template } from 'aws-cdk-lib/assertions';
import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { addCohortStacks, CohortStacks, newCohortApp } from '../../lib/stacks/cohort-app';
import { CohortConfig, loadCohortFile, validateCohort } from '../../lib/config';
import { enablePolicyChecks, PolicyResult, synthWithPolicyChecks } from '../../lib/stacks/policy-checks';

/** The fixed "today" every test validates against, so fixtures do not expire. */
export const TODAY = '2026-11-29';

/**
 * How long a test lets one `cohort-lab` command run before it is killed and the test fails: far
 * more than any command takes here (plan, the slowest, about 30 s on a loaded machine), so that a
 * process that never ends fails its test instead of holding the whole run.
 */
export const CLI_TIMEOUT_MS = 240_000;

export const REPO_ROOT = join(__dirname, '..', '..');

/** Path of a fixture cohort file, relative to the repo root (as errors print it). */
export function fixture(name: string): string {
  return join('test', 'fixtures', 'cohorts', name);
}

/** A cohort file from the repo (`cohorts/…`) or the fixtures, validated against {@link TODAY}. */
export function loadCohort(file: string): CohortConfig {
  return loadCohortFile(join(REPO_ROOT, file), { today: TODAY });
}

/** The base fixture as plain data, for tests that change one field. */
export function baseDocument(): Record<string, unknown> {
  return parse(readFileSync(join(REPO_ROOT, fixture('valid-base.yaml')), 'utf8')) as Record<string, unknown>;
}

/**
 * Validate `doc` (the base fixture unless given; after `patch`) and return the config; throws with
 * the problems if invalid.
 */
export function configFrom(
  patch: (doc: Record<string, unknown>) => void = () => {},
  doc: Record<string, unknown> = baseDocument(),
): CohortConfig {
  patch(doc);
  const result = validateCohort(doc, { file: 'inline.yaml', today: TODAY });
  if (!result.ok) {
    throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  }
  return result.config;
}

/** The stacks of `config` in a fresh app with the project's feature flags (no synth yet). */
export function buildStacks(config: CohortConfig): { app: App; stacks: CohortStacks } {
  const app = newCohortApp(testTempDir('cohortlab-test'));
  const stacks = addCohortStacks(app, config);
  return { app, stacks };
}

/** Synthesise `config` with cdk-nag on; returns the findings and the stacks. */
export function synthWithPolicy(
  config: CohortConfig,
  tamper: (stacks: CohortStacks) => void = () => {},
): { result: PolicyResult; stacks: CohortStacks } {
  const app = newCohortApp(testTempDir('cohortlab-nag'));
  enablePolicyChecks(app);
  const stacks = addCohortStacks(app, config);
  tamper(stacks);
  return { result: synthWithPolicyChecks(app), stacks };
}

/** The template of one stack of `config`. */
export function templateOf(
  config: CohortConfig,
  pick: (s: CohortStacks) => import('aws-cdk-lib').Stack,
): Template {
  const { stacks } = buildStacks(config);
  return Template.fromStack(pick(stacks));
}

/** An empty stack in an app with the project's feature flags, for construct tests. */
export function testStack(env?: Environment): Stack {
  return new Stack(newCohortApp(testTempDir('cohortlab-construct')), 'Test', { env });
}

import { ESTIMATE_OUTPUTS, LAB_TAG, secretPrefix } from '../core';
import { LabResource } from './inventory';

/**
 * `cohort-lab list`: every lab environment of the account and region, from the inventory's stacks
 * (named `cohortlab-<cohort>-<part>`, tagged `lab:cohort`): owner, profile, expiry, stack status,
 * learner count (their MLflow credential secrets) and the cost so far (the data stack's estimated
 * fixed cost plus the learners' share, per hour, times the hours since its first stack was
 * created; instructors' secrets, cents a month, are left out). Pure: takes the inventory.
 */

/** One environment as `list` shows it. */
export interface EnvironmentRow {
  readonly cohort: string;
  readonly owner: string;
  readonly profile: string;
  readonly expires: string;
  /** Whole days to the expiry; negative once expired. */
  readonly daysLeft: number;
  readonly expired: boolean;
  readonly stacks: ReadonlyArray<{ readonly name: string; readonly status: string }>;
  readonly learners: number;
  /** From the data stack's estimate outputs and the learner count. @default - not known (no data stack, no outputs) */
  readonly estimatedUsdPerHour?: number;
  /** Hours since the first stack was created times the hourly estimate. */
  readonly costSoFarUsd?: number;
}

/** The environments of `inventory`, expired first, then by expiry. */
export function environments(inventory: readonly LabResource[], now: Date): EnvironmentRow[] {
  const stacks = inventory.filter((r) => r.kind === 'stack');
  const cohorts = [...new Set(stacks.map((s) => s.cohort))];
  return cohorts
    .map((cohort) =>
      row(
        cohort,
        stacks.filter((s) => s.cohort === cohort),
        inventory,
        now,
      ),
    )
    .sort((a, b) => a.daysLeft - b.daysLeft || a.cohort.localeCompare(b.cohort));
}

function row(
  cohort: string,
  stacks: readonly LabResource[],
  inventory: readonly LabResource[],
  now: Date,
): EnvironmentRow {
  const tags = stacks[0].tags;
  const expires = tags[LAB_TAG.expires] ?? '';
  const today = now.toISOString().slice(0, 10);
  const daysLeft = Math.round((Date.parse(expires) - Date.parse(today)) / 86_400_000);
  const prefix = `${secretPrefix(cohort)}learners/`;
  const learners = inventory.filter(
    (r) =>
      r.kind === 'secret' &&
      r.cohort === cohort &&
      r.state === 'active' &&
      r.id.startsWith(prefix) &&
      r.id.endsWith('/mlflow'),
  ).length;
  const output = (key: string) =>
    stacks.map((s) => s.outputs?.[key]).find((v): v is string => v !== undefined);
  const fixed = output(ESTIMATE_OUTPUTS.fixedUsdPerHour);
  const perLearner = output(ESTIMATE_OUTPUTS.perLearnerUsdPerHour);
  const hourly =
    fixed === undefined || perLearner === undefined
      ? undefined
      : Number(fixed) + learners * Number(perLearner);
  const first = stacks
    .map((s) => (s.created === undefined ? NaN : Date.parse(s.created)))
    .filter((t) => !Number.isNaN(t))
    .sort((a, b) => a - b)[0];
  const estimatedUsdPerHour = hourly;
  const costSoFarUsd =
    estimatedUsdPerHour === undefined || first === undefined
      ? undefined
      : (estimatedUsdPerHour * Math.max(0, now.getTime() - first)) / 3_600_000;
  return {
    cohort,
    owner: tags[LAB_TAG.owner] ?? '',
    profile: tags[LAB_TAG.profile] ?? '',
    expires,
    daysLeft: Number.isNaN(daysLeft) ? 0 : daysLeft,
    expired: !Number.isNaN(daysLeft) && daysLeft < 0,
    stacks: stacks
      .map((s) => ({ name: s.id, status: s.state ?? '' }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    learners,
    estimatedUsdPerHour,
    costSoFarUsd,
  };
}

/** The environments as the table `list` prints. */
export function renderEnvironments(rows: readonly EnvironmentRow[]): string {
  if (rows.length === 0) {
    return 'No Cohort Lab environments in this account and region.';
  }
  const header = ['COHORT', 'PROFILE', 'OWNER', 'EXPIRES', 'DAYS LEFT', 'LEARNERS', 'COST SO FAR', 'STACKS'];
  const lines = rows.map((r) => [
    r.cohort,
    r.profile,
    r.owner,
    r.expires,
    r.expired ? `EXPIRED ${-r.daysLeft}d ago` : String(r.daysLeft),
    String(r.learners),
    r.costSoFarUsd === undefined ? 'unknown' : `$${r.costSoFarUsd.toFixed(2)}`,
    r.stacks.map((s) => `${s.name.replace(`cohortlab-${r.cohort}-`, '')}:${s.status}`).join(' '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  return [header, ...lines]
    .map((l) =>
      l
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * The secrets checks, on Secrets Manager's own record of each secret of the cohort (every name
 * under `cohort-lab/<cohort>/`):
 *
 * - rotation on, with a schedule;
 * - the last rotation finished: no version still labelled AWSPENDING without AWSCURRENT. Secrets
 *   Manager's createSecret step labels the new version AWSPENDING and finishSecret moves
 *   AWSCURRENT onto it; a rotation that failed in any step in between leaves the label behind
 *   (https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot_rotation.html);
 * - within its schedule: the current value is younger than the rotation interval plus one day (the
 *   rotation window: Secrets Manager rotates on some day of the interval's last day,
 *   https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html).
 */
import {
  DescribeSecretCommand,
  DescribeSecretCommandOutput,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { CheckOutcome, fail, pass, ValidationTarget } from './types';

/** The day of grace after the interval (the rotation window). */
const WINDOW_MS = 86_400_000;

interface SecretRecord {
  readonly name: string;
  readonly meta: DescribeSecretCommandOutput;
}

async function cohortSecrets(sm: SecretsManagerClient, prefix: string): Promise<SecretRecord[]> {
  const out: SecretRecord[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sm.send(
      new ListSecretsCommand({ NextToken, MaxResults: 100, Filters: [{ Key: 'name', Values: [prefix] }] }),
    );
    for (const s of page.SecretList ?? []) {
      if (s.Name === undefined || !s.Name.startsWith(prefix)) continue;
      const meta = await sm.send(new DescribeSecretCommand({ SecretId: s.ARN }));
      out.push({ name: s.Name, meta });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The rotation interval in days: `AutomaticallyAfterDays`, or a `rate(N days)` schedule
 * expression (what CDK writes for hosted rotation); undefined for a `cron(...)` schedule, whose
 * lateness this check does not judge.
 */
export function intervalDays(rules: DescribeSecretCommandOutput['RotationRules']): number | undefined {
  if (rules?.AutomaticallyAfterDays !== undefined) return rules.AutomaticallyAfterDays;
  const rate = /^rate\((\d+) days?\)$/.exec(rules?.ScheduleExpression ?? '');
  return rate ? Number(rate[1]) : undefined;
}

function schedule(meta: DescribeSecretCommandOutput): string {
  const rules = meta.RotationRules;
  if (rules?.AutomaticallyAfterDays !== undefined) return `every ${rules.AutomaticallyAfterDays} days`;
  return rules?.ScheduleExpression ?? 'no schedule';
}

export async function checkRotationOn(t: ValidationTarget): Promise<CheckOutcome> {
  const secrets = await cohortSecrets(t.sm, t.secretPrefix);
  if (secrets.length === 0) return fail([`no secret under ${t.secretPrefix}`]);
  const evidence: string[] = [];
  let ok = true;
  for (const s of secrets) {
    const exempt = t.rotationExempt(s.name);
    const on = s.meta.RotationEnabled === true && s.meta.RotationRules !== undefined;
    if (!on && exempt !== undefined) {
      evidence.push(`${s.meta.ARN}: rotation off here (${exempt})`);
      continue;
    }
    ok &&= on;
    evidence.push(`${s.meta.ARN}: rotation ${on ? `on, ${schedule(s.meta)}` : 'OFF'}`);
  }
  return ok ? pass(evidence) : fail(evidence);
}

export async function checkRotationSucceeded(t: ValidationTarget): Promise<CheckOutcome> {
  const secrets = (await cohortSecrets(t.sm, t.secretPrefix)).filter((s) => s.meta.RotationEnabled === true);
  if (secrets.length === 0) return fail([`no secret under ${t.secretPrefix} has rotation on`]);
  const now = t.now();
  const evidence: string[] = [];
  let ok = true;
  for (const s of secrets) {
    const versions =
      (await t.sm.send(new ListSecretVersionIdsCommand({ SecretId: s.meta.ARN }))).Versions ?? [];
    const stuck = versions.filter(
      (v) => v.VersionStages?.includes('AWSPENDING') === true && !v.VersionStages.includes('AWSCURRENT'),
    );
    const current = versions.find((v) => v.VersionStages?.includes('AWSCURRENT') === true);
    const dates = [s.meta.LastRotatedDate, current?.CreatedDate, s.meta.CreatedDate].filter(
      (d): d is Date => d instanceof Date,
    );
    const since = new Date(Math.max(...dates.map((d) => d.getTime())));
    const days = intervalDays(s.meta.RotationRules);
    const due = days === undefined ? undefined : new Date(since.getTime() + days * 86_400_000 + WINDOW_MS);
    const late = due !== undefined && now > due;
    ok &&= stuck.length === 0 && !late;
    const problems = [
      ...stuck.map(
        (v) =>
          `a rotation did not finish: version ${v.VersionId} still AWSPENDING (created ${v.CreatedDate?.toISOString() ?? '?'})`,
      ),
      ...(late ? [`OVERDUE: due by ${due.toISOString()}`] : []),
    ];
    evidence.push(
      `${s.meta.ARN}: current value since ${since.toISOString()}` +
        `${s.meta.LastRotatedDate ? `, last rotated ${s.meta.LastRotatedDate.toISOString()}` : ''}` +
        `${due ? `, next due by ${due.toISOString()}` : `, schedule ${schedule(s.meta)} (lateness not judged)`}` +
        (problems.length > 0 ? `; ${problems.join('; ')}` : ''),
    );
  }
  return ok ? pass(evidence) : fail(evidence);
}

/**
 * Two sections from what the project already writes down: every cdk-nag acknowledgement with its
 * reason, grouped by rule (from the templates' `cdk_nag` metadata, where the reason travels with
 * the resource), and the open risks, which are what the README says is not verified.
 */
import { readFileSync } from 'fs';
import { SynthesisedTemplate } from '../cfn-template';
import { Section } from './model';

interface NagMetadata {
  readonly rules_to_suppress?: ReadonlyArray<{ readonly id: string; readonly reason: string }>;
}

export function acknowledgementsSection(templates: readonly SynthesisedTemplate[]): Section {
  const byRule = new Map<string, Map<string, string[]>>();
  for (const t of templates) {
    for (const [id, r] of Object.entries(t.template.Resources ?? {})) {
      for (const rule of (r.Metadata?.cdk_nag as NagMetadata | undefined)?.rules_to_suppress ?? []) {
        const reasons = byRule.get(rule.id) ?? new Map<string, string[]>();
        reasons.set(rule.reason, [...(reasons.get(rule.reason) ?? []), `${t.stackName}/${id}`]);
        byRule.set(rule.id, reasons);
      }
    }
  }
  const rules = [...byRule.keys()].sort();
  const rows = rules.flatMap((rule) =>
    [...byRule.get(rule)!.entries()].map(([reason, resources]) => [
      rule,
      reason,
      resources.length > 6
        ? `${resources.slice(0, 6).join(', ')}, and ${resources.length - 6} more`
        : resources.join(', '),
    ]),
  );
  const total = [...byRule.values()].reduce(
    (n, m) => n + [...m.values()].reduce((k, r) => k + r.length, 0),
    0,
  );
  return {
    id: 'acknowledgements',
    title: 'cdk-nag acknowledgements (AwsSolutions)',
    intro: [
      `CI fails on any AwsSolutions finding that is not acknowledged; ${total} acknowledgements of ${rules.length} rules stand, each on its resource with its reason (one row per rule and reason).`,
    ],
    tables: [{ table: { columns: ['Rule', 'Reason', 'Resources'], rows } }],
  };
}

/** The README's "Not verified here" paragraph, split into its items. */
export function openRisks(readmeFile: string): string[] {
  const text = readFileSync(readmeFile, 'utf8');
  const match = /^Not verified here[^:]*:([\s\S]*?)\n\n/m.exec(`${text}\n\n`);
  if (!match)
    throw new Error(`${readmeFile} has no "Not verified here" paragraph to take the open risks from`);
  const body = match[1].replace(/\s+/g, ' ').trim().replace(/\.$/, '');
  // Items are separated by "; " or ", " at the top level (not inside parentheses).
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth === 0 && (ch === ';' || ch === ',') && body[i + 1] === ' ') {
      items.push(current.trim());
      current = '';
      i++;
      continue;
    }
    current += ch;
  }
  items.push(current.trim());
  return items.filter((s) => s.length > 0);
}

export function risksSection(risks: readonly string[]): Section {
  return {
    id: 'risks',
    title: 'Open risks',
    intro: [
      'What this product cannot verify without an AWS account, a Docker engine or the internet (the README\'s "What is verified here, and what is not"). Each is covered as far as it can be by the unit, policy and integration tests, and must be checked on the first real deployment, for example with `cohort-lab validate`.',
    ],
    tables: [
      { table: { columns: ['#', 'Not verified here'], rows: risks.map((r, i) => [String(i + 1), r]) } },
    ],
  };
}

export function auditTrailSection(): Section {
  return {
    id: 'audit-trail',
    title: 'Audit trail: where changes are recorded, and for how long',
    intro: [
      'Who changed what and when, for each kind of change (docs/audit-trail.md has the commands that read each one).',
    ],
    tables: [
      {
        table: {
          columns: ['Change', 'Recorded in', 'Kept'],
          rows: [
            [
              'A cohort change (roster, settings): a stack update',
              'CloudFormation stack events (who: the CloudTrail event of the UpdateStack call)',
              "stack events: the stack's lifetime (and 90 days after deletion); CloudTrail event history: 90 days, longer with a trail",
            ],
            [
              'A secret rotated, read or changed',
              'CloudTrail (RotationSucceeded, RotationFailed, GetSecretValue, PutSecretValue)',
              'CloudTrail event history: 90 days; a RotationFailed event also goes to the alert topic',
            ],
            [
              'A model registered, promoted, an alias moved',
              "MLflow's registry in PostgreSQL: model versions, aliases and tags with times (MLflow records no user for them; who promoted is in the promotion lab's tags)",
              "the database's lifetime; RDS backups 7 days (cohort), 1 day (sandbox)",
            ],
            [
              'A run, an artifact',
              'MLflow (run user, times) and the bucket (versioned, access logs in the log bucket)',
              "the artifacts' retention (see Retention and expiry)",
            ],
            [
              'Kubernetes objects changed',
              'the EKS audit log (control-plane log type audit)',
              "the cluster log group's retention (see Retention and expiry)",
            ],
          ],
        },
      },
    ],
  };
}

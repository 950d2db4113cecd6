/**
 * cdk-nag's NIST 800-53 rev 5 pack (NIST80053R5Checks) on the cohort's app, every rule on every
 * resource, each outcome recorded: compliant, not compliant, not applicable. cdk-nag reports only
 * the findings; the report also wants what passed, so a subclass records each rule's outcome as
 * the pack applies it (`applyRule`, cdk-nag's one extension point), then lets the pack go on.
 * The controls of a rule are the ones its message names ("(Control IDs: AC-3, SC-13)").
 * Informational: CI gates on the AwsSolutions pack (lib/stacks/policy-checks.ts), not this one.
 */
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { IApplyRule, NagRuleCompliance, NIST80053R5Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { Section } from './model';

/** One rule's outcome on one resource. */
export interface NistOutcome {
  readonly rule: string;
  readonly controls: readonly string[];
  readonly resource: string;
  readonly compliance: 'compliant' | 'finding' | 'n/a' | 'acknowledged';
}

/** The acknowledgements (`cdk_nag` metadata rules) on a resource, by rule id. */
function acknowledged(node: CfnResource): Set<string> {
  const meta = node.getMetadata('cdk_nag') as { rules_to_suppress?: Array<{ id: string }> } | undefined;
  return new Set((meta?.rules_to_suppress ?? []).map((r) => r.id));
}

class RecordingNist extends NIST80053R5Checks {
  public readonly outcomes: NistOutcome[] = [];

  protected override applyRule(params: IApplyRule): void {
    const rule = `${this.readPackName}-${params.ruleSuffixOverride ?? params.rule.name}`;
    const controls =
      /\(Control IDs?: ([^)]*(?:\([^)]*\)[^)]*)*)\)\.?$/.exec(params.info)?.[1].split(', ') ?? [];
    const result = params.rule(params.node);
    const resource = `${Stack.of(params.node).stackName}/${Stack.of(params.node).getLogicalId(params.node)}`;
    const compliance =
      result === NagRuleCompliance.COMPLIANT
        ? 'compliant'
        : result === NagRuleCompliance.NOT_APPLICABLE
          ? 'n/a'
          : acknowledged(params.node).has(rule)
            ? 'acknowledged'
            : 'finding';
    this.outcomes.push({ rule, controls: [...new Set(controls)], resource, compliance });
  }
}

/** Every outcome of the pack on `app`'s constructs (call after the stacks are built). */
export function runNist(app: App | IConstruct): NistOutcome[] {
  const pack = new RecordingNist();
  pack.validateScope(app);
  return pack.outcomes;
}

export function nistSection(outcomes: readonly NistOutcome[]): Section {
  const rules = [...new Set(outcomes.map((o) => o.rule))].sort();
  const count = (list: readonly NistOutcome[], c: NistOutcome['compliance']) =>
    list.filter((o) => o.compliance === c).length;
  const ruleRows = rules
    .map((rule) => {
      const of = outcomes.filter((o) => o.rule === rule);
      const findings = of.filter((o) => o.compliance === 'finding').map((o) => o.resource);
      return [
        rule,
        of[0].controls.join(', '),
        String(count(of, 'compliant')),
        String(findings.length),
        String(count(of, 'acknowledged')),
        findings.length > 0
          ? findings.slice(0, 5).join(', ') + (findings.length > 5 ? `, and ${findings.length - 5} more` : '')
          : '-',
      ];
    })
    .filter((row) => row[2] !== '0' || row[3] !== '0' || row[4] !== '0');
  const controls = new Map<string, { pass: number; fail: number }>();
  for (const o of outcomes.filter((x) => x.compliance !== 'n/a')) {
    for (const c of o.controls) {
      const family = c.replace(/[-(].*$/, '');
      const entry = controls.get(family) ?? { pass: 0, fail: 0 };
      if (o.compliance === 'finding') entry.fail += 1;
      else entry.pass += 1;
      controls.set(family, entry);
    }
  }
  const familyRows = [...controls.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([f, { pass, fail }]) => [f, String(pass), String(fail)]);
  return {
    id: 'nist',
    title: 'NIST 800-53 rev 5 (cdk-nag pack)',
    intro: [
      `cdk-nag's NIST80053R5Checks pack on every resource of the app: ${count(outcomes, 'compliant')} compliant outcomes, ${count(outcomes, 'finding')} findings, ${count(outcomes, 'acknowledged')} acknowledged, across ${ruleRows.length} rules that apply (${rules.length - ruleRows.length} rules of the pack apply to no resource here). The pack is informational: CI gates on the AwsSolutions pack, whose acknowledgements are listed above. A finding here is a gap against the control as the pack reads it, to weigh, not a defect by itself.`,
    ],
    tables: [
      {
        caption:
          'By control family (outcomes on resources; one outcome counts for every control its rule names)',
        table: { columns: ['Family', 'Compliant or acknowledged', 'Findings'], rows: familyRows },
      },
      {
        caption: 'By rule',
        table: {
          columns: ['Rule', 'Controls', 'Compliant', 'Findings', 'Acknowledged', 'Resources with a finding'],
          rows: ruleRows,
        },
      },
    ],
  };
}

import { readFileSync, statSync } from 'fs';
import { join } from 'path';
import { CohortConfig } from '../config';
import { labTags } from '../core';
import { addCohortStacks, allStacks, newCohortApp } from '../stacks/cohort-app';
import { enablePolicyChecks, PolicyViolation, synthWithPolicyChecks } from '../stacks/policy-checks';

/** CloudFormation hard limit is 500 resources; DESIGN.md keeps every template under this. */
export const MAX_RESOURCES_PER_TEMPLATE = 450;
/** CloudFormation accepts 1 MB from S3; DESIGN.md keeps every template under this many bytes. */
export const MAX_TEMPLATE_BYTES = 800 * 1024;

/** What one synthesised stack contains. */
export interface StackPlan {
  readonly stackName: string;
  readonly templateFile: string;
  readonly templateBytes: number;
  readonly resourceCount: number;
  /** Resource type to count, sorted by type. */
  readonly resourcesByType: Readonly<Record<string, number>>;
  /** Acknowledged cdk-nag rules (rule id and reason) found in the template metadata. */
  readonly acknowledgements: ReadonlyArray<{
    readonly resource: string;
    readonly id: string;
    readonly reason: string;
  }>;
}

/** The result of planning a cohort: everything `cohort-lab plan` prints. */
export interface CohortPlan {
  readonly config: CohortConfig;
  readonly outdir: string;
  readonly stacks: readonly StackPlan[];
  readonly violations: readonly PolicyViolation[];
  /** Synth warnings to show loudly (e.g. MLflow without TLS in a sandbox). */
  readonly warnings: readonly string[];
  /** Templates over {@link MAX_RESOURCES_PER_TEMPLATE} or {@link MAX_TEMPLATE_BYTES}. */
  readonly limitProblems: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /** Whole days from `today` to the expiry date. */
  readonly daysToExpiry: number;
}

/** Synthesise `config` into `outdir` with policy checks on, and describe what came out. */
export function planCohort(config: CohortConfig, outdir: string, today: string): CohortPlan {
  const app = newCohortApp(outdir);
  enablePolicyChecks(app);
  const stacks = addCohortStacks(app, config);
  const result = synthWithPolicyChecks(app);
  const stackPlans = allStacks(stacks).map((stack) =>
    describeTemplate(stack.stackName, join(outdir, stack.templateFile)),
  );
  const limitProblems = stackPlans.flatMap((s) => {
    const problems: string[] = [];
    if (s.resourceCount > MAX_RESOURCES_PER_TEMPLATE) {
      problems.push(`${s.stackName}: ${s.resourceCount} resources (limit ${MAX_RESOURCES_PER_TEMPLATE})`);
    }
    if (s.templateBytes > MAX_TEMPLATE_BYTES) {
      problems.push(`${s.stackName}: ${s.templateBytes} bytes (limit ${MAX_TEMPLATE_BYTES})`);
    }
    return problems;
  });
  return {
    config,
    outdir,
    stacks: stackPlans,
    violations: result.violations,
    warnings: result.warnings,
    limitProblems,
    tags: labTags(config),
    daysToExpiry: Math.round((Date.parse(config.expires) - Date.parse(today)) / 86_400_000),
  };
}

interface Template {
  readonly Resources?: Record<string, { readonly Type: string; readonly Metadata?: Record<string, unknown> }>;
}

interface NagMetadata {
  readonly rules_to_suppress?: ReadonlyArray<{ readonly id: string; readonly reason: string }>;
}

/** Count resources by type and collect acknowledgements of one template file. */
export function describeTemplate(stackName: string, templateFile: string): StackPlan {
  const template = JSON.parse(readFileSync(templateFile, 'utf8')) as Template;
  const resources = Object.entries(template.Resources ?? {});
  const byType: Record<string, number> = {};
  const acknowledgements: Array<{ resource: string; id: string; reason: string }> = [];
  for (const [logicalId, resource] of resources) {
    byType[resource.Type] = (byType[resource.Type] ?? 0) + 1;
    const nag = resource.Metadata?.cdk_nag as NagMetadata | undefined;
    for (const rule of nag?.rules_to_suppress ?? []) {
      acknowledgements.push({ resource: logicalId, id: rule.id, reason: rule.reason });
    }
  }
  const sorted = Object.fromEntries(Object.entries(byType).sort(([a], [b]) => a.localeCompare(b)));
  return {
    stackName,
    templateFile,
    templateBytes: statSync(templateFile).size,
    resourceCount: resources.length,
    resourcesByType: sorted,
    acknowledgements,
  };
}

/** Render a plan as the text `cohort-lab plan` prints. */
export function renderPlan(plan: CohortPlan): string {
  const { config } = plan;
  const lines: string[] = [];
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  lines.push(`Cohort Lab plan: ${config.name} (profile ${config.profile.name}) from ${config.sourceFile}`);
  lines.push(`  owner      ${config.owner}`);
  lines.push(`  course     ${config.course.start} to ${config.course.end}`);
  lines.push(`  expires    ${config.expires} (${plan.daysToExpiry} days from today)`);
  lines.push(
    `  people     ${config.instructors.length} instructor(s), ${config.learners.length} learner(s): ` +
      config.learners.map((l) => l.slug).join(', '),
  );
  lines.push(`  artifacts  retention ${config.artifacts.retention}`);
  lines.push(`  target     ${config.account ?? '(any account)'} / ${config.region ?? '(any region)'}`);
  lines.push('');
  lines.push('Tags on every resource:');
  for (const [k, v] of Object.entries(plan.tags)) {
    lines.push(`  ${k} = ${v}`);
  }
  lines.push('');
  for (const stack of plan.stacks) {
    lines.push(
      `Stack ${stack.stackName}: ${stack.resourceCount} resources, ${kb(stack.templateBytes)} ` +
        `(limits ${MAX_RESOURCES_PER_TEMPLATE} resources, ${kb(MAX_TEMPLATE_BYTES)})`,
    );
    const width = Math.max(...Object.keys(stack.resourcesByType).map((t) => t.length));
    for (const [type, count] of Object.entries(stack.resourcesByType)) {
      lines.push(`  ${type.padEnd(width)}  ${count}`);
    }
  }
  lines.push('');
  const acks = plan.stacks.flatMap((s) => s.acknowledgements.map((a) => ({ ...a, stack: s.stackName })));
  lines.push(
    `Policy: cdk-nag AwsSolutions: ${plan.violations.length} unacknowledged finding(s), ` +
      `${acks.length} acknowledged with a reason`,
  );
  for (const a of acks) {
    lines.push(`  ack ${a.id} on ${a.stack}/${a.resource}: ${a.reason}`);
  }
  for (const v of plan.violations) {
    lines.push(`  FINDING ${v.rule} at ${v.constructPath}: ${v.description}`);
  }
  for (const p of plan.limitProblems) {
    lines.push(`  LIMIT ${p}`);
  }
  for (const w of plan.warnings) {
    lines.push('');
    lines.push(`!!! WARNING: ${w}`);
  }
  lines.push('');
  lines.push(`Templates written to ${plan.outdir}/`);
  return lines.join('\n');
}

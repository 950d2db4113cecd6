import { readFileSync } from 'fs';
import { join } from 'path';
import { CohortConfig, maxNodesWarning } from '../config';
import { ciRolePath, labTags, Limit, peopleRolePath, STACK_RESOURCES, TEMPLATE_BYTES } from '../core';
import { addCohortStacks, allStacks, newCohortApp } from '../stacks/cohort-app';
import { enablePolicyChecks, PolicyViolation, synthWithPolicyChecks } from '../stacks/policy-checks';
import { parseTemplate, SynthesisedTemplate } from './cfn-template';
import { measureDatabaseConnections } from './database-check';
import {
  figure,
  LimitMeasure,
  LimitProblem,
  measureTemplate,
  problemsOf,
  filterPoliciesWarning,
  rolesWarning,
} from './limits-check';
import {
  expiryText,
  nextCommand,
  PlanCost,
  planCost,
  PlanEndpoints,
  planEndpoints,
  PlanExpiry,
  planExpiry,
  renderCost,
} from './plan-summary';

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
  /**
   * Warnings to show loudly: from the synth (e.g. MLflow without TLS in a sandbox), more IAM roles
   * than an account holds by default, a node group ceiling below the roster's need.
   */
  readonly warnings: readonly string[];
  /** Figures over a size limit of lib/core/limits.ts (lib/ops/limits-check.ts): the plan fails. */
  readonly limitProblems: readonly LimitProblem[];
  /** For each limit checked, the largest figure of the cohort (the headroom left). */
  readonly largest: readonly LimitMeasure[];
  readonly tags: Readonly<Record<string, string>>;
  /** Whole days from `today` to the expiry date. */
  readonly daysToExpiry: number;
  /** True when nothing fails the plan: no unacknowledged finding, no figure over its limit. */
  readonly ready: boolean;
  readonly cost: PlanCost;
  readonly expiry: PlanExpiry;
  readonly endpoints: PlanEndpoints;
  readonly nextCommand: string;
}

/** Synthesise `config` into `outdir` with policy checks on, and describe what came out. */
export function planCohort(config: CohortConfig, outdir: string, today: string): CohortPlan {
  const app = newCohortApp(outdir);
  enablePolicyChecks(app);
  const stacks = addCohortStacks(app, config);
  const result = withoutConsole(() => synthWithPolicyChecks(app));
  const templates = allStacks(stacks).map((stack) =>
    readTemplate(stack.stackName, join(outdir, stack.templateFile)),
  );
  const stackPlans = templates.map((t) => summarise(t.synthesised, t.file));
  const measures = templates.flatMap((t) => [
    ...measureTemplate(t.synthesised),
    ...measureDatabaseConnections(t.synthesised, config.mlflow.replicas),
  ]);
  const warnings = [
    ...result.warnings,
    rolesWarning(
      templates.map((t) => t.synthesised),
      peopleRolePath(config.name),
      ciRolePath(config.name),
    ),
    filterPoliciesWarning(templates.map((t) => t.synthesised)),
    maxNodesWarning(config),
  ].filter((w): w is string => w !== undefined);
  const limitProblems = problemsOf(measures);
  const ready = result.violations.length === 0 && limitProblems.length === 0;
  return {
    config,
    outdir,
    stacks: stackPlans,
    violations: result.violations,
    // A warning CDK raises once per stack (or twice, from a construct and its stack) is said once.
    warnings: [...new Set(warnings)],
    limitProblems,
    largest: largestOfEach(measures),
    tags: labTags(config),
    daysToExpiry: Math.round((Date.parse(config.expires) - Date.parse(today)) / 86_400_000),
    ready,
    cost: planCost(config),
    expiry: planExpiry(config, today),
    endpoints: planEndpoints(config),
    nextCommand: nextCommand(config, ready),
  };
}

/**
 * Run `fn` with console output dropped. CDK prints its validation report (every cdk-nag finding
 * and annotation) while it synthesises; the plan prints the same findings and warnings itself, so
 * each is said once.
 */
function withoutConsole<T>(fn: () => T): T {
  const saved = { log: console.log, warn: console.warn, error: console.error };
  const drop = () => undefined;
  Object.assign(console, { log: drop, warn: drop, error: drop });
  try {
    return fn();
  } finally {
    Object.assign(console, saved);
  }
}

interface NagMetadata {
  readonly rules_to_suppress?: ReadonlyArray<{ readonly id: string; readonly reason: string }>;
}

function readTemplate(stackName: string, templateFile: string) {
  return { file: templateFile, synthesised: parseTemplate(stackName, readFileSync(templateFile, 'utf8')) };
}

/** Count resources by type and collect acknowledgements of one template file. */
export function describeTemplate(stackName: string, templateFile: string): StackPlan {
  const { synthesised, file } = readTemplate(stackName, templateFile);
  return summarise(synthesised, file);
}

function summarise({ stackName, template, bytes }: SynthesisedTemplate, templateFile: string): StackPlan {
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
    templateBytes: bytes,
    resourceCount: resources.length,
    resourcesByType: sorted,
    acknowledgements,
  };
}

/** The largest measure of each limit, in the order the limits were first measured. */
function largestOfEach(measures: readonly LimitMeasure[]): LimitMeasure[] {
  const largest = new Map<Limit, LimitMeasure>();
  for (const m of measures) {
    const best = largest.get(m.limit);
    if (best === undefined || m.size > best.size) {
      largest.set(m.limit, m);
    }
  }
  return [...largest.values()];
}

/**
 * Acknowledgements counted per rule (`AwsSolutions-IAM5`, whatever the finding names in brackets),
 * most first (ties by rule id).
 */
export function acknowledgementCounts(
  plan: CohortPlan,
): Array<{ readonly id: string; readonly count: number }> {
  const counts = new Map<string, number>();
  for (const a of plan.stacks.flatMap((s) => s.acknowledgements)) {
    const rule = a.id.split('[')[0];
    counts.set(rule, (counts.get(rule) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([id, count]) => ({ id, count }))
    .sort((a, b) => b.count - a.count || a.id.localeCompare(b.id));
}

/**
 * Render a plan as the text `cohort-lab plan` prints: the verdict first, then what a person acts
 * on (cost, expiry, addresses, next command), then the detail. Acknowledgements are counted per
 * rule; `verbose` lists each one with its reason.
 */
export function renderPlan(plan: CohortPlan, verbose = false): string {
  const { config } = plan;
  const lines: string[] = [];
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const problems = plan.violations.length + plan.limitProblems.length;
  lines.push(
    plan.ready
      ? `Verdict: READY to deploy ${config.name}${plan.warnings.length > 0 ? ` (${plan.warnings.length} warning(s) below)` : ''}`
      : `Verdict: NOT READY: ${plan.violations.length} unacknowledged finding(s), ${plan.limitProblems.length} figure(s) over a limit (${problems} to fix)`,
  );
  lines.push('');
  lines.push(`Cohort Lab plan: ${config.name} (profile ${config.profile.name}) from ${config.sourceFile}`);
  lines.push(`  owner      ${config.owner}`);
  lines.push(`  course     ${config.course.start} to ${config.course.end}`);
  lines.push(`  expires    ${config.expires} (${expiryText(plan.daysToExpiry)})`);
  lines.push(
    `  at expiry  ${plan.expiry.action}; reminders ${plan.expiry.reminders.length > 0 ? plan.expiry.reminders.join(', ') : 'none'}`,
  );
  lines.push(
    `  people     ${config.instructors.length} instructor(s), ${config.learners.length} learner(s): ` +
      config.learners.map((l) => l.slug).join(', '),
  );
  lines.push(`  artifacts  retention ${config.artifacts.retention}`);
  lines.push(
    `  serving    MLflow ${config.mlflow.replicas} replica(s), Feast ${config.feast.replicas} replica(s)`,
  );
  lines.push(
    `  database   db.${config.database.instanceClass}, ${config.database.allocatedStorageGiB} GiB ` +
      `growing to ${config.database.maxAllocatedStorageGiB} GiB`,
  );
  lines.push(`  target     ${config.account ?? '(any account)'} / ${config.region ?? '(any region)'}`);
  lines.push('');
  lines.push(...renderCost(plan.cost, config.budget.monthlyUsd));
  lines.push('');
  lines.push('Addresses:');
  for (const u of plan.endpoints.urls) {
    lines.push(`  ${u.what}: ${u.url}`);
  }
  lines.push(
    plan.endpoints.dnsRecords.length === 0 ? 'DNS records to create: none' : 'DNS records to create:',
  );
  for (const r of plan.endpoints.dnsRecords) {
    lines.push(`  ${r.name}  ${r.type}  ->  ${r.value}`);
  }
  lines.push('');
  lines.push(`Next: ${plan.nextCommand}`);
  lines.push('');
  lines.push('Tags on every resource:');
  for (const [k, v] of Object.entries(plan.tags)) {
    lines.push(`  ${k} = ${v}`);
  }
  lines.push('');
  for (const stack of plan.stacks) {
    lines.push(
      `Stack ${stack.stackName}: ${stack.resourceCount} resources, ${kb(stack.templateBytes)} ` +
        `(limits ${STACK_RESOURCES.budget} resources, ${kb(TEMPLATE_BYTES.budget)})`,
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
      `${acks.length} acknowledged with a reason` +
      (verbose ? '' : ' (each with its reason: --verbose)'),
  );
  if (verbose) {
    for (const a of acks) {
      lines.push(`  ack ${a.id} on ${a.stack}/${a.resource}: ${a.reason}`);
    }
  } else {
    for (const { id, count } of acknowledgementCounts(plan)) {
      lines.push(`  ack ${id} x${count}`);
    }
  }
  for (const v of plan.violations) {
    lines.push(`  FINDING ${v.rule} at ${v.constructPath}: ${v.description}`);
  }
  lines.push('');
  lines.push('Limits: the largest figure of each kind, against the budget');
  for (const m of plan.largest) {
    const where = m.logicalId === undefined ? m.stackName : `${m.stackName}/${m.logicalId}`;
    lines.push(
      `  ${m.limit.what}: ${figure(m.size)} of ${figure(m.limit.budget)}` +
        `${m.size > m.limit.budget ? ' OVER' : ''} (${where})`,
    );
  }
  for (const p of plan.limitProblems) {
    lines.push(`  LIMIT ${p.message}`);
  }
  for (const w of plan.warnings) {
    lines.push('');
    lines.push(`!!! WARNING: ${w}`);
  }
  lines.push('');
  lines.push(`Templates written to ${plan.outdir}/`);
  return lines.join('\n');
}

/** The plan as `--json` prints it: everything but the config object, which the file already holds. */
export function planJson(plan: CohortPlan): Record<string, unknown> {
  const { config, ...rest } = plan;
  return {
    cohort: config.name,
    profile: config.profile.name,
    sourceFile: config.sourceFile,
    ...rest,
    acknowledgementsByRule: acknowledgementCounts(plan),
  };
}

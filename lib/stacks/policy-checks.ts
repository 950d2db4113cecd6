import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { existsSync, readFileSync, rmSync } from 'fs';
import { join } from 'path';

/** One unacknowledged policy finding. */
export interface PolicyViolation {
  readonly rule: string;
  readonly description: string;
  readonly constructPath: string;
}

/**
 * Run the cdk-nag AwsSolutions pack on every stack of `app` at synth time. Acknowledgements are
 * written into template metadata so the reason for each one travels with the template.
 */
export function enablePolicyChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
}

/** Outcome of {@link synthWithPolicyChecks}. */
export interface PolicyResult {
  readonly outdir: string;
  readonly violations: readonly PolicyViolation[];
  /** Synth warnings (construct annotations), e.g. a sandbox serving MLflow without TLS. */
  readonly warnings: readonly string[];
}

/**
 * Synthesise `app` (which must have {@link enablePolicyChecks}) and return every unacknowledged
 * finding instead of throwing, so callers can print them all.
 */
export function synthWithPolicyChecks(app: App): PolicyResult {
  // A report left by an earlier synth into the same directory must not be read as this one's.
  rmSync(join(app.outdir, 'validation-report.json'), { force: true });
  try {
    const assembly = app.synth();
    const warnings = assembly.stacks.flatMap((stack) =>
      stack.messages
        .filter((m) => m.level === 'warning')
        .map((m) => `${stack.stackName}: ${String(m.entry.data)}`),
    );
    return { outdir: app.outdir, violations: [], warnings };
  } catch (err) {
    const reportFile = join(app.outdir, 'validation-report.json');
    if (!existsSync(reportFile)) {
      throw err;
    }
    return { outdir: app.outdir, violations: readViolations(reportFile), warnings: [] };
  }
}

interface ValidationReport {
  readonly pluginReports: ReadonlyArray<{
    readonly violations: ReadonlyArray<{
      readonly ruleName: string;
      readonly description: string;
      readonly violatingConstructs: ReadonlyArray<{ readonly constructPath: string }>;
    }>;
  }>;
}

function readViolations(reportFile: string): PolicyViolation[] {
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ValidationReport;
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((v) =>
      v.violatingConstructs.map((c) => ({
        rule: v.ruleName,
        description: v.description,
        constructPath: c.constructPath,
      })),
    ),
  );
}

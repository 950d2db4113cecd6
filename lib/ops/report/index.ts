/**
 * `cohort-lab report`: the cohort's compliance report, built from the synthesised app (no AWS, no
 * clock): encryption, rotation, the access matrix, retention and expiry, the cdk-nag
 * acknowledgements, the NIST 800-53 rev 5 pack's results by control, checkov's results, the open
 * risks and where the audit trail lives. Written as `report.md` and `report.html`; the same cohort
 * file gives the same bytes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CohortConfig } from '../../config';
import { REPO_ROOT } from '../../local/container';
import { addCohortStacks, allStacks, newCohortApp } from '../../stacks/cohort-app';
import { enablePolicyChecks, synthWithPolicyChecks } from '../../stacks/policy-checks';
import { parseTemplate } from '../cfn-template';
import { accessSection } from './access';
import { acknowledgementsSection, auditTrailSection, openRisks, risksSection } from './acks-risks';
import { checkovSection, runCheckov } from './checkov';
import { ComplianceReport } from './model';
import { nistSection, runNist } from './nist';
import { renderHtml } from './render-html';
import { renderMarkdown } from './render-markdown';
import { encryptionSection, retentionSection, rotationSection } from './templates';

/** Where the open risks come from. */
export const README = join(REPO_ROOT, 'README.md');

export function buildReport(config: CohortConfig): ComplianceReport {
  const outdir = mkdtempSync(join(tmpdir(), 'cohortlab-report-'));
  try {
    const app = newCohortApp(outdir);
    enablePolicyChecks(app);
    const stacks = allStacks(addCohortStacks(app, config));
    const result = synthWithPolicyChecks(app);
    const templates = stacks.map((s) =>
      parseTemplate(s.stackName, readFileSync(join(outdir, s.templateFile), 'utf8')),
    );
    const nist = runNist(app);
    const checkov = runCheckov(outdir);
    return {
      title: `Compliance report: ${config.name}`,
      summary: [
        `Cohort ${config.name}, profile ${config.profile.name}, owner ${config.owner}.`,
        `Course ${config.course.start} to ${config.course.end}; expires ${config.expires}. ${config.instructors.length} instructor(s), ${config.learners.length} learner(s); ${templates.length} stacks, ${templates.reduce((n, t) => n + Object.keys(t.template.Resources ?? {}).length, 0)} resources.`,
        `Built by \`cohort-lab report\` from the cohort file ${config.sourceFile}, synthesised offline; cdk-nag AwsSolutions: ${result.violations.length} unacknowledged finding(s).`,
      ],
      sections: [
        encryptionSection(templates),
        rotationSection(templates),
        accessSection(templates, config),
        retentionSection(templates, {
          start: config.course.start,
          end: config.course.end,
          expires: config.expires,
        }),
        acknowledgementsSection(templates),
        nistSection(nist),
        checkovSection(checkov),
        risksSection(openRisks(README)),
        auditTrailSection(),
      ],
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Write `report.md` and `report.html` into `dir`; returns their paths. */
export function writeReport(report: ComplianceReport, dir: string): { markdown: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const markdown = join(dir, 'report.md');
  const html = join(dir, 'report.html');
  writeFileSync(markdown, renderMarkdown(report));
  writeFileSync(html, renderHtml(report));
  return { markdown, html };
}

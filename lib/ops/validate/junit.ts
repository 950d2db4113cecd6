/**
 * JUnit XML of a validation, the format CI systems and graders read: one test suite, one test case
 * per check (`classname` cohort-lab.validate), a failure carrying the evidence, a skip its reason.
 * Hand-written: a dozen lines of XML do not warrant a dependency; text is escaped for XML 1.0.
 */
import { CheckResult, CheckStatus } from './types';

export function escapeXml(text: string): string {
  return (
    text
      // Characters XML 1.0 cannot carry at all.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
  );
}

export function renderJunit(cohort: string, results: readonly CheckResult[], timestamp: Date): string {
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  const total = results.reduce((sum, r) => sum + r.seconds, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="cohort-lab validate" tests="${results.length}" failures="${count(CheckStatus.FAIL)}" skipped="${count(CheckStatus.SKIP)}" time="${total.toFixed(3)}">`,
    `  <testsuite name="${escapeXml(cohort)}" tests="${results.length}" failures="${count(CheckStatus.FAIL)}" skipped="${count(CheckStatus.SKIP)}" errors="0" time="${total.toFixed(3)}" timestamp="${timestamp.toISOString()}">`,
  ];
  for (const r of results) {
    const evidence = escapeXml(r.evidence.join('\n'));
    lines.push(
      `    <testcase classname="cohort-lab.validate" name="${r.id}: ${escapeXml(r.title)}" time="${r.seconds.toFixed(3)}">`,
    );
    if (r.status === CheckStatus.FAIL) {
      lines.push(`      <failure message="${escapeXml(`${r.id} failed`)}">${evidence}</failure>`);
    } else if (r.status === CheckStatus.SKIP) {
      lines.push(`      <skipped message="${escapeXml(r.evidence[0] ?? '')}"/>`);
    }
    lines.push(`      <system-out>${evidence}</system-out>`, '    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

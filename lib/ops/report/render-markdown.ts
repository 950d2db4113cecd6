/** The report as Markdown (GitHub's tables): cells escaped so a `|` or a line break cannot break a row. */
import { ComplianceReport, Table } from './model';

const cell = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(t: Table): string[] {
  if (t.rows.length === 0) return ['_(none)_'];
  return [
    `| ${t.columns.map(cell).join(' | ')} |`,
    `| ${t.columns.map(() => '---').join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

export function renderMarkdown(report: ComplianceReport): string {
  const lines = [`# ${report.title}`, '', ...report.summary.flatMap((s) => [s, '']), '## Contents', ''];
  report.sections.forEach((s, i) => lines.push(`${i + 1}. [${s.title}](#${s.id})`));
  for (const s of report.sections) {
    lines.push('', `<a id="${s.id}"></a>`, '', `## ${s.title}`, '');
    for (const p of s.intro) lines.push(p, '');
    for (const { caption, table: t } of s.tables) {
      if (caption !== undefined) lines.push(`### ${caption}`, '');
      lines.push(...table(t), '');
    }
  }
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

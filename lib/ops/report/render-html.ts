/**
 * The report as one self-contained HTML page: no script, no external resource (a strict
 * Content-Security-Policy says so), text escaped; a finding, an unencrypted or forever-kept
 * resource is marked so it stands out.
 */
import { ComplianceReport, Table } from './model';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Inline code in `backticks` as <code>, the rest escaped. */
function text(s: string): string {
  return s
    .split('`')
    .map((part, i) => (i % 2 === 1 ? `<code>${escapeHtml(part)}</code>` : escapeHtml(part)))
    .join('');
}

const ALERT = /NOT ENCRYPTED|FOREVER|OFF$|NOT envelope/;

function table(t: Table, caption?: string): string {
  const head = t.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('');
  const body =
    t.rows.length === 0
      ? `<tr><td colspan="${t.columns.length}">(none)</td></tr>`
      : t.rows
          .map(
            (r) =>
              `<tr>${r.map((c) => `<td${ALERT.test(c) ? ' class="alert"' : ''}>${text(c)}</td>`).join('')}</tr>`,
          )
          .join('\n');
  return `<table>${caption === undefined ? '' : `<caption>${escapeHtml(caption)}</caption>`}\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 78rem; color: #1b1f24; padding: 0 1rem; }
h1 { font-size: 1.7rem; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; margin-top: 2.2rem; }
table { border-collapse: collapse; width: 100%; margin: .8rem 0 1.4rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.alert { background: #ffebe9; font-weight: 600; }
code { background: #f6f8fa; padding: 0 .2rem; border-radius: 3px; }
nav ol { columns: 2; }
`;

export function renderHtml(report: ComplianceReport): string {
  const sections = report.sections
    .map((s) =>
      [
        `<section id="${escapeHtml(s.id)}">`,
        `<h2>${escapeHtml(s.title)}</h2>`,
        ...s.intro.map((p) => `<p>${text(p)}</p>`),
        ...s.tables.map(({ caption, table: t }) => table(t, caption)),
        '</section>',
      ].join('\n'),
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(report.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(report.title)}</h1>
${report.summary.map((s) => `<p>${text(s)}</p>`).join('\n')}
<nav><h2>Contents</h2><ol>${report.sections.map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a></li>`).join('')}</ol></nav>
${sections}
</body>
</html>
`;
}

import { formatTable } from '../cli/list';
import { cellHeadline, OUTCOME_TITLES, OUTCOMES, type Report, type ReportOutcome, type ReportRow } from './model';

/**
 * The report's formats, each a pure function of the Report: a terminal table, CSV (the matrix,
 * a blank line, then one row per finding: the onboarding spreadsheet), JSON, Markdown, and one
 * self-contained HTML page (inline CSS, no script, no external asset; the only URLs are links to
 * the Security Hub console).
 */

export const REPORT_FORMATS = ['table', 'csv', 'json', 'markdown', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const ROW_COLUMNS: Array<[string, keyof ReportRow]> = [
  ['control', 'control'],
  ['account', 'account'],
  ['region', 'region'],
  ['resource_type', 'resourceType'],
  ['resource', 'resource'],
  ['outcome', 'outcome'],
  ['hubfix_status', 'lastStatus'],
  ['execution', 'execution'],
  ['workflow', 'workflow'],
  ['compliance', 'compliance'],
  ['when', 'when'],
  ['what_changed', 'note'],
  ['finding_id', 'findingId'],
  ['console_url', 'consoleUrl'],
];

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function matrixRows(r: Report): string[][] {
  const rows = [['CONTROL', 'ACCOUNT', ...OUTCOMES.map((o) => o.toUpperCase())]];
  for (const c of r.matrix) rows.push([c.control, c.account, ...OUTCOMES.map((o) => (c.counts[o] ? String(c.counts[o]) : '·'))]);
  rows.push(['TOTAL', '', ...OUTCOMES.map((o) => String(r.totals[o]))]);
  return rows;
}

function summary(r: Report): string {
  const parts = OUTCOMES.filter((o) => r.totals[o] > 0).map((o) => `${r.totals[o]} ${OUTCOME_TITLES[o]}`);
  return `${r.findings.length} finding(s) in ${r.accounts.length} account(s), ${r.controls.length} control(s)${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

export function renderTable(r: Report): string {
  if (r.findings.length === 0) return 'no findings match the filters\n';
  const rows = [['CONTROL', 'ACCOUNT', 'REGION', 'RESOURCE', 'OUTCOME', 'WHEN', 'WHAT CHANGED']];
  for (const f of r.findings)
    rows.push([f.control, f.account, f.region, clip(f.resource, 50), f.outcome, f.when.slice(0, 16), clip(f.note || '—', 80)]);
  return `${formatTable(matrixRows(r))}\n\n${formatTable(rows)}\n\n${summary(r)}\n`;
}

/** One CSV field (RFC 4180); a leading = + - @ is prefixed with ' so a spreadsheet never runs it as a formula. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvLine(cells: string[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

export function renderCsv(r: Report): string {
  let out = csvLine(['control', 'account', ...OUTCOMES]);
  for (const c of r.matrix) out += csvLine([c.control, c.account, ...OUTCOMES.map((o) => String(c.counts[o]))]);
  out += '\r\n';
  out += csvLine(ROW_COLUMNS.map(([h]) => h));
  for (const f of r.findings) out += csvLine(ROW_COLUMNS.map(([, k]) => String(f[k])));
  return out;
}

export function renderJson(r: Report): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

export function renderMarkdown(r: Report): string {
  const lines = [`# hubfix report`, '', `Generated ${r.generatedAt} from Security Hub in ${r.region}. ${summary(r)}.`, ''];
  lines.push(`| Control | Account | ${OUTCOMES.map((o) => OUTCOME_TITLES[o]).join(' | ')} |`);
  lines.push(`|---|---|${OUTCOMES.map(() => '---:').join('|')}|`);
  for (const c of r.matrix) lines.push(`| ${mdCell(c.control)} | ${c.account} | ${OUTCOMES.map((o) => c.counts[o] || '').join(' | ')} |`);
  lines.push(`| **Total** | | ${OUTCOMES.map((o) => `**${r.totals[o]}**`).join(' | ')} |`, '', '## Findings', '');
  lines.push('| Control | Account | Region | Resource | Outcome | When | What changed |', '|---|---|---|---|---|---|---|');
  for (const f of r.findings)
    lines.push(
      `| [${mdCell(f.control)}](${f.consoleUrl}) | ${f.account} | ${f.region} | ${mdCell(f.resource)} | ${f.outcome} | ${f.when} | ${mdCell(f.note || '—')} |`,
    );
  return `${lines.join('\n')}\n`;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const COLOURS: Readonly<Record<ReportOutcome, string>> = {
  fixed: '#2e7d32',
  previewed: '#1565c0',
  waiting: '#ef6c00',
  failed: '#c62828',
  running: '#6a1b9a',
  open: '#757575',
  passed: '#81c784',
};

const CSS = `body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#212121}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}p.meta{color:#616161;margin:0 0 16px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #e0e0e0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#fafafa}td.cell{text-align:center;color:#fff;font-weight:600;min-width:64px}td.none{background:#f5f5f5;color:#9e9e9e}
.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
.counts td{text-align:right}td.note{max-width:520px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
${OUTCOMES.map((o) => `.o-${o}{background:${COLOURS[o]}}`).join('')}`;

function cellTitle(counts: Record<ReportOutcome, number>): string {
  return OUTCOMES.filter((o) => counts[o] > 0)
    .map((o) => `${counts[o]} ${OUTCOME_TITLES[o]}`)
    .join(', ');
}

export function renderHtml(r: Report): string {
  const e = escapeHtml;
  const h: string[] = [];
  h.push('<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">');
  h.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  h.push(`<title>hubfix report ${e(r.generatedAt.slice(0, 10))}</title>`, `<style>${CSS}</style>`, '</head>', '<body>');
  h.push(
    '<h1>hubfix report</h1>',
    `<p class="meta">Generated ${e(r.generatedAt)} from Security Hub in ${e(r.region)}. ${e(summary(r))}.</p>`,
  );
  h.push('<p class="legend">');
  for (const o of OUTCOMES) h.push(`<span><i class="o-${o}"></i>${e(OUTCOME_TITLES[o])}</span>`);
  h.push('</p>');
  h.push('<h2>Totals</h2>', '<table class="counts">', '<tr>');
  for (const o of OUTCOMES) h.push(`<th>${e(OUTCOME_TITLES[o])}</th>`);
  h.push('</tr>', '<tr>');
  for (const o of OUTCOMES) h.push(`<td>${r.totals[o]}</td>`);
  h.push('</tr>', '</table>');

  h.push('<h2>Controls by account</h2>', '<table class="grid">', '<tr><th>Control</th>');
  for (const a of r.accounts) h.push(`<th>${e(a)}</th>`);
  h.push('</tr>');
  const byKey = new Map(r.matrix.map((c) => [`${c.control}|${c.account}`, c]));
  for (const control of r.controls) {
    h.push(`<tr><th>${e(control)}</th>`);
    for (const account of r.accounts) {
      const cell = byKey.get(`${control}|${account}`);
      const head = cell ? cellHeadline(cell.counts) : undefined;
      if (!cell || !head) h.push('<td class="cell none">—</td>');
      else {
        const text = OUTCOMES.filter((o) => cell.counts[o] > 0)
          .map((o) => `${cell.counts[o]} ${o}`)
          .join(' · ');
        h.push(`<td class="cell o-${head}" title="${e(cellTitle(cell.counts))}">${e(text)}</td>`);
      }
    }
    h.push('</tr>');
  }
  h.push('</table>');

  h.push('<h2>Findings</h2>', '<table class="findings">');
  h.push('<tr><th>Control</th><th>Account</th><th>Region</th><th>Resource</th><th>Outcome</th><th>When</th><th>What changed</th></tr>');
  for (const f of r.findings) {
    h.push(
      `<tr><td><a href="${e(f.consoleUrl)}">${e(f.control)}</a></td><td>${e(f.account)}</td><td>${e(f.region)}</td>` +
        `<td>${e(f.resource)}</td><td class="cell o-${f.outcome}">${e(f.outcome)}</td><td>${e(f.when)}</td>` +
        `<td class="note">${e(f.note || '—')}</td></tr>`,
    );
  }
  h.push('</table>', '</body>', '</html>');
  return `${h.join('\n')}\n`;
}

export function render(r: Report, format: ReportFormat): string {
  switch (format) {
    case 'table':
      return renderTable(r);
    case 'csv':
      return renderCsv(r);
    case 'json':
      return renderJson(r);
    case 'markdown':
      return renderMarkdown(r);
    case 'html':
      return renderHtml(r);
  }
}

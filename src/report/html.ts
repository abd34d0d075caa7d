/**
 * The mailable report: one self-contained HTML file (inline CSS and SVG, no scripts, no external
 * resources). Every value is escaped: caller numbers, names and rule names may be hostile.
 */
import { escapeHtml, hourBarsSvg, routeSplitSvg } from './svg.js';
import { formatRate, LATEST_DAYS, periodLabel, type Count, type ReportSummary } from './summary.js';

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:760px;padding:12px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:24px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%}td,th{padding:3px 6px;text-align:left;border-bottom:1px solid #eee}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.chart{width:100%;height:auto}
.tiles{display:flex;flex-wrap:wrap;gap:8px}.tile{flex:1 1 140px;border:1px solid #ddd;border-radius:6px;padding:8px}
.tile b{display:block;font-size:22px}.muted{color:#666}`;

const e = escapeHtml;

function countTable(rows: Count[], total: number, head: string): string {
  if (!rows.length) return '<p class="muted">none</p>';
  const body = rows.map((r) =>
    `<tr><td>${e(r.key)}</td><td class="n">${r.count}</td><td class="n">${total ? ((r.count / total) * 100).toFixed(1) : '0.0'}%</td></tr>`);
  return `<table><tr><th>${e(head)}</th><th class="n">calls</th><th class="n">share</th></tr>${body.join('')}</table>`;
}

/** Decisions by action; with shadow-mode decisions, a column for those (the call rang whatever the action). */
function actionTable(s: ReportSummary): string {
  if (s.shadow === 0 || !s.byAction.length) return countTable(s.byAction, s.total, 'action');
  const shadowOf = new Map(s.shadowByAction.map((c) => [c.key, c.count]));
  const body = s.byAction.map((r) =>
    `<tr><td>${e(r.key)}</td><td class="n">${r.count}</td><td class="n">${s.total ? ((r.count / s.total) * 100).toFixed(1) : '0.0'}%</td><td class="n">${shadowOf.get(r.key) ?? 0}</td></tr>`);
  const unsorted = s.shadow - s.shadowByAction.reduce((n, c) => n + c.count, 0);
  const note = unsorted > 0 ? `<p class="muted">and ${unsorted} shadow decisions an older chut recorded without their action</p>` : '';
  return `<table><tr><th>action</th><th class="n">calls</th><th class="n">share</th><th class="n">shadow (rang)</th></tr>${body.join('')}</table>${note}`;
}

function callersTable(rows: Array<{ caller: string; calls: number }>): string {
  if (!rows.length) return '<p class="muted">none</p>';
  const body = rows.map((r) => `<tr><td>${e(r.caller)}</td><td class="n">${r.calls}</td></tr>`);
  return `<table><tr><th>caller</th><th class="n">calls</th></tr>${body.join('')}</table>`;
}

function tile(label: string, value: string): string {
  return `<div class="tile"><span class="muted">${e(label)}</span><b>${e(value)}</b></div>`;
}

export function renderHtml(s: ReportSummary): string {
  const title = `chut report: ${periodLabel(s.sinceLabel)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${e(title)}</title><style>${CSS}</style></head><body>
<h1>${e(title)}</h1>
<p class="muted">Since ${e(s.since)} · generated ${e(s.generatedAt)}</p>
<div class="tiles">${tile('calls', String(s.total))}${tile('captcha pass rate', formatRate(s.captcha.passRate))}${tile('degraded (fail-open)', String(s.degraded))}${tile('shadow decisions', String(s.shadow))}</div>
<h2>Calls by route</h2>${routeSplitSvg(s.byRoute, s.total)}${countTable(s.byRoute, s.total, 'route')}
<h2>Calls by hour${s.hoursTruncated ? ` (the latest ${LATEST_DAYS} days only)` : ''}</h2>${hourBarsSvg(s.hours, s.routes)}
<h2>By action (policy decision)</h2>${actionTable(s)}
<h2>By rule</h2>${countTable(s.byRule, s.total, 'rule')}
<h2>Captcha outcomes</h2>${countTable(s.captcha.outcomes, s.captcha.total, 'outcome')}
<h2>Top callers the policy rejects <small>(whole UTC days from ${e(s.topSince)})</small></h2>${callersTable(s.topBlocked)}
<h2>Top callers the policy challenges <small>(whole UTC days from ${e(s.topSince)})</small></h2>${callersTable(s.topChallenged)}
</body></html>
`;
}

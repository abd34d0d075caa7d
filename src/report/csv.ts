/**
 * The spreadsheet report: one long table `section,key,detail,value`, easy to pivot. Fields are quoted
 * when needed and cells that a spreadsheet would run as a formula are defused.
 */
import { defuseFormula } from '../reputation/csv.js';
import type { ReportSummary } from './summary.js';

export function csvField(value: string | number): string {
  const s = defuseFormula(String(value));
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function row(...cells: Array<string | number>): string {
  return cells.map(csvField).join(',');
}

export function renderCsv(s: ReportSummary): string {
  const lines = [
    row('section', 'key', 'detail', 'value'),
    row('report', 'since', '', s.since),
    row('report', 'generated', '', s.generatedAt),
    // the hour rows cover the period's latest 31 days at most, the top callers whole UTC days: where each starts, so
    // that rows which do not add up to the summary say why (the text and HTML reports say it in their headings)
    row('report', 'hours_from', '', s.hours[0]?.hour ?? ''),
    row('report', 'top_callers_from', '', s.topSince),
    row('summary', 'calls', '', s.total),
    row('summary', 'degraded', '', s.degraded),
    row('summary', 'shadow', '', s.shadow),
    row('summary', 'captcha_pass_rate', '', s.captcha.passRate === null ? '' : s.captcha.passRate.toFixed(4)),
    ...s.byRoute.map((c) => row('route', c.key, '', c.count)),
    ...s.byAction.map((c) => row('action', c.key, '', c.count)),
    ...s.shadowByAction.map((c) => row('shadow_action', c.key, '', c.count)),
    ...s.byRule.map((c) => row('rule', c.key, '', c.count)),
    ...s.captcha.outcomes.map((c) => row('captcha', c.key, '', c.count)),
    ...s.topBlocked.map((c) => row('top_blocked', c.caller, '', c.calls)),
    ...s.topChallenged.map((c) => row('top_challenged', c.caller, '', c.calls)),
    ...s.hours.filter((h) => h.total > 0).flatMap((h) =>
      Object.entries(h.byRoute).filter(([, n]) => n > 0).map(([route, n]) => row('hour', h.hour, route, n))),
  ];
  return lines.join('\r\n') + '\r\n';
}

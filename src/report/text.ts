/** The terminal report: aligned plain-text tables. Control characters are stripped (terminal escapes). */
import { stripUnsafeKeepGaps as clean } from '../phone/sanitize.js';
import { counted } from '../plural.js';
import { formatRate, LATEST_DAYS, periodLabel, type Count, type HourRow, type ReportSummary } from './summary.js';

/** Left-aligns the columns in `left` (the first by default), right-aligns the others (numbers). */
export function table(header: string[], rows: string[][], left: number[] = [0]): string[] {
  const all = [header, ...rows].map((r) => r.map(clean));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    r.map((cell, i) => (left.includes(i) ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)];
}

function pct(count: number, total: number): string {
  return total ? `${((count / total) * 100).toFixed(1)}%` : '-';
}

function countTable(title: string, rows: Count[], total: number): string[] {
  if (!rows.length) return [title, '  (none)'];
  return [title, ...table(['', 'calls', 'share'], rows.map((r) => [r.key, String(r.count), pct(r.count, total)])).map((l) => `  ${l}`)];
}

/**
 * Decisions by action. With shadow-mode decisions in the period, a column gives how many of each were taken in shadow
 * mode (the call rang whatever the action): a period that switched from shadow to enforce shows both.
 */
function actionTable(s: ReportSummary): string[] {
  const title = 'By action (what the policy decided)';
  if (s.shadow === 0 || !s.byAction.length) return countTable(title, s.byAction, s.total);
  const shadowOf = new Map(s.shadowByAction.map((c) => [c.key, c.count]));
  const rows = s.byAction.map((r) => [r.key, String(r.count), pct(r.count, s.total), String(shadowOf.get(r.key) ?? 0)]);
  const lines = [title, ...table(['', 'calls', 'share', 'shadow (rang)'], rows).map((l) => `  ${l}`)];
  const unsorted = s.shadow - s.shadowByAction.reduce((n, c) => n + c.count, 0);
  if (unsorted > 0) lines.push(`  and ${counted(unsorted, 'shadow decision')} an older chut recorded without their action`);
  return lines;
}

function callersTable(title: string, rows: Array<{ caller: string; calls: number }>): string[] {
  if (!rows.length) return [title, '  (none)'];
  return [title, ...table(['caller', 'calls'], rows.map((r) => [r.caller, String(r.calls)])).map((l) => `  ${l}`)];
}

/** Hours for a day or two; past 48 hours a terminal is better served by one line per day. */
function timeRows(s: ReportSummary): { title: string; rows: HourRow[] } {
  if (s.hours.length <= 49) {
    return { title: 'Calls by hour (UTC)', rows: s.hours.map((h) => ({ ...h, hour: `${h.hour.replace('T', ' ')}h` })) };
  }
  const days = new Map<string, HourRow>();
  for (const h of s.hours) {
    const key = h.hour.slice(0, 10);
    const d = days.get(key) ?? { hour: key, total: 0, byRoute: {} };
    d.total += h.total;
    for (const [r, n] of Object.entries(h.byRoute)) d.byRoute[r] = (d.byRoute[r] ?? 0) + n;
    days.set(key, d);
  }
  return { title: `Calls by day (UTC${s.hoursTruncated ? `, the latest ${LATEST_DAYS} days only` : ''})`, rows: [...days.values()] };
}

function hoursTable(s: ReportSummary): string[] {
  const { title, rows: all } = timeRows(s);
  const rows = all.filter((h) => h.total > 0);
  if (!rows.length) return [title, '  (none)'];
  const max = Math.max(...rows.map((r) => r.total));
  const body = rows.map((h) => [
    h.hour,
    ...s.routes.map((r) => String(h.byRoute[r] ?? 0)),
    String(h.total),
    '#'.repeat(Math.max(1, Math.round((h.total / max) * 20))),
  ]);
  const lines = table([title.startsWith('Calls by day') ? 'day' : 'hour', ...s.routes, 'total', ''], body, [0, s.routes.length + 2]);
  return [title, ...lines.map((l) => `  ${l}`)];
}

export function renderText(s: ReportSummary): string {
  const out: string[] = [
    `chut report: ${periodLabel(s.sinceLabel)} (since ${s.since}, generated ${s.generatedAt})`,
    '',
    ...[
      ['calls', String(s.total)],
      ['captcha pass rate', `${formatRate(s.captcha.passRate)} (${counted(s.captcha.total, 'captcha')})`],
      ['degraded (fail-open)', String(s.degraded)],
      ['shadow decisions', String(s.shadow)],
    ].map(([k, v]) => `${(k ?? '').padEnd(22)}${v ?? ''}`),
    '',
    ...countTable('By route (what was done)', s.byRoute, s.total),
    '',
    ...actionTable(s),
    '',
    ...countTable('By rule', s.byRule, s.total),
    '',
    ...countTable('Captcha outcomes', s.captcha.outcomes, s.captcha.total),
    '',
    ...callersTable(`Top callers the policy rejects (whole UTC days from ${s.topSince})`, s.topBlocked),
    '',
    ...callersTable(`Top callers the policy challenges (whole UTC days from ${s.topSince})`, s.topChallenged),
    '',
    ...hoursTable(s),
  ];
  return out.join('\n') + '\n';
}

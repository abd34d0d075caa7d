/**
 * Pure derivations shared by every report format: the figures an admin reads, computed once from the
 * store's Stats so text, JSON, CSV and HTML can never disagree.
 */
import type { CaptchaOutcome, Stats } from '../reputation/types.js';
import { topDays } from '../reputation/stats.js';
import { HOUR_MS } from '../time-units.js';

/** Routes in the order a reader expects them (least to most severe); unknown routes follow, sorted. */
export const ROUTE_ORDER = ['ring', 'captcha', 'voicemail', 'reject'] as const;
export const CAPTCHA_OUTCOMES: readonly CaptchaOutcome[] = ['passed', 'failed', 'hung-up', 'timeout'];
const TOP_N = 10;

export interface Count {
  key: string;
  count: number;
}

export interface HourRow {
  /** `YYYY-MM-DDTHH` (UTC). */
  hour: string;
  total: number;
  byRoute: Record<string, number>;
}

export interface ReportSummary {
  sinceLabel: string;
  since: string;
  generatedAt: string;
  total: number;
  routes: string[];
  byRoute: Count[];
  byAction: Count[];
  byRule: Count[];
  captcha: { outcomes: Count[]; total: number; passRate: number | null };
  degraded: number;
  shadow: number;
  /** Shadow-mode decisions by action, in byAction's order: they rang, whatever the action. Their sum falls short of
   * `shadow` by the decisions a chut from before this breakdown recorded. */
  shadowByAction: Count[];
  /** Every hour from `since` to `now`, empty ones included (charts need the gaps); the latest 31 days of a longer period. */
  hours: HourRow[];
  /** Whether `hours` leaves out the start of the period (longer than 31 days): the tables and charts must say so. */
  hoursTruncated: boolean;
  /** Top callers are counted by whole UTC days, the latest 40 at most (docs/redis-schema.md): the first day they cover. */
  topSince: string;
  topBlocked: Array<{ caller: string; calls: number }>;
  topChallenged: Array<{ caller: string; calls: number }>;
}

export interface ReportOptions {
  sinceLabel: string;
  now: number;
}

/** Non-negative finite integers only: a tampered store must not produce NaN bars. */
function safeCount(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

function counts(rec: Record<string, number> | undefined, order: readonly string[] = []): Count[] {
  const entries = Object.entries(rec ?? {}).map(([key, count]) => ({ key, count: safeCount(count) }));
  const rank = (k: string): number => {
    const i = order.indexOf(k);
    return i === -1 ? order.length : i;
  };
  return entries.sort((a, b) =>
    order.length ? rank(a.key) - rank(b.key) || a.key.localeCompare(b.key) : b.count - a.count || a.key.localeCompare(b.key));
}

function hourKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}

/** Days of hour rows kept: the latest of a longer period (a chart of every hour of a year is unreadable). */
export const LATEST_DAYS = 31;
const MAX_HOUR_ROWS = LATEST_DAYS * 24 + 1;

/** Every hour of the period's latest 31 days, up to now, filled from byHour; hours after now (a clock ahead) are kept. */
function hourRows(stats: Stats, now: number): HourRow[] {
  const rows = new Map<string, HourRow>();
  const end = Math.floor(Math.max(stats.since, now) / HOUR_MS) * HOUR_MS;
  const start = Math.max(Math.floor(stats.since / HOUR_MS) * HOUR_MS, end - (MAX_HOUR_ROWS - 1) * HOUR_MS);
  for (let t = start; t <= end; t += HOUR_MS) rows.set(hourKey(t), { hour: hourKey(t), total: 0, byRoute: {} });
  for (const [hour, byRoute] of Object.entries(stats.byHour ?? {})) {
    if (hour < hourKey(start)) continue; // before the rows shown: in the totals, not in the hourly table
    const row = rows.get(hour) ?? { hour, total: 0, byRoute: {} };
    for (const [route, c] of Object.entries(byRoute ?? {})) {
      row.byRoute[route] = (row.byRoute[route] ?? 0) + safeCount(c);
      row.total += safeCount(c);
    }
    rows.set(hour, row);
  }
  return [...rows.values()].sort((a, b) => a.hour.localeCompare(b.hour));
}

function top(stats: Stats, action: string): Array<{ caller: string; calls: number }> {
  const list = stats.topCallers?.[action] ?? [];
  return list
    .map((c) => ({ caller: String(c.caller), calls: safeCount(c.calls) }))
    .sort((a, b) => b.calls - a.calls)
    .slice(0, TOP_N);
}

/** Every route that appears anywhere, in display order. */
function routeNames(stats: Stats): string[] {
  const seen = new Set<string>(Object.keys(stats.byRoute ?? {}));
  for (const r of Object.values(stats.byHour ?? {})) for (const k of Object.keys(r ?? {})) seen.add(k);
  return counts(Object.fromEntries([...seen].map((k) => [k, 0])), ROUTE_ORDER).map((c) => c.key);
}

export function summarise(stats: Stats, opts: ReportOptions): ReportSummary {
  const outcomes = CAPTCHA_OUTCOMES.map((key) => ({ key, count: safeCount(stats.captcha?.[key]) }));
  const captchaTotal = outcomes.reduce((s, o) => s + o.count, 0);
  const hours = hourRows(stats, opts.now);
  const passed = outcomes[0]?.count ?? 0;
  return {
    sinceLabel: opts.sinceLabel,
    since: new Date(stats.since).toISOString(),
    generatedAt: new Date(opts.now).toISOString(),
    total: safeCount(stats.total),
    routes: routeNames(stats),
    byRoute: counts(stats.byRoute, ROUTE_ORDER),
    byAction: counts(stats.byAction, ROUTE_ORDER),
    byRule: counts(stats.byRule),
    captcha: { outcomes, total: captchaTotal, passRate: captchaTotal ? passed / captchaTotal : null },
    degraded: safeCount(stats.degraded),
    shadow: safeCount(stats.shadow),
    shadowByAction: counts(stats.shadowByAction, ROUTE_ORDER),
    hours,
    hoursTruncated: (hours[0]?.hour ?? '') > hourKey(stats.since),
    topSince: new Date(topDays(stats.since, opts.now)[0] ?? stats.since).toISOString().slice(0, 10),
    topBlocked: top(stats, 'reject'),
    topChallenged: top(stats, 'captcha'),
  };
}

/** `87.5%`, or `n/a` when no captcha was played. */
export function formatRate(rate: number | null): string {
  return rate === null ? 'n/a' : `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

/** `24h` → `last 24h`, `2026-11-01` → `since 2026-11-01`; any other label (`the demo day`) is shown as given. */
export function periodLabel(sinceLabel: string): string {
  if (/^\d+\s*[smhdw]$/.test(sinceLabel)) return `last ${sinceLabel}`;
  return /^\d{4}-\d{2}-\d{2}/.test(sinceLabel) ? `since ${sinceLabel}` : sinceLabel;
}

/**
 * Counter fields of the hourly/daily stats hashes and their aggregation into `Stats`. Shared by both
 * stores: the field names are part of the public key schema (docs/redis-schema.md).
 */
import { hourKey } from './keys.js';
import type { CallRecord, CaptchaOutcome, Stats } from './types.js';
import { DAY_MS, HOUR_MS } from '../time-units.js';

export const TOP_CALLERS = 10;
/** Callers kept per day and action: spoofed random numbers must not grow a day's set (and its reading) without end.
 * When full, the caller with the fewest calls goes first. */
export const TOP_SET_CAP = 1000;
/** Days of top-caller sets a period reads: the sets live 40 days (today included). */
export const TOP_DAYS = 40;
const OUTCOMES: CaptchaOutcome[] = ['passed', 'failed', 'hung-up', 'timeout'];

/** Counter names are admin/policy-controlled (rule names) or internal: still, keep them one short printable line. */
export function label(s: string): string {
  const t = String(s).replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 64);
  return t === '' ? '-' : t;
}

/** The hash fields one call increments, e.g. `total`, `action:captcha`, `route:ring`, `rule:fr-npv`, `captcha:passed`. */
export function statFields(r: CallRecord): string[] {
  const f = ['total', `action:${label(r.action)}`, `route:${label(r.route)}`, `rule:${label(r.rule)}`];
  if (r.captcha && OUTCOMES.includes(r.captcha)) f.push(`captcha:${r.captcha}`);
  if (r.degraded) f.push('degraded');
  // shadow mode: what the policy decided, apart from the enforced decisions (`shadow-action`, not `shadow:`, which an
  // older chut would add to its `shadow` count)
  if (r.shadow) f.push('shadow', `shadow-action:${label(r.action)}`);
  return f;
}

/** Hour starts (epoch ms) from `since` rounded down to the hour, through `now`. Capped at 400 days of hours. */
export function hoursBetween(since: number, now: number): number[] {
  const out: number[] = [];
  const start = Math.max(Math.floor(since / HOUR_MS) * HOUR_MS, now - 400 * DAY_MS);
  for (let h = start; h <= now; h += HOUR_MS) out.push(h);
  return out;
}

/** The UTC days whose top-caller sets a period reads: those it touches, within the sets' lifetime. */
export function topDays(since: number, now: number): number[] {
  const first = Math.floor(now / DAY_MS) * DAY_MS - (TOP_DAYS - 1) * DAY_MS;
  return daysBetween(since, now).filter((d) => d >= first);
}

/**
 * Days of daily counters a period reads, today included. They live 400 days from their day's first call, so the key of
 * the day 400 days back expires during today: reading it would count none of its calls yet report the period as
 * starting that day. The oldest day read is 399 days back.
 */
export const DAILY_DAYS = 400;

/** Day starts (epoch ms) covered by the range, within the daily counters' lifetime. */
export function daysBetween(since: number, now: number): number[] {
  const out: number[] = [];
  const start = Math.max(Math.floor(since / DAY_MS) * DAY_MS, Math.floor(now / DAY_MS) * DAY_MS - (DAILY_DAYS - 1) * DAY_MS);
  for (let d = start; d <= now; d += DAY_MS) out.push(d);
  return out;
}

export function emptyStats(since: number): Stats {
  return {
    since: Math.floor(since / HOUR_MS) * HOUR_MS,
    total: 0, byAction: {}, byRoute: {}, byRule: {},
    captcha: { passed: 0, failed: 0, 'hung-up': 0, timeout: 0 },
    degraded: 0, shadow: 0, shadowByAction: {}, byHour: {}, topCallers: {},
  };
}

function bump(m: Record<string, number>, k: string, n: number): void {
  m[k] = (m[k] ?? 0) + n;
}

/** Hourly counters live 40 days: the whole UTC days before the latest 39 are read from the daily counters. */
export const HOURLY_DAYS = 39;

/** What a stats query reads: whole days from the daily counters, then hours; `since` is the start actually covered. */
export interface StatsPlan {
  since: number;
  days: number[];
  hours: number[];
}

export function statsPlan(since: number, now: number): StatsPlan {
  const boundary = Math.floor(now / DAY_MS) * DAY_MS - HOURLY_DAYS * DAY_MS;
  if (since >= boundary) return { since: Math.floor(since / HOUR_MS) * HOUR_MS, days: [], hours: hoursBetween(since, now) };
  const days = daysBetween(since, now).filter((d) => d < boundary);
  return { since: days[0] ?? boundary, days, hours: hoursBetween(boundary, now) };
}

/** Folds one day's counters into `stats` (totals only: days have no hourly breakdown). */
export function addDay(stats: Stats, fields: Record<string, string | number>): void {
  addCounters(stats, fields);
}

/** Folds one hour's counters (`field → count` as Redis returns them) into `stats`. */
export function addHour(stats: Stats, hourStart: number, fields: Record<string, string | number>): void {
  const routes = addCounters(stats, fields);
  if (Object.keys(routes).length > 0) stats.byHour[hourKey(hourStart)] = routes;
}

/** Adds counters to the totals; returns the routes counted (for the hourly breakdown). */
function addCounters(stats: Stats, fields: Record<string, string | number>): Record<string, number> {
  const routes: Record<string, number> = {};
  for (const [field, raw] of Object.entries(fields)) {
    const n = Number(raw);
    if (!Number.isFinite(n) || n === 0) continue;
    const colon = field.indexOf(':');
    const kind = colon < 0 ? field : field.slice(0, colon);
    const name = field.slice(colon + 1);
    if (kind === 'total') stats.total += n;
    else if (kind === 'degraded') stats.degraded += n;
    else if (kind === 'shadow') stats.shadow += n;
    else if (kind === 'shadow-action') bump(stats.shadowByAction, name, n);
    else if (kind === 'action') bump(stats.byAction, name, n);
    else if (kind === 'route') { bump(stats.byRoute, name, n); bump(routes, name, n); }
    else if (kind === 'rule') bump(stats.byRule, name, n);
    else if (kind === 'captcha' && (OUTCOMES as string[]).includes(name)) stats.captcha[name as CaptchaOutcome] += n;
  }
  return routes;
}

/**
 * The actions whose top callers a period lists: every action counted (an `action:<name>` field) on the UTC days the
 * top-caller sets are read from (topDays), not only in the period itself. The sets cover whole days: an action that
 * had calls earlier on the period's first day, and none since `since`, still has its day's callers ranked.
 */
export function topActions(dayFields: Iterable<Iterable<string>>): string[] {
  const out = new Set<string>();
  for (const fields of dayFields) for (const f of fields) if (f.startsWith('action:')) out.add(f.slice('action:'.length));
  return [...out].sort();
}

/** A top caller: a number and its calls over the period. */
export interface Leader {
  caller: string;
  calls: number;
}

/**
 * Sums per-day caller counts over the period and keeps the leaders (leaders()): the memory store's top callers; the
 * Redis store sums the days it reads the same way (redis-reports.ts), so both stores give the same list.
 */
export function topOf(perDay: Iterable<ReadonlyMap<string, number>>, limit = TOP_CALLERS): Leader[] {
  const sum = new Map<string, number>();
  for (const day of perDay) for (const [caller, n] of day) sum.set(caller, (sum.get(caller) ?? 0) + n);
  return leaders(sum, limit);
}

/**
 * The `limit` callers with the most calls, ranked as a Redis sorted set ranks them (most calls first, ties in reverse
 * caller order). One pass keeping the leaders, not a sort of every caller: a 40-day period sums tens of thousands of
 * them per action, and chut's event loop (which screens the calls) should not wait for a sort of them all.
 */
export function leaders(sums: ReadonlyMap<string, number>, limit = TOP_CALLERS): Leader[] {
  const top: Leader[] = [];
  if (limit < 1) return top;
  const ahead = (caller: string, calls: number, other: Leader): boolean =>
    calls !== other.calls ? calls > other.calls : caller > other.caller;
  for (const [caller, calls] of sums) {
    if (top.length === limit && !ahead(caller, calls, top[limit - 1] as Leader)) continue;
    let at = top.length;
    while (at > 0 && ahead(caller, calls, top[at - 1] as Leader)) at--;
    top.splice(at, 0, { caller, calls });
    if (top.length > limit) top.pop();
  }
  return top;
}

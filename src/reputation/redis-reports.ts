/** Reading back what recordCall wrote: hourly counters → Stats, the call stream → pages of call records. */
import { checkCursor, clampLimit, enrichmentFrom, parseRecordJson, SINCE_SLACK_MS, type PagedCall } from './calls.js';
import { flatHash, pairs, run, type RedisCtx } from './redis-ctx.js';
import { randomBytes } from 'node:crypto';
import { isRedisWriteRefusal } from '../redis-client.js';
import { addDay, addHour, emptyStats, statsPlan, topActions, topDays, topOf, TOP_CALLERS } from './stats.js';
import type { CallsPage, CallsQuery, Stats, StatsQuery } from './types.js';

type Top = Array<{ caller: string; calls: number }>;

/** Whether Redis takes writes, as the store last saw it: top callers are summed in scratch keys only when it does. */
export interface WriteState {
  /** Redis refused a write lately and has taken none since (out of memory, a read-only replica). */
  refused(): boolean;
  /** Redis refused the scratch keys' writes. */
  onRefusal(err: unknown): void;
}

export async function stats(ctx: RedisCtx, q: StatsQuery, writes?: WriteState): Promise<Stats> {
  const plan = statsPlan(q.since, q.now);
  const out = emptyStats(plan.since);
  const days = topDays(q.since, q.now);
  const p = ctx.redis.pipeline();
  for (const d of plan.days) p.hgetall(ctx.k.statsDay(d));
  for (const h of plan.hours) p.hgetall(ctx.k.statsHour(h));
  // the actions the days of top-caller sets counted (their daily counters' fields): a set is read for each of them,
  // whether or not the period itself holds a call of that action (the sets cover whole days)
  for (const d of days) p.hkeys(ctx.k.statsDay(d));
  const replies = plan.days.length + plan.hours.length + days.length ? await run(ctx, p) : [];
  plan.days.forEach((_, i) => addDay(out, flatHash(replies[i])));
  plan.hours.forEach((h, i) => addHour(out, h, flatHash(replies[plan.days.length + i])));
  const first = plan.days.length + plan.hours.length;
  const actions = topActions(days.map((_, i) => {
    const fields = replies[first + i];
    return Array.isArray(fields) ? fields.map(String) : [];
  }));
  if (actions.length === 0) return out;
  let tops: Top[];
  if (writes?.refused()) {
    tops = await topsRead(ctx, actions, days);
  } else {
    try {
      tops = await topsSummedInRedis(ctx, actions, days);
    } catch (err) {
      if (!isRedisWriteRefusal(err)) throw err;
      writes?.onRefusal(err);
      tops = await topsRead(ctx, actions, days);
    }
  }
  actions.forEach((a, i) => {
    const top = tops[i] ?? [];
    if (top.length) out.topCallers[a] = top;
  });
  return out;
}

/**
 * Each action's days summed in Redis into a throw-away key, its leaders read and the key deleted, in one MULTI: exact
 * over whole days, and only TOP_CALLERS members cross the network whatever the sets hold. Writes (the scratch keys):
 * refused when Redis is out of memory or a replica.
 */
async function topsSummedInRedis(ctx: RedisCtx, actions: string[], days: number[]): Promise<Top[]> {
  const m = ctx.redis.multi();
  const scratch = actions.map((a) => `${ctx.prefix}tmp:top:${randomBytes(6).toString('hex')}:${a.slice(0, 16)}`);
  actions.forEach((a, i) => {
    const key = scratch[i] as string;
    m.zunionstore(key, days.length, ...days.map((d) => ctx.k.top(d, a))).zrevrange(key, 0, TOP_CALLERS - 1, 'WITHSCORES').del(key);
  });
  const replies = await run(ctx, m);
  return actions.map((_, i) => Object.entries(pairs(replies[i * 3 + 1])).map(([caller, calls]) => ({ caller, calls })));
}

/**
 * The same leaders without writing anything, for a Redis that refuses writes: every day's set read whole (one
 * pipeline; each set holds 1000 callers at most) and summed here, ranked as ZREVRANGE ranks (topOf).
 */
async function topsRead(ctx: RedisCtx, actions: string[], days: number[]): Promise<Top[]> {
  const p = ctx.redis.pipeline();
  for (const a of actions) for (const d of days) p.zrange(ctx.k.top(d, a), '0', '-1', 'WITHSCORES');
  const replies = await run(ctx, p);
  return actions.map((_, i) => topOf(days.map((_d, j) => new Map(Object.entries(pairs(replies[i * days.length + j]))))));
}

/**
 * Newest first; `before` is an exclusive stream id; `since` and `action` filter; ≤ 500 per page. The stream is in write
 * order, and a record may be written long after its call was decided (AMI: at the hang-up, or when a pending call is
 * swept or evicted): the walk is bounded by the entry ids (write time, never before the decision) and the record's
 * own time only filters, so a late record never hides the newer calls behind it.
 */
export async function calls(ctx: RedisCtx, q: CallsQuery): Promise<CallsPage> {
  const limit = clampLimit(q.limit);
  const cursor = checkCursor(q.before);
  // nothing is older than the first possible id (and Redis refuses `(0-0` as an end: "invalid end ID")
  if (cursor !== undefined && /^0+-0+$/.test(cursor)) return { calls: [], next: null };
  let end = cursor ? `(${cursor}` : '+';
  // entries written before since − slack hold no record of the period (SINCE_SLACK_MS: clocks of several instances).
  // Entry ids are Redis's clock, `since` chut's: shifted by how far apart the two are, or a Redis clock behind
  // chut's would hide the first minutes of every period.
  let start = '-';
  if (q.since !== undefined) {
    ctx.trip();
    const [sec, usec] = await ctx.redis.time();
    const skew = Number(sec) * 1000 + Math.floor(Number(usec) / 1000) - Date.now();
    start = String(Math.max(0, Math.floor(q.since + (Number.isFinite(skew) ? skew : 0) - SINCE_SLACK_MS)));
  }
  const batch = Math.max(limit * 2, 200);
  const out: PagedCall[] = [];
  let done = false;
  while (!done && out.length < limit) {
    ctx.trip();
    const entries = await ctx.redis.xrevrange(ctx.k.calls, end, start, 'COUNT', batch);
    for (const [id, fields] of entries) {
      end = `(${id}`;
      const rec = parseRecordJson(flatHash(fields).record);
      if (!rec) continue;
      if (q.since !== undefined && rec.time < q.since) continue;
      if (q.action !== undefined && rec.action !== q.action) continue;
      out.push({ ...rec, id, enrichment: null });
      if (out.length === limit) break;
    }
    if (entries.length < batch) done = true;
  }
  if (out.length) {
    const p = ctx.redis.pipeline();
    for (const c of out) p.hgetall(ctx.k.enrich(c.callId));
    const hashes = await run(ctx, p);
    out.forEach((c, i) => { c.enrichment = enrichmentFrom(flatHash(hashes[i])); });
  }
  return { calls: out, next: out.length === limit ? (out[out.length - 1] as PagedCall).id : null };
}

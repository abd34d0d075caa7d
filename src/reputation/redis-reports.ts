/** Reading back what recordCall wrote: hourly counters → Stats, the call stream → pages of call records. */
import { checkCursor, clampLimit, enrichmentFrom, parseRecordJson, SINCE_SLACK_MS, type PagedCall } from './calls.js';
import { flatHash, pairs, run, type RedisCtx } from './redis-ctx.js';
import { randomBytes } from 'node:crypto';
import { addDay, addHour, emptyStats, statsPlan, topDays, TOP_CALLERS } from './stats.js';
import type { CallsPage, CallsQuery, Stats, StatsQuery } from './types.js';

export async function stats(ctx: RedisCtx, q: StatsQuery): Promise<Stats> {
  const plan = statsPlan(q.since, q.now);
  const out = emptyStats(plan.since);
  const p = ctx.redis.pipeline();
  for (const d of plan.days) p.hgetall(ctx.k.statsDay(d));
  for (const h of plan.hours) p.hgetall(ctx.k.statsHour(h));
  const hashes = plan.days.length + plan.hours.length ? await run(ctx, p) : [];
  plan.days.forEach((_, i) => addDay(out, flatHash(hashes[i])));
  plan.hours.forEach((h, i) => addHour(out, h, flatHash(hashes[plan.days.length + i])));
  const actions = Object.keys(out.byAction);
  if (actions.length === 0) return out;
  // Each action's days summed in Redis into a throw-away key, its leaders read and the key deleted, in one MULTI:
  // exact over whole days, and only TOP_CALLERS members cross the network whatever the sets hold.
  const days = topDays(q.since, q.now);
  if (days.length === 0) return out;
  const m = ctx.redis.multi();
  const scratch = actions.map((a) => `${ctx.prefix}tmp:top:${randomBytes(6).toString('hex')}:${a.slice(0, 16)}`);
  actions.forEach((a, i) => {
    const key = scratch[i] as string;
    m.zunionstore(key, days.length, ...days.map((d) => ctx.k.top(d, a))).zrevrange(key, 0, TOP_CALLERS - 1, 'WITHSCORES').del(key);
  });
  const replies = await run(ctx, m);
  actions.forEach((a, i) => {
    const top = Object.entries(pairs(replies[i * 3 + 1])).map(([caller, calls]) => ({ caller, calls }));
    if (top.length) out.topCallers[a] = top;
  });
  return out;
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

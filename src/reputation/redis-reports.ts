/** Reading back what recordCall wrote: hourly counters → Stats, the call stream → pages of call records. */
import { CALLS_SCAN_LIMIT, checkCursor, clampLimit, enrichmentFrom, parseRecordJson, SINCE_SLACK_MS, type PagedCall } from './calls.js';
import { flatHash, run, type RedisCtx } from './redis-ctx.js';
import { addDay, addHour, emptyStats, statsPlan, topActions, topDays, TOP_CALLERS } from './stats.js';
import type { CallsPage, CallsQuery, Stats, StatsQuery } from './types.js';

type Top = Array<{ caller: string; calls: number }>;

/** `chutTops`, the TOP_CALLERS_LUA script (registered by the store, its key count given at each call). */
interface TopsCommand {
  chutTops(...args: Array<string | number>): Promise<unknown>;
}

export async function stats(ctx: RedisCtx, q: StatsQuery): Promise<Stats> {
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
  const tops = await topCallers(ctx, actions, days);
  actions.forEach((a, i) => {
    const top = tops[i] ?? [];
    if (top.length) out.topCallers[a] = top;
  });
  return out;
}

/**
 * Each action's leaders over the days, summed in Redis by one read-only script (TOP_CALLERS_LUA): one round trip,
 * exact over whole days, only TOP_CALLERS members per action cross the network, and nothing is written, so it works
 * the same on a Redis that refuses writes (out of memory, a replica).
 */
async function topCallers(ctx: RedisCtx, actions: string[], days: number[]): Promise<Top[]> {
  const keys = actions.flatMap((a) => days.map((d) => ctx.k.top(d, a)));
  ctx.trip();
  const reply = await (ctx.lua as unknown as TopsCommand).chutTops(keys.length, ...keys, days.length, TOP_CALLERS);
  const perAction = Array.isArray(reply) ? reply : [];
  return actions.map((_, i) => {
    const flat: unknown = perAction[i];
    const top: Top = [];
    if (Array.isArray(flat)) for (let j = 0; j + 1 < flat.length; j += 2) top.push({ caller: String(flat[j]), calls: Number(flat[j + 1]) });
    return top;
  });
}

/**
 * Newest first; `before` is an exclusive stream id; `since` and `action` filter; ≤ 500 per page. The stream is in write
 * order, and a record may be written long after its call was decided (AMI: at the hang-up, or when a pending call is
 * swept or evicted): the walk is bounded by the entry ids (write time, never before the decision) and the record's
 * own time only filters, so a late record never hides the newer calls behind it. A page looks at CALLS_SCAN_LIMIT
 * entries at most, and `next` is where it stopped: a filter that matches little answers short (even empty) pages
 * with a cursor. `signal` (the HTTP deadline, or the client gone) stops the walk between batches.
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
    q.signal?.throwIfAborted();
    ctx.trip();
    const [sec, usec] = await ctx.redis.time();
    const skew = Number(sec) * 1000 + Math.floor(Number(usec) / 1000) - Date.now();
    start = String(Math.max(0, Math.floor(q.since + (Number.isFinite(skew) ? skew : 0) - SINCE_SLACK_MS)));
  }
  const batch = Math.max(limit * 2, 200);
  const out: PagedCall[] = [];
  let examined = 0;
  let last: string | null = null;
  let reachedStart = false;
  while (!reachedStart && out.length < limit && examined < CALLS_SCAN_LIMIT) {
    q.signal?.throwIfAborted();
    const count = Math.min(batch, CALLS_SCAN_LIMIT - examined);
    ctx.trip();
    // one entry more than is looked at: whether anything older is left, so that a page ending with the stream
    // answers next: null rather than a cursor to an empty page
    const entries = await ctx.redis.xrevrange(ctx.k.calls, end, start, 'COUNT', count + 1);
    let i = 0;
    for (; i < Math.min(entries.length, count) && out.length < limit; i++) {
      const [id, fields] = entries[i] as [string, string[]];
      examined++;
      last = id;
      end = `(${id}`;
      const f = flatHash(fields);
      // the action field, outside the JSON (record-lua.ts): most entries of a filtered walk are never parsed
      if (q.action !== undefined && f.action !== undefined && f.action !== q.action) continue;
      const rec = parseRecordJson(f.record);
      if (!rec) continue;
      if (q.since !== undefined && rec.time < q.since) continue;
      if (q.action !== undefined && rec.action !== q.action) continue;
      out.push({ ...rec, id, enrichment: null });
    }
    reachedStart = i === entries.length;
  }
  if (out.length) {
    q.signal?.throwIfAborted();
    const p = ctx.redis.pipeline();
    for (const c of out) p.hgetall(ctx.k.enrich(c.callId));
    const hashes = await run(ctx, p);
    out.forEach((c, i) => { c.enrichment = enrichmentFrom(flatHash(hashes[i])); });
  }
  return { calls: out, next: reachedStart ? null : last };
}

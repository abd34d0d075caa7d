/** Reading back what recordCall wrote: hourly counters → Stats, the call stream → pages of call records. */
import { CALLS_SCAN_LIMIT, checkCursor, clampLimit, enrichmentFrom, parseRecordJson, SINCE_SLACK_MS, type PagedCall } from './calls.js';
import { flatHash, run, scorePairs, type RedisCtx } from './redis-ctx.js';
import { addDay, addHour, emptyStats, leaders, statsPlan, topActions, topDays, type Leader } from './stats.js';
import type { CallsPage, CallsQuery, Stats, StatsQuery } from './types.js';

/**
 * Top-caller sets read per request: one day's sets of chut's four actions, at most 4 × TOP_SET_CAP members, about
 * 1.6 ms of Redis's time. Redis runs one request at a time, and the lookups of incoming calls wait behind it.
 */
const TOP_SETS_PER_REQUEST = 4;

/** `signal` (the HTTP deadline, or the client gone) stops the report between its requests. */
export async function stats(ctx: RedisCtx, q: StatsQuery): Promise<Stats> {
  q.signal?.throwIfAborted();
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
  const tops = await topCallers(ctx, actions, days, q.signal);
  actions.forEach((a, i) => {
    const top = tops[i] ?? [];
    if (top.length) out.topCallers[a] = top;
  });
  return out;
}

/**
 * Each action's leaders over the days, summed here: the sets are read TOP_SETS_PER_REQUEST at a time, one request
 * after the other, so that a call's lookup waits for one small request at most, never for the whole period (40 days
 * of full sets, summed in one Lua script, held Redis 0.13–0.17 s: docs/redis-schema.md). Exact over whole days, and
 * read-only: it works the same on a Redis that refuses writes (out of memory, a replica).
 */
async function topCallers(ctx: RedisCtx, actions: string[], days: number[], signal: AbortSignal | undefined): Promise<Leader[][]> {
  const sets = days.flatMap((d) => actions.map((a, i) => ({ key: ctx.k.top(d, a), action: i })));
  const sums = actions.map(() => new Map<string, number>());
  for (let i = 0; i < sets.length; i += TOP_SETS_PER_REQUEST) {
    signal?.throwIfAborted();
    const chunk = sets.slice(i, i + TOP_SETS_PER_REQUEST);
    const p = ctx.redis.pipeline();
    for (const { key } of chunk) p.zrange(key, '0', '-1', 'WITHSCORES');
    // awaited before the next request: requests sent together would reach Redis together and run back to back
    const replies = await run(ctx, p);
    chunk.forEach(({ action }, j) => {
      const sum = sums[action] as Map<string, number>;
      for (const [caller, n] of scorePairs(replies[j])) sum.set(caller, (sum.get(caller) ?? 0) + n);
    });
  }
  return sums.map((sum) => leaders(sum));
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

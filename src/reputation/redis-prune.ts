/**
 * Removing the list entries that expired long enough ago, on Redis (docs/redis-schema.md, "Expiring entries"). Lookups
 * ignore an expired entry already; this keeps the lists from growing with them. The entries due are found in the index
 * of expiring entries (`expiring`, a sorted set by expiry), or, once for the entries an older chut wrote without
 * indexing them, by reading every bucket and prefix hash. Either way PRUNE_LUA checks each entry as it is now and
 * removes it, PRUNE_BATCH entries a call.
 */
import { expiringMember, isE164, isPrefixEntry, numberFromBucket, parseExpiringMember } from './keys.js';
import { PRUNE_BATCH } from './lua.js';
import { unpackValue } from './records.js';
import { scorePairs, type RedisCtx } from './redis-ctx.js';
import { scanBuckets, slot } from './redis-lists.js';
import type { ListName, PruneRequest, PruneResult } from './types.js';

const LISTS: ListName[] = ['allow', 'block'];
/** Buckets read per pipeline while scanning (each 128 entries at most: listpack). */
const SCAN_BUCKETS_PER_PIPELINE = 100;
/** Prefix fields asked for per HSCAN step. */
const PREFIX_SCAN_COUNT = 500;

/** An entry to check: where it lives, and its member in the index. */
interface Candidate {
  list: ListName;
  key: string;
  field: string;
  member: string;
}

export async function pruneLists(ctx: RedisCtx, req: PruneRequest): Promise<PruneResult> {
  const removed = req.removed ?? { allow: 0, block: 0 };
  const check = (candidates: Candidate[]) => checkEntries(ctx, req, candidates, removed);
  const scanStarted = Date.now();
  const scan = req.scan === 'always' || (req.scan === 'unless-indexed' && !(await indexWhole(ctx)));
  if (scan) await fromScan(ctx, req, check);
  // after a scan, the index still has what was written during it, and members whose entry is gone; a dry run's scan
  // counted every entry already
  if (!(scan && req.dryRun)) await fromIndex(ctx, req, check);
  // every entry with an expiry that existed when the scan started is indexed now, and every later one was indexed
  // when written
  if (scan && !req.dryRun) {
    ctx.trip();
    await ctx.redis.hsetnx(ctx.k.schema, 'expiring', scanStarted);
  }
  return { removed, scanned: scan };
}

/** Whether the index holds every entry with an expiry: `expiring` in the schema hash (docs/redis-schema.md). */
async function indexWhole(ctx: RedisCtx): Promise<boolean> {
  ctx.trip();
  return (await ctx.redis.hget(ctx.k.schema, 'expiring')) !== null;
}

/** Checks and (unless a dry run) removes the entries, PRUNE_BATCH a script call; counts those removed per list. */
async function checkEntries(ctx: RedisCtx, req: PruneRequest, candidates: Candidate[], removed: Record<ListName, number>): Promise<void> {
  for (let i = 0; i < candidates.length; i += PRUNE_BATCH) {
    req.signal?.throwIfAborted();
    const batch = candidates.slice(i, i + PRUNE_BATCH);
    ctx.trip();
    const outcomes = await ctx.lua.chutPrune(batch.length + 1, ctx.k.expiring, ...batch.map((c) => c.key),
      Math.floor(req.expiredBefore), req.dryRun ? 1 : 0, ...batch.flatMap((c) => [c.field, c.member]));
    batch.forEach((c, j) => {
      if (Number(outcomes[j]) === 1) removed[c.list]++;
    });
    await req.pace?.();
  }
}

/**
 * The members due, PRUNE_BATCH at a time, read by rank (the index is sorted by score: the due ones come first). A real
 * run takes each member it sends out of the due ones (its entry removed, or the member scored with the entry's later
 * expiry, or dropped), so it reads from the start again; a dry run moves none, and pages on by rank: a score range's
 * `LIMIT <offset>` would make Redis walk every member before the page (12 ms a read at 450 000 members).
 */
async function fromIndex(ctx: RedisCtx, req: PruneRequest, check: (c: Candidate[]) => Promise<void>): Promise<void> {
  const cutoff = Math.floor(req.expiredBefore);
  for (let offset = 0; ;) {
    req.signal?.throwIfAborted();
    ctx.trip();
    const page = scorePairs(await ctx.redis.zrange(ctx.k.expiring, String(offset), String(offset + PRUNE_BATCH - 1), 'WITHSCORES'));
    const members = page.filter(([, score]) => score <= cutoff).map(([member]) => member);
    if (members.length === 0) return;
    const candidates: Candidate[] = [];
    const unreadable: string[] = [];
    for (const member of members) {
      const named = parseExpiringMember(member);
      if (!named) unreadable.push(member);
      else candidates.push({ list: named.list, ...slot(ctx, named.list, named.entry), member });
    }
    // not written by chut (a hand edit): names no entry, now or ever
    if (unreadable.length && !req.dryRun) {
      ctx.trip();
      await ctx.redis.zrem(ctx.k.expiring, ...unreadable);
    }
    await check(candidates);
    if (req.dryRun) offset += members.length;
  }
}

/** Every entry with an expiry, read bucket by bucket and then from the prefix hashes: indexed, or removed when due. */
async function fromScan(ctx: RedisCtx, req: PruneRequest, check: (c: Candidate[]) => Promise<void>): Promise<void> {
  for (const list of LISTS) {
    for await (const buckets of scanBuckets(ctx, list)) {
      for (let i = 0; i < buckets.length; i += SCAN_BUCKETS_PER_PIPELINE) {
        req.signal?.throwIfAborted();
        const batch = buckets.slice(i, i + SCAN_BUCKETS_PER_PIPELINE);
        const p = ctx.redis.pipeline();
        for (const bucket of batch) p.hgetall(ctx.k.bucket(list, bucket));
        ctx.trip();
        const replies = (await p.exec()) ?? [];
        const candidates: Candidate[] = [];
        batch.forEach((bucket, j) => {
          const [err, hash] = replies[j] ?? [null, {}];
          if (err) return; // not a hash (a hand edit): nothing of chut's to remove there
          for (const [field, value] of Object.entries(hash as Record<string, string>)) {
            const e164 = numberFromBucket(bucket, field, ctx.buckets);
            if (isE164(e164) && unpackValue(value)?.expiresAt != null) {
              candidates.push({ list, key: ctx.k.bucket(list, bucket), field, member: expiringMember(list, { kind: 'number', e164 }) });
            }
          }
        });
        await check(candidates);
        await req.pace?.();
      }
    }
    let cursor = '0';
    do {
      req.signal?.throwIfAborted();
      ctx.trip();
      const [next, flat] = await ctx.redis.hscan(ctx.k.prefixes(list), cursor, 'COUNT', PREFIX_SCAN_COUNT);
      cursor = next;
      const candidates: Candidate[] = [];
      for (let j = 0; j + 1 < flat.length; j += 2) {
        const [field, value] = [flat[j] as string, flat[j + 1] as string];
        const prefix = `+${field}`;
        if (isPrefixEntry(prefix) && unpackValue(value)?.expiresAt != null) {
          candidates.push({ list, key: ctx.k.prefixes(list), field, member: expiringMember(list, { kind: 'prefix', prefix }) });
        }
      }
      await check(candidates);
      await req.pace?.();
    } while (cursor !== '0');
  }
}

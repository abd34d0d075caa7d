/**
 * List management on Redis: exact numbers in listpack buckets (`la:<n>` / `lb:<n>`), prefixes in one hash per
 * list (`pa` / `pb`), sources and reasons interned (`dict:*`). See docs/redis-schema.md.
 */
import type { ListEntry } from '../phone/types.js';
import { bucketOf, numberFromBucket } from './keys.js';
import { cleanRecord, packValue, unpackValue } from './records.js';
import { slicer, type Slice } from '../cooperative.js';
import { intern, loadDicts, run, type RedisCtx } from './redis-ctx.js';
import type { ListName, ListRecord } from './types.js';

const LISTS: ListName[] = ['allow', 'block'];
/** Keys per MULTI block during an import, and how many blocks are in flight at once. */
const IMPORT_KEYS_PER_BATCH = 500;
const IMPORT_IN_FLIGHT = 4;

/** Key and field where an entry lives. */
export function slot(ctx: RedisCtx, list: ListName, entry: ListEntry): { key: string; field: string } {
  if (entry.kind === 'prefix') return { key: ctx.k.prefixes(list), field: entry.prefix.slice(1) };
  const { bucket, field } = bucketOf(entry.e164, ctx.buckets);
  return { key: ctx.k.bucket(list, bucket), field };
}

/** `slice`: an import's loops give the event loop a turn (calls are screened meanwhile; see cooperative.ts). */
async function packAll(ctx: RedisCtx, recs: ListRecord[], slice?: Slice): Promise<string[]> {
  const sourceTexts = new Set<string>();
  const reasonTexts = new Set<string>();
  for (const r of recs) {
    sourceTexts.add(r.source);
    if (r.reason !== null) reasonTexts.add(r.reason);
    if (slice?.due()) await slice.pause();
  }
  const sources = await intern(ctx, 'source', [...sourceTexts]);
  const reasons = await intern(ctx, 'reason', [...reasonTexts]);
  const values: string[] = [];
  for (const r of recs) {
    values.push(packValue({
      addedAt: r.addedAt, expiresAt: r.expiresAt,
      sourceId: sources.get(r.source) ?? 0, reasonId: r.reason === null ? 0 : reasons.get(r.reason) ?? 0,
    }));
    if (slice?.due()) await slice.pause();
  }
  return values;
}

/** `exclusive`: the same MULTI also takes the entry off the other list; resolves whether it was there. */
export async function addListEntry(ctx: RedisCtx, rec: ListRecord, exclusive = false): Promise<boolean> {
  const clean = cleanRecord(rec);
  const [value] = await packAll(ctx, [clean]);
  const { key, field } = slot(ctx, clean.list, clean.entry);
  const m = ctx.redis.multi().hset(key, field, value as string);
  if (exclusive) {
    const other = slot(ctx, clean.list === 'allow' ? 'block' : 'allow', clean.entry);
    m.hdel(other.key, other.field);
  }
  const [, removed] = await run(ctx, m);
  return Number(removed ?? 0) > 0;
}

export async function addListEntryIfUnlisted(ctx: RedisCtx, rec: ListRecord): Promise<boolean> {
  const clean = cleanRecord(rec);
  const [value] = await packAll(ctx, [clean]);
  const target = slot(ctx, clean.list, clean.entry);
  const other = slot(ctx, clean.list === 'allow' ? 'block' : 'allow', clean.entry);
  ctx.trip();
  return (await ctx.lua.chutAddIfUnlisted(target.key, other.key, target.field, value as string, clean.addedAt)) === 1;
}

export async function removeListEntry(ctx: RedisCtx, entry: ListEntry, list?: ListName): Promise<boolean> {
  const p = ctx.redis.pipeline();
  for (const l of list ? [list] : LISTS) {
    const { key, field } = slot(ctx, l, entry);
    p.hdel(key, field);
  }
  return (await run(ctx, p)).some((n) => Number(n) > 0);
}

function decode(list: ListName, entry: ListEntry, value: string, dicts: Awaited<ReturnType<typeof loadDicts>>): ListRecord | null {
  const f = unpackValue(value);
  if (!f) return null;
  return {
    list, entry, addedAt: f.addedAt, expiresAt: f.expiresAt,
    source: dicts.sources.get(f.sourceId) ?? 'unknown',
    reason: f.reasonId === 0 ? null : dicts.reasons.get(f.reasonId) ?? null,
  };
}

export async function getListEntry(ctx: RedisCtx, entry: ListEntry): Promise<ListRecord[]> {
  const p = ctx.redis.pipeline();
  for (const l of LISTS) {
    const { key, field } = slot(ctx, l, entry);
    p.hget(key, field);
  }
  const values = (await run(ctx, p)) as Array<string | null>;
  const found = LISTS.flatMap((l, i) => {
    const f = values[i] ? unpackValue(values[i] as string) : null;
    return f ? [{ list: l, f }] : [];
  });
  if (found.length === 0) return [];
  // Only the texts these entries use: the dictionaries may hold many reasons.
  const tp = ctx.redis.pipeline();
  for (const { f } of found) tp.hget(ctx.k.sources, String(f.sourceId)).hget(ctx.k.reasons, String(f.reasonId));
  const texts = (await run(ctx, tp)) as Array<string | null>;
  return found.map(({ list, f }, i) => ({
    list, entry, addedAt: f.addedAt, expiresAt: f.expiresAt,
    source: texts[i * 2] ?? 'unknown',
    reason: f.reasonId === 0 ? null : texts[i * 2 + 1] ?? null,
  }));
}

/** key → field → value, last record of a key/field wins (parseImport already collapsed duplicates). */
async function groupByKey(ctx: RedisCtx, recs: ListRecord[], values: string[], slice: Slice): Promise<Map<string, Map<string, string>>> {
  const groups = new Map<string, Map<string, string>>();
  for (const [i, r] of recs.entries()) {
    const { key, field } = slot(ctx, r.list, r.entry);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = new Map()));
    g.set(field, values[i] as string);
    if (slice.due()) await slice.pause();
  }
  return groups;
}

type Undo = Array<{ key: string; fields: string[]; old: Array<string | null> }>;

/**
 * One MULTI block: read the old values and write the new ones atomically, so the block can be undone exactly
 * (even when one of its commands failed and the others went through).
 */
async function applyBatch(ctx: RedisCtx, batch: Array<[string, Map<string, string>]>, undo: Undo, slice: Slice): Promise<void> {
  const m = ctx.redis.multi();
  for (const [key, fields] of batch) {
    m.hmget(key, ...fields.keys());
    m.hset(key, Object.fromEntries(fields));
    if (slice.due()) await slice.pause(); // nothing is sent before exec()
  }
  ctx.trip();
  const res = await m.exec();
  if (!res) throw new Error('Redis transaction aborted');
  let firstError: Error | null = null;
  batch.forEach(([key, fields], i) => {
    const [readErr, old] = res[i * 2] ?? [new Error('no reply'), null];
    const writeErr = res[i * 2 + 1]?.[0] ?? null;
    if (!readErr && !writeErr) undo.push({ key, fields: [...fields.keys()], old: old as Array<string | null> });
    firstError ??= readErr ?? writeErr;
  });
  if (firstError) throw firstError;
}

async function rollback(ctx: RedisCtx, undo: Undo): Promise<void> {
  for (let i = 0; i < undo.length; i += IMPORT_KEYS_PER_BATCH) {
    const p = ctx.redis.pipeline();
    for (const u of undo.slice(i, i + IMPORT_KEYS_PER_BATCH)) {
      const restore: Record<string, string> = {};
      const drop: string[] = [];
      u.fields.forEach((f, j) => {
        const old = u.old[j];
        if (old === null || old === undefined) drop.push(f);
        else restore[f] = old;
      });
      if (drop.length) p.hdel(u.key, ...drop);
      if (Object.keys(restore).length) p.hset(u.key, restore);
    }
    await run(ctx, p);
  }
}

/**
 * All or none: every record is validated and packed before the first write; writes go in large MULTI blocks that
 * also read the values they replace; if any block fails, or `signal` is aborted (Ctrl-C, a time limit), the blocks
 * already applied are undone.
 */
export async function importList(ctx: RedisCtx, records: ListRecord[], signal?: AbortSignal): Promise<void> {
  const slice = slicer();
  const recs: ListRecord[] = [];
  for (const r of records) {
    recs.push(cleanRecord(r));
    if (slice.due()) await slice.pause();
  }
  signal?.throwIfAborted();
  if (recs.length === 0) return;
  const groups = [...await groupByKey(ctx, recs, await packAll(ctx, recs, slice), slice)];
  const undo: Undo = [];
  try {
    for (let i = 0; i < groups.length; i += IMPORT_KEYS_PER_BATCH * IMPORT_IN_FLIGHT) {
      signal?.throwIfAborted();
      const wave: Array<Promise<void>> = [];
      for (let j = 0; j < IMPORT_IN_FLIGHT; j++) {
        const start = i + j * IMPORT_KEYS_PER_BATCH;
        if (start < groups.length) wave.push(applyBatch(ctx, groups.slice(start, start + IMPORT_KEYS_PER_BATCH), undo, slice));
      }
      const settled = await Promise.allSettled(wave);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
    }
    // an interrupt during the last wave is honoured too: the user was told it would be undone
    signal?.throwIfAborted();
  } catch (err) {
    try {
      await rollback(ctx, undo);
    } catch (undoErr) {
      throw new Error(`import failed (${String(err)}) and could not be undone; re-run the import`, { cause: undoErr });
    }
    throw err;
  }
}

async function* scanKeys(ctx: RedisCtx, pattern: string): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    ctx.trip();
    const [next, keys] = await ctx.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) yield keys;
  } while (cursor !== '0');
}

const EXPORT_BUCKETS_PER_PIPELINE = 1000;
const byNumber = (a: [string, string], b: [string, string]) => Number(a[0]) - Number(b[0]);

/**
 * Every entry of both lists, in exportOrder (keys.ts): the same export for the same entries. SCAN finds the
 * buckets that exist (their indices only are held), which are then read in ascending order.
 */
export async function* exportLists(ctx: RedisCtx): AsyncGenerator<ListRecord> {
  const dicts = await loadDicts(ctx);
  for (const list of LISTS) {
    const start = ctx.k.bucket(list, 0).length - 1;
    const buckets: number[] = [];
    for await (const keys of scanKeys(ctx, ctx.k.bucketPattern(list))) {
      for (const key of keys) {
        const bucket = Number(key.slice(start));
        if (Number.isSafeInteger(bucket) && bucket >= 0) buckets.push(bucket);
      }
    }
    buckets.sort((a, b) => a - b);
    for (let i = 0; i < buckets.length; i += EXPORT_BUCKETS_PER_PIPELINE) {
      const batch = buckets.slice(i, i + EXPORT_BUCKETS_PER_PIPELINE);
      const p = ctx.redis.pipeline();
      for (const bucket of batch) p.hgetall(ctx.k.bucket(list, bucket));
      const hashes = (await run(ctx, p)) as Array<Record<string, string>>;
      for (const [j, bucket] of batch.entries()) {
        for (const [field, value] of Object.entries(hashes[j] ?? {}).sort(byNumber)) {
          const rec = decode(list, { kind: 'number', e164: numberFromBucket(bucket, field, ctx.buckets) }, value, dicts);
          if (rec) yield rec;
        }
      }
    }
    ctx.trip();
    const prefixes = Object.entries(await ctx.redis.hgetall(ctx.k.prefixes(list))).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [field, value] of prefixes) {
      const rec = decode(list, { kind: 'prefix', prefix: `+${field}` }, value, dicts);
      if (rec) yield rec;
    }
  }
}

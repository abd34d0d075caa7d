/**
 * List management on Redis: exact numbers in listpack buckets (`la:<n>` / `lb:<n>`), prefixes in one hash per
 * list (`pa` / `pb`), sources and reasons interned (`dict:*`). See docs/redis-schema.md.
 */
import type { ChainableCommander } from 'ioredis';
import type { ListEntry } from '../phone/types.js';
import { bucketOf, expiringMember, numberFromBucket } from './keys.js';
import { cleanRecord, packValue, recordAt, unpackValue } from './records.js';
import { slicer, type Slice } from '../cooperative.js';
import { redisErrorLine } from '../redis-lost.js';
import { UNDO_IMPORT_BATCH } from './lua.js';
import { intern, loadDicts, run, type RedisCtx } from './redis-ctx.js';
import type { ListName, ListRecord, ListRecords } from './types.js';

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

/**
 * `exclusive`: the same MULTI also takes the entry off the other list; resolves whether it was there. The index of
 * expiring entries is written in the same MULTI: `ZADD LT`, so a member's score is never later than its entry's expiry
 * (an older, earlier score is looked at by the sweep, which scores the member anew: redis-prune.ts).
 */
export async function addListEntry(ctx: RedisCtx, rec: ListRecord, exclusive = false): Promise<boolean> {
  const clean = cleanRecord(rec);
  const [value] = await packAll(ctx, [clean]);
  const { key, field } = slot(ctx, clean.list, clean.entry);
  const m = ctx.redis.multi().hset(key, field, value as string);
  indexExpiry(ctx, m, clean.list, clean.entry, clean.expiresAt);
  if (exclusive) {
    const otherList = clean.list === 'allow' ? 'block' : 'allow';
    const other = slot(ctx, otherList, clean.entry);
    m.hdel(other.key, other.field).zrem(ctx.k.expiring, expiringMember(otherList, clean.entry));
  }
  const [, , removed] = await run(ctx, m);
  return Number(removed ?? 0) > 0;
}

/** The entry's member in the index of expiring entries: added (never later than `expiresAt`), or removed. */
function indexExpiry(ctx: RedisCtx, m: ChainableCommander, list: ListName, entry: ListEntry, expiresAt: number | null): void {
  const member = expiringMember(list, entry);
  if (expiresAt === null) m.zrem(ctx.k.expiring, member);
  else m.zadd(ctx.k.expiring, 'LT', expiresAt, member);
}

export async function addListEntryIfUnlisted(ctx: RedisCtx, rec: ListRecord): Promise<boolean> {
  const clean = cleanRecord(rec);
  const [value] = await packAll(ctx, [clean]);
  const target = slot(ctx, clean.list, clean.entry);
  const other = slot(ctx, clean.list === 'allow' ? 'block' : 'allow', clean.entry);
  ctx.trip();
  return (await ctx.lua.chutAddIfUnlisted(target.key, other.key, ctx.k.expiring, target.field, value as string, clean.addedAt,
    expiringMember(clean.list, clean.entry), clean.expiresAt ?? '')) === 1;
}

/**
 * A pipeline, not a MULTI: Redis out of memory refuses MULTI, and unlisting is how an operator frees memory. The index
 * member goes before the entry, so an add of the same entry with an expiry between the two (its HSET and ZADD are one
 * MULTI) leaves at worst a member without its entry, which a sweep drops, never an expiring entry without its member.
 */
export async function removeListEntry(ctx: RedisCtx, entry: ListEntry, list?: ListName): Promise<boolean> {
  const p = ctx.redis.pipeline();
  for (const l of list ? [list] : LISTS) {
    const { key, field } = slot(ctx, l, entry);
    p.zrem(ctx.k.expiring, expiringMember(l, entry)).hdel(key, field);
  }
  return (await run(ctx, p)).some((n, i) => i % 2 === 1 && Number(n) > 0);
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

/** Where an entry lives in its key (slot's field), without building the key's name. */
function fieldOf(ctx: RedisCtx, entry: ListEntry): string {
  return entry.kind === 'prefix' ? entry.prefix.slice(1) : bucketOf(entry.e164, ctx.buckets).field;
}

/**
 * What an import writes, held compactly (12 bytes a record, on top of the records): the records grouped by key with
 * a counting sort (key `g`: `list * (buckets + 1) + bucket`, the list's prefix hash being bucket `buckets`), and the
 * ids of their interned texts. A key's fields and values are built when its MULTI block is, and dropped after it.
 * The records are read again then: they must not change while the import runs.
 */
interface ImportPlan {
  /** Record i. */
  at: (i: number) => ListRecord;
  /** Record indices, key by key, in file order within a key (so the last record of a field wins). */
  order: Uint32Array;
  /** Key g's records are order[start[g]] … order[start[g + 1] - 1]. */
  start: Uint32Array;
  sourceOf: Uint32Array;
  /** 0: no reason. */
  reasonOf: Uint32Array;
  sourceIds: number[];
  reasonIds: number[];
}

const keyCount = (ctx: RedisCtx): number => 2 * (ctx.buckets + 1);

function keyName(ctx: RedisCtx, g: number): string {
  const list: ListName = g <= ctx.buckets ? 'allow' : 'block';
  const bucket = g % (ctx.buckets + 1);
  return bucket === ctx.buckets ? ctx.k.prefixes(list) : ctx.k.bucket(list, bucket);
}

/** Every record validated (cleanRecord throws on the first bad one) before anything is written; texts interned. */
async function planImport(ctx: RedisCtx, records: ListRecords, slice: Slice, signal?: AbortSignal): Promise<ImportPlan> {
  const n = records.length;
  const at = (i: number) => recordAt(records, i);
  const keyOf = new Uint32Array(n);
  const sourceOf = new Uint32Array(n);
  const reasonOf = new Uint32Array(n);
  const sources = new Map<string, number>();
  const reasons = new Map<string, number>();
  const textId = (texts: Map<string, number>, t: string, first: number) => {
    let id = texts.get(t);
    if (id === undefined) texts.set(t, (id = texts.size + first));
    return id;
  };
  for (let i = 0; i < n; i++) {
    const c = cleanRecord(at(i));
    const bucket = c.entry.kind === 'prefix' ? ctx.buckets : bucketOf(c.entry.e164, ctx.buckets).bucket;
    keyOf[i] = (c.list === 'allow' ? 0 : ctx.buckets + 1) + bucket;
    sourceOf[i] = textId(sources, c.source, 0);
    reasonOf[i] = c.reason === null ? 0 : textId(reasons, c.reason, 1);
    if (slice.due()) await slice.pause();
  }
  signal?.throwIfAborted();
  const start = new Uint32Array(keyCount(ctx) + 1);
  for (let i = 0; i < n; i++) (start[(keyOf[i] as number) + 1] as number)++;
  for (let g = 0; g < keyCount(ctx); g++) start[g + 1] = (start[g + 1] as number) + (start[g] as number);
  const order = new Uint32Array(n);
  const next = start.slice(0, -1);
  for (let i = 0; i < n; i++) {
    const g = keyOf[i] as number;
    order[next[g] as number] = i;
    next[g] = (next[g] as number) + 1;
    if (slice.due()) await slice.pause();
  }
  const sourceIds = await intern(ctx, 'source', [...sources.keys()]);
  const reasonIds = await intern(ctx, 'reason', [...reasons.keys()]);
  return {
    at, order, start, sourceOf, reasonOf,
    sourceIds: [...sources.keys()].map((t) => sourceIds.get(t) ?? 0),
    reasonIds: [0, ...[...reasons.keys()].map((t) => reasonIds.get(t) ?? 0)],
  };
}

/** Key g's fields and their new values (a field twice: the last record wins, as the file's order says). */
function keyFields(ctx: RedisCtx, plan: ImportPlan, g: number): Map<string, string> {
  const fields = new Map<string, string>();
  for (let p = plan.start[g] as number; p < (plan.start[g + 1] as number); p++) {
    const i = plan.order[p] as number;
    const r = plan.at(i);
    fields.set(fieldOf(ctx, r.entry), packValue({
      addedAt: r.addedAt, expiresAt: r.expiresAt,
      sourceId: plan.sourceIds[plan.sourceOf[i] as number] ?? 0, reasonId: plan.reasonIds[plan.reasonOf[i] as number] ?? 0,
    }));
  }
  return fields;
}

/** Key g's fields → their index member. */
function fieldMembers(ctx: RedisCtx, plan: ImportPlan, g: number): Map<string, string> {
  const members = new Map<string, string>();
  for (let p = plan.start[g] as number; p < (plan.start[g + 1] as number); p++) {
    const r = plan.at(plan.order[p] as number);
    members.set(fieldOf(ctx, r.entry), expiringMember(r.list, r.entry));
  }
  return members;
}

/** Key g's entries that carry an expiry, as the file's last record of each field has it: `ZADD` arguments (score,
 * member, …). */
function keyExpiries(ctx: RedisCtx, plan: ImportPlan, g: number): string[] {
  const expiring = new Map<string, [number, string]>();
  for (let p = plan.start[g] as number; p < (plan.start[g + 1] as number); p++) {
    const r = plan.at(plan.order[p] as number);
    const field = fieldOf(ctx, r.entry);
    if (r.expiresAt === null) expiring.delete(field);
    else expiring.set(field, [r.expiresAt, expiringMember(r.list, r.entry)]);
  }
  return [...expiring.values()].flatMap(([at, member]) => [String(at), member]);
}

const PLAIN_INTEGER = /^(?:0|[1-9][0-9]{0,14})$/;

/**
 * What an undo needs: which keys were written, and the values their fields held before (key g's j-th field at
 * `old[start[g] + j]`), 8 bytes a record: NaN for a field that was absent, a value that is a plain integer as
 * itself (what bucket values are), anything else as −1 − its index in `odd`. The fields are built again from the
 * records. (Kept as `{ key, fields, old }` per key, with the records' cleaned copies and every key's field → value
 * map built up front, an import of 1.5 million lines peaked at 1.2–1.6 GB.)
 */
/**
 * An import that failed and may be partly applied: writes Redis may have applied without confirming them (a reply that
 * timed out, a connection lost after sending), whose old values never came back (`undone`: what Redis confirmed was
 * undone), or an undo that failed itself (`undone` false: what Redis confirmed may be applied, all or some of it).
 */
export class ImportUnconfirmedError extends Error {
  override readonly name = 'ImportUnconfirmedError';
  constructor(message: string, readonly undone: boolean, options?: ErrorOptions) {
    super(message, options);
  }
}

class Undo {
  readonly written: Uint8Array;
  /** Keys whose write was sent but neither confirmed nor refused: applied or not, nobody knows. */
  unconfirmed = 0;
  private readonly old: Float64Array;
  private readonly odd: string[] = [];

  constructor(keys: number, records: number) {
    this.written = new Uint8Array(keys);
    this.old = new Float64Array(records);
  }

  keep(at: number, value: string | null): void {
    if (value === null) this.old[at] = NaN;
    else if (PLAIN_INTEGER.test(value)) this.old[at] = Number(value);
    else this.old[at] = -this.odd.push(value);
  }

  value(at: number): string | null {
    const v = this.old[at] as number;
    return Number.isNaN(v) ? null : v >= 0 ? String(v) : this.odd[-1 - v] as string;
  }
}

/**
 * One MULTI block: read the old values and write the new ones atomically, so the block can be undone exactly
 * (even when one of its commands failed and the others went through).
 */
async function applyBatch(ctx: RedisCtx, plan: ImportPlan, batch: number[], undo: Undo, slice: Slice): Promise<void> {
  const m = ctx.redis.multi();
  const expiring: string[] = [];
  for (const g of batch) {
    const fields = keyFields(ctx, plan, g);
    const key = keyName(ctx, g);
    // one array, not spread arguments: a list's prefix key may hold 100,000s of fields, past what a call can spread
    m.call('HMGET', [key, ...fields.keys()]);
    m.hset(key, Object.fromEntries(fields));
    for (const arg of keyExpiries(ctx, plan, g)) expiring.push(arg);
    if (slice.due()) await slice.pause(); // nothing is sent before exec()
  }
  // the index of expiring entries, in the same MULTI (after the keys: their replies keep their places)
  if (expiring.length) m.call('ZADD', [ctx.k.expiring, 'LT', ...expiring]);
  ctx.trip();
  let res: Awaited<ReturnType<typeof m.exec>>;
  try {
    res = await m.exec();
  } catch (err) {
    // an error reply (EXECABORT…) applied nothing; any other failure came after the block was sent
    if (!(err instanceof Error && err.name === 'ReplyError')) undo.unconfirmed += batch.length;
    throw err;
  }
  if (!res) throw new Error('Redis transaction aborted');
  let firstError: Error | null = null;
  batch.forEach((g, i) => {
    const [readErr, old] = res[i * 2] ?? [new Error('no reply'), null];
    const writeErr = res[i * 2 + 1]?.[0] ?? null;
    if (!readErr && !writeErr) {
      (old as Array<string | null>).forEach((v, j) => undo.keep((plan.start[g] as number) + j, v));
      undo.written[g] = 1;
    }
    firstError ??= readErr ?? writeErr;
  });
  firstError ??= expiring.length ? res[batch.length * 2]?.[0] ?? null : null;
  if (firstError) throw firstError;
}

/** UNDO_IMPORT_LUA calls per round trip of an undo (each of UNDO_IMPORT_BATCH entries). */
const UNDO_CALLS_PER_PIPELINE = 20;

/** A pipeline that knows the undo script (ioredis gives a pipeline every command defined on its client). */
type UndoPipeline = ChainableCommander & { chutUndoImport(...args: Array<string | number>): ChainableCommander };

/**
 * Puts back what the import replaced, entry by entry, where the entry still holds what the import wrote
 * (UNDO_IMPORT_LUA): an edit made meanwhile (`chut block`, `unlist`, the API) is left as it is.
 */
async function rollback(ctx: RedisCtx, plan: ImportPlan, undo: Undo): Promise<void> {
  let p = ctx.redis.pipeline() as UndoPipeline;
  let calls = 0;
  let keys: string[] = [];
  let args: string[] = [];
  const send = async (): Promise<void> => {
    if (keys.length) {
      p.chutUndoImport(keys.length + 1, ctx.k.expiring, ...keys, ...args);
      keys = [];
      args = [];
      calls++;
    }
    if (calls === UNDO_CALLS_PER_PIPELINE) {
      await run(ctx, p);
      p = ctx.redis.pipeline() as UndoPipeline;
      calls = 0;
    }
  };
  for (let g = 0; g < undo.written.length; g++) {
    if (undo.written[g] !== 1) continue;
    const key = keyName(ctx, g);
    const members = fieldMembers(ctx, plan, g);
    let j = 0;
    for (const [field, wrote] of keyFields(ctx, plan, g)) {
      keys.push(key);
      args.push(field, wrote, undo.value((plan.start[g] as number) + j++) ?? '', members.get(field) as string);
      if (keys.length === UNDO_IMPORT_BATCH) await send();
    }
  }
  await send();
  if (calls > 0) await run(ctx, p);
}

/** The next batch of keys that have records, from key `g` on; `[]` past the last. */
function nextBatch(plan: ImportPlan, from: { g: number }): number[] {
  const batch: number[] = [];
  const keys = plan.start.length - 1;
  for (; from.g < keys && batch.length < IMPORT_KEYS_PER_BATCH; from.g++) {
    if ((plan.start[from.g + 1] as number) > (plan.start[from.g] as number)) batch.push(from.g);
  }
  return batch;
}

/**
 * All or none: every record is validated before the first write; writes go in large MULTI blocks that also read the
 * values they replace; if any block fails, or `signal` is aborted (Ctrl-C, a time limit), the blocks already
 * applied are undone. Memory: the records, and 20 bytes a record (plan and undo); a block's fields and commands
 * exist only while it is sent.
 */
export async function importList(ctx: RedisCtx, records: ListRecords, signal?: AbortSignal): Promise<void> {
  if (records.length === 0) return signal?.throwIfAborted();
  const slice = slicer();
  const plan = await planImport(ctx, records, slice, signal);
  const undo = new Undo(keyCount(ctx), records.length);
  const cursor = { g: 0 };
  try {
    for (;;) {
      signal?.throwIfAborted();
      const wave: Array<Promise<void>> = [];
      for (let j = 0; j < IMPORT_IN_FLIGHT; j++) {
        const batch = nextBatch(plan, cursor);
        if (batch.length) wave.push(applyBatch(ctx, plan, batch, undo, slice));
      }
      if (wave.length === 0) break;
      const settled = await Promise.allSettled(wave);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
    }
    // an interrupt during the last wave is honoured too: the user was told it would be undone
    signal?.throwIfAborted();
  } catch (err) {
    // said now: the undo's new connection forgets why this one was lost
    const why = redisErrorLine(err, ctx.redis);
    try {
      await rollback(ctx, plan, undo);
    } catch (undoErr) {
      // the blocks Redis confirmed stay written (the undo may have restored some of their keys): part of the file is applied
      throw new ImportUnconfirmedError(`the import failed part-way (${why}) and what it wrote could not be undone ` +
        `(${redisErrorLine(undoErr, ctx.redis)}): part of the file may be applied; run the import again to apply it whole`, false, { cause: undoErr });
    }
    if (undo.unconfirmed > 0) {
      throw new ImportUnconfirmedError(`import failed (${why}): what was confirmed is undone, but Redis did not confirm the ` +
        `writes to ${undo.unconfirmed} of its keys, which may have been applied; run the import again to apply it whole`, true, { cause: err });
    }
    throw err;
  }
}

/** The list's buckets that exist, a SCAN step at a time (their indices: a key whose name holds none is passed over). */
export async function* scanBuckets(ctx: RedisCtx, list: ListName): AsyncGenerator<number[]> {
  const start = ctx.k.bucket(list, 0).length - 1;
  let cursor = '0';
  do {
    ctx.trip();
    const [next, keys] = await ctx.redis.scan(cursor, 'MATCH', ctx.k.bucketPattern(list), 'COUNT', 1000);
    cursor = next;
    const buckets = keys.map((key) => Number(key.slice(start))).filter((b) => Number.isSafeInteger(b) && b >= 0);
    if (buckets.length) yield buckets;
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
    const buckets: number[] = [];
    for await (const found of scanBuckets(ctx, list)) for (const bucket of found) buckets.push(bucket);
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

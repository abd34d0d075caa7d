/** What the Redis store's helpers share: the client, key names, bucket count and the round-trip counter. */
import type { ChainableCommander, Redis } from 'ioredis';
import type { Keyspace } from './keys.js';

export interface LuaCommands {
  chutLookup(...args: Array<string | number>): Promise<unknown>;
  chutOutcome(...args: Array<string | number>): Promise<string>;
  chutIntern(...args: Array<string | number>): Promise<number[]>;
  chutSchema(...args: Array<string | number>): Promise<Array<string | null>>;
  chutRecord(...args: Array<string | number>): Promise<number>;
  chutAddIfUnlisted(...args: Array<string | number>): Promise<number>;
  chutPrune(...args: Array<string | number>): Promise<number[]>;
  chutUndoImport(...args: Array<string | number>): Promise<number>;
}

export interface RedisCtx {
  redis: Redis;
  lua: LuaCommands;
  k: Keyspace;
  prefix: string;
  /** Bucket count read from the schema key. */
  buckets: number;
  /** Counts one request sent to Redis (a command, a pipeline or a MULTI block). */
  trip(): void;
}

/** Runs a pipeline/MULTI as one round trip; rejects with the first command error. */
export async function run(ctx: RedisCtx, p: ChainableCommander): Promise<unknown[]> {
  ctx.trip();
  const res = await p.exec();
  if (!res) throw new Error('Redis transaction aborted');
  return res.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/** `[a, 1, b, 2]` or `[[a, 1], [b, 2]]` (RESP3) → `{ a: 1, b: 2 }`. */
export function pairs(reply: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [m, s] of scorePairs(reply)) out[m] = s;
  return out;
}

/** `[a, 1, b, 2]` or `[[a, 1], [b, 2]]` (RESP3) → `[[a, 1], [b, 2]]`. */
export function scorePairs(reply: unknown): Array<[string, number]> {
  if (!Array.isArray(reply)) return [];
  if (reply.every((x) => Array.isArray(x))) return (reply as Array<[unknown, unknown]>).map(([m, s]) => [String(m), Number(s)]);
  const out: Array<[string, number]> = [];
  for (let i = 0; i + 1 < reply.length; i += 2) out.push([String(reply[i]), Number(reply[i + 1])]);
  return out;
}

/** Flat `[f, v, f, v]` → object of strings. */
export function flatHash(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(reply)) return reply && typeof reply === 'object' ? (reply as Record<string, string>) : out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}

/** Interns texts into ids, in chunks, one round trip per chunk. */
export async function intern(ctx: RedisCtx, kind: 'source' | 'reason', texts: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const unique = [...new Set(texts)];
  const [byId, index] = kind === 'source' ? [ctx.k.sources, ctx.k.sourceIndex] : [ctx.k.reasons, ctx.k.reasonIndex];
  for (let i = 0; i < unique.length; i += 5000) {
    const chunk = unique.slice(i, i + 5000);
    ctx.trip();
    const ids = await ctx.lua.chutIntern(byId, index, ...chunk);
    chunk.forEach((t, j) => out.set(t, Number(ids[j])));
  }
  return out;
}

/** id → text dictionaries (for decoding whole buckets on export / get). */
export async function loadDicts(ctx: RedisCtx): Promise<{ sources: Map<number, string>; reasons: Map<number, string> }> {
  const [src, rsn] = (await run(ctx, ctx.redis.pipeline().hgetall(ctx.k.sources).hgetall(ctx.k.reasons))) as Array<Record<string, string>>;
  const toMap = (h: Record<string, string> | undefined) => new Map(Object.entries(flatHash(h)).map(([id, t]) => [Number(id), t]));
  return { sources: toMap(src), reasons: toMap(rsn) };
}

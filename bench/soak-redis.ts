/**
 * What a soak's chut keeps in Redis (bench/soak.ts): every key under its prefix, counted by kind (docs/redis-schema.md's
 * key names), those without a TTL, their `MEMORY USAGE`, the biggest keys and the stream's length. A key kind that is
 * per number or per call and has no TTL would grow for as long as chut runs: the schema allows only the lists, the
 * dictionaries, the schema hash and the capped stream to go without one.
 */
import type { Redis } from 'ioredis';

export interface RedisSample {
  keys: number;
  bytes: number;
  /** Keys by kind (`r`, `w`, `lb`, `stats:h`…). */
  kinds: Record<string, number>;
  /** Keys without a TTL, by kind. */
  noTtl: Record<string, number>;
  /** The stream's entries (`P calls`). */
  xlen: number;
  biggest: Array<[key: string, bytes: number]>;
}

/** Kinds allowed to live without a TTL (docs/redis-schema.md). */
export const NO_TTL_BY_DESIGN = new Set(['schema', 'la', 'lb', 'pa', 'pb', 'dict:src', 'dict:src:ix', 'dict:rsn', 'dict:rsn:ix', 'calls']);

const KIND = /^(la|lb|r|w|wb|stats:h|stats:d|top|enr:[ih]|last:[ih]|claim:[^:]+|replayed|dict:[a-z]+(?::ix)?)(?::|$)/;

export function keyKind(key: string, prefix: string): string {
  const k = key.slice(prefix.length);
  return KIND.exec(k)?.[1] ?? k;
}

export async function sampleRedis(redis: Redis, prefix: string): Promise<RedisSample> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const sample: RedisSample = { keys: keys.length, bytes: 0, kinds: {}, noTtl: {}, xlen: 0, biggest: [] };
  const sizes: Array<[string, number]> = [];
  for (let i = 0; i < keys.length; i += 500) {
    const slice = keys.slice(i, i + 500);
    const pipeline = redis.pipeline();
    for (const k of slice) pipeline.pttl(k).call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
    const replies = (await pipeline.exec()) ?? [];
    slice.forEach((k, j) => {
      const ttl = replies[2 * j]?.[1];
      const bytes = Number(replies[2 * j + 1]?.[1] ?? 0);
      const kind = keyKind(k, prefix);
      sample.kinds[kind] = (sample.kinds[kind] ?? 0) + 1;
      if (ttl === -1) sample.noTtl[kind] = (sample.noTtl[kind] ?? 0) + 1;
      sample.bytes += bytes;
      sizes.push([k.slice(prefix.length), bytes]);
    });
  }
  sample.biggest = sizes.sort((a, b) => b[1] - a[1]).slice(0, 5);
  sample.xlen = await redis.xlen(`${prefix}calls`).catch(() => 0);
  return sample;
}

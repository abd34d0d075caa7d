import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from '../src/redis-client.js';

/** Removes a benchmark's keys with a short-lived client of its own. */
export async function cleanPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

/**
 * Time Redis spent running scripts so far (EVALSHA and EVAL, from INFO commandstats): measured inside Redis, so
 * steadier than any latency percentile on a shared machine. A difference of two readings is one phase's cost.
 */
export async function scriptTime(redis: Redis): Promise<{ calls: number; usec: number }> {
  const info = await redis.info('commandstats');
  let calls = 0;
  let usec = 0;
  for (const m of info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+),usec=(\d+)/gm)) {
    calls += Number(m[1]);
    usec += Number(m[2]);
  }
  return { calls, usec };
}

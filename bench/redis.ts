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
 * `commandUsec` is the part of it spent in the commands the scripts call (every other command but INFO and PING,
 * which only the benchmark sends): the rest is the Lua interpreter and Redis's per-call script machinery.
 */
export async function scriptTime(redis: Redis): Promise<{ calls: number; usec: number; commandUsec: number }> {
  const info = await redis.info('commandstats');
  let calls = 0;
  let usec = 0;
  let commandUsec = 0;
  for (const m of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+),usec=(\d+)/gm)) {
    const name = m[1] as string;
    if (name === 'evalsha' || name === 'eval') {
      calls += Number(m[2]);
      usec += Number(m[3]);
    } else if (name !== 'info' && name !== 'ping') {
      commandUsec += Number(m[3]);
    }
  }
  return { calls, usec, commandUsec };
}

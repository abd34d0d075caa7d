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

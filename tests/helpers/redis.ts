/**
 * Where tests get Redis: CHUT_TEST_REDIS_URL if set; else the one Redis container the global setup started through
 * testcontainers when a Docker engine answers (redis-global-setup.ts); else the local server on 127.0.0.1:6379 (the
 * case on this machine and in CI). Every test run uses its own key prefix and removes its keys afterwards.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { deleteKeysWithPrefix } from '../../src/redis-client.js';

export function testRedisUrl(): Promise<string> {
  return Promise.resolve(process.env.CHUT_TEST_REDIS_URL || inject('chutTestRedisUrl') || 'redis://127.0.0.1:6379');
}

/** A unique key prefix for one test file/run: `chuttest:<label>:<random>:`. */
export function uniquePrefix(label = 't'): string {
  return `chuttest:${label}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN + UNLINK). */
export async function removeKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

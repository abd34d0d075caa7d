/**
 * Where tests get Redis: CHUT_TEST_REDIS_URL if set; else the one Redis container the global setup started through
 * testcontainers when a Docker engine answers (redis-global-setup.ts); else the local server on 127.0.0.1:6379 (the
 * case on this machine and in CI). Every test run uses its own key prefix and removes its keys afterwards; the keys
 * of a run killed before it could are removed by a later run (redis-leftovers.ts).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, inject } from 'vitest';
import { deleteKeysWithPrefix } from '../../src/redis-client.js';
import { LOCAL_TEST_REDIS_URL, ownedPrefix, runOwner } from './redis-leftovers.js';

export function testRedisUrl(): Promise<string> {
  return Promise.resolve(process.env.CHUT_TEST_REDIS_URL || inject('chutTestRedisUrl') || LOCAL_TEST_REDIS_URL);
}

/**
 * A unique key prefix for one test file/run, at most 32 characters: `chuttest:<label>:<machine>.<pid>.<random>:`,
 * where the pid is the vitest main process's (provided by the global setup; this process's without it). A label
 * longer than fits is cut short.
 */
export function uniquePrefix(label = 't'): string {
  return ownedPrefix(label, inject('chutTestRunOwner') || runOwner());
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

export interface TestRedis {
  /** Redis's URL (from beforeAll on). */
  readonly url: string;
  /** A connection of the test's own, to look at or tamper with keys (from beforeAll on). */
  readonly admin: Redis;
  /** Every prefix handed out, in order. */
  readonly prefixes: readonly string[];
  /** A new uniquePrefix(label), its keys removed after the file. */
  prefix(label?: string): string;
}

/** A test file's Redis: found and connected in beforeAll; the keys under every prefix it handed out removed in afterAll. */
export function useTestRedis(): TestRedis {
  const prefixes: string[] = [];
  let url = '';
  let admin: Redis | null = null;
  beforeAll(async () => {
    url = await testRedisUrl();
    admin = new Redis(url);
  });
  afterAll(async () => {
    for (const p of prefixes) await removeKeys(url, p);
    admin?.disconnect();
  });
  return {
    get url() { return url; },
    get admin() {
      if (!admin) throw new Error('useTestRedis(): admin is connected in beforeAll, not at module load');
      return admin;
    },
    prefixes,
    prefix(label) {
      const p = uniquePrefix(label);
      prefixes.push(p);
      return p;
    },
  };
}

/** Keys written by a newer chut (a downgrade, or two versions on one prefix): refused, and said, never written into. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { runChut } from '../helpers/cli.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { expectStoreRefusedAtStart } from '../helpers/store-refused.js';

// Each test here runs the built CLI as a child process: Node start-up alone is a second or more per run on a loaded
// 2-vCPU CI box (cli-report-since's one run took 2.9 s there), and a test runs up to ten. The 30 s default was within
// reach; a real hang still fails, two minutes in.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const prefix = uniquePrefix('schema');
let url = '';

beforeAll(async () => {
  url = await testRedisUrl();
  const redis = new Redis(url);
  await redis.hset(`${prefix}schema`, 'version', '2', 'buckets', '131071');
  redis.disconnect();
});
afterAll(async () => removeKeys(url, prefix));

it('chut run says so at start, rings every call, and /healthz answers 503 with the store error "schema"', async () => {
  await expectStoreRefusedAtStart(url, prefix, /schema version 2; this chut understands version 1/);
  const redis = new Redis(url);
  try {
    expect((await redis.keys(`${prefix}*`)).sort()).toEqual([`${prefix}schema`]); // nothing written beside it
  } finally {
    redis.disconnect();
  }
});

it('a CLI command exits 78 (configuration) with the reason on one line, no stack trace', async () => {
  const r = await runChut(['lookup', '0612345678'], { CHUT_REDIS_URL: url, CHUT_REDIS_PREFIX: prefix });
  expect(r.code).toBe(78);
  expect(r.stderr.trim()).toBe(`chut lookup: Redis keys under "${prefix}" use schema version 2; this chut understands version 1 and older. Upgrade chut, or use another redis.prefix.`);
});

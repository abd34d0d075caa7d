/**
 * A Redis older than 6.2 (Debian 11's and Ubuntu 22.04's 6.0): chut's scripts use ZADD GT/LT, so every call record
 * and every expiring list entry would fail there, one error per call. Refused once, in words, as a newer schema is.
 * No such Redis here: a proxy in front of the local one reports an older `redis_version` in INFO's reply.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { runChut } from '../helpers/cli.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { expectStoreRefusedAtStart } from '../helpers/store-refused.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 }); // built CLI runs: see redis-newer-schema.test.ts

const prefix = uniquePrefix('old-redis');
let realUrl = '';
let oldUrl = '';
let proxy: Server;
const sockets = new Set<Socket>();

/** The same length as the real version, so that the bulk string's length prefix stays true: `7.0.15` → `6.0.00`. */
const asRedis60 = (version: string) => `6.0.${'0'.repeat(Math.max(version.length - 4, 1))}`;

beforeAll(async () => {
  realUrl = await testRedisUrl();
  const target = new URL(realUrl);
  proxy = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) { sockets.add(s); s.on('error', () => undefined); s.on('close', () => sockets.delete(s)); }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      client.write(Buffer.from(chunk.toString('latin1').replace(/redis_version:([0-9.]+)/, (_, v: string) => `redis_version:${asRedis60(v)}`), 'latin1'));
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  oldUrl = `redis://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => proxy.close(resolve));
  await removeKeys(realUrl, prefix);
});

it('chut run says so at start, rings every call, and /healthz answers 503 with the store error "schema"', async () => {
  await expectStoreRefusedAtStart(oldUrl, prefix, /Redis 6\.0\.0+ is too old: chut needs Redis 6\.2 or later/);
});

it('a CLI command exits 78 (configuration) with the reason on one line, and check-config says it on its Redis line', async () => {
  const env = { CHUT_REDIS_URL: oldUrl, CHUT_REDIS_PREFIX: prefix };
  const lookup = await runChut(['lookup', '0612345678'], env);
  expect(lookup.code).toBe(78);
  expect(lookup.stderr).toMatch(/^chut lookup: Redis 6\.0\.0+ is too old: chut needs Redis 6\.2 or later \(its scripts use ZADD GT and LT\)\. Upgrade Redis \(Debian 12 and Ubuntu 24\.04 ship Redis 7\)\.\n$/);
  const check = await runChut(['check-config'], env);
  expect(check.stdout).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+: answers, but Redis 6\.0\.0+ is too old: chut needs Redis 6\.2 or later/);
});

it('the same Redis, as it is (7), is taken', async () => {
  const lookup = await runChut(['lookup', '0612345678'], { CHUT_REDIS_URL: realUrl, CHUT_REDIS_PREFIX: prefix });
  expect([lookup.code, lookup.stderr]).toEqual([0, '']);
});

/** The Redis store's claims (claimCall): the key docs/redis-schema.md documents, one round trip, shared by stores. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedisStore, type RedisReputationStore } from '../../src/reputation/index.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const prefix = uniquePrefix('claim');
let url = '';
let admin: Redis;
const stores: RedisReputationStore[] = [];
const store = () => {
  const s = createRedisStore({ url, prefix });
  stores.push(s);
  return s;
};

beforeAll(async () => {
  url = await testRedisUrl();
  admin = new Redis(url);
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await removeKeys(url, prefix);
  admin.disconnect();
});

it('writes `P claim:<scope>:i:<id>` holding the winner\'s instance id, with the TTL asked, in one round trip', async () => {
  const a = store();
  await a.ping();
  const before = a.roundTrips;
  expect(await a.claimCall('ami', '1795990000.5', 60_000)).toBe(true);
  expect(a.roundTrips - before).toBe(1);
  const key = `${prefix}claim:ami:i:1795990000.5`;
  expect(await admin.get(key)).toBe(a.instanceId);
  expect(a.instanceId).toMatch(/^.+:\d+:[0-9a-f]{6}$/);
  const ttl = await admin.pttl(key);
  expect(ttl).toBeGreaterThan(50_000);
  expect(ttl).toBeLessThanOrEqual(60_000);
});

it('two stores on one Redis and prefix (two chut instances): one wins, the key keeps the winner', async () => {
  const [a, b] = [store(), store()];
  expect(a.instanceId).not.toBe(b.instanceId);
  const [wa, wb] = await Promise.all([a.claimCall('ami', '1795990000.6', 60_000), b.claimCall('ami', '1795990000.6', 60_000)]);
  expect([wa, wb].filter(Boolean)).toHaveLength(1);
  expect(await admin.get(`${prefix}claim:ami:i:1795990000.6`)).toBe(wa ? a.instanceId : b.instanceId);
});

it('a hostile id never reaches a key as-is: it is hashed as for enrichment keys', async () => {
  const a = store();
  expect(await a.claimCall('ami-report', 'x\r\nDEL *', 60_000)).toBe(true);
  const keys = await admin.keys(`${prefix}claim:*`);
  const hostile = keys.filter((k) => k.startsWith(`${prefix}claim:ami-report:`));
  expect(hostile).toHaveLength(1);
  expect(hostile[0]).toMatch(new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}claim:ami-report:h:[0-9a-f]{32}$`));
});

it('fails (rejects) when Redis does not answer, so the caller can decide', async () => {
  const dead = createRedisStore({ url: 'redis://127.0.0.1:1', prefix });
  stores.push(dead);
  await expect(dead.claimCall('ami', '1.1', 1000)).rejects.toThrow();
});

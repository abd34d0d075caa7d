/**
 * GET /api/calls against the real Redis, through a proxy that holds each reply back (a slow Redis): once the API has
 * answered 503 on its own deadline, the page's walk down the call stream stops, rather than going on reading, on the
 * connection the call path shares, for a client already answered.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createHttpServer, createMetrics, type HttpServer } from '../../src/http/index.js';
import { silentLogger } from '../../src/logger.js';
import { createRedisStore, type RedisReputationStore } from '../../src/reputation/index.js';
import type { CallsPage } from '../../src/reputation/types.js';
import type { ScreeningService } from '../../src/screening/types.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { startSlowRedisProxy, type SlowRedisProxy } from '../helpers/slow-redis-proxy.js';
import { call } from './store-contract.js';

const TOKEN = 'calls-deadline-token-0123456789';
const RINGS = 4000;
const prefix = uniquePrefix('calls-deadline');
let redisUrl: string;
let proxy: SlowRedisProxy;
let slow: RedisReputationStore;
let http: HttpServer;
/** The walk the latest calls request started (it may go on after the answer). */
let walk: Promise<CallsPage> | undefined;

beforeAll(async () => {
  redisUrl = await testRedisUrl();
  const direct = createRedisStore({ url: redisUrl, prefix });
  for (let i = 0; i < RINGS; i += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, j) => direct.recordCall({
      record: call({ callId: `ring-${i + j}` }), blockDigits: 8, maxWindowSec: 0, streamMaxLen: 100_000,
    })));
  }
  await direct.close();
  proxy = await startSlowRedisProxy(redisUrl);
  slow = createRedisStore({ url: proxy.url, prefix });
  const calls = slow.calls.bind(slow);
  slow.calls = (q) => (walk = calls(q));
  http = await createHttpServer({
    config: parseConfig({ http: { port: 0, token: TOKEN } }), screening: {} as ScreeningService, store: slow, logger: silentLogger(),
    metrics: createMetrics(), adapters: [], storeTimeoutMs: 300,
  });
});

afterAll(async () => {
  if (proxy) proxy.delayMs = 0;
  await http?.close();
  await slow?.close();
  await proxy?.close();
  await removeKeys(redisUrl, prefix);
});

async function get(path: string): Promise<{ status: number; body: { error?: string; calls?: unknown[] } }> {
  const res = await fetch(`${http.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: await res.json() };
}

it('a calls page answered 503 on the deadline stops reading the stream: no Redis command after the answer', async () => {
  // at full speed first (the store's schema check), and the stream is there
  expect((await get('/api/calls?limit=1')).body.calls).toHaveLength(1);
  // 100 ms a reply: reading the 4000 rings (200 a batch) would take 2 s, the deadline is 300 ms
  proxy.delayMs = 100;
  const answer = await get('/api/calls?action=reject');
  expect(answer).toMatchObject({ status: 503, body: { error: 'store-unavailable' } });
  const tripsAtAnswer = slow.roundTrips;
  const outcome = await (walk as Promise<CallsPage>).then(() => 'read to the end', () => 'stopped');
  expect(outcome).toBe('stopped');
  expect(slow.roundTrips - tripsAtAnswer).toBe(0);
  // the deadline came in the middle of the walk, not after it
  expect(tripsAtAnswer).toBeLessThan(RINGS / 200);
});

/**
 * GET /api/calls against the real Redis, through a proxy that holds each reply back (a slow Redis): a client that
 * closes its connection before its answer stops the page's walk down the call stream, rather than leaving it to read
 * on, for nobody, on the connection the call path shares. The server says nothing alarming about it and answers the
 * next request.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createHttpServer, createMetrics, type HttpServer, type Metrics } from '../../src/http/index.js';
import { createLogger } from '../../src/logger.js';
import { createRedisStore, type RedisReputationStore } from '../../src/reputation/index.js';
import type { CallsPage } from '../../src/reputation/types.js';
import type { ScreeningService } from '../../src/screening/types.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { startSlowRedisProxy, type SlowRedisProxy } from '../helpers/slow-redis-proxy.js';
import { call } from './store-contract.js';

const TOKEN = 'client-gone-token-0123456789abcdef';
const RINGS = 4000;
/** xrevrange batches of a walk through every ring (200 a batch: limit 50 × 2, at least 200). */
const FULL_WALK_TRIPS = RINGS / 200;
const prefix = uniquePrefix('client-gone');
let redisUrl: string;
let proxy: SlowRedisProxy;
let slow: RedisReputationStore;
let http: HttpServer;
let metrics: Metrics;
/** Every line the server logged, parsed. */
const logged: Array<{ level: number; msg: string }> = [];
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
  metrics = createMetrics();
  const logger = createLogger('debug', { write: (line: string) => { logged.push(JSON.parse(line)); } });
  http = await createHttpServer({
    // the store deadline far off: only the client leaving may stop the walk
    config: parseConfig({ http: { port: 0, token: TOKEN } }), screening: {} as ScreeningService, store: slow, logger,
    metrics, adapters: [], storeTimeoutMs: 30_000,
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

async function until(what: string, done: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

it('a client that hangs up stops its calls page walking the stream; the server answers the next request', async () => {
  // at full speed first (the store's schema check), and the stream is there
  expect((await get('/api/calls?limit=1')).body.calls).toHaveLength(1);
  // 50 ms a reply: a walk through the 4000 rings takes 20 batches, 1 s
  proxy.delayMs = 50;
  const tripsBefore = slow.roundTrips;
  walk = undefined;
  const req = httpRequest(`${http.url}/api/calls?action=reject`, { headers: { authorization: `Bearer ${TOKEN}` } });
  let answered = false;
  req.on('response', () => { answered = true; });
  req.on('error', () => { /* the socket we destroy */ });
  req.end();
  // the walk is under way, then the client goes
  await until('the walk to start', () => walk !== undefined && slow.roundTrips - tripsBefore >= 2);
  req.destroy();
  const outcome = await (walk as unknown as Promise<CallsPage>).then(() => 'read to the end', (err: Error) => err.name);
  expect(outcome).toBe('ClientGoneError');
  expect(answered).toBe(false);
  // stopped at the batch in flight when the client went (or the one after), not at the end of the stream
  expect(slow.roundTrips - tripsBefore).toBeLessThan(FULL_WALK_TRIPS / 2);

  proxy.delayMs = 0;
  const next = await get('/api/calls?limit=1');
  expect(next).toMatchObject({ status: 200 });
  expect(next.body.calls).toHaveLength(1);
  // a client leaving is no store failure: nothing warned or counted against Redis
  expect(logged.filter((l) => l.level >= 40)).toEqual([]);
  expect(await metrics.registry.getSingleMetricAsString('chut_redis_errors_total')).not.toMatch(/operation="calls"/);
});

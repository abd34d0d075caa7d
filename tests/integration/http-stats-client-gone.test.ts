/**
 * GET /api/stats against the real Redis, through a proxy that holds each reply back (a slow Redis): a client that
 * closes its connection during a 40-day report stops the report's reads of the top-caller sets (one request after the
 * other, up to 40), rather than leaving them to go on, for nobody, on the connection the call path shares.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createHttpServer, createMetrics, type HttpServer } from '../../src/http/index.js';
import { silentLogger } from '../../src/logger.js';
import { createRedisStore, keyspace, type RedisReputationStore } from '../../src/reputation/index.js';
import { topDays } from '../../src/reputation/stats.js';
import type { Stats } from '../../src/reputation/types.js';
import { ACTIONS } from '../../src/rules/types.js';
import type { ScreeningService } from '../../src/screening/types.js';
import { useTestRedis } from '../helpers/redis.js';
import { startSlowRedisProxy, type SlowRedisProxy } from '../helpers/slow-redis-proxy.js';
import { until } from '../helpers/until.js';

const TOKEN = 'stats-client-gone-token-0123456789';
const T0 = Date.UTC(2026, 5, 15, 10, 30, 0);
const DAY = 86_400_000;
const db = useTestRedis();
const prefix = db.prefix('stats-gone');
let proxy: SlowRedisProxy;
let store: RedisReputationStore;
let http: HttpServer;
/** The report the latest stats request started (it may go on after the client left). */
let report: Promise<Stats> | undefined;
/** Requests of a whole 40-day report: the counters, then the top-caller sets of 40 days × every action, 4 a request. */
const FULL_REPORT_TRIPS = 1 + (40 * ACTIONS.length) / 4;

beforeAll(async () => {
  // 40 days of top callers for every action (small sets: how many requests, not their size, is what is counted)
  const k = keyspace(prefix);
  for (const d of topDays(T0 - 60 * DAY, T0)) {
    const p = db.admin.pipeline();
    for (const a of ACTIONS) {
      p.zadd(k.top(d, a), 3, '+33612345678', 1, '+33698765432');
      p.hincrby(k.statsDay(d), `action:${a}`, 4);
    }
    await p.exec();
  }
  proxy = await startSlowRedisProxy(db.url);
  store = createRedisStore({ url: proxy.url, prefix });
  const stats = store.stats.bind(store);
  store.stats = (q) => (report = stats(q));
  http = await createHttpServer({
    // the store deadline far off: only the client leaving may stop the report
    config: parseConfig({ http: { port: 0, token: TOKEN } }), screening: {} as ScreeningService, store, logger: silentLogger(),
    metrics: createMetrics(), adapters: [], storeTimeoutMs: 30_000, clock: () => T0,
  });
});

afterAll(async () => {
  if (proxy) proxy.delayMs = 0;
  await http?.close();
  await store?.close();
  await proxy?.close();
});

it('a client that hangs up during a 40-day report stops its reads of the top callers', async () => {
  // at full speed first (the store's schema check), and the top callers are there
  const first = await fetch(`${http.url}/api/stats?since=60d`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(((await first.json()) as Stats).topCallers.reject).toEqual([{ caller: '+33612345678', calls: 120 }, { caller: '+33698765432', calls: 40 }]);
  // 50 ms a reply: the 41 requests of the report take 2 s
  proxy.delayMs = 50;
  const tripsBefore = store.roundTrips;
  report = undefined;
  const req = httpRequest(`${http.url}/api/stats?since=60d`, { headers: { authorization: `Bearer ${TOKEN}` } });
  let answered = false;
  req.on('response', () => { answered = true; });
  req.on('error', () => { /* the socket we destroy */ });
  req.end();
  // the top callers are being read, then the client goes
  await until(() => report !== undefined && store.roundTrips - tripsBefore >= 3, 'the report to read the top callers');
  req.destroy();
  const outcome = await (report as unknown as Promise<Stats>).then(() => 'read to the end', (err: Error) => err.name);
  expect(outcome).toBe('ClientGoneError');
  expect(answered).toBe(false);
  // stopped at the request in flight when the client went (or the one after), not after all 40 days
  expect(store.roundTrips - tripsBefore).toBeLessThan(FULL_REPORT_TRIPS / 2);
});

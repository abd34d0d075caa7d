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
import type { CallsPage } from '../../src/reputation/types.js';
import type { ScreeningService } from '../../src/screening/types.js';
import { uniquePrefix } from '../helpers/redis.js';
import { slowCallsStream, type SlowCallsStream } from '../helpers/slow-calls-stream.js';

const TOKEN = 'client-gone-token-0123456789abcdef';
const RINGS = 4000;
/** xrevrange batches of a walk through every ring (200 a batch: limit 50 × 2, at least 200). */
const FULL_WALK_TRIPS = RINGS / 200;
let stream: SlowCallsStream;
let http: HttpServer;
let metrics: Metrics;
/** Every line the server logged, parsed. */
const logged: Array<{ level: number; msg: string }> = [];

beforeAll(async () => {
  stream = await slowCallsStream(uniquePrefix('client-gone'), RINGS);
  metrics = createMetrics();
  const logger = createLogger('debug', { write: (line: string) => { logged.push(JSON.parse(line)); } });
  http = await createHttpServer({
    // the store deadline far off: only the client leaving may stop the walk
    config: parseConfig({ http: { port: 0, token: TOKEN } }), screening: {} as ScreeningService, store: stream.store, logger,
    metrics, adapters: [], storeTimeoutMs: 30_000,
  });
});

afterAll(async () => {
  await http?.close();
  await stream?.close();
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
  stream.proxy.delayMs = 50;
  const tripsBefore = stream.store.roundTrips;
  stream.walk = undefined;
  const req = httpRequest(`${http.url}/api/calls?action=reject`, { headers: { authorization: `Bearer ${TOKEN}` } });
  let answered = false;
  req.on('response', () => { answered = true; });
  req.on('error', () => { /* the socket we destroy */ });
  req.end();
  // the walk is under way, then the client goes
  await until('the walk to start', () => stream.walk !== undefined && stream.store.roundTrips - tripsBefore >= 2);
  req.destroy();
  const outcome = await (stream.walk as unknown as Promise<CallsPage>).then(() => 'read to the end', (err: Error) => err.name);
  expect(outcome).toBe('ClientGoneError');
  expect(answered).toBe(false);
  // stopped at the batch in flight when the client went (or the one after), not at the end of the stream
  expect(stream.store.roundTrips - tripsBefore).toBeLessThan(FULL_WALK_TRIPS / 2);

  stream.proxy.delayMs = 0;
  const next = await get('/api/calls?limit=1');
  expect(next).toMatchObject({ status: 200 });
  expect(next.body.calls).toHaveLength(1);
  // a client leaving is no store failure: nothing warned or counted against Redis
  expect(logged.filter((l) => l.level >= 40)).toEqual([]);
  expect(await metrics.registry.getSingleMetricAsString('chut_redis_errors_total')).not.toMatch(/operation="calls"/);
});

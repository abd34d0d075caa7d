/**
 * GET /api/calls against the real Redis, through a proxy that holds each reply back (a slow Redis): once the API has
 * answered 503 on its own deadline, the page's walk down the call stream stops, rather than going on reading, on the
 * connection the call path shares, for a client already answered.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createHttpServer, createMetrics, type HttpServer } from '../../src/http/index.js';
import { silentLogger } from '../../src/logger.js';
import type { CallsPage } from '../../src/reputation/types.js';
import type { ScreeningService } from '../../src/screening/types.js';
import { uniquePrefix } from '../helpers/redis.js';
import { slowCallsStream, type SlowCallsStream } from '../helpers/slow-calls-stream.js';

const TOKEN = 'calls-deadline-token-0123456789';
const RINGS = 4000;
let stream: SlowCallsStream;
let http: HttpServer;

beforeAll(async () => {
  stream = await slowCallsStream(uniquePrefix('calls-deadline'), RINGS);
  http = await createHttpServer({
    config: parseConfig({ http: { port: 0, token: TOKEN } }), screening: {} as ScreeningService, store: stream.store, logger: silentLogger(),
    metrics: createMetrics(), adapters: [], storeTimeoutMs: 300,
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

it('a calls page answered 503 on the deadline stops reading the stream: no Redis command after the answer', async () => {
  // at full speed first (the store's schema check), and the stream is there
  expect((await get('/api/calls?limit=1')).body.calls).toHaveLength(1);
  // 100 ms a reply: reading the 4000 rings (200 a batch) would take 2 s, the deadline is 300 ms
  stream.proxy.delayMs = 100;
  const answer = await get('/api/calls?action=reject');
  expect(answer).toMatchObject({ status: 503, body: { error: 'store-unavailable' } });
  const tripsAtAnswer = stream.store.roundTrips;
  const outcome = await (stream.walk as Promise<CallsPage>).then(() => 'read to the end', () => 'stopped');
  expect(outcome).toBe('stopped');
  expect(stream.store.roundTrips - tripsAtAnswer).toBe(0);
  // the deadline came in the middle of the walk, not after it
  expect(tripsAtAnswer).toBeLessThan(RINGS / 200);
});

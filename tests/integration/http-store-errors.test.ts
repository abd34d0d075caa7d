/**
 * What the HTTP API answers when the store fails, against the real Redis: chut as `chut serve` builds it (the call
 * path's client: 2 s per command), through a proxy that can hold Redis's replies back (a slow Redis).
 * A change Redis took but did not confirm in time may or may not be applied: the answer must say so, not "try
 * again later" as if nothing had happened. Keys of a newer chut are no outage either: retrying will never help.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startChut, type RunningChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { createRedisStore } from '../../src/reputation/index.js';
import type { ReputationStore } from '../../src/reputation/types.js';
import { parsePolicy } from '../../src/rules/index.js';
import { LIST_POLICY } from '../helpers/policy.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { startSlowRedisProxy, type SlowRedisProxy } from '../helpers/slow-redis-proxy.js';

const TOKEN = 'store-errors-token-0123456789';
const prefix = uniquePrefix('http-store');
let redisUrl: string;
let proxy: SlowRedisProxy;
let chut: RunningChut;
/** The same keys read straight from Redis, not through the proxy. */
let direct: ReputationStore;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies: the assertions check their shape
type Json = any;

async function api(base: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: Json; ms: number }> {
  const started = Date.now();
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${TOKEN}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  const res = await fetch(`${base}${path}`, { ...init, headers });
  return { status: res.status, body: await res.json(), ms: Date.now() - started };
}

async function listsOf(e164: string): Promise<string[]> {
  return (await direct.getListEntry({ kind: 'number', e164 })).map((r) => r.list).sort();
}

/** Until `fn` gives `expected` (the held-back replies have arrived and Redis has long run the commands). */
async function until<T>(fn: () => Promise<T>, expected: T, ms = 5000): Promise<T> {
  let last = await fn();
  for (const end = Date.now() + ms; Date.now() < end && JSON.stringify(last) !== JSON.stringify(expected); last = await fn()) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

/** Lets the replies still held back arrive, so the next test starts on a quiet connection. */
async function unhold(): Promise<void> {
  proxy.delayMs = 0;
  proxy.match = null;
  await new Promise((r) => setTimeout(r, 3000));
}

beforeAll(async () => {
  redisUrl = await testRedisUrl();
  proxy = await startSlowRedisProxy(redisUrl);
  const config = parseConfig({ store: 'redis', redis: { url: proxy.url, prefix }, http: { enabled: true, port: 0, token: TOKEN } });
  chut = await startChut({ config, policy: parsePolicy(LIST_POLICY, 'test'), logger: silentLogger(), http: true });
  direct = createRedisStore({ url: redisUrl, prefix });
  // the store's first use (schema check) goes through at full speed
  expect((await api(chut.httpUrl as string, '/api/stats')).status).toBe(200);
});

afterAll(async () => {
  await chut?.stop();
  await proxy?.close();
  await direct?.close();
  await removeKeys(redisUrl, prefix);
});

describe('a change Redis does not confirm in time', () => {
  afterEach(unhold);

  it('a block whose MULTI Redis answers late: 503 store-timeout saying it may have been applied, and it was', async () => {
    const base = chut.httpUrl as string;
    proxy.match = 'QUEUED';
    proxy.delayMs = 2500;
    const put = await api(base, '/api/lists/block/0612340003', { method: 'PUT', body: JSON.stringify({ reason: 'sales' }) });
    expect(put.status).toBe(503);
    expect(put.body).toEqual({
      error: 'store-timeout',
      message: 'the reputation store did not confirm the change in time (addListEntry): it may or may not have been applied; check before retrying',
    });
    // the per-command bound (2 s), well within the route's 5 s
    expect(put.ms).toBeLessThan(4500);
    // Redis ran the MULTI all the same: the number is blocked, which "try again later" would have hidden
    expect(await until(() => listsOf('+33612340003'), ['block'])).toEqual(['block']);
  });

  it('an unblock Redis answers late: the same answer', async () => {
    const base = chut.httpUrl as string;
    await direct.addListEntry({ list: 'block', entry: { kind: 'number', e164: '+33612340004' }, reason: null, source: 'test', addedAt: Date.now(), expiresAt: null });
    proxy.match = null;
    proxy.delayMs = 2500;
    const del = await api(base, '/api/lists/block/0612340004', { method: 'DELETE' });
    expect(del.status).toBe(503);
    expect(del.body.error).toBe('store-timeout');
    expect(del.body.message).toMatch(/\(removeListEntry\): it may or may not have been applied; check before retrying$/);
    expect(await until(() => listsOf('+33612340004'), [])).toEqual([]);
  });

  it('a report whose block Redis answers late: the same answer, and the report was made', async () => {
    const base = chut.httpUrl as string;
    proxy.match = 'QUEUED';
    proxy.delayMs = 2500;
    const report = await api(base, '/api/reports/0612340005', { method: 'POST', body: JSON.stringify({ kind: 'spam' }) });
    expect(report.status).toBe(503);
    expect(report.body.error).toBe('store-timeout');
    expect(await until(() => listsOf('+33612340005'), ['block'])).toEqual(['block']);
  });

  it('a report whose first reading of the number Redis answers late: store-unavailable, and nothing was reported', async () => {
    const base = chut.httpUrl as string;
    proxy.match = null;
    proxy.delayMs = 2500;
    // the route reads the number before reporting it (its answer says what the report changed): no answer, no report
    const report = await api(base, '/api/reports/0612340008', { method: 'POST', body: JSON.stringify({ kind: 'spam' }) });
    expect(report.status).toBe(503);
    expect(report.body).toEqual({ error: 'store-unavailable', message: 'the reputation store did not answer (report); try again later' });
    await unhold();
    expect(await listsOf('+33612340008')).toEqual([]);
    expect((await direct.lookup({ e164: '+33612340008', rateWindowsSec: [], blockDigits: 8, now: Date.now() })).reports).toBe(0);
  });

  it('an import whose write Redis answers late: 503 store-timeout (it may have been applied, and was), not "try again later"', async () => {
    const base = chut.httpUrl as string;
    proxy.delayMs = 6000;
    proxy.match = 'QUEUED';
    const res = await fetch(`${base}/api/import?format=csv&list=block`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/csv' }, body: '0612340091,late\n',
    });
    const body = await res.json() as Json;
    expect(res.status).toBe(503);
    expect(body.error).toBe('store-timeout');
    expect(body.message).toMatch(/may or may not have been applied/);
    expect(await until(() => listsOf('+33612340091'), ['block'])).toEqual(['block']);
  });

  it('a read Redis answers late is still "did not answer; try again later": it changed nothing', async () => {
    const base = chut.httpUrl as string;
    proxy.match = null;
    proxy.delayMs = 2500;
    const stats = await api(base, '/api/stats');
    expect(stats.status).toBe(503);
    expect(stats.body).toMatchObject({ error: 'store-unavailable', message: expect.stringMatching(/try again later$/) });
  });
});

describe('a change Redis refuses', () => {
  let down: RunningChut;
  beforeAll(async () => {
    // a closed port: the call path's client sends nothing while it is disconnected
    const config = parseConfig({ store: 'redis', redis: { url: 'redis://127.0.0.1:1', prefix, connectTimeoutMs: 200 }, http: { enabled: true, port: 0, token: TOKEN } });
    down = await startChut({ config, policy: parsePolicy(LIST_POLICY, 'test'), logger: silentLogger(), http: true });
  });
  afterAll(async () => {
    await down?.stop();
  });

  it('is store-unavailable: nothing was applied, try again later', async () => {
    const put = await api(down.httpUrl as string, '/api/lists/block/0612340006', { method: 'PUT', body: JSON.stringify({}) });
    expect(put.status).toBe(503);
    expect(put.body).toEqual({ error: 'store-unavailable', message: 'the reputation store did not answer (addListEntry); try again later' });
    expect(await listsOf('+33612340006')).toEqual([]);
  });

  it('counts a failed export under its own name in chut_redis_errors_total, not under /healthz\'s ping', async () => {
    const exp = await fetch(`${down.httpUrl}/api/export`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(exp.status).toBe(503);
    expect(await exp.json()).toEqual({ error: 'store-unavailable', message: 'the reputation store did not answer (export); try again later' });
    const metrics = await (await fetch(`${down.httpUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(metrics).toMatch(/^chut_redis_errors_total\{operation="export"\} 1$/m);
    expect(metrics).not.toMatch(/^chut_redis_errors_total\{operation="ping"\}/m);
  });
});

describe('Redis keys written by a newer chut', () => {
  const newer = uniquePrefix('http-schema');
  let schema: RunningChut;
  beforeAll(async () => {
    const redis = new Redis(redisUrl);
    await redis.hset(`${newer}schema`, 'version', '2', 'buckets', '131071');
    redis.disconnect();
    const config = parseConfig({ store: 'redis', redis: { url: redisUrl, prefix: newer }, http: { enabled: true, port: 0, token: TOKEN } });
    schema = await startChut({ config, policy: parsePolicy(LIST_POLICY, 'test'), logger: silentLogger(), http: true });
  });
  afterAll(async () => {
    await schema?.stop();
    await removeKeys(redisUrl, newer);
  });

  it('every API route answers 503 store-schema naming the version and what to do, not "did not answer; try again later"', async () => {
    const base = schema.httpUrl as string;
    const why = `Redis keys under "${newer}" use schema version 2; this chut understands version 1 and older. Upgrade chut, or use another redis.prefix.`;
    const stats = await api(base, '/api/stats');
    expect(stats.status).toBe(503);
    expect(stats.body).toEqual({ error: 'store-schema', message: `Redis holds keys this chut cannot use (stats): ${why}` });
    const put = await api(base, '/api/lists/block/0612340007', { method: 'PUT', body: JSON.stringify({}) });
    expect(put.status).toBe(503);
    expect(put.body).toEqual({ error: 'store-schema', message: `Redis holds keys this chut cannot use (addListEntry): ${why}` });
    expect((await api(base, '/api/calls')).body.error).toBe('store-schema');
    // /healthz, public, says only what failed
    expect((await (await fetch(`${base}/healthz`)).json()).store).toMatchObject({ ready: false, error: 'schema' });
  });
});

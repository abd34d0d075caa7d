/**
 * What the HTTP API answers for each kind of error a store operation throws, through the real HTTP server: Redis
 * failing (refused, unreachable, late, keys of a newer chut) is a 503 as before; a record the store refuses as
 * malformed is the request's 400, nothing applied; anything else is a bug of chut's, 500 `internal`, logged at error
 * level with its stack and counted apart from Redis errors. "Try again later" for a bug never helps, and hides it.
 */
import { Writable } from 'node:stream';
import { ReplyError } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import type { HttpDeps } from '../../src/http/context.js';
import { createHttpServer, createMetrics, type Metrics } from '../../src/http/index.js';
import { createLogger } from '../../src/logger.js';
import { API_STORE_OPERATIONS } from '../../src/http/store-operations.js';
import { createMemoryStore, createRedisStore, SchemaError } from '../../src/reputation/index.js';
import { keyspace } from '../../src/reputation/keys.js';
import { MAX_TIME } from '../../src/reputation/records.js';
import type { ListRecord, ListRecords, ReputationStore } from '../../src/reputation/types.js';
import type { PbxAdapter, ScreeningService } from '../../src/screening/types.js';
import { useTestRedis } from '../helpers/redis.js';

const TOKEN = 'error-kinds-token-0123456789';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies and log lines: the assertions check their shape
type Json = any;

/** `store` with the methods in `faults` replaced (the others bound to it). */
function faulty(store: ReputationStore, faults: Partial<Record<keyof ReputationStore, (...args: Json[]) => Promise<unknown>>>): ReputationStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const fault = faults[prop as keyof ReputationStore];
      if (fault) return fault;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** `records` with record `index` changed by `change`: what a parser letting a bad line through hands the store. */
function withBadRecord(records: ListRecords, index: number, change: Partial<ListRecord>): ListRecords {
  return { length: records.length, at: (i) => (i === index ? { ...(records.at(i) as ListRecord), ...change } : records.at(i)) };
}

/** A server on `store`; `reportNumber` for the report route (the screener's, stubbed); `deps` any other of its
 * dependencies (a clock, adapters). */
async function serve(store: ReputationStore, reportNumber: ScreeningService['reportNumber'] = async () => undefined, deps: Partial<HttpDeps> = {}) {
  const lines: string[] = [];
  const logger = createLogger('info', new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
  const metrics = createMetrics();
  const screening = { explain: async () => ({ facts: null }), reportNumber } as unknown as ScreeningService;
  const http = await createHttpServer({
    config: parseConfig({ http: { port: 0, token: TOKEN } }), screening, store, logger, metrics, adapters: [], ...deps,
  });
  return { http, lines, metrics, logs: (): Json[] => lines.map((l) => JSON.parse(l)) };
}

async function api(base: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: Json; text: string }> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${TOKEN}`);
  if (typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const res = await fetch(`${base}${path}`, { ...init, headers });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}

const importCsv = (base: string, text: string, query = 'format=csv&list=block') =>
  api(base, `/api/import?${query}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: text });

/** A metric's sample, 0 when the series does not exist. */
async function sample(metrics: Metrics, series: string): Promise<number> {
  const line = (await metrics.render()).split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

const levelOf = (logs: Json[], msg: RegExp): number[] => logs.filter((l) => msg.test(String(l.msg))).map((l) => l.level as number);

describe('Redis failing keeps its answers', () => {
  it('a Redis refusal (a script\'s too) and a connection that is down: 503 store-unavailable, warned, counted as Redis errors', async () => {
    const failures = [
      new ReplyError('LOADING Redis is loading the dataset in memory'),
      // Redis 7: a refusal met by a command inside one of chut's scripts keeps its own code
      new ReplyError("OOM command not allowed when used memory > 'maxmemory'. script: 7d2d86, on @user_script:49."),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    ];
    let next = failures[0] as Error;
    const s = await serve(faulty(createMemoryStore(), { stats: async () => { throw next; } }));
    try {
      for (const err of failures) {
        next = err;
        const res = await api(s.http.url, '/api/stats');
        expect(res.status, err.message).toBe(503);
        expect(res.body).toEqual({ error: 'store-unavailable', message: 'the reputation store did not answer (stats); try again later' });
      }
      expect(levelOf(s.logs(), /^store operation failed \(HTTP API\)$/)).toEqual([40, 40, 40]);
      expect(await sample(s.metrics, 'chut_redis_errors_total{operation="stats"}')).toBe(3);
      expect(await sample(s.metrics, 'chut_api_internal_errors_total{operation="stats"}')).toBe(0);
    } finally {
      await s.http.close();
    }
  });

  it('a change Redis did not confirm: 503 store-timeout; keys of a newer chut: 503 store-schema', async () => {
    let next: Error = new Error('Command timed out');
    const s = await serve(faulty(createMemoryStore(), { addListEntry: async () => { throw next; } }));
    try {
      const late = await api(s.http.url, '/api/lists/block/0612345678', { method: 'PUT', body: '{}' });
      expect(late).toMatchObject({ status: 503, body: { error: 'store-timeout' } });
      next = new SchemaError('Redis keys under "x:" use schema version 9');
      const newer = await api(s.http.url, '/api/lists/block/0612345678', { method: 'PUT', body: '{}' });
      expect(newer).toMatchObject({ status: 503, body: { error: 'store-schema' } });
      expect(levelOf(s.logs(), /^store (write unconfirmed|refused)/)).toEqual([40, 40]);
    } finally {
      await s.http.close();
    }
  });
});

describe('a bug of chut\'s in a store operation', () => {
  it('a read: 500 internal, no stack or error text in the answer; logged at error level with its stack; counted apart from Redis errors', async () => {
    const bug = Object.assign(new TypeError("Cannot read properties of undefined (reading 'hours')"), { password: 'hunter2-in-a-bug' });
    const s = await serve(faulty(createMemoryStore(), { stats: async () => { throw bug; } }));
    try {
      const res = await api(s.http.url, '/api/stats');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: 'internal', message: 'chut failed on an unexpected error (stats); see the chut log' });
      expect(res.text).not.toMatch(/TypeError|Cannot read|hours|\bat /);
      const logged = s.logs().filter((l) => l.level === 50);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ operation: 'stats', msg: 'store operation failed on an unexpected error (HTTP API): a bug in chut' });
      expect(logged[0].err.stack).toMatch(/^TypeError: Cannot read properties of undefined \(reading 'hours'\)\n\s+at /);
      // the logger's redaction still applies to what the error carries
      expect(s.lines.join('')).not.toContain('hunter2-in-a-bug');
      expect(levelOf(s.logs(), /store operation failed \(HTTP API\)/)).toEqual([]);
      expect(await sample(s.metrics, 'chut_api_internal_errors_total{operation="stats"}')).toBe(1);
      expect(await sample(s.metrics, 'chut_redis_errors_total{operation="stats"}')).toBe(0);
    } finally {
      await s.http.close();
    }
  });

  it('a change: 500 internal saying it may or may not have been applied', async () => {
    const s = await serve(faulty(createMemoryStore(), { removeListEntry: async () => { throw new RangeError('Invalid array length'); } }));
    try {
      const res = await api(s.http.url, '/api/lists/block/0612345678', { method: 'DELETE' });
      expect(res.status).toBe(500);
      expect(res.body).toEqual({
        error: 'internal',
        message: 'chut failed on an unexpected error (removeListEntry); see the chut log: the change may or may not have been applied; check before retrying',
      });
      expect(await sample(s.metrics, 'chut_api_internal_errors_total{operation="removeListEntry"}')).toBe(1);
    } finally {
      await s.http.close();
    }
  });

  it('a report whose list record the store refuses: the record is chut\'s own, not the request\'s: 500 internal', async () => {
    const memory = createMemoryStore();
    const s = await serve(memory, (e164) => memory.addListEntry({
      list: 'block', entry: { kind: 'number', e164 }, reason: 'spam', source: 'api', addedAt: -1, expiresAt: null,
    }).then(() => undefined));
    try {
      const res = await api(s.http.url, '/api/reports/0612345678', { method: 'POST', body: '{}' });
      expect(res).toMatchObject({ status: 500, body: { error: 'internal' } });
      expect(levelOf(s.logs(), /a bug in chut/)).toEqual([50]);
    } finally {
      await s.http.close();
    }
  });
});

describe('Redis answering that chut\'s own command, script or data is wrong: no retry clears it', () => {
  const redis = useTestRedis();
  let store: ReputationStore;
  let s: Awaited<ReturnType<typeof serve>>;
  let keys: ReturnType<typeof keyspace>;

  beforeAll(async () => {
    const prefix = redis.prefix('http-wrongtype');
    keys = keyspace(prefix);
    store = createRedisStore({ url: redis.url, prefix });
    s = await serve(store);
  });
  afterAll(async () => {
    await s?.http.close();
    await store?.close();
  });

  it('a key under chut\'s prefix of the wrong type (a string where a hash is read): 500 internal, logged at error level with the reply, counted apart from Redis errors', async () => {
    // today's daily counters, whose fields every stats query reads (HKEYS): a hand edit, or a bug, left a string there
    await redis.admin.set(keys.statsDay(Date.now()), 'not a hash');
    const res = await api(s.http.url, '/api/stats');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'internal', message: 'chut failed on an unexpected error (stats); see the chut log' });
    expect(res.text).not.toMatch(/WRONGTYPE/);
    const logged = s.logs().filter((l) => l.level === 50);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ operation: 'stats', err: { message: 'WRONGTYPE Operation against a key holding the wrong kind of value' } });
    expect(levelOf(s.logs(), /store operation failed \(HTTP API\)/)).toEqual([]);
    expect(await sample(s.metrics, 'chut_api_internal_errors_total{operation="stats"}')).toBe(1);
    expect(await sample(s.metrics, 'chut_redis_errors_total{operation="stats"}')).toBe(0);
  });

  it('the same inside one of chut\'s Lua scripts, from a change: 500 internal saying it may or may not have been applied', async () => {
    // the index of interned sources, which a list edit's script reads first (HGET)
    await redis.admin.set(keys.sourceIndex, 'not a hash');
    const res = await api(s.http.url, '/api/lists/block/0612345678', { method: 'PUT', body: '{}' });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      error: 'internal',
      message: 'chut failed on an unexpected error (addListEntry); see the chut log: the change may or may not have been applied; check before retrying',
    });
    const logged = s.logs().filter((l) => l.level === 50 && l.operation === 'addListEntry');
    expect(logged).toHaveLength(1);
    expect(logged[0].err.message).toMatch(/^WRONGTYPE Operation against a key holding the wrong kind of value script: \w+, on @user_script:\d+\.$/);
    expect(await sample(s.metrics, 'chut_api_internal_errors_total{operation="addListEntry"}')).toBe(1);
    expect(await sample(s.metrics, 'chut_redis_errors_total{operation="addListEntry"}')).toBe(0);
  });
});

describe('a bug of chut\'s outside any store call', () => {
  /** The operation labels of the internal-error series. */
  async function internalLabels(metrics: Metrics): Promise<string[]> {
    return (await metrics.render()).split('\n').flatMap((l) => /^chut_api_internal_errors_total\{operation="([^"]*)"\}/.exec(l)?.[1] ?? []);
  }

  it('in an API route\'s own code: 500 internal, logged at error level, counted once under the route\'s operation', async () => {
    let broken = false;
    const clock = () => {
      if (broken) throw new TypeError("Cannot read properties of undefined (reading 'now')");
      return Date.now();
    };
    const s = await serve(createMemoryStore(), undefined, { clock });
    try {
      broken = true;
      const res = await api(s.http.url, '/api/stats');
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ error: 'internal' });
      expect(res.text).not.toMatch(/TypeError|Cannot read/);
      expect(s.logs().filter((l) => l.level === 50).map((l) => l.err?.message)).toEqual(["Cannot read properties of undefined (reading 'now')"]);
      expect(await sample(s.metrics, 'chut_api_internal_errors_total{operation="stats"}')).toBe(1);
      expect(await sample(s.metrics, 'chut_api_internal_errors_total{operation="other"}')).toBe(0);
    } finally {
      await s.http.close();
    }
  });

  it('in a route with no store operation of its own (/healthz): counted as `other`, whatever the URL', async () => {
    const adapter = { name: 'asterisk-ari', status: () => { throw new RangeError('Invalid time value'); } } as unknown as PbxAdapter;
    const s = await serve(createMemoryStore(), undefined, { adapters: [adapter] });
    try {
      expect(await internalLabels(s.metrics)).toContain('other');
      const res = await fetch(`${s.http.url}/healthz?x=${'y'.repeat(100)}`);
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ error: 'internal' });
      expect(await sample(s.metrics, 'chut_api_internal_errors_total{operation="other"}')).toBe(1);
      // the labels are chut's own names, never the request's
      expect(new Set(await internalLabels(s.metrics))).toEqual(new Set([...API_STORE_OPERATIONS, 'other']));
    } finally {
      await s.http.close();
    }
  });
});

describe('a record the store refuses as malformed', () => {
  it('a list edit: 400 bad-request naming the entry and its problem; nothing applied, not counted as a Redis error', async () => {
    const memory = createMemoryStore();
    // a route whose checks let through an expiry the store cannot hold
    const s = await serve(faulty(memory, { addListEntry: (rec: ListRecord, opts) => memory.addListEntry({ ...rec, expiresAt: MAX_TIME + 1 }, opts) }));
    try {
      const res = await api(s.http.url, '/api/lists/block/0612345678', { method: 'PUT', body: '{"expires": "30d"}' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'bad-request', message: `+33612345678 cannot be stored (invalid expiresAt ${MAX_TIME + 1}); nothing was applied` });
      expect(await memory.getListEntry({ kind: 'number', e164: '+33612345678' })).toEqual([]);
      expect(levelOf(s.logs(), /malformed list record/)).toEqual([40]);
      expect(await sample(s.metrics, 'chut_redis_errors_total{operation="addListEntry"}')).toBe(0);
      expect(await sample(s.metrics, 'chut_api_internal_errors_total{operation="addListEntry"}')).toBe(0);
    } finally {
      await s.http.close();
    }
  });
});

describe('an import with a record the real Redis store refuses', () => {
  const redis = useTestRedis();
  let store: ReputationStore;
  let s: Awaited<ReturnType<typeof serve>>;
  let prefix: string;

  beforeAll(async () => {
    prefix = redis.prefix('http-malformed');
    store = createRedisStore({ url: redis.url, prefix });
    // keys of every kind an import writes: buckets, the prefix hash, the index of expiring entries, the dictionaries
    await store.addListEntry({ list: 'block', entry: { kind: 'number', e164: '+12025550100' }, reason: 'before', source: 'test', addedAt: Date.now(), expiresAt: null });
    await store.addListEntry({ list: 'allow', entry: { kind: 'prefix', prefix: '+3361' }, reason: null, source: 'test', addedAt: Date.now(), expiresAt: Date.now() + 86_400_000 });
    // the import parser letting a pre-1970 FTC date through, as it did: the last record's addedAt is before 1970
    s = await serve(faulty(store, {
      importList: (records: ListRecords, opts) => store.importList(withBadRecord(records, records.length - 1, { addedAt: -86_400_000 }), opts),
    }));
  });
  afterAll(async () => {
    await s?.http.close();
    await store?.close();
  });

  /** Every key under the prefix with its value as Redis serialises it. */
  async function snapshot(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    let cursor = '0';
    do {
      const [next, keys] = await redis.admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) out[key] = (await redis.admin.dumpBuffer(key))?.toString('hex') ?? '';
    } while (cursor !== '0');
    return out;
  }

  it('400 bad-request naming the entry and its problem and that nothing was imported; Redis unchanged', async () => {
    const before = await snapshot();
    expect(Object.keys(before).length).toBeGreaterThan(3);
    const lines = Array.from({ length: 40 }, (_, i) => `+1202555${String(200 + i).padStart(4, '0')},never seen reason`);
    const res = await importCsv(s.http.url, `number,reason\n${lines.join('\n')}\n`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'bad-request', message: '+12025550239 cannot be stored (invalid addedAt -86400000); nothing was imported' });
    expect(await snapshot()).toEqual(before);
    expect(levelOf(s.logs(), /malformed list record/)).toEqual([40]);
    expect(await sample(s.metrics, 'chut_redis_errors_total{operation="importList"}')).toBe(0);
  });
});

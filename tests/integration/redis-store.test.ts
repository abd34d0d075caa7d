/** The Redis store: the shared contract, plus what only Redis can show (round trips, key hygiene, encodings). */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { createOutcomes } from '../../src/screening/outcomes.js';
import {
  applyScoreDelta, bucketOf, createMemoryStore, createRedisStore, decayScore, DEFAULT_BUCKETS, type RedisReputationStore,
} from '../../src/reputation/index.js';
import { KNOWN_LINES_CAP } from '../../src/reputation/keys.js';
import type { ListRecord } from '../../src/reputation/types.js';
import { useTestRedis } from '../helpers/redis.js';
import { monitorRedis } from '../helpers/redis-monitor.js';
import { call, rec, storeContract } from './store-contract.js';

const db = useTestRedis();

function fresh(label = 'rs'): RedisReputationStore {
  const prefix = db.prefix(label);
  return createRedisStore({ url: db.url, prefix });
}

storeContract('redis', async () => fresh());

const T0 = Date.UTC(2026, 5, 15, 10, 30, 0);
const DAY = 86_400_000;
const look = { rateWindowsSec: [60, 300, 3600], blockDigits: 8, now: T0 };
const numbers = (n: number, base = 33_600_000_000) => Array.from({ length: n }, (_, i) => `+${base + i * 7919}`);

describe('Redis store specifics', () => {
  it('costs exactly one round trip per lookup and per recordCall, none for a withheld caller', async () => {
    const store = fresh();
    await store.addListEntry(rec({ entry: { kind: 'prefix', prefix: '+33162' } }));
    await store.lookup({ ...look, e164: '+33612345678' });
    let before = store.roundTrips;
    await store.lookup({ ...look, e164: '+33162000000' });
    expect(store.roundTrips - before).toBe(1);
    before = store.roundTrips;
    await store.lookup({ ...look, e164: null });
    expect(store.roundTrips - before).toBe(0);
    before = store.roundTrips;
    await store.recordCall({ record: call({ action: 'captcha', captcha: 'failed', shadow: true }), blockDigits: 8, maxWindowSec: 3600, streamMaxLen: 1000 });
    expect(store.roundTrips - before).toBe(1);
    before = store.roundTrips;
    await store.applyOutcome({ e164: '+33612345678', now: T0, scoreDelta: 10, halfLifeMs: DAY, counter: 'failed' });
    expect(store.roundTrips - before).toBe(1);
    before = store.roundTrips;
    await store.getLastCaller('100'); // the line's key, whether it is a known line, the last caller to anyone
    expect(store.roundTrips - before).toBe(1);
    before = store.roundTrips;
    // the counters and the days' actions (one pipeline), then every action's top callers (one read-only script)
    expect((await store.stats({ since: T0 - 3_600_000, now: T0 + 60_000 })).topCallers).toEqual({ captcha: [{ caller: '+33612345678', calls: 1 }] });
    expect(store.roundTrips - before).toBe(2);
    await store.close();
  });

  it('costs the requests docs/redis-schema.md says for each outcome (captcha, reports)', async () => {
    // the doc's table: `| outcome | requests | what they are |`, under "Round trips"
    const doc = readFileSync('docs/redis-schema.md', 'utf8');
    const start = doc.indexOf('| outcome | requests |');
    const table = doc.slice(start, doc.indexOf('\n\n', start));
    const documented = new Map([...table.matchAll(/^ *\| ([^|]+?) \| (\d+) \|/gm)].map((m) => [m[1] as string, Number(m[2])]));
    const store = fresh('trips');
    const outcomes = createOutcomes({ store, config: parseConfig({}), logger: silentLogger(), observers: [], clock: () => Date.now() });
    const measured = new Map<string, number>();
    const measure = async (row: string, fn: () => Promise<unknown>) => {
      const before = store.roundTrips;
      await fn();
      measured.set(row, store.roundTrips - before);
    };
    await store.ping();
    await measure('captcha passed', () => outcomes.captcha('+33611111111', 'passed'));
    await measure('captcha failed, timed out or hung up', () => outcomes.captcha('+33611111112', 'failed'));
    for (let i = 0; i < 2; i++) await outcomes.captcha('+33611111112', 'failed'); // 25 points each, blocked at 95
    await measure('captcha failed, the score reaching `reputation.autoBlockScore`', () => outcomes.captcha('+33611111112', 'failed'));
    expect((await store.getListEntry({ kind: 'number', e164: '+33611111112' }))[0]?.source).toBe('auto');
    await measure('spam report (`*77`, API), the number on no list', () => outcomes.report('+33611111113', 'spam', 'phone'));
    await measure('spam report of a number a spam report blocked', () => outcomes.report('+33611111113', 'spam', 'phone'));
    await measure('allow report (`*78`, API) of a number a spam report blocked', () => outcomes.report('+33611111113', 'allow', 'phone'));
    expect(measured).toEqual(documented);
    await store.close();
  });

  it('the known lines never outgrow their cap, whatever numbers callers dial: the line called least recently goes', async () => {
    const prefix = db.prefix('lines');
    const store = createRedisStore({ url: db.url, prefix });
    const extra = 5;
    const dialled = Array.from({ length: KNOWN_LINES_CAP + extra }, (_, i) => `+3310${String(i).padStart(7, '0')}`);
    // the oldest call of all rang: without the cap, its line would be known for ever
    await store.recordCall({ record: call({ caller: '+33700000001', dialled: dialled[0] as string, time: T0 }), blockDigits: 8, maxWindowSec: 0, streamMaxLen: 10 });
    for (let i = 1; i < dialled.length; i += 500) {
      await Promise.all(dialled.slice(i, i + 500).map((d, j) => store.recordCall({
        record: call({ caller: '+33700000002', dialled: d, time: T0 + i + j, action: 'reject', route: 'reject' }), blockDigits: 8, maxWindowSec: 0, streamMaxLen: 10,
      })));
    }
    const key = `${prefix}lines`;
    expect(await db.admin.zcard(key)).toBe(KNOWN_LINES_CAP);
    expect(await db.admin.ttl(key)).toBeGreaterThan(300 * 86_400);
    expect((await store.lastCallerState(dialled[0] as string)).known).toBe(false);
    expect((await store.lastCallerState(dialled[extra - 1] as string)).known).toBe(false);
    expect((await store.lastCallerState(dialled[extra] as string)).known).toBe(true);
    expect((await store.lastCallerState(dialled[dialled.length - 1] as string)).known).toBe(true);
    // the line's own key still answers for the line forgotten
    expect(await store.getLastCaller(dialled[0] as string)).toBe('+33700000001');
    await store.close();
  });

  it('a record replayed after an outage (an older time) does not make a line called since look least recently called', async () => {
    const prefix = db.prefix('linesgt');
    const store = createRedisStore({ url: db.url, prefix });
    const base = { blockDigits: 8, maxWindowSec: 0, streamMaxLen: 10 };
    await store.recordCall({ ...base, record: call({ dialled: '+33100000001', time: T0 + 60_000 }) });
    await store.recordCall({ ...base, record: call({ dialled: '+33100000001', time: T0 }), replayLookBack: 10 });
    const [member] = await db.admin.zrange(`${prefix}lines`, '0', '-1');
    expect(await db.admin.zscore(`${prefix}lines`, member as string)).toBe(String(T0 + 60_000));
    await store.close();
  });

  it('sends a single EVALSHA for a lookup, as MONITOR sees it', async () => {
    const prefix = db.prefix('mon');
    const client = new Redis(db.url);
    const store = createRedisStore({ redis: client, prefix });
    await store.lookup({ ...look, e164: '+33612345678' });
    const source = `${client.stream.localAddress}:${client.stream.localPort}`;
    const sent: string[][] = [];
    const monitor = await monitorRedis(db.url, (c) => { if (c.source === source) sent.push(c.args); });
    await store.lookup({ ...look, e164: '+33698765432' });
    await store.ping();
    await expect.poll(() => sent.some((a) => /^ping$/i.test(a[0] ?? '')), { timeout: 10_000 }).toBe(true);
    monitor.stop();
    expect(sent.map((a) => (a[0] ?? '').toLowerCase())).toEqual(['evalsha', 'ping']);
    expect(sent[0]?.slice(3, 12).every((k) => k.startsWith(prefix))).toBe(true);
    await store.close();
    client.disconnect();
  });

  it('writes only keys under its prefix (every command checked with COMMAND GETKEYS), all of documented shapes', async () => {
    const prefix = db.prefix('keys');
    const client = new Redis(db.url);
    const store = createRedisStore({ redis: client, prefix });
    await store.ping();
    // only this store's connection: a key it wrote outside its prefix must fail the test, not pass as "another client's"
    const source = `${client.stream.localAddress}:${client.stream.localPort}`;
    const seen: string[][] = [];
    const monitor = await monitorRedis(db.url, (c) => { if (c.source === source) seen.push(c.args); });
    await store.addListEntry(rec({ entry: { kind: 'number', e164: '+33612345678' }, reason: 'x' }));
    await store.addListEntry(rec({ entry: { kind: 'prefix', prefix: '+33162' } }));
    await store.recordCall({ record: call(), blockDigits: 8, maxWindowSec: 3600, streamMaxLen: 1000 });
    await store.applyOutcome({ e164: '+33612345678', now: T0, scoreDelta: 10, halfLifeMs: DAY, counter: 'reports' });
    await store.enrichCall('id 1\r\n', { answered: true, answeredBy: null, talkSeconds: 3, hangupCause: null });
    await store.setLastCaller('ext\r\nFLUSHALL', '+33612345678', T0);
    await store.lookup({ ...look, e164: '+33612345678' });
    await store.importList([rec({ entry: { kind: 'number', e164: '+12025550143' } })]);
    await store.stats({ since: T0 - DAY, now: T0 });
    await store.calls({ limit: 10 });
    for await (const _ of store.exportLists()) { /* drain */ }
    await store.ping();
    await expect.poll(() => seen.length > 0 && /^ping$/i.test(seen[seen.length - 1]?.[0] ?? ''), { timeout: 10_000 }).toBe(true);
    monitor.stop();
    let keyed = 0;
    for (const args of seen) {
      if (/^(multi|exec|ping|script|info|select|client)$/i.test(args[0] ?? '')) continue;
      const keys = (await db.admin.call('COMMAND', 'GETKEYS', ...args).catch(() => [])) as string[]; // keyless: SCAN…
      if (keys.length > 0) keyed++;
      for (const k of keys) expect(k.startsWith(prefix), `${args.join(' ')}`).toBe(true);
    }
    expect(keyed).toBeGreaterThan(10);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await db.admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const shapes = /^(schema|l[ab]:\d+|p[ab]|dict:(src|rsn)(:ix)?|r:\d+|w:\d+|wb:\d+|stats:[hd]:[0-9T-]+|top:[0-9-]+:[a-z-]+|calls|enr:(i:[A-Za-z0-9._:-]+|h:[0-9a-f]+)|last(:(i|h):[^\s]+)?|lines)$/;
    for (const k of keys) expect(k.slice(prefix.length)).toMatch(shapes);
    expect(keys.some((k) => k.includes('\n') || k.includes('FLUSHALL'))).toBe(false);
    // the known lines' members are escaped as the last-caller keys are: a hostile target never reaches Redis as-is
    const lineMembers = await db.admin.zrange(`${prefix}lines`, '0', '-1');
    expect(lineMembers).toHaveLength(2);
    for (const m of lineMembers) expect(m).toMatch(/^(i:[A-Za-z0-9+*#._-]{1,64}|h:[0-9a-f]{32})$/);
    await store.close();
    client.disconnect();
  });

  it('reads the daily counters for days whose hourly counters have expired', async () => {
    const store = fresh('days');
    const p = db.prefixes[db.prefixes.length - 1] as string;
    const old = T0 - 50 * DAY;
    await store.recordCall({ record: call({ time: old }), blockDigits: 8, maxWindowSec: 60, streamMaxLen: 100 });
    await db.admin.del(`${p}stats:h:${new Date(old).toISOString().slice(0, 13)}`); // what 40 days do
    const s = await store.stats({ since: T0 - 90 * DAY, now: T0 });
    expect(s.total).toBe(1);
    await store.close();
  });

  it('keeps a number known only by its calls 40 days, one with a score, outcome or report 400 days', async () => {
    const store = fresh('repttl');
    const p = db.prefixes[db.prefixes.length - 1] as string;
    const ttlDays = async (key: string) => (await db.admin.pttl(key)) / DAY;
    const base = { blockDigits: 8, maxWindowSec: 60, streamMaxLen: 100 };
    await store.recordCall({ ...base, record: call({ caller: '+33612000001' }) });
    expect(await ttlDays(`${p}r:33612000001`)).toBeCloseTo(40, 3);
    await store.applyOutcome({ e164: '+33612000001', now: T0, scoreDelta: 10, halfLifeMs: DAY, counter: 'reports' });
    expect(await ttlDays(`${p}r:33612000001`)).toBeCloseTo(400, 3);
    await store.recordCall({ ...base, record: call({ caller: '+33612000001', time: T0 + 1000 }) });
    expect(await ttlDays(`${p}r:33612000001`)).toBeCloseTo(400, 3); // a later call does not shorten it
    await store.close();
  });

  it('gives every key the TTL docs/redis-schema.md states; counters get theirs from the first call of the hour or day', async () => {
    const store = fresh('ttl');
    const p = db.prefixes[db.prefixes.length - 1] as string;
    const ttlDays = async (key: string) => (await db.admin.pttl(key)) / DAY;
    await store.lookup({ ...look, e164: '+33612345678', countCall: { windowMs: 3_600_000, member: 'm1' } });
    await store.recordCall({ record: call(), blockDigits: 8, maxWindowSec: 3600, streamMaxLen: 1000, windowsCounted: true });
    expect(await ttlDays(`${p}stats:h:2026-06-15T10`)).toBeCloseTo(40, 3);
    expect(await ttlDays(`${p}stats:d:2026-06-15`)).toBeCloseTo(400, 3);
    expect(await ttlDays(`${p}top:2026-06-15:ring`)).toBeCloseTo(40, 3);
    expect(await ttlDays(`${p}r:33612345678`)).toBeCloseTo(40, 3); // known by its calls only
    expect(await ttlDays(`${p}last`)).toBeCloseTo(30, 3);
    expect(await db.admin.pttl(`${p}w:33612345678`)).toBeGreaterThan(3_590_000);
    expect(await db.admin.pttl(`${p}wb:33612345`)).toBeGreaterThan(3_590_000);
    // later calls of the same hour count without pushing its expiry back
    await db.admin.expire(`${p}stats:h:2026-06-15T10`, 100);
    await store.recordCall({ record: call({ time: T0 + 60_000 }), blockDigits: 8, maxWindowSec: 3600, streamMaxLen: 1000, windowsCounted: true });
    expect(await db.admin.ttl(`${p}stats:h:2026-06-15T10`)).toBeLessThanOrEqual(100);
    expect(await db.admin.hget(`${p}stats:h:2026-06-15T10`, 'total')).toBe('2');
    // the next hour's hash is new: it gets the full TTL
    await store.recordCall({ record: call({ time: T0 + 3_600_000 }), blockDigits: 8, maxWindowSec: 3600, streamMaxLen: 1000, windowsCounted: true });
    expect(await ttlDays(`${p}stats:h:2026-06-15T11`)).toBeCloseTo(40, 3);
    await store.close();
  });

  it('keeps buckets in the compact listpack encoding and the schema key at version 1', async () => {
    const store = fresh('enc');
    const prefix = db.prefixes[db.prefixes.length - 1] as string;
    await store.importList(numbers(3000).map((e164) => rec({ entry: { kind: 'number', e164 }, reason: 'Robocall', source: 'import:ftc', addedAt: Date.UTC(2026, 0, 5) })));
    const { bucket } = bucketOf('+33600000000', DEFAULT_BUCKETS);
    expect(await db.admin.call('OBJECT', 'ENCODING', `${prefix}lb:${bucket}`)).toBe('listpack');
    // a new prefix: no older chut wrote there, so its index of expiring entries is whole from the start
    expect(await db.admin.hgetall(`${prefix}schema`)).toEqual({ version: '1', buckets: String(DEFAULT_BUCKETS), expiring: expect.stringMatching(/^\d{13}$/) });
    await store.close();
  });

  it('refuses to run against a newer schema, with a clear error', async () => {
    const prefix = db.prefix('schema');
    await db.admin.hset(`${prefix}schema`, { version: '2', buckets: '1000' });
    const store = createRedisStore({ url: db.url, prefix });
    await expect(store.lookup({ ...look, e164: '+33612345678' })).rejects.toThrow(/schema version 2.*Upgrade chut/);
    await store.close();
  });

  it('agrees with score.ts (and the memory store) over a long random sequence of outcomes', async () => {
    const redis = fresh();
    const memory = createMemoryStore();
    let seed = 42;
    const rnd = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    let now = T0;
    let expected = 0;
    let last = T0;
    for (let i = 0; i < 60; i++) {
      now += Math.floor(rnd() * 20 * DAY);
      const update = { e164: '+33612345678', now, scoreDelta: Math.round((rnd() * 140 - 60) * 1000) / 1000, halfLifeMs: (1 + rnd() * 40) * DAY, counter: null };
      await redis.applyOutcome(update);
      await memory.applyOutcome(update);
      expected = applyScoreDelta(decayScore(expected, now - last, update.halfLifeMs), update.scoreDelta);
      last = now;
      const at = now + Math.floor(rnd() * 10 * DAY);
      const [r, m] = await Promise.all([redis.lookup({ ...look, e164: '+33612345678', now: at }), memory.lookup({ ...look, e164: '+33612345678', now: at })]);
      expect(r.score).toBe(m.score);
      expect(r.score).toBe(decayScore(expected, at - now, update.halfLifeMs));
    }
    await redis.close();
  });

  it('reads a score some other tool wrote as nan, inf or out of range as score.ts does: never a stuck NaN', async () => {
    const store = fresh('corrupt');
    const p = db.prefixes[db.prefixes.length - 1] as string;
    const cases: Array<[string, number, number]> = [['nan', 0, 25], ['inf', 0, 25], ['-inf', 0, 25], ['-50', 0, 25], ['250', 100, 100], ['garbage', 0, 25]];
    for (const [i, [raw, read, afterFailure]] of cases.entries()) {
      const e164 = `+3361200010${i}`;
      await db.admin.hset(`${p}r:${e164.slice(1)}`, 's', raw, 'st', String(T0), 'hl', String(DAY));
      expect((await store.lookup({ ...look, e164, now: T0 })).score).toBe(read);
      expect(await store.applyOutcome({ e164, now: T0, scoreDelta: 25, halfLifeMs: DAY, counter: 'failed' })).toBe(afterFailure);
      expect((await store.lookup({ ...look, e164, now: T0 })).score).toBe(afterFailure);
    }
    await store.close();
  });

  it('a stored decay time some tool wrote far ahead (or as inf) is no hold: the next outcome decays from now', async () => {
    const store = fresh('corrupt-st');
    const p = db.prefixes[db.prefixes.length - 1] as string;
    for (const [i, st] of ['inf', String(T0 + 10_000 * DAY)].entries()) {
      const e164 = `+3361200020${i}`;
      await db.admin.hset(`${p}r:${e164.slice(1)}`, 's', '80', 'st', st, 'hl', String(DAY));
      expect(await store.applyOutcome({ e164, now: T0, scoreDelta: 0, halfLifeMs: DAY, counter: null })).toBe(80);
      expect(Number(await db.admin.hget(`${p}r:${e164.slice(1)}`, 'st'))).toBe(T0);
      expect((await store.lookup({ ...look, e164, now: T0 + DAY })).score).toBe(40);
    }
    await store.close();
  });

  it('stores hostile reasons safely: CRLF kept, 10 kB cut to 256 characters, unicode intact', async () => {
    const store = fresh();
    const entries: Array<[string, string, string]> = [
      ['+33612000001', 'a\r\nb\r\nDEL *', 'a\r\nb\r\nDEL *'],
      ['+33612000002', 'é'.repeat(10_000), 'é'.repeat(256)],
      ['+33612000003', '📞 spam 日本 \u0000nul', '📞 spam 日本 nul'],
    ];
    for (const [e164, reason] of entries) await store.addListEntry(rec({ entry: { kind: 'number', e164 }, reason }));
    for (const [e164, , stored] of entries) {
      expect((await store.getListEntry({ kind: 'number', e164 }))[0]?.reason).toBe(stored);
      expect((await store.lookup({ ...look, e164 })).listed?.reason).toBe(stored);
    }
    await store.close();
  });

  it('a replayed call record (replayLookBack) is written only when the stream\'s newest entries do not hold it already', async () => {
    const store = fresh('replay');
    const since = { since: T0 - DAY, now: T0 + DAY };
    const first = { record: call({ callId: 'r1', degraded: true }), blockDigits: 8, maxWindowSec: 3600, streamMaxLen: 1000 };
    await store.recordCall(first);
    // an earlier attempt was applied though its reply was lost: the replay writes nothing, no counter moves
    await store.recordCall({ ...first, replayLookBack: 10 });
    expect((await store.stats(since)).total).toBe(1);
    // a record the stream does not hold is written, a replay or not
    await store.recordCall({ ...first, record: call({ callId: 'r2', degraded: true }), replayLookBack: 10 });
    await store.recordCall({ ...first, record: call({ callId: 'r3', degraded: true }), replayLookBack: 0 });
    const s = await store.stats(since);
    expect([s.total, s.degraded]).toEqual([3, 3]);
    expect((await store.calls({ limit: 10 })).calls.map((c) => c.callId)).toEqual(['r3', 'r2', 'r1']);
    // only the newest replayLookBack entries are looked at: an older copy is not (the sender bounds how far back)
    await store.recordCall({ ...first, replayLookBack: 2 });
    expect((await store.stats(since)).total).toBe(4);
    await store.close();
  });

  it('a first attempt held in the network that lands after its replay writes nothing: one record, the last caller kept', async () => {
    const store = fresh('late');
    const prefix = db.prefixes[db.prefixes.length - 1] as string;
    const since = { since: T0 - DAY, now: T0 + DAY };
    const base = { blockDigits: 8, maxWindowSec: 3600, streamMaxLen: 1000 };
    const held = { ...base, record: call({ callId: 'held', caller: '+33612345671', route: 'ring', degraded: true }) };
    const next = { ...base, record: call({ callId: 'next', caller: '+33612345672', route: 'ring', time: T0 + 1000 }) };
    // The outage: the held attempt's reply never came, so the backlog replays it (found nowhere: written), then the
    // call after it is written.
    await store.recordCall({ ...held, replayLookBack: 10 });
    await store.recordCall(next);
    // The held attempt reaches Redis now (a black-holed link healed; the kernel was still sending it).
    await store.recordCall(held);
    expect((await store.calls({ limit: 10 })).calls.map((c) => c.callId)).toEqual(['next', 'held']);
    expect((await store.stats(since)).total).toBe(2);
    expect(await store.getLastCaller(held.record.dialled)).toBe('+33612345672');
    // Only the replay left a mark, kept an hour; records never replayed leave none.
    expect(await db.admin.keys(`${prefix}replayed:*`)).toEqual([`${prefix}replayed:${held.record.time}`]);
    const ttl = await db.admin.pttl(`${prefix}replayed:${held.record.time}`);
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    // A second replay (its first one's reply lost too) finds the mark: still one record.
    await store.recordCall({ ...held, replayLookBack: 1 });
    expect((await store.stats(since)).total).toBe(2);
    await store.close();
  });

  it('an import aborted half-way (Ctrl-C, a time limit) stops, undoes what it wrote and rejects with the reason', async () => {
    const store = fresh('abort');
    const prefix = db.prefixes[db.prefixes.length - 1] as string;
    const list = numbers(200_000, 44_800_000_000);
    await store.addListEntry(rec({ entry: { kind: 'number', e164: list[7] as string }, reason: 'before' }));
    const stop = new AbortController();
    const importing = store.importList(list.map((e164) => rec({ entry: { kind: 'number', e164 }, reason: 'import' })), { signal: stop.signal });
    // abort once the writes have begun: buckets other than the one written before appear
    const bucketsBefore = (await db.admin.keys(`${prefix}lb:*`)).length;
    for (let i = 0; i < 2000 && (await db.admin.keys(`${prefix}lb:*`)).length <= bucketsBefore + 10; i++) await new Promise((r) => setTimeout(r, 5));
    stop.abort(new Error('interrupted (SIGINT)'));
    await expect(importing).rejects.toThrow('interrupted (SIGINT)');
    expect((await store.getListEntry({ kind: 'number', e164: list[7] as string }))[0]?.reason).toBe('before');
    let n = 0;
    for await (const _ of store.exportLists()) n++;
    expect(n).toBe(1);
    await store.close();
  });

  it('an import aborted during its last (here: only) batch of writes is undone too, as the user was told', async () => {
    const prefix = db.prefix('abortlast');
    const client = new Redis(db.url);
    const stop = new AbortController();
    // Ctrl-C lands while the import's single wave of writes is on its way (its MULTI being built)
    const multi = client.multi.bind(client);
    client.multi = ((...args: Parameters<typeof multi>) => {
      stop.abort(new Error('interrupted (SIGINT)'));
      return multi(...args);
    }) as typeof client.multi;
    const store = createRedisStore({ redis: client, prefix });
    const list = numbers(300, 44_900_000_000);
    const importing = store.importList(list.map((e164) => rec({ entry: { kind: 'number', e164 }, reason: 'import' })), { signal: stop.signal });
    await expect(importing).rejects.toThrow('interrupted (SIGINT)');
    let n = 0;
    for await (const _ of store.exportLists()) n++;
    expect(n).toBe(0);
    await store.close();
    client.disconnect();
  });

  it('undoes an import whose writes fail half-way: nothing new stays, what was there is restored', async () => {
    const store = fresh('undo');
    const prefix = db.prefixes[db.prefixes.length - 1] as string;
    const list = numbers(20_000, 44_700_000_000);
    const existing = list[100] as string;
    await store.addListEntry(rec({ entry: { kind: 'number', e164: existing }, reason: 'before' }));
    const poisonedKey = `${prefix}lb:${bucketOf(list[19_000] as string, DEFAULT_BUCKETS).bucket}`;
    await db.admin.set(poisonedKey, 'not a hash');
    const records: ListRecord[] = list.map((e164) => rec({ entry: { kind: 'number', e164 }, reason: 'import' }));
    await expect(store.importList(records)).rejects.toThrow(/WRONGTYPE/);
    expect((await store.getListEntry({ kind: 'number', e164: existing }))[0]?.reason).toBe('before');
    for (const e164 of [list[0], list[5000], list[18_999]] as string[]) expect(await store.getListEntry({ kind: 'number', e164 })).toEqual([]);
    await db.admin.del(poisonedKey);
    let n = 0;
    for await (const _ of store.exportLists()) n++;
    expect(n).toBe(1);
    await store.close();
  });
});

describe('calls?since= when Redis and chut disagree on the time', () => {
  it('finds the period\'s calls although Redis\'s clock (the stream ids) is 20 minutes behind chut\'s', async () => {
    const store = fresh('skew');
    const ahead = 20 * 60_000;
    const realNow = Date.now;
    Date.now = () => realNow() + ahead; // chut's clock: 20 min ahead of Redis's
    try {
      const now = Date.now();
      for (const [i, agoMin] of [2, 5, 8].entries()) {
        await store.recordCall({ record: call({ callId: `skew-${i}`, time: now - agoMin * 60_000 }), blockDigits: 8, maxWindowSec: 3600, streamMaxLen: 1000 });
      }
      const page = await store.calls({ since: now - 10 * 60_000, limit: 10 });
      expect(page.calls.map((c) => c.callId).sort()).toEqual(['skew-0', 'skew-1', 'skew-2']);
    } finally {
      Date.now = realNow;
      await store.close();
    }
  });
});

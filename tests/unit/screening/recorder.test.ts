/** The recorder keeps the call records Redis did not take and writes them once it answers: in order, bounded, once. */
import { Writable } from 'node:stream';
import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { createMemoryStore } from '../../../src/reputation/index.js';
import type { CallRecord, RecordCallRequest } from '../../../src/reputation/types.js';
import { createRecorder } from '../../../src/screening/recorder.js';
import { createRecordBacklog, worthRetrying } from '../../../src/screening/record-backlog.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');

function rec(i: number, over: Partial<CallRecord> = {}): CallRecord {
  return {
    time: T0 + i * 60_000, pbx: 'asterisk-ari', callId: `c${i}`, rawCaller: `06123456${String(i).padStart(2, '0')}`,
    caller: `+336123456${String(i).padStart(2, '0')}`, callerKind: 'valid', callerName: '', dialled: '+33100000000',
    action: 'ring', route: 'ring', rule: 'default', reasons: [], shadow: false, degraded: true, captcha: null, latencyMs: 1, ...over,
  };
}

/** A memory store whose writes fail while `down`, and that keeps every request it was sent. */
function flakyStore() {
  const store = createMemoryStore({ clock: () => T0 });
  const real = store.recordCall.bind(store);
  const state = { down: false, error: (): Error => new Error('Stream isn\'t writeable and enableOfflineQueue options is false'), sent: [] as RecordCallRequest[] };
  store.recordCall = async (req) => {
    state.sent.push(req);
    if (state.down) throw state.error();
    await real(req);
  };
  return { store, state };
}

function setup(backlogMax?: number) {
  const { store, state } = flakyStore();
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } }));
  const errors: string[] = [];
  const recorder = createRecorder({
    store, logger, observers: [{ onStoreError: (op) => errors.push(op) }], blockDigits: 8, maxWindowSec: 3600, streamMaxLen: 1000,
    ...(backlogMax !== undefined ? { backlogMax } : {}),
  });
  const stored = async () => (await store.calls({ limit: 100 })).calls.map((c) => c.callId).reverse(); // oldest first
  return { store, state, lines, errors, recorder, stored };
}

describe('call records during a Redis outage', () => {
  it('a record Redis did not take is kept and written once it answers, in call order and with its own time; later records wait behind it', async () => {
    const { store, state, lines, errors, recorder, stored } = setup();
    await recorder.record(rec(1, { degraded: false }));
    state.down = true;
    await recorder.record(rec(2));
    await recorder.record(rec(3, { callerKind: 'withheld', caller: 'withheld', rawCaller: '' }));
    expect(recorder.unstored()).toBe(2);
    expect(await stored()).toEqual(['c1']);
    state.down = false;
    await recorder.record(rec(4)); // Redis answers again: still written after 2 and 3, never before them
    expect(await recorder.close(10_000)).toBe(0);
    expect(await stored()).toEqual(['c1', 'c2', 'c3', 'c4']);
    const page = await store.calls({ limit: 10 });
    expect(page.calls.find((c) => c.callId === 'c2')?.time).toBe(T0 + 2 * 60_000);
    const stats = await store.stats({ since: T0 - 3_600_000, now: T0 + 3_600_000 });
    expect([stats.total, stats.degraded]).toEqual([4, 3]); // the outage's fail-opens are counted
    expect(await store.getLastCaller('+33100000000')).toBe('+33612345604');
    // one warning for the outage (not one per call), one line once the records are written; each failure counted
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([expect.stringMatching(/could not store a call record: call records are kept in memory \(up to 5,000/)]);
    expect(lines.some((l) => l.level === 30 && /Redis answers again/.test(String(l.msg)) && l.stored === 3)).toBe(true);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(new Set(errors)).toEqual(new Set(['recordCall']));
  });

  it('a write that was sent and failed is replayed only if the stream does not hold it already; a record never sent is written plainly', async () => {
    const { state, recorder } = setup();
    state.down = true;
    state.error = () => new Error('Command timed out'); // sent: Redis may have applied it
    await recorder.record(rec(1));
    state.error = () => new Error('Stream isn\'t writeable and enableOfflineQueue options is false');
    state.sent.length = 0;
    state.down = false;
    await recorder.record(rec(2)); // kept behind 1: not sent before the backlog's turn
    expect(await recorder.close(10_000)).toBe(0);
    const byId = new Map(state.sent.map((r) => [r.record.callId, r]));
    expect(byId.get('c1')?.replayLookBack).toBeGreaterThan(0);
    expect(byId.get('c2')?.replayLookBack).toBeUndefined();
  });

  it('the look-back stays as small as the writes that may have reached Redis, however long the outage', async () => {
    const { store, state } = flakyStore();
    const backlog = createRecordBacklog({ store, logger: createLogger('silent'), onError: () => {}, max: 5, retryDelay: () => 1 });
    const request = (i: number): RecordCallRequest => ({ record: rec(i), blockDigits: 8, maxWindowSec: 3600, streamMaxLen: 1000 });
    state.down = true;
    // a long outage: no connection, so every write is refused unsent; the backlog overflows and its head keeps changing
    for (let i = 1; i <= 200; i++) {
      await backlog.write(request(i));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    state.error = () => new Error('Command timed out'); // then one attempt on the wire as Redis comes back
    await new Promise((resolve) => setTimeout(resolve, 20));
    state.down = false;
    state.sent.length = 0;
    await backlog.close(10_000);
    const lookBacks = state.sent.map((r) => r.replayLookBack ?? 0);
    expect(state.sent.length).toBeGreaterThanOrEqual(5);
    // not ~2 × every head tried: a long outage made each replay scan the stream further, past what Redis answers in time
    expect(Math.max(...lookBacks)).toBeLessThanOrEqual(2 * 1 + 16);
  });

  it('the store-error metric counts each call whose record Redis did not take, once, however many times the backlog tried it', async () => {
    const { store, state } = flakyStore();
    const errors: unknown[] = [];
    const backlog = createRecordBacklog({ store, logger: createLogger('silent'), onError: (err) => errors.push(err), retryDelay: () => 1 });
    const request = (i: number): RecordCallRequest => ({ record: rec(i), blockDigits: 8, maxWindowSec: 3600, streamMaxLen: 1000 });
    state.down = true;
    for (let i = 1; i <= 3; i++) await backlog.write(request(i));
    await new Promise((resolve) => setTimeout(resolve, 60)); // a minute-long outage, in retries
    const attempts = state.sent.length;
    expect(attempts).toBeGreaterThan(10);
    state.down = false;
    await backlog.close(10_000);
    expect((await store.calls({ limit: 10 })).calls).toHaveLength(3);
    // one per call whose record Redis did not take (2 and 3 waited behind 1), not one per retry
    expect(errors).toHaveLength(3);
    expect(errors.every((e) => e instanceof Error && /Stream isn't writeable/.test(e.message))).toBe(true);
  });

  it('keeps at most backlogMax records: the oldest go first, and one warning says how many once the rest are written', async () => {
    const { state, lines, recorder, stored } = setup(3);
    state.down = true;
    for (let i = 1; i <= 5; i++) await recorder.record(rec(i));
    expect(recorder.unstored()).toBe(3);
    state.down = false;
    expect(await recorder.close(10_000)).toBe(0);
    expect(await stored()).toEqual(['c3', 'c4', 'c5']);
    const dropped = lines.filter((l) => /dropped/.test(String(l.msg)));
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ level: 40, dropped: 2, kept: 3 });
    expect(String(dropped[0]?.msg)).toMatch(/^2 call records were dropped while Redis was not answering \(only the newest 3 are kept\)/);
  });

  it('the warnings write counts of 1,000 or more with their digits grouped, as the README does (the log fields stay numbers)', async () => {
    const kept = setup(1500);
    kept.state.down = true;
    await kept.recorder.record(rec(1));
    expect(kept.lines.find((l) => l.level === 40)?.msg).toBe('could not store a call record: call records are kept in memory (up to 1,500, in call order) and written once Redis answers');
    for (let i = 2; i <= 1200; i++) await kept.recorder.record(rec(i));
    expect(await kept.recorder.close(300)).toBe(1200);
    expect(kept.lines.find((l) => l.level === 50)).toMatchObject({ unstored: 1200, msg: expect.stringMatching(/^1,200 call records could not be stored before chut stopped/) });

    const dropping = setup(3);
    dropping.state.down = true;
    for (let i = 1; i <= 1004; i++) await dropping.recorder.record(rec(i));
    dropping.state.down = false;
    expect(await dropping.recorder.close(10_000)).toBe(0);
    expect(dropping.lines.find((l) => /dropped/.test(String(l.msg)))).toMatchObject({
      dropped: 1001, msg: expect.stringMatching(/^1,001 call records were dropped while Redis was not answering \(only the newest 3 are kept\)/),
    });
  });

  it('one record dropped is said in the singular', async () => {
    const { state, lines, recorder } = setup(3);
    state.down = true;
    for (let i = 1; i <= 4; i++) await recorder.record(rec(i));
    state.down = false;
    expect(await recorder.close(10_000)).toBe(0);
    expect(String(lines.find((l) => /dropped/.test(String(l.msg)))?.msg)).toMatch(/^1 call record was dropped while Redis was not answering/);
  });

  it('stopping while Redis still does not answer says how many records are lost, and waits no longer than it was given', async () => {
    const { state, lines, recorder } = setup();
    state.down = true;
    await recorder.record(rec(1));
    await recorder.record(rec(2));
    expect(await recorder.close(300)).toBe(2);
    expect(lines.find((l) => l.level === 50)).toMatchObject({ unstored: 2, msg: expect.stringMatching(/^2 call records could not be stored before chut stopped/) });
  });

  it('a record that comes once chut stopped is not kept (nothing would write it): a warning names its call', async () => {
    const { lines, recorder, stored } = setup();
    expect(await recorder.close(1000)).toBe(0);
    await recorder.record(rec(1));
    expect(await stored()).toEqual([]);
    expect(lines.find((l) => l.level === 40)).toMatchObject({ callId: 'c1', msg: 'could not store the call record: chut stopped before it was written' });
  });

  it('an error about the record itself (an error reply) is not kept: it would hold up every record behind it', async () => {
    const { state, lines, recorder, stored } = setup();
    state.down = true;
    state.error = () => new ReplyError('ERR Error running script');
    await recorder.record(rec(1));
    state.down = false;
    await recorder.record(rec(2));
    expect(recorder.unstored()).toBe(0);
    expect(await stored()).toEqual(['c2']);
    expect(lines.some((l) => l.level === 40 && l.msg === 'could not store the call record' && l.callId === 'c1')).toBe(true);
  });

  it('tells passing trouble (kept) from a record Redis refuses (not kept)', () => {
    for (const msg of ['LOADING Redis is loading the dataset in memory', 'READONLY You can\'t write against a read only replica.', 'BUSY Redis is busy running a script', 'OOM command not allowed', 'NOAUTH Authentication required.',
      'MISCONF Redis is configured to save RDB snapshots, but it\'s currently unable to persist to disk.']) {
      expect(worthRetrying(new ReplyError(msg)), msg).toBe(true);
    }
    expect(worthRetrying(new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    expect(worthRetrying(new Error('Connection is closed.'))).toBe(true);
  });
});

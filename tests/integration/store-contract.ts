/**
 * The ReputationStore contract: every adapter (Redis, in-memory) runs this same suite.
 * `storeContract(name, create)`: `create()` returns a fresh, empty store for one test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallRecord, ListRecord, ReputationStore } from '../../src/reputation/types.js';
import { applyScoreDelta, decayScore, DEFAULT_BUCKETS, formatExport, parseImport, windowMember } from '../../src/reputation/index.js';
import { CALLS_SCAN_LIMIT } from '../../src/reputation/calls.js';
import { exportOrder } from '../../src/reputation/keys.js';

const T0 = Date.UTC(2026, 5, 15, 10, 30, 0);
const HOUR = 3_600_000;
const DAY = 86_400_000;
const HALF = 30 * DAY;

export function rec(over: Partial<ListRecord> & { entry: ListRecord['entry'] }): ListRecord {
  return { list: 'block', reason: null, source: 'cli', addedAt: T0, expiresAt: null, ...over };
}
const num = (e164: string) => ({ kind: 'number' as const, e164 });
const pre = (prefix: string) => ({ kind: 'prefix' as const, prefix });

export function call(over: Partial<CallRecord> = {}): CallRecord {
  return {
    time: T0, pbx: 'asterisk', callId: `c-${Math.random().toString(36).slice(2)}`, rawCaller: '0612345678',
    caller: '+33612345678', callerKind: 'valid', callerName: 'Jean', dialled: '100', action: 'ring', route: 'ring',
    rule: 'default', reasons: ['no rule matched'], shadow: false, degraded: false, captcha: null, latencyMs: 1.5, ...over,
  };
}

const keyOf = (r: ListRecord) => `${r.list}|${r.entry.kind}|${r.entry.kind === 'number' ? r.entry.e164 : r.entry.prefix}`;
const sortRecs = (rs: ListRecord[]) => [...rs].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export function storeContract(name: string, create: () => Promise<ReputationStore>): void {
  describe(`ReputationStore contract: ${name}`, () => {
    let store: ReputationStore;
    beforeEach(async () => { store = await create(); });
    afterEach(async () => { await store.close(); });
    const look = (e164: string | null, now = T0, windows = [60, 3600]) => store.lookup({ e164, rateWindowsSec: windows, blockDigits: 8, now });

    it('knows nothing about an unknown number, and nothing about withheld callers', async () => {
      for (const e164 of ['+33612345678', null]) {
        const r = await look(e164);
        expect(r).toEqual({
          listed: null, score: 0, trustedUntil: null, reports: 0, captcha: { passed: 0, failed: 0, hungUp: 0 },
          recentCalls: { number: { 60: 0, 3600: 0 }, block: { 60: 0, 3600: 0 } }, firstSeen: null, lastSeen: null,
        });
      }
    });

    it('finds an exact blocklist entry with its reason and source', async () => {
      await store.addListEntry(rec({ entry: num('+33612345678'), reason: 'démarchage', source: 'cli' }));
      expect((await look('+33612345678')).listed).toEqual({ list: 'block', match: 'exact', entry: '+33612345678', reason: 'démarchage', source: 'cli' });
      expect((await look('+33612345679')).listed).toBeNull();
    });

    it('applies precedence: allow beats block on exact, exact beats prefix, longest prefix wins, allow wins ties', async () => {
      await store.addListEntry(rec({ entry: num('+33612345678') }));
      await store.addListEntry(rec({ list: 'allow', entry: num('+33612345678') }));
      expect((await look('+33612345678')).listed).toMatchObject({ list: 'allow', match: 'exact' });

      await store.addListEntry(rec({ list: 'allow', entry: pre('+33162') }));
      await store.addListEntry(rec({ entry: num('+33162000001') }));
      expect((await look('+33162000001')).listed).toMatchObject({ list: 'block', match: 'exact' });

      await store.addListEntry(rec({ entry: pre('+331620') }));
      expect((await look('+33162000002')).listed).toMatchObject({ list: 'block', match: 'prefix', entry: '+331620' });
      expect((await look('+33162100000')).listed).toMatchObject({ list: 'allow', match: 'prefix', entry: '+33162' });

      await store.addListEntry(rec({ list: 'allow', entry: pre('+331620') }));
      expect((await look('+33162000002')).listed).toMatchObject({ list: 'allow', match: 'prefix', entry: '+331620' });
    });

    it('ignores expired entries and falls back to the next match', async () => {
      await store.addListEntry(rec({ entry: pre('+4930') }));
      await store.addListEntry(rec({ list: 'allow', entry: num('+4930123456'), expiresAt: T0 + HOUR }));
      expect((await look('+4930123456', T0)).listed).toMatchObject({ list: 'allow', match: 'exact' });
      expect((await look('+4930123456', T0 + HOUR)).listed).toMatchObject({ list: 'block', match: 'prefix', entry: '+4930' });
    });

    it('raises, decays and clamps the score exactly as score.ts computes it', async () => {
      const e = '+33700000001';
      const steps: Array<[number, number]> = [[0, 25], [HOUR * 5, 40], [DAY * 3, 60], [DAY * 40, -10], [DAY * 41, -90], [DAY * 50, 30]];
      let expected = 0;
      let last = T0;
      for (const [at, delta] of steps) {
        const stored = await store.applyOutcome({ e164: e, now: T0 + at, scoreDelta: delta, halfLifeMs: HALF, counter: null });
        expected = applyScoreDelta(decayScore(expected, T0 + at - last, HALF), delta);
        expect(stored).toBe(expected); // what auto-blocking decides on
        last = T0 + at;
        expect((await look(e, T0 + at)).score).toBe(expected);
      }
      expect((await look(e, last + HALF)).score).toBe(decayScore(expected, HALF, HALF));
      await store.applyOutcome({ e164: e, now: last, scoreDelta: 500, halfLifeMs: HALF, counter: null });
      expect((await look(e, last)).score).toBe(100);
      expect((await look(e, last + HALF)).score).toBe(50);
      await store.applyOutcome({ e164: e, now: last, scoreDelta: -500, halfLifeMs: HALF, counter: null });
      expect((await look(e, last)).score).toBe(0);
    });

    it('holds a score until holdUntil (an auto-block): no decay before it, and no later update shortens the hold', async () => {
      const e = '+33700000003';
      await store.applyOutcome({ e164: e, now: T0, scoreDelta: 100, halfLifeMs: HALF, counter: 'failed' });
      expect(await store.applyOutcome({ e164: e, now: T0, scoreDelta: 0, halfLifeMs: HALF, counter: null, holdUntil: T0 + 30 * DAY })).toBe(100);
      expect((await look(e, T0 + 30 * DAY)).score).toBe(100);
      // an update during the hold (a report, say) changes the score and keeps the hold
      await store.applyOutcome({ e164: e, now: T0 + 10 * DAY, scoreDelta: -20, halfLifeMs: HALF, counter: 'reports' });
      expect((await look(e, T0 + 30 * DAY)).score).toBe(80);
      expect((await look(e, T0 + 30 * DAY + HALF)).score).toBe(40);
    });

    it('never holds a score longer than an auto-block can last: a hold asked for further ahead is cut to 366 days', async () => {
      const e = '+33700000004';
      await store.applyOutcome({ e164: e, now: T0, scoreDelta: 80, halfLifeMs: HALF, counter: null, holdUntil: T0 + 5000 * DAY });
      expect((await look(e, T0 + 366 * DAY)).score).toBe(80);
      expect((await look(e, T0 + 366 * DAY + HALF)).score).toBe(40);
    });

    it('applies a user report once within its window; a report of the other kind is no repeat of it', async () => {
      const e = '+33612340001';
      const spam = (now: number) => store.applyOutcome({ e164: e, now, scoreDelta: 50, halfLifeMs: HALF, counter: 'reports', trustedUntil: null, once: { report: 'spam', withinMs: 600_000 } });
      expect(await spam(T0)).toBe(50);
      expect(await spam(T0 + 599_999)).toBe(decayScore(50, 599_999, HALF));
      expect((await look(e, T0 + 599_999)).reports).toBe(1);
      expect(await spam(T0 + 600_000)).toBe(applyScoreDelta(decayScore(50, 600_000, HALF), 50));
      expect((await look(e, T0 + 600_000)).reports).toBe(2);
      await store.applyOutcome({ e164: e, now: T0 + 600_001, scoreDelta: -50, halfLifeMs: HALF, counter: null, resetReports: true, once: { report: 'allow', withinMs: 600_000 } });
      expect((await look(e, T0 + 600_002)).reports).toBe(0);
      await spam(T0 + 600_002); // after an allow report: counted
      expect((await look(e, T0 + 600_002)).reports).toBe(1);
    });

    it('sets, keeps and clears trust; counts captcha outcomes and reports', async () => {
      const e = '+33700000002';
      await store.applyOutcome({ e164: e, now: T0, scoreDelta: -40, halfLifeMs: HALF, counter: 'passed', trustedUntil: T0 + 30 * DAY });
      await store.applyOutcome({ e164: e, now: T0, scoreDelta: 25, halfLifeMs: HALF, counter: 'failed' });
      await store.applyOutcome({ e164: e, now: T0, scoreDelta: 10, halfLifeMs: HALF, counter: 'hungUp' });
      await store.applyOutcome({ e164: e, now: T0, scoreDelta: 10, halfLifeMs: HALF, counter: 'failed' });
      let r = await look(e);
      expect(r.trustedUntil).toBe(T0 + 30 * DAY);
      expect(r.captcha).toEqual({ passed: 1, failed: 2, hungUp: 1 });
      expect(r.score).toBe(45);
      await store.applyOutcome({ e164: e, now: T0, scoreDelta: 30, halfLifeMs: HALF, counter: 'reports', trustedUntil: null });
      r = await look(e);
      expect(r.trustedUntil).toBeNull();
      expect(r.reports).toBe(1);
      await store.applyOutcome({ e164: e, now: T0, scoreDelta: -100, halfLifeMs: HALF, counter: null, resetReports: true });
      expect((await look(e)).reports).toBe(0); // an allow report takes the spam reports back
    });

    it('counts a call at its own lookup, after reading the counts, so the calls of a burst see each other', async () => {
      const count = (e164: string, now: number) => store.lookup({ e164, rateWindowsSec: [60], blockDigits: 8, now, countCall: { windowMs: 60_000, member: windowMember(now) } });
      const first = await count('+33655500001', T0);
      expect(first.recentCalls).toEqual({ number: { 60: 0 }, block: { 60: 0 } });
      const second = await count('+33655500002', T0 + 1);
      expect(second.recentCalls).toEqual({ number: { 60: 0 }, block: { 60: 1 } });
      const again = await count('+33655500001', T0 + 2);
      expect(again.recentCalls).toEqual({ number: { 60: 1 }, block: { 60: 2 } });
      // a lookup that is not a call (chut lookup) counts nothing; a record whose call was counted adds nothing
      await look('+33655500001', T0 + 3, [60]);
      await store.recordCall({ blockDigits: 8, maxWindowSec: 60, streamMaxLen: 1000, windowsCounted: true, record: call({ caller: '+33655500001', time: T0 + 3 }) });
      expect((await look('+33655500001', T0 + 4, [60])).recentCalls).toEqual({ number: { 60: 2 }, block: { 60: 3 } });
      // and the windows still slide
      expect((await look('+33655500001', T0 + 61_000, [60])).recentCalls).toEqual({ number: { 60: 0 }, block: { 60: 0 } });
    });

    it('counts a call once when its record adds again the entry its lookup added (a lookup past the deadline may still have run)', async () => {
      const member = windowMember(T0);
      await store.lookup({ e164: '+33655500001', rateWindowsSec: [60], blockDigits: 8, now: T0, countCall: { windowMs: 60_000, member } });
      const base = { blockDigits: 8, maxWindowSec: 60, streamMaxLen: 1000 };
      await store.recordCall({ ...base, windowsCounted: false, windowMember: member, record: call({ caller: '+33655500001', time: T0 + 250, degraded: true }) });
      expect((await look('+33655500001', T0 + 300, [60])).recentCalls).toEqual({ number: { 60: 1 }, block: { 60: 1 } });
      // a lookup that never reached the store: the record's entry is the only one
      await store.recordCall({ ...base, windowsCounted: false, windowMember: windowMember(T0 + 400), record: call({ caller: '+33655500001', time: T0 + 400, degraded: true }) });
      expect((await look('+33655500001', T0 + 500, [60])).recentCalls).toEqual({ number: { 60: 2 }, block: { 60: 2 } });
    });

    it('counts recent calls per number and per block in sliding windows as time passes', async () => {
      const base = { blockDigits: 8, maxWindowSec: 3600, streamMaxLen: 1000 };
      for (const [caller, ago] of [['+33612345678', 3000], ['+33612345678', 90], ['+33612345678', 30], ['+33612345699', 10], ['+33698765432', 5]] as const) {
        await store.recordCall({ ...base, record: call({ caller, time: T0 - ago * 1000 }) });
      }
      let r = await look('+33612345678');
      expect(r.recentCalls).toEqual({ number: { 60: 1, 3600: 3 }, block: { 60: 2, 3600: 4 } });
      // 50 minutes on, the call 3000 s ago sits exactly on the window edge: windows are (now - w, now].
      r = await look('+33612345678', T0 + 600_000);
      expect(r.recentCalls).toEqual({ number: { 60: 0, 3600: 2 }, block: { 60: 0, 3600: 3 } });
      // the policy's order of windows does not matter
      r = await look('+33612345678', T0 + 600_000, [3600, 700, 60]);
      expect(r.recentCalls).toEqual({ number: { 60: 0, 700: 2, 3600: 2 }, block: { 60: 0, 700: 3, 3600: 3 } });
      r = await look('+33612345678', T0 + 3_700_000);
      expect(r.recentCalls).toEqual({ number: { 60: 0, 3600: 0 }, block: { 60: 0, 3600: 0 } });
      expect(r.firstSeen).toBe(T0 - 3_000_000);
      expect(r.lastSeen).toBe(T0 - 30_000);
      await store.recordCall({ ...base, record: call({ caller: 'withheld', callerKind: 'withheld', time: T0 }) });
      expect((await look(null)).recentCalls.number).toEqual({ 60: 0, 3600: 0 });
    });

    it('aggregates recorded calls into stats: actions, routes, rules, captcha, degraded, shadow, hours, top callers', async () => {
      const base = { blockDigits: 8, maxWindowSec: 60, streamMaxLen: 1000 };
      const calls: Array<Partial<CallRecord>> = [
        { action: 'reject', route: 'reject', rule: 'blocklist', caller: '+33612000001' },
        { action: 'reject', route: 'reject', rule: 'blocklist', caller: '+33612000001' },
        { action: 'reject', route: 'ring', rule: 'blocklist', caller: '+33612000002', shadow: true },
        { action: 'captcha', route: 'ring', rule: 'withheld', caller: 'withheld', callerKind: 'withheld', captcha: 'passed' },
        { action: 'captcha', route: 'voicemail', rule: 'fr-npv', caller: '+33162000000', captcha: 'hung-up', time: T0 + HOUR },
        { action: 'ring', route: 'ring', rule: 'degraded', caller: '+33612000003', degraded: true, time: T0 - 3 * HOUR },
      ];
      for (const c of calls) await store.recordCall({ ...base, record: call(c) });
      const s = await store.stats({ since: T0 - HOUR, now: T0 + HOUR + 60_000 });
      expect(s.since).toBe(Date.UTC(2026, 5, 15, 9));
      expect(s.total).toBe(5);
      expect(s.byAction).toEqual({ reject: 3, captcha: 2 });
      expect(s.byRoute).toEqual({ reject: 2, ring: 2, voicemail: 1 });
      expect(s.byRule).toEqual({ blocklist: 3, withheld: 1, 'fr-npv': 1 });
      expect(s.captcha).toEqual({ passed: 1, failed: 0, 'hung-up': 1, timeout: 0 });
      expect(s.shadow).toBe(1);
      // shadow decisions by action: the report shows what the policy decided apart from what was enforced
      expect(s.shadowByAction).toEqual({ reject: 1 });
      expect(s.degraded).toBe(0);
      expect(s.byHour).toEqual({ '2026-06-15T10': { reject: 2, ring: 2 }, '2026-06-15T11': { voicemail: 1 } });
      expect(s.topCallers.reject).toEqual([{ caller: '+33612000001', calls: 2 }, { caller: '+33612000002', calls: 1 }]);
      expect(s.topCallers.captcha).toEqual([{ caller: '+33162000000', calls: 1 }]);
      const all = await store.stats({ since: T0 - 4 * HOUR, now: T0 + 2 * HOUR });
      expect(all.total).toBe(6);
      expect(all.degraded).toBe(1);
    });

    it('a period longer than the hourly counters live (40 days) counts whole UTC days before the latest 39', async () => {
      const base = { blockDigits: 8, maxWindowSec: 60, streamMaxLen: 100 };
      const DAY = 86_400_000;
      await store.recordCall({ ...base, record: call({ time: T0 - 60 * DAY, action: 'reject', route: 'reject', rule: 'blocklist' }) });
      await store.recordCall({ ...base, record: call({ time: T0 - 45 * DAY + 5 * HOUR }) });
      await store.recordCall({ ...base, record: call({ time: T0 }) });
      const s = await store.stats({ since: T0 - 90 * DAY, now: T0 + 60_000 });
      expect(s.total).toBe(3);
      expect(s.byAction).toEqual({ reject: 1, ring: 2 });
      expect(s.since).toBe(Math.floor((T0 - 90 * DAY) / DAY) * DAY); // whole days: the period actually covered
      expect(Object.keys(s.byHour)).toEqual(['2026-06-15T10']); // older days are totals only
      const recent = await store.stats({ since: T0 - 2 * HOUR, now: T0 + 60_000 });
      expect(recent.total).toBe(1);
    });

    it('reads back 400 days at most, today included: the day 400 days back, whose counters expire today, is neither read nor named as the start', async () => {
      const base = { blockDigits: 8, maxWindowSec: 60, streamMaxLen: 100 };
      const today = Math.floor(T0 / DAY) * DAY;
      await store.recordCall({ ...base, record: call({ time: today - 400 * DAY + HOUR }) });
      await store.recordCall({ ...base, record: call({ time: today - 399 * DAY + HOUR, action: 'reject', route: 'reject' }) });
      for (const back of [400, 401, 999_999]) {
        const s = await store.stats({ since: T0 - back * DAY, now: T0 });
        expect([s.since, s.total, s.byAction], `${back}d`).toEqual([today - 399 * DAY, 1, { reject: 1 }]);
      }
      expect((await store.stats({ since: today - 399 * DAY, now: T0 })).since).toBe(today - 399 * DAY);
    });

    it('keeps at most 1000 callers a day per action (random spoofed numbers): the frequent callers stay on top', async () => {
      const base = { blockDigits: 8, maxWindowSec: 60, streamMaxLen: 10 };
      for (let i = 0; i < 3; i++) await store.recordCall({ ...base, record: call({ action: 'reject', route: 'reject', caller: '+33612999999' }) });
      for (let i = 0; i < 1200; i++) {
        await store.recordCall({ ...base, record: call({ action: 'reject', route: 'reject', caller: `+3361300${String(i).padStart(4, '0')}` }) });
      }
      await store.recordCall({ ...base, record: call({ action: 'reject', route: 'reject', caller: '+33612888888', time: T0 + 1 }) });
      await store.recordCall({ ...base, record: call({ action: 'reject', route: 'reject', caller: '+33612888888', time: T0 + 2 }) });
      const s = await store.stats({ since: T0 - HOUR, now: T0 + HOUR });
      expect(s.byAction.reject).toBe(1205);
      const top = s.topCallers.reject ?? [];
      expect(top).toHaveLength(10);
      expect(top.slice(0, 2)).toEqual([{ caller: '+33612999999', calls: 3 }, { caller: '+33612888888', calls: 2 }]);
      // +33612888888 got in although it sorts before every other one-call caller (the caller just counted is never
      // the one dropped); the 201 + 1 dropped were the smallest one-call callers; ties are listed as a sorted set ranks
      // them, the greatest caller first
      expect(top.slice(2).map((t) => t.caller)).toEqual(Array.from({ length: 8 }, (_, i) => `+33613001${199 - i}`));
    });

    it('sums top callers over whole days exactly (a caller who rings once a day among many one-off numbers), within the sets\' 40 days', async () => {
      const base = { blockDigits: 8, maxWindowSec: 60, streamMaxLen: 10 };
      const reject = (caller: string, time: number) => store.recordCall({ ...base, record: call({ action: 'reject', route: 'reject', caller, time }) });
      for (let d = 0; d < 3; d++) {
        await reject('+33100000001', T0 - d * DAY); // once a day
        for (let i = 0; i < 150; i++) await reject(`+3378${d}00${String(i).padStart(4, '0')}`, T0 - d * DAY + 1);
      }
      await reject('+33100000002', T0 - 50 * DAY); // older than the sets live
      await reject('+33100000002', T0 - 50 * DAY + 1);
      await reject('+33100000002', T0 - 50 * DAY + 2);
      await reject('+33100000002', T0 - 50 * DAY + 3);
      const s = await store.stats({ since: T0 - 60 * DAY, now: T0 + HOUR });
      const top = s.topCallers.reject ?? [];
      expect(top[0]).toEqual({ caller: '+33100000001', calls: 3 });
      expect(top.map((t) => t.caller)).not.toContain('+33100000002');
      expect(top).toHaveLength(10);
    });

    it('lists the top callers of every action on the whole UTC days read, not only of the actions the period itself counted', async () => {
      const base = { blockDigits: 8, maxWindowSec: 60, streamMaxLen: 100 };
      // T0 is 10:30 UTC: a caller rejected at 08:30, then only a captcha in the period that starts at 09:30
      await store.recordCall({ ...base, record: call({ time: T0 - 2 * HOUR, caller: '+33899123456', action: 'reject', route: 'reject', rule: 'blocklist' }) });
      await store.recordCall({ ...base, record: call({ time: T0, caller: '+33162000000', action: 'captcha', route: 'ring', rule: 'fr-npv' }) });
      await store.recordCall({ ...base, record: call({ time: T0 - DAY, caller: '+33612000009', action: 'voicemail', route: 'voicemail' }) }); // the day before
      const s = await store.stats({ since: T0 - HOUR, now: T0 + HOUR });
      expect(s.byAction).toEqual({ captcha: 1 });
      expect(s.topCallers).toEqual({ captcha: [{ caller: '+33162000000', calls: 1 }], reject: [{ caller: '+33899123456', calls: 1 }] });
      // a period with no call at all still lists its day's callers, as the report's heading says
      const quiet = await store.stats({ since: T0 + 10 * HOUR, now: T0 + 11 * HOUR });
      expect(quiet.total).toBe(0);
      expect(Object.keys(quiet.topCallers).sort()).toEqual(['captcha', 'reject']);
      // the day before is read when the period starts on it
      expect((await store.stats({ since: T0 - DAY, now: T0 + HOUR })).topCallers.voicemail).toEqual([{ caller: '+33612000009', calls: 1 }]);
    });

    it('pages call records newest first, filters by action and since, and merges enrichment', async () => {
      const base = { blockDigits: 8, maxWindowSec: 60, streamMaxLen: 1000 };
      for (let i = 0; i < 5; i++) {
        await store.recordCall({ ...base, record: call({ callId: `call-${i}`, time: T0 + i * 1000, action: i % 2 ? 'reject' : 'ring' }) });
      }
      await store.enrichCall('call-3', { answered: true, answeredBy: 'PJSIP/100', talkSeconds: 42, hangupCause: 'NORMAL_CLEARING' });
      const p1 = await store.calls({ limit: 2 });
      expect(p1.calls.map((c) => c.callId)).toEqual(['call-4', 'call-3']);
      expect(p1.calls[1]?.enrichment).toEqual({ answered: true, answeredBy: 'PJSIP/100', talkSeconds: 42, hangupCause: 'NORMAL_CLEARING' });
      expect(p1.calls[0]?.enrichment).toBeNull();
      expect(p1.calls[0]).toMatchObject({ caller: '+33612345678', callerName: 'Jean', latencyMs: 1.5, reasons: ['no rule matched'] });
      const p2 = await store.calls({ limit: 2, before: p1.next as string });
      expect(p2.calls.map((c) => c.callId)).toEqual(['call-2', 'call-1']);
      const p3 = await store.calls({ limit: 2, before: p2.next as string });
      expect(p3.calls.map((c) => c.callId)).toEqual(['call-0']);
      expect(p3.next).toBeNull();
      expect((await store.calls({ limit: 10, action: 'reject' })).calls.map((c) => c.callId)).toEqual(['call-3', 'call-1']);
      expect((await store.calls({ limit: 10, since: T0 + 2500 })).calls.map((c) => c.callId)).toEqual(['call-4', 'call-3']);
      await expect(store.calls({ limit: 10, before: 'not-an-id\r\n' })).rejects.toThrow(/cursor/);
      // the very first id: nothing is older (Redis refuses it as an exclusive end)
      expect(await store.calls({ limit: 10, before: '0-0' })).toEqual({ calls: [], next: null });
    });

    it('finds every call since a time, past a record written long after its call was decided (AMI: at the hang-up, or swept)', async () => {
      const base = { blockDigits: 8, maxWindowSec: 60, streamMaxLen: 1000 };
      // the stream is in write order: its ids are the time of writing, here and now
      const now = Date.now();
      const minute = 60_000;
      for (let i = 0; i < 5; i++) await store.recordCall({ ...base, record: call({ callId: `recent-${i}`, time: now - (10 - 2 * i) * minute }) });
      await store.recordCall({ ...base, record: call({ callId: 'late', time: now - 30 * minute, action: 'captcha', route: 'ring' }) });
      const recent = ['recent-4', 'recent-3', 'recent-2', 'recent-1', 'recent-0'];
      expect((await store.calls({ limit: 50, since: now - 15 * minute })).calls.map((c) => c.callId)).toEqual(recent);
      expect((await store.calls({ limit: 50, since: now - 60 * minute })).calls.map((c) => c.callId)).toEqual(['late', ...recent]);
      // paged, with a filter, the late record still hides nothing
      const p1 = await store.calls({ limit: 2, since: now - 15 * minute, action: 'ring' });
      expect(p1.calls.map((c) => c.callId)).toEqual(['recent-4', 'recent-3']);
      const p2 = await store.calls({ limit: 5, since: now - 15 * minute, action: 'ring', before: p1.next as string });
      expect(p2.calls.map((c) => c.callId)).toEqual(['recent-2', 'recent-1', 'recent-0']);
    });

    it('looks at CALLS_SCAN_LIMIT stream entries a page at most: a rare action pages on with a cursor, and paging finds each call once', async () => {
      const base = { blockDigits: 8, maxWindowSec: 0, streamMaxLen: 100_000 };
      const write = async (n: number, tag: string, action = 'ring') => {
        for (let i = 0; i < n; i += 500) {
          await Promise.all(Array.from({ length: Math.min(500, n - i) }, (_, j) =>
            store.recordCall({ ...base, record: call({ callId: `${tag}-${i + j}`, action, route: action }) })));
        }
      };
      // oldest first: three rejects far back, then rings; `edge` is the CALLS_SCAN_LIMIT-th newest entry, `past-edge`
      // the one after it (28 999 entries in all)
      for (const id of ['old-0', 'old-1', 'old-2']) await write(1, id, 'reject');
      await write(18_995, 'ring-old');
      await write(1, 'past-edge', 'reject');
      await write(1, 'edge', 'reject');
      await write(CALLS_SCAN_LIMIT - 1, 'ring-new');
      const ids = (p: { calls: Array<{ callId: string }> }) => p.calls.map((c) => c.callId);

      // the first page stops at the bound: the call found there, and where to go on from
      const first = await store.calls({ limit: 50, action: 'reject' });
      expect(ids(first)).toEqual(['edge-0']);
      expect(first.next).toBe(first.calls[0]?.id);
      const second = await store.calls({ limit: 50, action: 'reject', before: first.next as string });
      expect(ids(second)).toEqual(['past-edge-0']);
      expect(second.next).not.toBeNull();
      const third = await store.calls({ limit: 50, action: 'reject', before: second.next as string });
      expect(ids(third)).toEqual(['old-2-0', 'old-1-0', 'old-0-0']);
      expect(third.next).toBeNull();
      // the same with `since` (far back: every record is in it)
      expect(ids(await store.calls({ limit: 50, action: 'reject', since: T0 - DAY }))).toEqual(['edge-0']);

      // a client paging until `next` is null, whatever stops each page (the bound, or `limit`), sees every reject once
      const seen: string[] = [];
      let next: string | null = null;
      let pages = 0;
      do {
        const page = await store.calls({ limit: 2, action: 'reject', ...(next ? { before: next } : {}) });
        expect(page.calls.length).toBeLessThanOrEqual(2);
        seen.push(...ids(page));
        next = page.next;
        pages++;
      } while (next !== null && pages < 20);
      expect(seen).toEqual(['edge-0', 'past-edge-0', 'old-2-0', 'old-1-0', 'old-0-0']);
      expect(pages).toBe(4);

      // a `since` that every record is too old for (all written just now, decided long before): empty pages with a
      // cursor, until the end of the stream
      const empty: Array<{ calls: number; next: boolean }> = [];
      next = null;
      do {
        const page = await store.calls({ limit: 50, since: Date.now() - 60_000, ...(next ? { before: next } : {}) });
        empty.push({ calls: page.calls.length, next: page.next !== null });
        next = page.next;
      } while (next !== null && empty.length < 20);
      expect(empty).toEqual([{ calls: 0, next: true }, { calls: 0, next: true }, { calls: 0, next: false }]);
    }, 120_000);

    it('stops reading calls once its signal is aborted (the HTTP API answered 503 on its own deadline)', async () => {
      await store.recordCall({ blockDigits: 8, maxWindowSec: 60, streamMaxLen: 1000, record: call({ callId: 'one' }) });
      const answered = new AbortController();
      answered.abort(new Error('answered already'));
      await expect(store.calls({ limit: 10, action: 'reject', signal: answered.signal })).rejects.toThrow('answered already');
      expect((await store.calls({ limit: 10, signal: new AbortController().signal })).calls.map((c) => c.callId)).toEqual(['one']);
    });

    it('stops a report once its signal is aborted (the HTTP API answered, or its client went away)', async () => {
      const now = Date.now();
      await store.recordCall({ blockDigits: 8, maxWindowSec: 60, streamMaxLen: 1000, record: call({ callId: 'one', time: now }) });
      const gone = new AbortController();
      gone.abort(new Error('client gone'));
      await expect(store.stats({ since: now - 86_400_000, now, signal: gone.signal })).rejects.toThrow('client gone');
      expect((await store.stats({ since: now - 86_400_000, now, signal: new AbortController().signal })).total).toBe(1);
    });

    it('says a page that ends with the stream is the last one, even when it is full', async () => {
      await store.recordCall({ blockDigits: 8, maxWindowSec: 60, streamMaxLen: 1000, record: call({ callId: 'only' }) });
      expect(await store.calls({ limit: 1 })).toMatchObject({ calls: [{ callId: 'only' }], next: null });
    });

    it('stores enrichment for hostile call ids without confusing them', async () => {
      const base = { blockDigits: 8, maxWindowSec: 60, streamMaxLen: 1000 };
      const hostile = 'a b\r\nDEL *{x}';
      await store.recordCall({ ...base, record: call({ callId: hostile }) });
      await store.recordCall({ ...base, record: call({ callId: 'plain', time: T0 + 1 }) });
      await store.enrichCall(hostile, { answered: false, answeredBy: null, talkSeconds: null, hangupCause: 'NO ANSWER' });
      const page = await store.calls({ limit: 10 });
      expect(page.calls.find((c) => c.callId === hostile)?.enrichment).toEqual({ answered: false, answeredBy: null, talkSeconds: null, hangupCause: 'NO ANSWER' });
      expect(page.calls.find((c) => c.callId === 'plain')?.enrichment).toBeNull();
    });

    it('remembers the last caller per target (also from recordCall), falling back to the last caller to anyone', async () => {
      expect(await store.getLastCaller('100')).toBeNull();
      await store.setLastCaller('100', '+33612345678', T0);
      await store.setLastCaller('weird target\r\n*', '+33698765432', T0 + 1);
      expect(await store.getLastCaller('100')).toBe('+33612345678');
      expect(await store.getLastCaller('weird target\r\n*')).toBe('+33698765432');
      expect(await store.getLastCaller('200')).toBe('+33698765432');
      await store.setLastCaller('100', 'withheld', T0 + 2);
      expect(await store.getLastCaller('100')).toBe('+33612345678');
      const base = { blockDigits: 8, maxWindowSec: 60, streamMaxLen: 1000 };
      await store.recordCall({ ...base, record: call({ caller: '+33700000009', dialled: '+33140000000' }) });
      expect(await store.getLastCaller('+33140000000')).toBe('+33700000009');
      expect(await store.getLastCaller('300')).toBe('+33700000009');
      // rejected: not the last caller
      await store.recordCall({ ...base, record: call({ caller: '+33700000001', dialled: '+33140000000', action: 'reject', route: 'reject' }) });
      expect(await store.getLastCaller('+33140000000')).toBe('+33700000009');
    });

    it('a line chut has recorded calls to never reports another line\'s caller: its key expired or its calls did not ring', async () => {
      const base = { blockDigits: 8, maxWindowSec: 60, streamMaxLen: 1000 };
      // line 1 only ever had a call sent to voicemail, line 3 a rejected one; line 2's caller rang last
      await store.recordCall({ ...base, record: call({ caller: '+33700000001', dialled: '+33100000001', action: 'voicemail', route: 'voicemail' }) });
      await store.recordCall({ ...base, record: call({ caller: '+33700000003', dialled: '+33100000003', action: 'reject', route: 'reject' }) });
      await store.recordCall({ ...base, record: call({ caller: '+33700000002', dialled: '+33100000002', time: T0 + 1 }) });
      expect(await store.getLastCaller('+33100000001')).toBeNull();
      expect(await store.getLastCaller('+33100000003')).toBeNull();
      expect(await store.getLastCaller('+33100000002')).toBe('+33700000002');
      // a phone that is no line (an extension) still reports the last caller to anyone
      expect(await store.getLastCaller('201')).toBe('+33700000002');
      expect(await store.lastCallerState('+33100000001')).toEqual({ line: null, known: true, any: '+33700000002' });
      expect(await store.lastCallerState('201')).toEqual({ line: null, known: false, any: '+33700000002' });
      // a withheld caller makes the line it dialled known too; setLastCaller as a recorded call does
      await store.recordCall({ ...base, record: call({ caller: 'withheld', callerKind: 'withheld', dialled: '+33100000004', action: 'captcha', route: 'hung-up', time: T0 + 2 }) });
      expect(await store.getLastCaller('+33100000004')).toBeNull();
      await store.setLastCaller('300', '+33700000005', T0 + 3);
      expect((await store.lastCallerState('300')).known).toBe(true);
    });

    it('after a withheld or invalid caller rang there is nobody to report: never the caller before it', async () => {
      const base = { blockDigits: 8, maxWindowSec: 60, streamMaxLen: 1000 };
      await store.recordCall({ ...base, record: call({ caller: '+33700000009', dialled: '+33140000000' }) });
      await store.recordCall({ ...base, record: call({ caller: '+33700000008', dialled: '+33150000000' }) });
      await store.recordCall({ ...base, record: call({ caller: 'withheld', callerKind: 'withheld', dialled: '+33140000000', time: T0 + 1 }) });
      expect(await store.getLastCaller('+33140000000')).toBeNull();
      expect(await store.getLastCaller('300')).toBeNull();
      expect(await store.getLastCaller('+33150000000')).toBe('+33700000008');
      await store.recordCall({ ...base, record: call({ caller: '+44', callerKind: 'invalid', dialled: '+33150000000', time: T0 + 2 }) });
      expect(await store.getLastCaller('+33150000000')).toBeNull();
      // a withheld caller who was not let through changes nothing
      await store.recordCall({ ...base, record: call({ caller: '+33700000007', dialled: '+33140000000', time: T0 + 3 }) });
      await store.recordCall({ ...base, record: call({ caller: 'withheld', callerKind: 'withheld', dialled: '+33140000000', action: 'captcha', route: 'voicemail', time: T0 + 4 }) });
      expect(await store.getLastCaller('+33140000000')).toBe('+33700000007');
    });

    it('adds, gets and removes list entries', async () => {
      const e = num('+33612345678');
      await store.addListEntry(rec({ entry: e, reason: 'spam', source: 'api', addedAt: T0 + 123, expiresAt: T0 + DAY }));
      await store.addListEntry(rec({ list: 'allow', entry: e, reason: null, source: 'cli' }));
      await store.addListEntry(rec({ entry: pre('+33162'), reason: 'fr-npv', source: 'cli', addedAt: Date.UTC(2026, 0, 1) }));
      expect(sortRecs(await store.getListEntry(e))).toEqual(sortRecs([
        rec({ entry: e, reason: 'spam', source: 'api', addedAt: T0 + 123, expiresAt: T0 + DAY }),
        rec({ list: 'allow', entry: e, source: 'cli' }),
      ]));
      expect(await store.getListEntry(pre('+33162'))).toEqual([rec({ entry: pre('+33162'), reason: 'fr-npv', addedAt: Date.UTC(2026, 0, 1) })]);
      expect(await store.removeListEntry(e, 'allow')).toBe(true);
      expect((await store.getListEntry(e)).map((r) => r.list)).toEqual(['block']);
      expect(await store.removeListEntry(e)).toBe(true);
      expect(await store.removeListEntry(e)).toBe(false);
      expect(await store.getListEntry(e)).toEqual([]);
      expect((await look('+33612345678')).listed).toBeNull();
    });

    it('an exclusive add moves an entry between lists in one write and says whether it was on the other list', async () => {
      const e = num('+33612345666');
      expect(await store.addListEntry(rec({ list: 'allow', entry: e }))).toBe(false);
      expect(await store.addListEntry(rec({ entry: e }), { exclusive: true })).toBe(true);
      expect((await store.getListEntry(e)).map((r) => r.list)).toEqual(['block']);
      expect((await look('+33612345666')).listed).toMatchObject({ list: 'block' });
      expect(await store.addListEntry(rec({ entry: e }), { exclusive: true })).toBe(false);
      // not exclusive (imports, auto-blocks): the user's allowlist entry stays, and wins
      await store.addListEntry(rec({ list: 'allow', entry: pre('+3361234') }), { exclusive: true });
      expect(await store.addListEntry(rec({ entry: pre('+3361234') }))).toBe(false);
      expect((await store.getListEntry(pre('+3361234'))).map((r) => r.list)).toEqual(['allow', 'block']);
    });

    it('adds an entry only where the number or prefix is listed nowhere (expired entries aside), once among concurrent adds', async () => {
      const e = num('+33612345667');
      const tries = await Promise.all([1, 2, 3, 4].map((i) => store.addListEntryIfUnlisted(rec({ entry: e, reason: `try ${i}`, expiresAt: T0 + DAY }))));
      expect(tries.filter(Boolean)).toHaveLength(1);
      expect(await store.addListEntryIfUnlisted(rec({ entry: e, addedAt: T0 + HOUR }))).toBe(false);
      // expired: taken again, with the new record
      expect(await store.addListEntryIfUnlisted(rec({ entry: e, reason: 'again', addedAt: T0 + DAY }))).toBe(true);
      expect(await store.getListEntry(e)).toEqual([rec({ entry: e, reason: 'again', addedAt: T0 + DAY })]);
      // on the other list (the user's allowlist): left alone
      const allowed = num('+33612345668');
      await store.addListEntry(rec({ list: 'allow', entry: allowed }));
      expect(await store.addListEntryIfUnlisted(rec({ entry: allowed }))).toBe(false);
      expect((await store.getListEntry(allowed)).map((r) => r.list)).toEqual(['allow']);
      expect(await store.addListEntryIfUnlisted(rec({ entry: pre('+331629') }))).toBe(true);
      expect(await store.addListEntryIfUnlisted(rec({ list: 'allow', entry: pre('+331629') }))).toBe(false);
    });

    it('keeps hostile reasons intact but bounded', async () => {
      await store.addListEntry(rec({ entry: num('+33612345670'), reason: 'line1\r\nline2 "q", ☎️ 日本' }));
      await store.addListEntry(rec({ entry: num('+33612345671'), reason: 'x'.repeat(10_000) }));
      expect((await look('+33612345670')).listed?.reason).toBe('line1\r\nline2 "q", ☎️ 日本');
      expect((await look('+33612345671')).listed?.reason).toBe('x'.repeat(256));
    });

    it('imports all records or none', async () => {
      const good = rec({ entry: num('+33612345678') });
      const bad = { ...rec({ entry: num('+33612345679') }), entry: { kind: 'number', e164: '33 bad' } } as ListRecord;
      await expect(store.importList([good, bad])).rejects.toThrow();
      expect(await store.getListEntry(good.entry)).toEqual([]);
    });

    it('exports the same entries in the same order however they were added (exportOrder): backups compare with diff', async () => {
      const records = [
        rec({ entry: num('+33612345678') }), rec({ entry: num('+33612345679') }), rec({ entry: num('+12025550143') }),
        rec({ entry: num('+33612345670') }), rec({ entry: num(`+${33_612_345_678 + DEFAULT_BUCKETS}`) }),
        rec({ list: 'allow', entry: num('+4915112345678') }), rec({ list: 'allow', entry: pre('+3393') }),
        rec({ entry: pre('+331629') }), rec({ entry: pre('+33162') }), rec({ entry: pre('+4930') }),
      ];
      const expected = [...records].sort(exportOrder(DEFAULT_BUCKETS));
      await store.importList(records);
      expect(await collect(store.exportLists())).toEqual(expected);
      const other = await create();
      try {
        for (const r of [...records].reverse()) await other.addListEntry(r);
        expect(await collect(other.exportLists())).toEqual(expected);
      } finally {
        await other.close();
      }
    });

    it('claims a call once: the first claim of an id in a scope wins, every later one loses while it lasts', async () => {
      expect(await store.claimCall('ami', '1795990000.1', 60_000)).toBe(true);
      expect(await store.claimCall('ami', '1795990000.1', 60_000)).toBe(false);
      // another id, or the same id in another scope, is another claim
      expect(await store.claimCall('ami', '1795990000.2', 60_000)).toBe(true);
      expect(await store.claimCall('ami-report', '1795990000.1', 60_000)).toBe(true);
      // concurrent claims of one id: exactly one wins
      const many = await Promise.all(Array.from({ length: 10 }, () => store.claimCall('ami', '1795990000.3', 60_000)));
      expect(many.filter(Boolean)).toHaveLength(1);
    });

    it('claims hostile ids (they come from the PBX) without confusing them, and refuses a scope that is not a plain name', async () => {
      const ids = ['a b', 'a_b', 'a\r\nb', 'a:b', '*', '', 'x'.repeat(65), 'x'.repeat(66), '../../etc', 'h:deadbeef', 'i:1.1', '1.1'];
      for (const id of ids) expect(await store.claimCall('ami', id, 60_000), JSON.stringify(id)).toBe(true);
      for (const id of ids) expect(await store.claimCall('ami', id, 60_000), JSON.stringify(id)).toBe(false);
      for (const scope of ['', 'AMI', 'ami:x', 'a b', 'x'.repeat(40)]) await expect(store.claimCall(scope, '1.1', 60_000), scope).rejects.toThrow(/scope/);
    });

    it('a claim ends after its time: the id can be claimed again', async () => {
      expect(await store.claimCall('ami', '1795990000.4', 30)).toBe(true);
      await new Promise((r) => setTimeout(r, 150));
      expect(await store.claimCall('ami', '1795990000.4', 60_000)).toBe(true);
      expect(await store.claimCall('ami', '1795990000.4', 60_000)).toBe(false);
    });

    it('prunes the entries expired at or before the cutoff, however they were written, counting them per list; a dry run removes nothing', async () => {
      const due = [
        rec({ entry: num('+33612340001'), expiresAt: T0 - 10 * DAY }),
        rec({ entry: pre('+331629'), expiresAt: T0 - 8 * DAY }),
        rec({ list: 'allow', entry: num('+33612340002'), expiresAt: T0 - 7 * DAY }), // at the cutoff: goes
      ];
      const kept = [
        rec({ list: 'allow', entry: num('+33612340003'), expiresAt: T0 - DAY }), // expired, not long enough
        rec({ entry: num('+33612340004'), expiresAt: T0 + DAY }),
        rec({ entry: num('+33612340005') }),
        rec({ list: 'allow', entry: pre('+3393'), expiresAt: null }),
      ];
      for (const r of [...due, ...kept]) await store.addListEntry(r);
      const imported = [rec({ entry: num('+33612340006'), expiresAt: T0 - 30 * DAY }), rec({ list: 'allow', entry: pre('+4930'), expiresAt: T0 - 9 * DAY })];
      await store.importList(imported);
      // an auto-block (added only where unlisted)
      const auto = rec({ entry: num('+33612340007'), source: 'auto', expiresAt: T0 - 20 * DAY });
      expect(await store.addListEntryIfUnlisted(auto)).toBe(true);
      const before = await collect(store.exportLists());
      expect((await store.pruneLists({ expiredBefore: T0 - 7 * DAY, dryRun: true })).removed).toEqual({ allow: 2, block: 4 });
      expect(await collect(store.exportLists())).toEqual(before);
      expect((await store.pruneLists({ expiredBefore: T0 - 7 * DAY })).removed).toEqual({ allow: 2, block: 4 });
      // an export still shows every entry left, an expired one too, with its expiry
      expect(sortRecs(await collect(store.exportLists()))).toEqual(sortRecs(kept));
      expect((await store.pruneLists({ expiredBefore: T0 - 7 * DAY })).removed).toEqual({ allow: 0, block: 0 });
      expect((await look('+33612340004')).listed).toMatchObject({ list: 'block', match: 'exact' });
      // later, the entry kept for its grace goes too
      expect((await store.pruneLists({ expiredBefore: T0 })).removed).toEqual({ allow: 1, block: 0 });
      expect(await store.getListEntry(num('+33612340003'))).toEqual([]);
    });

    it('never prunes an entry extended, made permanent, moved or re-added since it was due', async () => {
      const extended = num('+33612340011');
      await store.addListEntry(rec({ entry: extended, expiresAt: T0 - 10 * DAY }));
      await store.addListEntry(rec({ entry: extended, reason: 'longer', expiresAt: T0 + DAY }));
      const permanent = num('+33612340012');
      await store.addListEntry(rec({ entry: permanent, expiresAt: T0 - 10 * DAY }));
      await store.addListEntry(rec({ entry: permanent, reason: 'for good' }));
      const moved = num('+33612340013');
      await store.addListEntry(rec({ entry: moved, expiresAt: T0 - 10 * DAY }));
      await store.addListEntry(rec({ list: 'allow', entry: moved }), { exclusive: true });
      const readded = num('+33612340014');
      await store.addListEntry(rec({ entry: readded, expiresAt: T0 - 10 * DAY }));
      await store.removeListEntry(readded);
      await store.addListEntry(rec({ entry: readded, reason: 'again' }));
      expect((await store.pruneLists({ expiredBefore: T0 })).removed).toEqual({ allow: 0, block: 0 });
      expect(await store.getListEntry(extended)).toEqual([rec({ entry: extended, reason: 'longer', expiresAt: T0 + DAY })]);
      expect(await store.getListEntry(permanent)).toEqual([rec({ entry: permanent, reason: 'for good' })]);
      expect(await store.getListEntry(moved)).toEqual([rec({ list: 'allow', entry: moved })]);
      expect(await store.getListEntry(readded)).toEqual([rec({ entry: readded, reason: 'again' })]);
      // the extended entry goes once its own, later expiry is past
      expect((await store.pruneLists({ expiredBefore: T0 + DAY })).removed).toEqual({ allow: 0, block: 1 });
      expect(await store.getListEntry(extended)).toEqual([]);
    });

    it('prunes what an export restored: the import brings the expiries back, and they count', async () => {
      const live = [
        rec({ entry: num('+33612340022'), expiresAt: T0 + DAY }), rec({ list: 'allow', entry: pre('+33162'), expiresAt: T0 + 2 * DAY }),
        rec({ entry: num('+33612340023') }),
      ];
      await store.importList([...live, rec({ entry: num('+33612340021'), expiresAt: T0 - DAY })]);
      const csv = (await collect(formatExport(store.exportLists()))).join('');
      // the export has the expired entry (not pruned yet), the restore skips it
      const parsed = parseImport(csv, { format: 'chut', list: 'block', source: 'import:chut', defaultCountry: 'FR', now: T0 });
      expect(parsed.stats.skippedWhy).toEqual({ 'already expired': 1 });
      const other = await create();
      try {
        await other.importList(parsed.records);
        expect((await other.pruneLists({ expiredBefore: T0 - 7 * DAY })).removed).toEqual({ allow: 0, block: 0 });
        expect(sortRecs(await collect(other.exportLists()))).toEqual(sortRecs(live));
        expect((await other.pruneLists({ expiredBefore: T0 + 3 * DAY })).removed).toEqual({ allow: 1, block: 1 });
        expect(await collect(other.exportLists())).toEqual([rec({ entry: num('+33612340023') })]);
      } finally {
        await other.close();
      }
    });

    it('round-trips every list entry through export → parseImport(chut) → import', async () => {
      const records = [
        rec({ entry: num('+33612345678'), reason: 'a, "quoted"\nreason', source: 'import:csv', addedAt: Date.UTC(2026, 1, 3) }),
        rec({ entry: num('+12025550143'), reason: 'Robocall ☎ 日本語', source: 'import:ftc', addedAt: Date.UTC(2025, 11, 31) }),
        rec({ list: 'allow', entry: num('+4915112345678'), reason: null, source: 'cli', addedAt: T0 + 7, expiresAt: T0 + DAY }),
        rec({ entry: pre('+33162'), reason: ' leading space', source: 'cli' }),
        rec({ list: 'allow', entry: pre('+3393'), reason: 'platforms', source: 'api' }),
        // a forced country-wide prefix and the latest expiry anyone can set: a restore takes both back
        rec({ entry: pre('+44'), reason: 'forced', source: 'cli' }),
        rec({ entry: num('+33612345600'), source: 'cli', expiresAt: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }),
        // stored before expiries were capped: exported with a six-digit year, which the import reads back
        rec({ entry: num('+33612345601'), source: 'api', expiresAt: 8_640_000_000_000_000 }),
      ];
      await store.importList(records);
      const exported = sortRecs(await collect(store.exportLists()));
      expect(exported).toEqual(sortRecs(records));
      const csv = (await collect(formatExport(store.exportLists()))).join('');
      const parsed = parseImport(csv, { format: 'chut', list: 'block', source: 'import:chut', defaultCountry: 'FR', now: T0 });
      expect(parsed.stats).toEqual({ taken: 8, skipped: 0, skippedWhy: {}, firstSkipped: [] });
      const other = await create();
      try {
        await other.importList(parsed.records);
        expect(sortRecs(await collect(other.exportLists()))).toEqual(sortRecs(records));
      } finally {
        await other.close();
      }
    });
  });
}

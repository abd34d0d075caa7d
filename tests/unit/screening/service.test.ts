import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { formatExplanation } from '../../../src/cli/commands/lookup.js';
import { createLogger } from '../../../src/logger.js';
import { createMemoryStore } from '../../../src/reputation/index.js';
import type { ReputationStore } from '../../../src/reputation/types.js';
import { parsePolicy } from '../../../src/rules/index.js';
import { REPORT_ONCE_WITHIN_MS } from '../../../src/screening/outcomes.js';
import { createScreeningService } from '../../../src/screening/service.js';
import type { InboundCall, ScreeningObserver } from '../../../src/screening/types.js';
import { FakeControl } from '../../helpers/fake-control.js';

const POLICY = `
version: 1
default: ring
rules:
  - name: allowlist
    when: { list: allow }
    action: ring
  - name: blocklist
    when: { list: block }
    action: reject
  - name: trusted
    when: { trusted: true }
    action: ring
  - name: withheld
    when: { caller: [withheld] }
    action: captcha
  - name: telemarketing
    when: { pack: [fr-npv] }
    action: captcha
`;

// Tuesday 1 December 2026, 11:00 in Paris
const T0 = Date.parse('2026-12-01T10:00:00Z');

function setup(opts: { store?: ReputationStore; mode?: 'shadow'; config?: Record<string, unknown>; observers?: ScreeningObserver[] } = {}) {
  let now = T0;
  const lines: Array<Record<string, unknown>> = [];
  const rawLines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { rawLines.push(String(chunk)); lines.push(JSON.parse(String(chunk))); cb(); } });
  const store = opts.store ?? createMemoryStore({ clock: () => now });
  const policy = parsePolicy(opts.mode ? `mode: shadow\n${POLICY}` : POLICY, 'test');
  const config = parseConfig({ ari: { password: 'hunter2-secret' }, ...opts.config });
  const screening = createScreeningService({ store, policy, config, logger: createLogger('debug', sink as never), observers: opts.observers, clock: () => now });
  return { screening, store, lines, rawLines, advance: (ms: number) => { now += ms; }, now: () => now };
}

let seq = 0;
const call = (callerNumber: string, callerName = 'X'): InboundCall => ({
  pbx: 'asterisk-ari', callId: `c${++seq}`, callerNumber, callerName, dialled: '0100000000', receivedAt: Date.now(),
});

describe('screening service', () => {
  it('rings an unknown caller by default without answering, and records the call', async () => {
    const { screening, store } = setup();
    const control = new FakeControl();
    const result = await screening.handleCall(call('0612345678', 'Jean'), control);
    expect(result.finalRoute).toBe('ring');
    expect(control.actions).toEqual(['ring']);
    expect(result.record).toMatchObject({ caller: '+33612345678', callerName: 'Jean', action: 'ring', route: 'ring', rule: 'default', degraded: false, time: T0 });
    const page = await store.calls({ limit: 10 });
    expect(page.calls.map((c) => c.callId)).toContain(result.record.callId);
  });

  // `chut lookup` and the dashboard's Explain: text with no number in it was explained as a withheld caller
  it('explains a caller ID of parameters only (?x=1) as invalid, not withheld; a withheld one stays withheld', async () => {
    const { screening } = setup();
    const x = await screening.explain('?x=1');
    expect(x.decision.caller.number).toMatchObject({ kind: 'invalid', reason: 'no-digits', raw: '?x=1' });
    expect(x.decision.rule).toBe('default');
    expect(formatExplanation(x)).toMatch(/^invalid caller ID \(no-digits\)\n/);
    for (const number of ['', 'anonymous', 'sip:@host;user=phone', '"Anonymous" <sip:anonymous@anonymous.invalid>']) {
      expect((await screening.explain(number)).decision.rule, number).toBe('withheld');
    }
  });

  it('rejects a blocklisted caller and names the rule', async () => {
    const { screening, store, now } = setup();
    await store.addListEntry({ list: 'block', entry: { kind: 'number', e164: '+33612345678' }, reason: 'spam', source: 'cli', addedAt: now(), expiresAt: null });
    const control = new FakeControl();
    const r = await screening.handleCall(call('+33 6 12 34 56 78'), control);
    expect(r.finalRoute).toBe('reject');
    expect(r.decision.rule).toBe('blocklist');
    expect(control.actions).toEqual(['reject']);
  });

  it('chut lookup shows the invisible characters of a listed entry\'s reason and source as escapes, not deleted', async () => {
    const { screening, store, now } = setup();
    await store.addListEntry({ list: 'block', entry: { kind: 'number', e164: '+33612345678' }, reason: 'spam\u200b\u00ad', source: 'list\u202e', addedAt: now(), expiresAt: null });
    const listed = formatExplanation(await screening.explain('0612345678')).split('\n').find((line) => line.startsWith('listed:'));
    expect(listed).toMatch(/^listed: block \+33612345678 \(spam\\u200b\\u00ad; source list\\u202e; added /);
  });

  it('challenges a telemarketing prefix; a person who passes is trusted on the next call', async () => {
    const { screening, advance } = setup();
    const first = await screening.handleCall(call('0162000000'), new FakeControl(['echo']));
    expect(first).toMatchObject({ finalRoute: 'ring', captcha: 'passed' });
    advance(3_600_000);
    const control = new FakeControl();
    const second = await screening.handleCall(call('0162000000'), control);
    expect(second.decision.rule).toBe('trusted');
    expect(control.actions).toEqual(['ring']);
  });

  it('a silent robot gets the timeout route, a wrong typist the failure route, and both raise the score', async () => {
    const { screening } = setup({ config: { captcha: { onFail: 'voicemail', onTimeout: 'reject' } } });
    const silent = await screening.handleCall(call('0162000001'), new FakeControl(['silent', 'silent', 'silent']));
    expect(silent).toMatchObject({ finalRoute: 'reject', captcha: 'timeout' });
    const wrong = await screening.handleCall(call('0162000002'), new FakeControl([{ type: '0000' }, { type: '0000' }, { type: '0000' }]));
    expect(wrong).toMatchObject({ finalRoute: 'voicemail', captcha: 'failed' });
    const x = await screening.explain('0162000002');
    expect(x.facts?.captcha.failed).toBe(1);
    expect(x.facts?.score).toBeGreaterThan(0);
  });

  it('a captcha rule that names its failure route overrides the configuration', async () => {
    const policy = parsePolicy(POLICY.replace(`  - name: telemarketing
    when: { pack: [fr-npv] }
    action: captcha`, `  - name: telemarketing
    when: { pack: [fr-npv] }
    action: captcha
    captcha: { onFail: reject, onTimeout: voicemail }`), 'test');
    const store = createMemoryStore({ clock: () => T0 });
    const config = parseConfig({ captcha: { onFail: 'voicemail', onTimeout: 'reject' } });
    const screening = createScreeningService({ store, policy, config, logger: createLogger('silent'), clock: () => T0 });
    const wrong = await screening.handleCall(call('0162000011'), new FakeControl([{ type: '0000' }, { type: '0000' }, { type: '0000' }]));
    expect(wrong).toMatchObject({ finalRoute: 'reject', captcha: 'failed' });
    const silent = await screening.handleCall(call('0162000012'), new FakeControl(['silent', 'silent', 'silent']));
    expect(silent).toMatchObject({ finalRoute: 'voicemail', captcha: 'timeout' });
  });

  it('auto-blocks a number whose score crosses the threshold, and tells observers', async () => {
    const blocked: string[] = [];
    const { screening } = setup({ config: { reputation: { autoBlockScore: 40 } }, observers: [{ onAutoBlock: (n) => blocked.push(n) }] });
    await screening.handleCall(call('0162000003'), new FakeControl([{ type: '0000' }, { type: '0000' }, { type: '0000' }]));
    expect(blocked).toEqual([]);
    await screening.handleCall(call('0162000003'), new FakeControl([{ type: '0000' }, { type: '0000' }, { type: '0000' }]));
    expect(blocked).toEqual(['+33162000003']);
    const next = await screening.handleCall(call('0162000003'), new FakeControl());
    expect(next.decision.rule).toBe('blocklist');
  });

  it('an auto-block lasts reputation.autoBlockDays: the owner of a spoofed number is not rejected for ever', async () => {
    const { screening, advance } = setup({ config: { reputation: { autoBlockScore: 40, autoBlockDays: 30 } } });
    for (let i = 0; i < 2; i++) await screening.handleCall(call('0162000004'), new FakeControl([{ type: '0000' }, { type: '0000' }, { type: '0000' }]));
    expect((await screening.handleCall(call('0162000004'), new FakeControl())).decision.rule).toBe('blocklist');
    advance(30 * 86_400_000);
    const later = await screening.handleCall(call('0162000004'), new FakeControl(['echo']));
    expect([later.decision.rule, later.captcha]).toEqual(['telemarketing', 'passed']);
  });

  it('a robot still calling when its auto-block ends is challenged again: the score does not decay during the block', async () => {
    const policy = parsePolicy(`version: 1
default: ring
rules:
  - { name: blocklist, when: { list: block }, action: reject }
  - { name: high-score, when: { score: { min: 70 } }, action: captcha }
  - { name: mobiles, when: { numberType: mobile }, action: captcha }
`, 'test');
    let now = T0;
    const store = createMemoryStore({ clock: () => now });
    const screening = createScreeningService({ store, policy, config: parseConfig({}), logger: createLogger('silent'), clock: () => now });
    const fail = () => new FakeControl([{ type: '0000' }, { type: '0000' }, { type: '0000' }]);
    for (let i = 0; i < 4; i++) await screening.handleCall(call('0699999901'), fail()); // 25 each: 100, blocked at 95
    expect((await screening.handleCall(call('0699999901'), new FakeControl())).decision.rule).toBe('blocklist');
    now += 30 * 86_400_000 + 1; // the default 30-day block has ended; the 30-day half-life would have halved the score
    const after = await screening.handleCall(call('0699999901'), fail());
    expect([after.decision.rule, after.captcha]).toEqual(['high-score', 'failed']);
    expect((await screening.handleCall(call('0699999901'), new FakeControl())).decision.rule).toBe('blocklist');
  });

  it('an auto-block whose score hold cannot be written still blocks, logs and notifies', async () => {
    const blocked: string[] = [];
    const memory = createMemoryStore({ clock: () => T0 });
    const store: ReputationStore = Object.assign(Object.create(memory) as ReputationStore, {
      applyOutcome: (u: Parameters<ReputationStore['applyOutcome']>[0]) => (u.holdUntil !== undefined ? Promise.reject(new Error('Redis gone')) : memory.applyOutcome(u)),
    });
    const { screening } = setup({ store, config: { reputation: { autoBlockScore: 40 } }, observers: [{ onAutoBlock: (n) => blocked.push(n) }] });
    for (let i = 0; i < 2; i++) await screening.handleCall(call('0162000010'), new FakeControl([{ type: '0000' }, { type: '0000' }, { type: '0000' }]));
    expect(blocked).toEqual(['+33162000010']);
    expect((await screening.handleCall(call('0162000010'), new FakeControl())).decision.rule).toBe('blocklist');
  });

  it('passing the captcha never auto-blocks, even from a score above the threshold (spam reports that did not block)', async () => {
    const blocked: string[] = [];
    const { screening, store, advance } = setup({ config: { reputation: { autoBlockScore: 60, blockOnReport: false } }, observers: [{ onAutoBlock: (n) => blocked.push(n) }] });
    await screening.reportNumber('+33162000009', 'spam', 'api');
    advance(REPORT_ONCE_WITHIN_MS); // two reports, not one repeated
    await screening.reportNumber('+33162000009', 'spam', 'api');
    expect((await screening.explain('0162000009')).facts?.score).toBeGreaterThan(60);
    const r = await screening.handleCall(call('0162000009'), new FakeControl(['echo']));
    expect(r.captcha).toBe('passed');
    expect(blocked).toEqual([]);
    expect(await store.getListEntry({ kind: 'number', e164: '+33162000009' })).toEqual([]);
  });

  it('never auto-blocks an allowlisted number, by exact entry or prefix, whichever rule challenged it (ARI/FreeSWITCH path)', async () => {
    const policy = parsePolicy(POLICY.replace(/rules:\n/, 'rules:\n  - name: everyone-first\n    when: { pack: [fr-npv] }\n    action: captcha\n'), 'test');
    const store = createMemoryStore({ clock: () => T0 });
    const blocked: string[] = [];
    const config = parseConfig({ reputation: { autoBlockScore: 40 } });
    const screening = createScreeningService({ store, policy, config, logger: createLogger('silent'), clock: () => T0, observers: [{ onAutoBlock: (n) => blocked.push(n) }] });
    await store.addListEntry({ list: 'allow', entry: { kind: 'prefix', prefix: '+331620' }, reason: 'the office', source: 'cli', addedAt: T0, expiresAt: null });
    await store.addListEntry({ list: 'allow', entry: { kind: 'number', e164: '+33163000005' }, reason: 'the plumber', source: 'cli', addedAt: T0, expiresAt: null });
    const byPrefix = '+33162000005';
    const byEntry = '+33163000005';
    for (const number of [byPrefix, byEntry]) {
      for (let i = 0; i < 4; i++) await screening.handleCall(call(number), new FakeControl([{ type: '0000' }, { type: '0000' }, { type: '0000' }]));
    }
    expect(blocked).toEqual([]);
    expect(await store.getListEntry({ kind: 'number', e164: byPrefix })).toEqual([]);
    expect((await store.getListEntry({ kind: 'number', e164: byEntry })).map((r) => r.list)).toEqual(['allow']);
    // each was challenged and failed past the threshold: only the allowlist kept it off the blocklist
    for (const e164 of [byPrefix, byEntry]) {
      const facts = await store.lookup({ e164, rateWindowsSec: [], blockDigits: 8, now: T0 });
      expect([facts.captcha.failed, facts.score >= 40], e164).toEqual([4, true]);
    }
  });

  it('never auto-blocks for a call whose caller ID failed STIR/SHAKEN verification (probably spoofed)', async () => {
    const blocked: string[] = [];
    const { screening, store } = setup({ config: { reputation: { autoBlockScore: 40 } }, observers: [{ onAutoBlock: (n) => blocked.push(n) }] });
    for (let i = 0; i < 4; i++) {
      await screening.handleCall({ ...call('0162000006'), verstat: 'TN-Validation-Failed' }, new FakeControl([{ type: '0000' }, { type: '0000' }, { type: '0000' }]));
    }
    expect(blocked).toEqual([]);
    expect((await store.lookup({ e164: '+33162000006', rateWindowsSec: [], blockDigits: 8, now: T0 })).score).toBe(100); // still learned
  });

  it('overlapping failed captchas auto-block once, as soon as the stored score crosses the threshold', async () => {
    const blocked: string[] = [];
    const { screening, store } = setup({ config: { reputation: { autoBlockScore: 95 } }, observers: [{ onAutoBlock: (n) => blocked.push(n) }] });
    // four calls decided together (each sees score 0), whose failures land one after the other: 25, 50, 75, 100
    const fail = () => new FakeControl([{ type: '0000' }, { type: '0000' }, { type: '0000' }]);
    await Promise.all([1, 2, 3, 4, 5].map(() => screening.handleCall(call('0162000007'), fail())));
    expect(blocked).toEqual(['+33162000007']);
    expect((await store.getListEntry({ kind: 'number', e164: '+33162000007' })).map((r) => [r.list, r.source])).toEqual([['block', 'auto']]);
  });

  it('a robot that hangs up once its answers were judged wrong is learned from as failed; a person who passed keeps their trust', async () => {
    const { screening, store } = setup();
    for (const hangUpAt of ['play:goodbye', 'voicemail:+33100000000']) {
      const robot = new FakeControl([{ type: '0000' }, { type: '0000' }, { type: '0000' }]);
      robot.hangUpOn.add(hangUpAt);
      const r = await screening.handleCall(call('0162000008'), robot);
      expect([r.finalRoute, r.captcha, r.record.captcha]).toEqual(['hung-up', 'failed', 'failed']);
    }
    const facts = await store.lookup({ e164: '+33162000008', rateWindowsSec: [], blockDigits: 8, now: T0 });
    expect([facts.captcha, facts.score]).toEqual([{ passed: 0, failed: 2, hungUp: 0 }, 50]);
    const person = new FakeControl(['echo']);
    person.hangUpOn.add('play:thank-you-for-calling');
    const p = await screening.handleCall(call('0162000009'), person);
    expect([p.finalRoute, p.captcha]).toEqual(['hung-up', 'passed']);
    expect((await store.lookup({ e164: '+33162000009', rateWindowsSec: [], blockDigits: 8, now: T0 })).trustedUntil).toBeGreaterThan(T0);
  });

  it('a captcha pass does not trust a number the household reported as spam (reports that do not blocklist)', async () => {
    const { screening } = setup({ config: { reputation: { blockOnReport: false } } });
    await screening.reportNumber('+33162000010', 'spam', 'api');
    const agent = await screening.handleCall(call('0162000010'), new FakeControl(['echo']));
    expect([agent.decision.rule, agent.captcha, agent.finalRoute]).toEqual(['telemarketing', 'passed', 'ring']);
    const again = await screening.handleCall(call('0162000010'), new FakeControl(['echo']));
    expect(again.decision.rule).toBe('telemarketing'); // challenged again, not 'trusted'
    await screening.handleCall(call('0162000011'), new FakeControl(['echo']));
    expect((await screening.handleCall(call('0162000011'), new FakeControl())).decision.rule).toBe('trusted'); // unreported: trusted
  });

  it('an allow report takes the spam reports back: unlisted afterwards, a pass trusts the number again', async () => {
    const { screening, store } = setup();
    await screening.reportNumber('+33162000012', 'spam', 'api');
    await screening.reportNumber('+33162000012', 'allow', 'api');
    await store.removeListEntry({ kind: 'number', e164: '+33162000012' });
    await screening.handleCall(call('0162000012'), new FakeControl(['echo']));
    expect((await screening.handleCall(call('0162000012'), new FakeControl())).decision.rule).toBe('trusted');
  });

  it('records a hang-up during the challenge', async () => {
    const { screening } = setup();
    const r = await screening.handleCall(call('anonymous'), new FakeControl(['hangup']));
    expect(r).toMatchObject({ finalRoute: 'hung-up', captcha: 'hung-up' });
    expect(r.record.callerKind).toBe('withheld');
  });

  it('fails open when the store throws: the call rings, degraded, with a warning line', async () => {
    const failing = createMemoryStore();
    failing.lookup = async () => { throw new Error('ECONNREFUSED'); };
    const errors: string[] = [];
    const { screening, lines } = setup({ store: failing, observers: [{ onStoreError: (op) => errors.push(op) }] });
    const control = new FakeControl();
    const r = await screening.handleCall(call('0162000000'), control);
    expect(r.decision).toMatchObject({ route: 'ring', degraded: true, rule: 'fail-open' });
    expect(control.actions).toEqual(['ring']);
    expect(errors).toContain('lookup');
    expect(lines.some((l) => l.level === 40 && String(l.msg).includes('fail-open'))).toBe(true);
  });

  it('fails open when the store is slower than the deadline', async () => {
    const slow = createMemoryStore();
    const real = slow.lookup.bind(slow);
    slow.lookup = async (req) => { await new Promise((r) => setTimeout(r, 500)); return real(req); };
    const errors: string[] = [];
    const { screening } = setup({ store: slow, config: { screening: { deadlineMs: 50 } }, observers: [{ onStoreError: (op) => errors.push(op) }] });
    const started = Date.now();
    const d = await screening.screen(call('0162000000'));
    expect(d).toMatchObject({ route: 'ring', degraded: true });
    expect(Date.now() - started).toBeLessThan(400);
    // counted apart from a store error: a missed deadline may be chut's own event loop
    expect(errors).toEqual(['lookup-deadline']);
  });

  it('a call whose lookup missed the deadline but still ran is counted once in the rate windows, not twice', async () => {
    const store = createMemoryStore({ clock: () => T0 });
    const real = store.lookup.bind(store);
    let slow = true;
    let lookupDone: Promise<unknown> = Promise.resolve();
    store.lookup = (req) => {
      const run = (async () => { if (slow) await new Promise((r) => setTimeout(r, 60)); return real(req); })();
      lookupDone = run;
      return run;
    };
    const burst = parsePolicy('version: 1\ndefault: ring\nrules:\n  - name: burst\n    when: { rate: { calls: 3, within: 10m } }\n    action: reject\n', 'test');
    const config = parseConfig({ screening: { deadlineMs: 20 } });
    const screening = createScreeningService({ store, policy: burst, config, logger: createLogger('silent'), clock: () => T0 });
    const first = call('0612345678');
    const d1 = await screening.screen(first);
    expect(d1).toMatchObject({ route: 'ring', degraded: true });
    await lookupDone; // the late lookup counted the call after all
    await screening.finishCall(first, d1, d1.route, null);
    slow = false;
    const d2 = await screening.screen(call('0612345678'));
    // the second call ever: under the limit of 3 (counted twice, the first call made this one a burst)
    expect(d2).toMatchObject({ action: 'ring', rule: 'default' });
    expect(d2.reasons.join(' ')).not.toMatch(/calls from/);
  });

  it('calls whose lookup Redis refused to count are counted by their records (under their own entries): the next call sees the burst', async () => {
    const store = createMemoryStore({ clock: () => T0 });
    const real = store.lookup.bind(store);
    let refusing = true;
    // Redis refusing writes: the facts come back, the call is not counted (redis-store.ts)
    store.lookup = async (req) => {
      if (!refusing || !req.countCall) return real(req);
      const { countCall: _, ...readOnly } = req;
      return { ...(await real(readOnly)), uncounted: true };
    };
    const recorded: Array<{ windowsCounted?: boolean; windowMember?: string }> = [];
    const recordCall = store.recordCall.bind(store);
    store.recordCall = (req) => { recorded.push({ windowsCounted: req.windowsCounted, windowMember: req.windowMember }); return recordCall(req); };
    const burst = parsePolicy('version: 1\ndefault: ring\nrules:\n  - name: burst\n    when: { rate: { calls: 3, within: 10m } }\n    action: reject\n', 'test');
    let now = T0;
    const screening = createScreeningService({ store, policy: burst, config: parseConfig({}), logger: createLogger('silent'), clock: () => now });
    const during = [];
    for (let i = 0; i < 2; i++) {
      const c = call('0612345678');
      const d = await screening.screen(c);
      expect(d).toMatchObject({ route: 'ring', degraded: false, uncounted: true });
      await screening.finishCall(c, d, d.route, null);
      during.push(d);
      now += 1000;
    }
    expect(recorded).toEqual(during.map((d) => ({ windowsCounted: false, windowMember: d.windowMember })));
    refusing = false;
    const third = await screening.screen(call('0612345678'));
    expect(third).toMatchObject({ action: 'reject', rule: 'burst' });
    expect(third.uncounted).toBeUndefined();
  });

  it('in shadow mode decides and records as usual, but every call rings', async () => {
    const { screening, store, now } = setup({ mode: 'shadow' });
    await store.addListEntry({ list: 'block', entry: { kind: 'number', e164: '+33612345678' }, reason: null, source: 'cli', addedAt: now(), expiresAt: null });
    const control = new FakeControl();
    const r = await screening.handleCall(call('0612345678'), control);
    expect(r.decision).toMatchObject({ action: 'reject', route: 'ring', shadow: true, rule: 'blocklist' });
    expect(r.record).toMatchObject({ action: 'reject', route: 'ring', shadow: true });
    expect(control.actions).toEqual(['ring']);
  });

  it('a failing route falls back to ring', async () => {
    const { screening } = setup();
    const control = new FakeControl(['echo']);
    control.failOn.add('answer');
    const r = await screening.handleCall(call('0162000000'), control);
    expect(r.finalRoute).toBe('ring');
    expect(control.actions).toEqual(['ring']);
  });

  it('a route that fails after the captcha rings, and keeps the verdict: counted, learned from, recorded', async () => {
    const { screening } = setup({ config: { routes: { voicemailMailbox: '100@default' } } });
    const robot = new FakeControl([{ type: '000' }, { type: '000' }, { type: '000' }]);
    robot.failOn.add('voicemail:100@default'); // the failure route (onFail: voicemail) errors, as an ARI mailbox check can
    const r = await screening.handleCall(call('0162000000'), robot);
    expect([r.finalRoute, r.captcha, r.record.captcha]).toEqual(['ring', 'failed', 'failed']);
    expect(robot.actions.at(-1)).toBe('ring');
    expect((await screening.explain('+33162000000')).facts?.captcha.failed).toBe(1);
  });

  it('reports the last caller even while Redis has not taken that call yet (kept through an outage), not the one before', async () => {
    const store = createMemoryStore({ clock: () => T0 });
    const { screening } = setup({ store });
    await screening.handleCall(call('0698765432'), new FakeControl()); // stored
    const write = store.recordCall.bind(store);
    store.recordCall = async () => { throw new Error('Stream isn\'t writeable and enableOfflineQueue options is false'); };
    await screening.handleCall(call('0611111111'), new FakeControl()); // rang during the outage: kept
    expect(await screening.reportLastCaller('+33100000000', 'spam', 'phone')).toBe('+33611111111');
    store.recordCall = write;
    await screening.stop(1_000);
  });

  it('reports the last caller to a DID as spam: blocklisted next time', async () => {
    const { screening } = setup();
    await screening.handleCall(call('0698765432'), new FakeControl());
    expect(await screening.reportLastCaller('+33100000000', 'spam', 'phone')).toBe('+33698765432');
    const next = await screening.handleCall(call('0698765432'), new FakeControl());
    expect(next.decision.rule).toBe('blocklist');
    await screening.reportNumber('+33698765432', 'allow', 'api');
    const after = await screening.handleCall(call('0698765432'), new FakeControl());
    expect(after.decision.rule).toBe('allowlist');
    // and back: a spam report takes it off the allowlist, or it would go on ringing (allow wins)
    await screening.reportNumber('+33698765432', 'spam', 'api');
    const again = await screening.handleCall(call('0698765432'), new FakeControl());
    expect(again.decision.rule).toBe('blocklist');
  });

  it('pressing *77 twice for the same caller counts one report: the score, the report count and the block entry stay as the first press left them', async () => {
    const { screening, store, advance } = setup();
    await screening.handleCall(call('0698765432'), new FakeControl());
    const entry = { kind: 'number' as const, e164: '+33698765432' };
    expect(await screening.reportLastCaller('+33100000000', 'spam', 'phone')).toBe('+33698765432');
    const first = await store.getListEntry(entry);
    advance(60_000);
    expect(await screening.reportLastCaller('+33100000000', 'spam', 'phone')).toBe('+33698765432');
    expect(await store.getListEntry(entry)).toEqual(first);
    const facts = (await screening.explain('0698765432')).facts;
    expect(facts?.reports).toBe(1);
    expect(facts?.score).toBeCloseTo(50, 2); // one report's +50 (decaying), not two
    // the same number reported again later, from the API, while a report's block stands: nothing more either
    advance(REPORT_ONCE_WITHIN_MS);
    await screening.reportNumber('+33698765432', 'spam', 'api');
    expect((await screening.explain('0698765432')).facts?.reports).toBe(1);
    expect(await store.getListEntry(entry)).toEqual(first);
  });

  it('a spam report keeps the block entry the user made (its reason and expiry), counting the report once', async () => {
    const { screening, store, advance, now } = setup();
    const entry = { kind: 'number' as const, e164: '+33698765433' };
    const mine = { list: 'block' as const, entry, reason: 'ex-landlord', source: 'cli', addedAt: now(), expiresAt: now() + 30 * 86_400_000 };
    await store.addListEntry(mine);
    await screening.reportNumber('+33698765433', 'spam', 'phone');
    advance(1000);
    await screening.reportNumber('+33698765433', 'spam', 'phone');
    expect(await store.getListEntry(entry)).toEqual([mine]);
    const facts = (await screening.explain('0698765433')).facts;
    expect(facts?.reports).toBe(1);
    expect(facts?.score).toBeCloseTo(50, 2);
  });

  it('a spam report replaces chut\'s own expiring auto-block with its lasting block; an allow report right after a spam report still counts', async () => {
    const { screening, store, now } = setup();
    const entry = { kind: 'number' as const, e164: '+33698765434' };
    await store.addListEntry({ list: 'block', entry, reason: 'auto: score 80', source: 'auto', addedAt: now(), expiresAt: now() + 86_400_000 });
    await screening.reportNumber('+33698765434', 'spam', 'phone');
    expect(await store.getListEntry(entry)).toEqual([{ list: 'block', entry, reason: 'reported as spam', source: 'phone', addedAt: now(), expiresAt: null }]);
    // the user changes their mind at once: the allow report is no repeat of the spam one
    await screening.reportNumber('+33698765434', 'allow', 'phone');
    expect((await store.getListEntry(entry)).map((r) => r.list)).toEqual(['allow']);
    expect((await screening.explain('0698765434')).facts).toMatchObject({ reports: 0 });
    await screening.reportNumber('+33698765434', 'spam', 'phone');
    expect((await store.getListEntry(entry)).map((r) => r.list)).toEqual(['block']);
    expect((await screening.explain('0698765434')).facts).toMatchObject({ reports: 1 });
  });

  it('with blockOnReport off, a repeated report within the window counts once; one after it counts again', async () => {
    const { screening, advance } = setup({ config: { reputation: { blockOnReport: false } } });
    await screening.reportNumber('+33698765435', 'spam', 'phone');
    advance(REPORT_ONCE_WITHIN_MS - 1);
    await screening.reportNumber('+33698765435', 'spam', 'phone');
    expect((await screening.explain('0698765435')).facts?.reports).toBe(1);
    advance(REPORT_ONCE_WITHIN_MS);
    await screening.reportNumber('+33698765435', 'spam', 'phone');
    expect((await screening.explain('0698765435')).facts?.reports).toBe(2);
  });

  it('a spam report takes the number off the allowlist even where reports do not blocklist', async () => {
    const store = createMemoryStore({ clock: () => T0 });
    const config = parseConfig({ reputation: { blockOnReport: false } });
    const screening = createScreeningService({ store, policy: parsePolicy(POLICY, 'test'), config, logger: createLogger('silent'), clock: () => T0 });
    const entry = { kind: 'number' as const, e164: '+33698765432' };
    await store.addListEntry({ list: 'allow', entry, reason: null, source: 'cli', addedAt: T0, expiresAt: null });
    await screening.reportNumber('+33698765432', 'spam', 'phone');
    expect(await store.getListEntry(entry)).toEqual([]);
  });

  it('calls of a burst arriving at the same moment see each other (counted at decision time)', async () => {
    const burst = `${POLICY}  - name: burst
    when: { rate: { calls: 3, within: 10m, per: block } }
    action: reject
`;
    const store = createMemoryStore({ clock: () => T0 });
    const config = parseConfig({});
    const screening = createScreeningService({ store, policy: parsePolicy(burst, 'test'), config, logger: createLogger('silent'), clock: () => T0 });
    const decisions = await Promise.all(['0145678901', '0145678902', '0145678903', '0145678904'].map((n) => screening.screen(call(n))));
    expect(decisions.map((d) => d.rule).sort()).toEqual(['burst', 'burst', 'default', 'default']);
    // explaining a number is not a call: it never counts
    await screening.explain('0145678905');
    await screening.explain('0145678905');
    expect((await screening.explain('0145678905')).decision.reasons.join(' ')).toMatch(/5 calls from block/);
  });

  it('the last caller is the last one whose call rang, not a rejected one', async () => {
    const { screening, store, now } = setup();
    await store.addListEntry({ list: 'block', entry: { kind: 'number', e164: '+33611111111' }, reason: null, source: 'cli', addedAt: now(), expiresAt: null });
    await screening.handleCall(call('0622222222'), new FakeControl());
    await screening.handleCall(call('0611111111'), new FakeControl());
    expect(await screening.reportLastCaller('+33100000000', 'spam', 'phone')).toBe('+33622222222');
  });

  it('a phone whose caller ID is its DID in national form reports that DID\'s last caller, not another line\'s', async () => {
    const { screening } = setup();
    await screening.handleCall({ ...call('0622222222'), dialled: '0100000000' }, new FakeControl());
    await screening.handleCall({ ...call('0633333333'), dialled: '0200000000' }, new FakeControl());
    expect(await screening.reportLastCaller('0100000000', 'spam', 'phone')).toBe('+33622222222');
    expect(await screening.reportLastCaller('33200000000', 'spam', 'phone')).toBe('+33633333333');
  });

  it('*77 from a line whose calls did not ring (or whose key expired) reports nobody, never another line\'s caller; an extension reports the last caller to anyone', async () => {
    const { screening, store } = setup();
    await store.addListEntry({ list: 'block', entry: { kind: 'number', e164: '+33611111111' }, reason: null, source: 'cli', addedAt: T0, expiresAt: null });
    await screening.handleCall({ ...call('0611111111'), dialled: '0100000003' }, new FakeControl()); // rejected: line 3 never rang
    await screening.handleCall({ ...call('0622222222'), dialled: '0100000002' }, new FakeControl()); // rang on line 2
    expect(await screening.reportLastCaller('0100000003', 'spam', 'phone')).toBeNull();
    expect(await store.getListEntry({ kind: 'number', e164: '+33622222222' })).toEqual([]);
    expect((await screening.explain('0622222222')).facts?.reports).toBe(0);
    // a phone that is no line (an extension in a one-line home) reports the last caller to anyone, as documented
    expect(await screening.reportLastCaller('201', 'spam', 'phone')).toBe('+33622222222');
  });

  it('*77 from an extension while the latest calls wait for Redis (kept through an outage) reports the newest caller, not the one before the outage', async () => {
    const store = createMemoryStore({ clock: () => T0 });
    const { screening } = setup({ store });
    await screening.handleCall({ ...call('0698765432'), dialled: '0100000001' }, new FakeControl()); // stored
    const write = store.recordCall.bind(store);
    store.recordCall = async () => { throw new Error('Stream isn\'t writeable and enableOfflineQueue options is false'); };
    await screening.handleCall({ ...call('0611111111'), dialled: '0100000002' }, new FakeControl()); // rang during the outage: kept
    await store.addListEntry({ list: 'block', entry: { kind: 'number', e164: '+33633333333' }, reason: null, source: 'cli', addedAt: T0, expiresAt: null });
    await screening.handleCall({ ...call('0633333333'), dialled: '0100000003' }, new FakeControl()); // rejected: kept
    store.recordCall = write; // Redis answers again, the backlog not written yet
    expect(await screening.reportLastCaller('201', 'spam', 'phone')).toBe('+33611111111');
    // a line only a kept call dialled is a known line: it never reports another line's caller
    expect(await screening.reportLastCaller('0100000003', 'spam', 'phone')).toBeNull();
    // the line whose call Redis holds, and the one whose call is kept, each report their own
    expect(await screening.reportLastCaller('0100000001', 'spam', 'phone')).toBe('+33698765432');
    expect(await screening.reportLastCaller('0100000002', 'spam', 'phone')).toBe('+33611111111');
    await screening.stop(1_000);
  });

  it('*77 after a withheld caller rang reports nobody, not the caller before', async () => {
    const { screening, store } = setup();
    await screening.handleCall(call('0622222222'), new FakeControl());
    await screening.handleCall(call('anonymous'), new FakeControl(['echo']));
    expect(await screening.reportLastCaller('+33100000000', 'spam', 'phone')).toBeNull();
    expect(await store.getListEntry({ kind: 'number', e164: '+33622222222' })).toEqual([]);
  });

  it('explains a number for a DID typed in national form as a call to that DID is decided', async () => {
    const policy = parsePolicy(`version: 1
default: ring
rules:
  - { name: office-line, when: { dialled: ['+33100000000'] }, action: voicemail }
`, 'test');
    const screening = createScreeningService({ store: createMemoryStore({ clock: () => T0 }), policy, config: parseConfig({}), logger: createLogger('silent'), clock: () => T0 });
    const asCall = await screening.screen({ ...call('0699999999'), dialled: '0100000000' });
    const explained = await screening.explain('0699999999', { dialled: '0100000000' });
    expect([asCall.rule, explained.decision.rule]).toEqual(['office-line', 'office-line']);
  });

  it('an observer that throws never breaks a call', async () => {
    const threw: string[] = [];
    const bug = (where: string) => () => { threw.push(where); throw new Error('bug'); };
    const { screening, store } = setup({ observers: [{ onCallRecord: bug('onCallRecord'), onDecision: bug('onDecision') }] });
    const r = await screening.handleCall(call('0612345678'), new FakeControl());
    expect(r.finalRoute).toBe('ring');
    expect(threw.sort()).toEqual(['onCallRecord', 'onDecision']); // both did throw, during this call
    expect((await store.calls({ limit: 5 })).calls.map((c) => c.callId)).toEqual([r.record.callId]);
  });

  it('explains a number without recording anything', async () => {
    const { screening, store } = setup();
    const x = await screening.explain('0162000000');
    expect(x.decision).toMatchObject({ action: 'captcha', rule: 'telemarketing' });
    expect(x.decision.reasons.join(' ')).toMatch(/fr-npv/);
    expect((await store.calls({ limit: 5 })).calls).toHaveLength(0);
  });

  it('writes one info line per call, carrying its record', async () => {
    const { screening, lines, rawLines } = setup();
    const { record } = await screening.handleCall(call('0612345678'), new FakeControl());
    const callLines = lines.filter((l) => String(l.msg).startsWith('call '));
    expect(callLines).toHaveLength(1);
    expect(callLines[0]).toMatchObject({ level: 30, service: 'chut', caller: '+33612345678', action: 'ring', route: 'ring', rule: 'default', msg: 'call ring (default)' });
    // the record's time is the decision's, under its own name: one `time` key (the line's), not two
    expect(callLines[0]?.decidedAt).toBe(record.time);
    const raw = rawLines.find((l) => l.includes('"msg":"call ring (default)"')) ?? '';
    expect(raw.match(/"time":/g)).toHaveLength(1);
  });

  it('never logs secrets from the configuration', async () => {
    const { screening, lines } = setup();
    await screening.handleCall(call('0612345678'), new FakeControl());
    expect(JSON.stringify(lines)).not.toContain('hunter2-secret');
  });
});

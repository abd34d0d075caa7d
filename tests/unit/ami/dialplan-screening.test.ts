import { describe, expect, it, vi } from 'vitest';
import { CLAIM_TTL_MS, createDialplanScreening, ROUTED_GRACE_MS } from '../../../src/ami/screening.js';
import type { AmiAction } from '../../../src/ami/values.js';
import { parseConfig } from '../../../src/config.js';
import { Writable } from 'node:stream';
import { createLogger, silentLogger } from '../../../src/logger.js';
import { createMemoryStore } from '../../../src/reputation/index.js';
import { parsePolicy } from '../../../src/rules/index.js';
import { createScreeningService } from '../../../src/screening/service.js';
import { TEST_POLICY } from '../../helpers/policy.js';

interface SetupOptions {
  /** The dialplan's ChutVersion (1: the snippet before ChutRouted). */
  version?: number;
  /** The policy (default: captcha for every call); TEST_POLICY routes by caller name. */
  policy?: string;
  /** The store's claim, as this instance sees it (default: the memory store's). */
  claim?: (scope: string, id: string) => Promise<boolean>;
}

function setup(maxCalls?: number, send?: (a: AmiAction) => Promise<unknown>, opts: SetupOptions = {}) {
  let now = Date.UTC(2026, 10, 28, 10, 0);
  const clock = () => now;
  const config = parseConfig({});
  const store = createMemoryStore({ clock });
  const service = createScreeningService({
    store, policy: parsePolicy(opts.policy ?? 'version: 1\ndefault: captcha\nrules: []\n', 'test'), config, logger: silentLogger(), clock,
  });
  const claims: Array<[string, string, number]> = [];
  const lost: string[] = [];
  const screening = {
    ...service,
    claimCall: (scope: string, id: string, ttlMs: number) => {
      claims.push([scope, id, ttlMs]);
      return opts.claim ? opts.claim(scope, id) : service.claimCall(scope, id, ttlMs);
    },
  };
  const sent: AmiAction[] = [];
  const logs: string[] = [];
  const logger = createLogger('debug', new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
  const dialplan = createDialplanScreening({
    config, screening, logger, send: async (a) => { sent.push(a); return send?.(a); }, clock, maxCalls,
    schedule: () => () => undefined, // the bound on a ChutRouted is checked by sweep() on this clock
    onClaimLost: (id) => lost.push(id),
  });
  const query = (uniqueid: string, callerName = 'X') => dialplan.handle({
    type: 'chut-query', channel: `PJSIP/trunk-${uniqueid}`, uniqueid, callerNumber: '0612345678', callerName,
    dialled: '0100000000', verstat: null, waitMs: 2000, context: 'chut-screen', version: opts.version ?? 1,
  });
  const routed = (uniqueid: string, route: 'ring' | 'voicemail' | 'reject') => dialplan.handle({
    type: 'chut-routed', channel: `PJSIP/trunk-${uniqueid}`, uniqueid, route,
  });
  /** The channel's Hangup event, ending in `context`/`exten` (where it was, or its h extension's last step); `up`: it
   * had been answered (ChannelState 6). */
  const hangup = (uniqueid: string, context: string, exten: string, up = true) => dialplan.handle({
    type: 'hangup', channel: `PJSIP/trunk-${uniqueid}`, uniqueid, cause: 16, causeText: 'Normal Clearing', context, exten, up,
  });
  const facts = () => store.lookup({ e164: '+33612345678', now, rateWindowsSec: [], blockDigits: 8 });
  const warnings = () => logs.filter((l) => (JSON.parse(l) as { level: number }).level >= 40);
  const records = async () => (await store.calls({ limit: 10 })).calls;
  return {
    dialplan, store, config, sent, query, routed, hangup, facts, warnings, records, claims, lost, logs, advance: (ms: number) => { now += ms; },
  };
}

describe('AMI dialplan screening: captcha calls whose outcome never comes', () => {
  it('records a call swept after callTimeoutMs with the captcha route and no outcome, leaving the caller\'s score alone', async () => {
    const { dialplan, store, config, query, advance } = setup();
    query('1700000000.1');
    await dialplan.idle();
    expect(dialplan.size()).toBe(1);
    expect((await store.calls({ limit: 10 })).calls).toEqual([]); // waiting for the dialplan's outcome
    advance(config.ami.callTimeoutMs + 1);
    dialplan.sweep();
    await dialplan.idle();
    expect(dialplan.size()).toBe(0);
    expect((await store.calls({ limit: 10 })).calls).toEqual([
      expect.objectContaining({ callId: '1700000000.1', action: 'captcha', route: 'captcha', captcha: null }),
    ]);
    const facts = await store.lookup({ e164: '+33612345678', now: Date.now(), rateWindowsSec: [], blockDigits: 8 });
    expect(facts.captcha).toEqual({ passed: 0, failed: 0, hungUp: 0 });
  });

  it('records the oldest pending captcha call when the table is full, instead of dropping it silently', async () => {
    const { dialplan, store, query } = setup(2);
    for (const id of ['1.1', '1.2', '1.3']) {
      query(id);
      await dialplan.idle();
    }
    expect(dialplan.size()).toBe(2);
    expect((await store.calls({ limit: 10 })).calls.map((c) => [c.callId, c.route])).toEqual([['1.1', 'captcha']]);
  });
});

describe('AMI dialplan screening: a Hangup before the captcha outcome', () => {
  async function pendingCaptcha(id: string) {
    const t = setup();
    const before = await t.facts();
    t.query(id);
    await t.dialplan.idle();
    expect(t.dialplan.size()).toBe(1);
    return { ...t, before };
  }

  it.each([
    ['the trunk context, after Return() (the call rang: outcome lost in an AMI reconnect, or a late decision)', 'from-trunk', '0100000000', 'ring'],
    ["the trunk context's own h extension", 'from-trunk', 'h', 'ring'],
    ['the IVR context\'s h extension once the captcha was over (voicemail, reject, goodbye…)', 'chut-screen', 'h', 'captcha'],
    ['the voicemail route of the IVR context', 'chut-screen', 'voicemail', 'captcha'],
    ['an extension named captcha in another context', 'from-trunk', 'captcha', 'ring'],
  ])('ending in %s is recorded without an outcome (back in the caller\'s context: it rang), the caller untouched', async (_what, context, exten, route) => {
    const { dialplan, store, hangup, facts, before } = await pendingCaptcha('1.7');
    hangup('1.7', context, exten);
    await dialplan.idle();
    expect(dialplan.size()).toBe(0);
    expect((await store.calls({ limit: 10 })).calls).toEqual([
      expect.objectContaining({ callId: '1.7', action: 'captcha', route, captcha: null }),
    ]);
    const after = await facts();
    expect(after.captcha).toEqual({ passed: 0, failed: 0, hungUp: 0 });
    expect(after.score).toBe(before.score);
  });

  it.each([
    ['during the IVR (a dialplan without the h report)', 'captcha', true],
    ["in the h extension's captcha-hangup step (its UserEvent was lost)", 'captcha-hangup', true],
    ["in the h extension's captcha-hangup step, whatever the channel state says", 'captcha-hangup', false],
  ])('ending %s counts as hung-up', async (_what, exten, up) => {
    const { dialplan, store, hangup, facts, before } = await pendingCaptcha('1.8');
    hangup('1.8', 'chut-screen', exten, up);
    await dialplan.idle();
    expect((await store.calls({ limit: 10 })).calls).toEqual([
      expect.objectContaining({ callId: '1.8', route: 'hung-up', captcha: 'hung-up' }),
    ]);
    const after = await facts();
    expect(after.captcha.hungUp).toBe(1);
    expect(after.score).toBeGreaterThan(before.score);
  });
});

describe('AMI dialplan screening: a hang-up once chut asked for a captcha, before the IVR answered', () => {
  it.each([
    ["the h extension's captcha-unanswered step", 'captcha-unanswered', false],
    ['captcha-unanswered, on a channel the trunk context had answered', 'captcha-unanswered', true],
    ["the IVR context's h extension, unanswered (the snippet of 736f11f, without captcha-unanswered)", 'h', false],
    ['the captcha extension, unanswered (a dialplan without the h extension)', 'captcha', false],
  ])('ending in %s: recorded hung-up with no outcome, no warning, the caller untouched', async (_what, exten, up) => {
    const t = setup();
    const before = await t.facts();
    t.query('2.1');
    await t.dialplan.idle();
    t.hangup('2.1', 'chut-screen', exten, up);
    await t.dialplan.idle();
    expect(t.dialplan.size()).toBe(0);
    expect((await t.store.calls({ limit: 10 })).calls).toEqual([
      expect.objectContaining({ callId: '2.1', action: 'captcha', route: 'hung-up', captcha: null }),
    ]);
    const after = await t.facts();
    expect(after.captcha).toEqual({ passed: 0, failed: 0, hungUp: 0 });
    expect(after.score).toBe(before.score);
    expect(t.warnings()).toEqual([]);
  });

  it('a Hangup that arrives while chut is still setting the decision is not lost (the replies and the event in one read)', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const t = setup(undefined, () => gate);
    t.query('2.2');
    await new Promise((r) => setTimeout(r, 20)); // the Setvars are out, unanswered
    expect(t.sent.length).toBeGreaterThan(0);
    t.hangup('2.2', 'chut-screen', 'captcha-unanswered', false);
    release();
    await t.dialplan.idle();
    expect(t.dialplan.size()).toBe(0);
    expect((await t.store.calls({ limit: 10 })).calls).toEqual([
      expect.objectContaining({ callId: '2.2', action: 'captcha', route: 'hung-up', captcha: null }),
    ]);
    expect(t.warnings()).toEqual([]);
  });
});

describe('AMI dialplan screening: the IVR could not play its instructions', () => {
  it('a prompt-failed report records the call as rung, with no outcome, and leaves the caller alone', async () => {
    const { dialplan, store, query, facts } = setup();
    const before = await facts();
    query('1.9');
    await dialplan.idle();
    dialplan.handle({ type: 'chut-captcha', channel: 'PJSIP/trunk-1.9', uniqueid: '1.9', outcome: 'prompt-failed' });
    await dialplan.idle();
    expect(dialplan.size()).toBe(0);
    expect((await store.calls({ limit: 10 })).calls).toEqual([
      expect.objectContaining({ callId: '1.9', action: 'captcha', route: 'ring', captcha: null }),
    ]);
    const after = await facts();
    expect(after.captcha).toEqual({ passed: 0, failed: 0, hungUp: 0 });
    expect(after.score).toBe(before.score);
  });
});

describe('AMI dialplan screening: the route the dialplan reports (ChutVersion 2, ChutRouted)', () => {
  const v2 = (send?: (a: AmiAction) => Promise<unknown>) => setup(undefined, send, { version: 2, policy: TEST_POLICY });

  it('a voicemail decision the dialplan rang (no such box) is recorded ring, and its caller becomes the last caller', async () => {
    const t = v2();
    t.query('3.1', 'VOICEMAIL me');
    await t.dialplan.idle();
    expect(await t.records()).toEqual([]); // waiting for the dialplan's word
    expect(t.dialplan.size()).toBe(1);
    t.routed('3.1', 'ring');
    await t.dialplan.idle();
    expect(await t.records()).toEqual([expect.objectContaining({ callId: '3.1', action: 'voicemail', route: 'ring', captcha: null })]);
    expect(await t.store.getLastCaller('+33100000000')).toBe('+33612345678');
    expect(t.dialplan.size()).toBe(0);
    expect(t.warnings().join('')).toMatch(/voicemail was decided but the dialplan rang/);
  });

  it.each(['ring', 'voicemail', 'reject'] as const)('the route reported (%s) is recorded, whatever was sent', async (route) => {
    const t = v2();
    t.query('3.2', 'REJECT me');
    await t.dialplan.idle();
    t.routed('3.2', route);
    t.routed('3.2', 'ring'); // a second report (the voicemail route's own fail-open) changes nothing
    await t.dialplan.idle();
    expect(await t.records()).toEqual([expect.objectContaining({ callId: '3.2', action: 'reject', route })]);
  });

  it('a ChutRouted that comes while chut is still setting the decision (the dialplan stopped waiting) is kept', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const t = v2(() => gate);
    t.query('3.3', 'VOICEMAIL late');
    await new Promise((r) => setTimeout(r, 20)); // the Setvars are out, unanswered
    expect(t.sent.length).toBeGreaterThan(0);
    t.routed('3.3', 'ring');
    t.hangup('3.3', 'from-trunk', '0100000000', true);
    release();
    await t.dialplan.idle();
    expect(await t.records()).toEqual([expect.objectContaining({ callId: '3.3', action: 'voicemail', route: 'ring' })]);
    expect(t.dialplan.size()).toBe(0);
  });

  it('a late decision whose channel is gone: the ChutRouted read meanwhile says it rang, not hung-up', async () => {
    const t = v2(async () => { throw new Error('No such channel'); });
    t.query('3.4', 'REJECT gone');
    t.routed('3.4', 'ring');
    t.hangup('3.4', 'from-trunk', '0100000000', true);
    await t.dialplan.idle();
    expect(await t.records()).toEqual([expect.objectContaining({ callId: '3.4', action: 'reject', route: 'ring' })]);
  });

  it('a Hangup before any ChutRouted: hung-up in the snippet, ring back in the caller\'s context (the report lost)', async () => {
    const t = v2();
    t.query('3.5', 'VOICEMAIL quits');
    t.query('3.6', 'VOICEMAIL lost');
    await t.dialplan.idle();
    t.hangup('3.5', 'chut-screen', 'h', false);
    t.hangup('3.6', 'from-trunk', '0100000000', true);
    await t.dialplan.idle();
    const routes = Object.fromEntries((await t.records()).map((r) => [r.callId, r.route]));
    expect(routes).toEqual({ '3.5': 'hung-up', '3.6': 'ring' });
  });

  it('no ChutRouted within the dialplan\'s wait and the grace (lost in an AMI reconnect): the route chut sent', async () => {
    const t = v2();
    t.query('3.7', 'VOICEMAIL silent');
    await t.dialplan.idle();
    t.advance(2000 + ROUTED_GRACE_MS - 1);
    t.dialplan.sweep();
    await t.dialplan.idle();
    expect(await t.records()).toEqual([]);
    t.advance(1);
    t.dialplan.sweep();
    await t.dialplan.idle();
    expect(await t.records()).toEqual([expect.objectContaining({ callId: '3.7', route: 'voicemail', captcha: null })]);
    t.routed('3.7', 'ring'); // too late: already recorded
    await t.dialplan.idle();
    expect(await t.records()).toHaveLength(1);
  });

  it('stopping records a call still waiting for its ChutRouted with the route chut sent', async () => {
    const t = v2();
    t.query('3.8', 'REJECT stop');
    await t.dialplan.idle();
    t.dialplan.close();
    await t.dialplan.idle();
    expect(await t.records()).toEqual([expect.objectContaining({ callId: '3.8', route: 'reject' })]);
    expect(t.dialplan.size()).toBe(0);
  });

  it('a captcha call the dialplan rang without its outcome: recorded ring, no outcome, the caller untouched', async () => {
    const t = v2();
    const before = await t.facts();
    t.query('3.9', 'CAPTCHA lost');
    await t.dialplan.idle();
    t.routed('3.9', 'ring');
    await t.dialplan.idle();
    expect(await t.records()).toEqual([expect.objectContaining({ callId: '3.9', action: 'captcha', route: 'ring', captcha: null })]);
    expect(await t.store.getLastCaller('+33100000000')).toBe('+33612345678');
    const after = await t.facts();
    expect(after.captcha).toEqual({ passed: 0, failed: 0, hungUp: 0 });
    expect(after.score).toBe(before.score);
  });

  it('after the captcha outcome, the call is recorded with the route the IVR then takes, and the outcome', async () => {
    const t = v2();
    t.query('3.10', 'CAPTCHA fails');
    await t.dialplan.idle();
    t.dialplan.handle({ type: 'chut-captcha', channel: 'PJSIP/trunk-3.10', uniqueid: '3.10', outcome: 'failed' });
    await t.dialplan.idle();
    expect(await t.records()).toEqual([]); // the verdict is learned, the route not known yet
    expect((await t.facts()).captcha.failed).toBe(1);
    t.routed('3.10', 'ring'); // no such box: the failure route rang
    await t.dialplan.idle();
    expect(await t.records()).toEqual([expect.objectContaining({ callId: '3.10', route: 'ring', captcha: 'failed' })]);
    expect((await t.facts()).captcha.failed).toBe(1); // learned once
  });

  it('after the captcha outcome, a hang-up during the goodbye keeps the verdict and the route it led to; stopping records a captcha still running', async () => {
    const t = v2();
    t.query('3.12', 'CAPTCHA fails');
    await t.dialplan.idle();
    t.dialplan.handle({ type: 'chut-captcha', channel: 'PJSIP/trunk-3.12', uniqueid: '3.12', outcome: 'failed' });
    t.hangup('3.12', 'chut-screen', 'bye'); // during the goodbye words
    await t.dialplan.idle();
    expect(await t.records()).toEqual([expect.objectContaining({ callId: '3.12', route: 'voicemail', captcha: 'failed' })]);
    t.query('3.13', 'CAPTCHA running');
    await t.dialplan.idle();
    t.dialplan.close();
    await t.dialplan.idle();
    expect((await t.records()).map((r) => [r.callId, r.route, r.captcha])).toEqual(expect.arrayContaining([['3.13', 'captcha', null]]));
  });

  it('a ChutCaptcha for a call chut did not ask a captcha of is ignored', async () => {
    const t = v2();
    t.query('3.11', 'REJECT forged');
    await t.dialplan.idle();
    t.dialplan.handle({ type: 'chut-captcha', channel: 'PJSIP/trunk-3.11', uniqueid: '3.11', outcome: 'passed' });
    t.routed('3.11', 'reject');
    await t.dialplan.idle();
    expect(await t.records()).toEqual([expect.objectContaining({ callId: '3.11', route: 'reject', captcha: null })]);
  });

  it('a ChutRouted for a call nobody screened is ignored', async () => {
    const t = v2();
    t.routed('9.9', 'ring');
    await t.dialplan.idle();
    expect(await t.records()).toEqual([]);
    expect(t.dialplan.size()).toBe(0);
  });
});

describe('AMI dialplan screening: a version 1 snippet (no ChutRouted)', () => {
  it.each([['VOICEMAIL old', 'voicemail'], ['REJECT old', 'reject'], ['Someone', 'ring']])('%s is recorded at once with the route chut sent', async (name, route) => {
    const t = setup(undefined, undefined, { version: 1, policy: TEST_POLICY });
    t.query('4.1', name);
    await t.dialplan.idle();
    expect(await t.records()).toEqual([expect.objectContaining({ callId: '4.1', route })]);
    expect(t.dialplan.size()).toBe(0);
  });
});

describe('AMI dialplan screening: another chut instance on the same Asterisk (the claim)', () => {
  const report = { type: 'chut-report', channel: 'PJSIP/100-00000009', uniqueid: '5.9', kind: 'spam', target: '100', version: 2 } as const;

  it('claims each query and each *77/*78 report by its Uniqueid before acting', async () => {
    const t = setup(undefined, undefined, { version: 2, policy: TEST_POLICY });
    t.query('5.1', 'REJECT me');
    t.dialplan.handle(report);
    await t.dialplan.idle();
    expect(t.claims).toEqual([['ami', '5.1', CLAIM_TTL_MS], ['ami-report', '5.9', CLAIM_TTL_MS]]);
    expect(t.sent.length).toBeGreaterThan(0);
    expect(t.logs.some((l) => l.includes('report-last-caller'))).toBe(true);
  });

  it('a call another instance claimed: nothing sent, nothing recorded, nothing kept, its events ignored', async () => {
    const t = setup(undefined, undefined, { version: 2, policy: TEST_POLICY, claim: async () => false });
    t.query('5.2', 'VOICEMAIL other');
    t.routed('5.2', 'ring');
    t.hangup('5.2', 'from-trunk', '0100000000', true);
    t.dialplan.handle(report);
    await t.dialplan.idle();
    t.routed('5.2', 'ring');
    t.dialplan.handle({ type: 'chut-captcha', channel: 'PJSIP/trunk-5.2', uniqueid: '5.2', outcome: 'passed' });
    t.hangup('5.2', 'from-trunk', '0100000000', true);
    await t.dialplan.idle();
    expect(t.sent).toEqual([]);
    expect(await t.records()).toEqual([]);
    expect(t.dialplan.size()).toBe(0);
    expect(t.lost).toEqual(['5.2']);
    expect(t.logs.some((l) => l.includes('report-last-caller'))).toBe(false);
    expect(t.warnings()).toEqual([]);
  });

  it('a claim the store cannot answer (Redis down) counts as won: the call is screened and recorded (fail-open)', async () => {
    const t = setup(undefined, undefined, { version: 1, policy: TEST_POLICY, claim: async () => { throw new Error('Connection is closed.'); } });
    t.query('5.3', 'REJECT down');
    await t.dialplan.idle();
    expect(await t.records()).toEqual([expect.objectContaining({ callId: '5.3', route: 'reject' })]);
    expect(t.warnings().join('')).toMatch(/could not claim the call.*fail-open/);
  });

  it('a claim that does not answer within the screening deadline counts as won', async () => {
    const t = setup(undefined, undefined, { version: 1, policy: TEST_POLICY, claim: () => new Promise<boolean>(() => undefined) });
    t.query('5.4', 'REJECT slow');
    await t.dialplan.idle();
    expect(await t.records()).toEqual([expect.objectContaining({ callId: '5.4', route: 'reject' })]);
    expect(t.warnings().join('')).toMatch(/did not answer the claim in time/);
  });
});

describe('AMI dialplan screening: *77/*78 tell the phone how the report went (ChutVersion 2)', () => {
  const press = (t: ReturnType<typeof setup>, uniqueid: string, version = 2) => t.dialplan.handle({
    type: 'chut-report', channel: `PJSIP/100-${uniqueid}`, uniqueid, kind: 'spam', target: '0100000000', version,
  });
  const answers = (t: ReturnType<typeof setup>) => t.sent.filter((a) => a.variable === 'CHUT_REPORTED').map((a) => [a.channel, a.value]);

  it('reported: the last caller of the line was reported, and the phone hears so', async () => {
    const t = setup(undefined, undefined, { version: 2, policy: TEST_POLICY });
    t.query('6.1', 'Someone');
    t.routed('6.1', 'ring');
    await t.dialplan.idle();
    press(t, '6.2');
    await t.dialplan.idle();
    expect(answers(t)).toEqual([['PJSIP/100-6.2', 'reported']]);
    expect((await t.facts()).reports).toBe(1);
  });

  it('nobody: no caller to report', async () => {
    const t = setup(undefined, undefined, { version: 2, policy: TEST_POLICY });
    press(t, '6.3');
    await t.dialplan.idle();
    expect(answers(t)).toEqual([['PJSIP/100-6.3', 'nobody']]);
    expect(t.warnings()).toEqual([]);
  });

  it('failed: the store did not take the report; a warning, and the phone is told (not "thank you")', async () => {
    const t = setup(undefined, undefined, { version: 2, policy: TEST_POLICY });
    const store = t.store as unknown as { lastCallerState: () => Promise<unknown> };
    store.lastCallerState = () => Promise.reject(new Error('Connection is closed.'));
    press(t, '6.4');
    await t.dialplan.idle();
    expect(answers(t)).toEqual([['PJSIP/100-6.4', 'failed']]);
    expect(t.warnings().join('')).toMatch(/Connection is closed.*could not be made/);
  });

  it('an older snippet (no ChutVersion) does not wait for an answer: none is sent', async () => {
    const t = setup(undefined, undefined, { version: 1, policy: TEST_POLICY });
    press(t, '6.5', 1);
    await t.dialplan.idle();
    expect(answers(t)).toEqual([]);
    expect(t.logs.some((l) => l.includes('report-last-caller'))).toBe(true);
  });

  it('a phone that hung up before the answer: nothing else happens (no error logged)', async () => {
    const t = setup(undefined, async (a) => { if (a.variable === 'CHUT_REPORTED') throw new Error('No such channel'); }, { version: 2, policy: TEST_POLICY });
    press(t, '6.6');
    await t.dialplan.idle();
    expect(answers(t)).toEqual([['PJSIP/100-6.6', 'nobody']]); // the answer was sent, and refused: its one try
    expect(t.sent).toHaveLength(1);
    expect(t.warnings()).toEqual([]);
  });
});

describe('AMI dialplan screening: a ChutQuery past the most calls screened at once', () => {
  it('the warning writes the cap as counts are written elsewhere, 10,000 calls, whatever the machine\'s locale', async () => {
    // a French machine: a number formatted for the default locale reads "10 000" (a narrow no-break space)
    const toLocaleString = Number.prototype.toLocaleString;
    const french = vi.spyOn(Number.prototype, 'toLocaleString').mockImplementation(function (this: number, locales, options) {
      return toLocaleString.call(this, locales ?? 'fr-FR', options);
    });
    try {
      // every ChutQuery stays in flight: its Setvar is never answered
      const { query, warnings } = setup(10_000, () => new Promise(() => undefined));
      for (let i = 0; i <= 10_000; i++) query(`1700000000.${i}`);
      await new Promise((resolve) => setImmediate(resolve));
      const said = warnings().map((l) => (JSON.parse(l) as { msg: string }).msg).filter((m) => m.startsWith('AMI: a ChutQuery came'));
      expect(said).toEqual([expect.stringMatching(/^AMI: a ChutQuery came while 10,000 calls were being screened, the most at once: ignored, 1 time /)]);
    } finally {
      french.mockRestore();
    }
  });
});

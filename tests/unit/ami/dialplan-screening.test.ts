import { describe, expect, it } from 'vitest';
import { createDialplanScreening } from '../../../src/ami/screening.js';
import type { AmiAction } from '../../../src/ami/values.js';
import { parseConfig } from '../../../src/config.js';
import { Writable } from 'node:stream';
import { createLogger, silentLogger } from '../../../src/logger.js';
import { createMemoryStore } from '../../../src/reputation/index.js';
import { parsePolicy } from '../../../src/rules/index.js';
import { createScreeningService } from '../../../src/screening/service.js';

function setup(maxCalls?: number, send?: (a: AmiAction) => Promise<unknown>) {
  let now = Date.UTC(2026, 10, 28, 10, 0);
  const clock = () => now;
  const config = parseConfig({});
  const store = createMemoryStore({ clock });
  const screening = createScreeningService({
    store, policy: parsePolicy('version: 1\ndefault: captcha\nrules: []\n', 'test'), config, logger: silentLogger(), clock,
  });
  const sent: AmiAction[] = [];
  const logs: string[] = [];
  const logger = createLogger('debug', new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
  const dialplan = createDialplanScreening({
    config, screening, logger, send: async (a) => { sent.push(a); return send?.(a); }, clock, maxCalls,
  });
  const query = (uniqueid: string) => dialplan.handle({
    type: 'chut-query', channel: `PJSIP/trunk-${uniqueid}`, uniqueid, callerNumber: '0612345678', callerName: 'X',
    dialled: '0100000000', verstat: null, waitMs: 2000, context: 'chut-screen',
  });
  /** The channel's Hangup event, ending in `context`/`exten` (where it was, or its h extension's last step); `up`: it
   * had been answered (ChannelState 6). */
  const hangup = (uniqueid: string, context: string, exten: string, up = true) => dialplan.handle({
    type: 'hangup', channel: `PJSIP/trunk-${uniqueid}`, uniqueid, cause: 16, causeText: 'Normal Clearing', context, exten, up,
  });
  const facts = () => store.lookup({ e164: '+33612345678', now, rateWindowsSec: [], blockDigits: 8 });
  const warnings = () => logs.filter((l) => (JSON.parse(l) as { level: number }).level >= 40);
  return { dialplan, store, config, sent, query, hangup, facts, warnings, advance: (ms: number) => { now += ms; } };
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
    ['the trunk context, after Return() (the call rang: outcome lost in an AMI reconnect, or a late decision)', 'from-trunk', '0100000000'],
    ["the trunk context's own h extension", 'from-trunk', 'h'],
    ['the IVR context\'s h extension once the captcha was over (voicemail, reject, goodbye…)', 'chut-screen', 'h'],
    ['the voicemail route of the IVR context', 'chut-screen', 'voicemail'],
    ['an extension named captcha in another context', 'from-trunk', 'captcha'],
  ])('ending in %s is recorded without an outcome, the caller untouched', async (_what, context, exten) => {
    const { dialplan, store, hangup, facts, before } = await pendingCaptcha('1.7');
    hangup('1.7', context, exten);
    await dialplan.idle();
    expect(dialplan.size()).toBe(0);
    expect((await store.calls({ limit: 10 })).calls).toEqual([
      expect.objectContaining({ callId: '1.7', action: 'captcha', route: 'captcha', captcha: null }),
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

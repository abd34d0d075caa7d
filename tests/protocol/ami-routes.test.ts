/** Complete calls through chut's real wiring (startChut) against the AMI fake running our dialplan, and the real Redis. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/reputation/types.js';
import type { SimulatedCall } from '../../src/sim/types.js';
import { eventually, header, startAmiHarness, type AmiHarness, type Packet } from '../fakes/ami/index.js';

type Stored = CallRecord & { id: string; enrichment: unknown };
let h: AmiHarness;
let n = 0;
/** A fresh French mobile number per call, so reputation from one test never leaks into another. */
const caller = () => `+3361299${String(5000 + ++n).padStart(4, '0')}`;
const call = (callerName: string, behaviour: SimulatedCall['behaviour'], callerNumber = caller()): SimulatedCall =>
  ({ callerNumber, callerName, dialled: '0100000000', behaviour });

async function recordOf(callId: string, withEnrichment = false): Promise<Stored> {
  let found: Stored | undefined;
  await eventually(async () => {
    found = (await h.chut.store.calls({ limit: 200 })).calls.find((c) => c.callId === callId) as Stored | undefined;
    return found !== undefined && (!withEnrichment || found.enrichment !== null);
  }, 8000, `the call record of ${callId}`);
  return found as Stored;
}

/** The Setvar actions chut sent for one channel, as {variable: value}. */
function setvarsFor(channelPrefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of h.sim.actions()) {
    if ((header(p, 'Action') ?? '').toLowerCase() !== 'setvar') continue;
    if (!(header(p, 'Channel') ?? '').startsWith(channelPrefix)) continue;
    out[header(p, 'Variable') ?? ''] = header(p, 'Value') ?? '';
  }
  return out;
}

beforeAll(async () => { h = await startAmiHarness({ label: 'ami-routes', sim: { talkMs: 1100 } }); });
afterAll(async () => { await h.stop(); });

describe('routes through AMI (dialplan-driven)', () => {
  it('ring: the dialplan returns to the normal destination, unanswered by chut', async () => {
    const out = await h.sim.placeCall(call('Alice Martin', { kind: 'silent' }));
    expect(out).toMatchObject({ route: 'ring', answered: false, heardDigits: '' });
    expect(await recordOf(out.callId)).toMatchObject({ pbx: 'asterisk-ami', action: 'ring', route: 'ring', callerName: 'Alice Martin' });
  });

  it('voicemail', async () => {
    const out = await h.sim.placeCall(call('VOICEMAIL please', { kind: 'silent' }));
    expect(out).toMatchObject({ route: 'voicemail', answered: false });
    expect(await recordOf(out.callId)).toMatchObject({ action: 'voicemail', route: 'voicemail', rule: 'wants-voicemail' });
  });

  it('reject, with the configured reject style passed to the dialplan', async () => {
    const out = await h.sim.placeCall(call('REJECT me', { kind: 'silent' }));
    expect(out).toMatchObject({ route: 'reject', answered: false });
    expect(await recordOf(out.callId)).toMatchObject({ action: 'reject', route: 'reject' });
    const channel = `Local/0100000000@from-pstn-`;
    expect(Object.values(setvarsFor(channel))).toContain('sit');
  });

  it('a blocklisted number is rejected', async () => {
    const number = caller();
    await h.chut.store.addListEntry({ list: 'block', entry: { kind: 'number', e164: number }, reason: 'test', source: 'cli', addedAt: Date.now(), expiresAt: null });
    const out = await h.sim.placeCall(call('Someone', { kind: 'silent' }, number));
    expect(out.route).toBe('reject');
    expect(await recordOf(out.callId)).toMatchObject({ rule: 'blocklist', route: 'reject', caller: number });
  });

  it('captcha passed: the dialplan IVR answers, the caller types the digits chut set, the call rings', async () => {
    const out = await h.sim.placeCall(call('CAPTCHA person', { kind: 'types-what-it-hears' }));
    expect(out).toMatchObject({ route: 'ring', answered: true });
    expect(out.heardDigits).toMatch(/^\d{4}$/);
    expect(await recordOf(out.callId)).toMatchObject({ action: 'captcha', route: 'ring', captcha: 'passed' });
  });

  it('a caller who passed the captcha is trusted on the next call', async () => {
    const number = caller();
    const first = await h.sim.placeCall(call('CAPTCHA returning', { kind: 'types-what-it-hears' }, number));
    expect(first).toMatchObject({ route: 'ring', answered: true });
    await recordOf(first.callId);
    const second = await h.sim.placeCall(call('CAPTCHA returning', { kind: 'silent' }, number));
    expect(second).toMatchObject({ route: 'ring', answered: false, heardDigits: '' });
    expect(await recordOf(second.callId)).toMatchObject({ action: 'ring', rule: 'trusted' });
  });

  it('captcha failed: wrong digits on every attempt take the failure route', async () => {
    const out = await h.sim.placeCall(call('CAPTCHA wrong', { kind: 'types', digits: '0000' }));
    expect(out).toMatchObject({ route: 'voicemail', answered: true });
    expect(out.heardDigits).toMatch(/^\d{8}$/); // two attempts
    expect(await recordOf(out.callId)).toMatchObject({ action: 'captcha', route: 'voicemail', captcha: 'failed' });
  });

  it('captcha timeout: a silent caller takes the timeout route', async () => {
    const out = await h.sim.placeCall(call('CAPTCHA silent', { kind: 'silent' }));
    expect(out).toMatchObject({ route: 'reject', answered: true });
    expect(await recordOf(out.callId)).toMatchObject({ captcha: 'timeout', route: 'reject' });
  });

  it('a robot blasting DTMF during the prompt fails: digits before Read() are dropped', async () => {
    const out = await h.sim.placeCall(call('CAPTCHA robot', { kind: 'blasts-dtmf', digits: '1234' }));
    expect(out.answered).toBe(true);
    expect(out.route).not.toBe('ring');
    expect((await recordOf(out.callId)).captcha).not.toBe('passed');
  });

  it('a caller who hangs up once chut asked for a captcha, before the IVR answered: hung-up, no outcome, no warning, the score untouched', async () => {
    // the caller hangs up the moment CHUT_DECISION=captcha lands on the channel, while the dialplan still waits for
    // its next tick: the h extension ends in captcha-unanswered (no timing race with chut's answer)
    const number = caller();
    const facts = () => h.chut.store.lookup({ e164: number, now: Date.now(), rateWindowsSec: [], blockDigits: 8 });
    const before = await facts();
    const hangups: Packet[] = [];
    h.sim.server.onEvent = (p) => { if (header(p, 'Event') === 'Hangup') hangups.push(p); };
    h.sim.server.hangUpOnSetvar = (variable, value) => variable === 'CHUT_DECISION' && value === 'captcha';
    const logsBefore = h.logs.length;
    let out;
    try {
      out = await h.sim.placeCall(call('CAPTCHA quitter', { kind: 'silent' }, number));
    } finally {
      h.sim.server.hangUpOnSetvar = null;
      h.sim.server.onEvent = null;
    }
    expect(out).toMatchObject({ route: 'hung-up', answered: false, heardDigits: '' });
    const inbound = hangups.find((p) => header(p, 'Uniqueid') === out.callId);
    expect(inbound && [header(inbound, 'Context'), header(inbound, 'Exten'), header(inbound, 'ChannelState')])
      .toEqual(['chut-screen', 'captcha-unanswered', '4']);
    expect(await recordOf(out.callId)).toMatchObject({ action: 'captcha', captcha: null, route: 'hung-up' });
    await h.adapter.idle();
    const after = await facts();
    expect(after.captcha).toEqual({ passed: 0, failed: 0, hungUp: 0 });
    expect(after.score).toBe(before.score);
    const warned = h.logs.slice(logsBefore).filter((l) => l.includes(out.callId) && (JSON.parse(l) as { level: number }).level >= 40);
    expect(warned).toEqual([]);
  });

  it('a caller who hangs up during the IVR prompt: the h extension reports it, chut records hung-up', async () => {
    const out = await h.sim.placeCall(call('CAPTCHA leaves mid-prompt', { kind: 'hangs-up', afterMs: 250 }));
    expect(out).toMatchObject({ route: 'hung-up', answered: true });
    expect(await recordOf(out.callId)).toMatchObject({ action: 'captcha', captcha: 'hung-up', route: 'hung-up' });
  });

  it('every Setvar names a channel, and CHUT_DECISION is the last one set on a captcha call', async () => {
    const setvars = h.sim.actions().filter((p) => (header(p, 'Action') ?? '').toLowerCase() === 'setvar');
    expect(setvars.length).toBeGreaterThan(5);
    for (const p of setvars) expect(header(p, 'Channel')).toMatch(/^Local\//);
    expect(h.sim.server.globals.size).toBe(0);
    const captchaCall = setvars.filter((p) => header(p, 'Value') === 'captcha')[0];
    const channel = captchaCall ? header(captchaCall, 'Channel') : undefined;
    const forThatChannel = setvars.filter((p) => header(p, 'Channel') === channel).map((p) => header(p, 'Variable'));
    expect(forThatChannel[forThatChannel.length - 1]).toBe('CHUT_DECISION');
    expect(forThatChannel).toContain('CHUT_CAPTCHA_DIGITS');
  });

  it('monitoring enriches the record: answered by the phone, talk time, hang-up cause', async () => {
    const out = await h.sim.placeCall(call('Bob Enriched', { kind: 'silent' }));
    expect(out.route).toBe('ring');
    const rec = await recordOf(out.callId, true);
    expect(rec.enrichment).toMatchObject({ answered: true, answeredBy: '100', hangupCause: 'Normal Clearing' });
    expect((rec.enrichment as { talkSeconds: number }).talkSeconds).toBeGreaterThanOrEqual(1);
  });

  it('a rejected call is enriched as not answered, with the reject cause', async () => {
    const out = await h.sim.placeCall(call('REJECT enriched', { kind: 'silent' }));
    const rec = await recordOf(out.callId, true);
    expect(rec.enrichment).toMatchObject({ answered: false, answeredBy: null, talkSeconds: null });
    expect((rec.enrichment as { hangupCause: string }).hangupCause).toMatch(/Unallocated/);
  });

  it('holds no per-call state once the calls are over', async () => {
    await h.adapter.idle();
    expect(h.adapter.stats()).toMatchObject({ screening: 0, monitored: 0, pendingActions: 0 });
  });
});

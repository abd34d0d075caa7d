/**
 * A captcha outcome chut never hears must not count against the caller: the dialplan IVR's `ChutCaptcha` report
 * lost across an AMI reconnect, or a captcha decision that reached the channel after the dialplan stopped
 * waiting (the call rang). Only a Hangup inside the IVR counts as `hung-up`. chut's real wiring, the AMI fake
 * running our dialplan, the real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/reputation/types.js';
import type { SimulatedCall } from '../../src/sim/types.js';
import { expectNoPerCallState, header, startAmiHarness, type AmiHarness, type Packet, recordOf as recordOfCall } from '../fakes/ami/index.js';

let h: AmiHarness;
let n = 0;
const caller = () => `+3361277${String(5000 + ++n).padStart(4, '0')}`;
const call = (callerName: string, behaviour: SimulatedCall['behaviour'], callerNumber: string): SimulatedCall =>
  ({ callerNumber, callerName, dialled: '0100000000', behaviour });

const recordOf = (callId: string): Promise<CallRecord> => recordOfCall(h, callId);

const facts = (e164: string) => h.chut.store.lookup({ e164, now: Date.now(), rateWindowsSec: [], blockDigits: 8 });

const captchaReport = (outcome: string) => (p: Packet) =>
  header(p, 'Event') === 'UserEvent' && header(p, 'UserEvent') === 'ChutCaptcha' && header(p, 'ChutOutcome') === outcome;

// A long talk, so chut is logged in again (backoff 125–250 ms) well before the call ends.
beforeAll(async () => { h = await startAmiHarness({ label: 'ami-lost', sim: { talkMs: 1500 } }); });
afterAll(async () => { await h.stop(); });

describe('a captcha outcome chut did not hear', () => {
  it('passed while the AMI connection was down: the call rings, ends, and is recorded ring with no outcome; the caller is untouched', async () => {
    const number = caller();
    const before = await facts(number);
    const logins = h.sim.server.loginCount;
    h.sim.dropConnectionsBefore(captchaReport('passed'));
    const out = await h.sim.placeCall(call('CAPTCHA lost pass', { kind: 'types-what-it-hears' }, number));
    expect(out).toMatchObject({ route: 'ring', answered: true });
    expect(h.sim.server.loginCount).toBeGreaterThan(logins); // the connection really dropped, and chut came back
    const rec = await recordOf(out.callId);
    // the dialplan reported the ring (ChutRouted) once chut was back: the call rang, and is the last caller *77 reports
    expect(rec).toMatchObject({ action: 'captcha', captcha: null, route: 'ring' });
    expect(await h.chut.store.getLastCaller('+33100000000')).toBe(number);
    await h.adapter.idle();
    const after = await facts(number);
    expect(after.captcha).toEqual({ passed: 0, failed: 0, hungUp: 0 });
    expect(after.score).toBe(before.score);
  });

  it('a captcha decision that lands after the dialplan stopped waiting (AMI lag): the call rings, no outcome, caller untouched', async () => {
    const number = caller();
    const before = await facts(number);
    h.sim.delayEvents(2300); // the ChutQuery reaches chut after the dialplan's 2 s wait: the call already rings
    try {
      const out = await h.sim.placeCall(call('CAPTCHA too late', { kind: 'silent' }, number));
      expect(out).toMatchObject({ route: 'ring', answered: false });
      const rec = await recordOf(out.callId);
      expect(rec.captcha).toBeNull();
      expect(rec.route).toBe('ring');
    } finally {
      h.sim.delayEvents(0);
    }
    await h.adapter.idle();
    const after = await facts(number);
    expect(after.captcha).toEqual({ passed: 0, failed: 0, hungUp: 0 });
    expect(after.score).toBe(before.score);
  });

  it('a caller who really hangs up during the IVR is still hung-up, even when the h extension report is lost', async () => {
    const number = caller();
    const before = await facts(number);
    h.sim.suppressEvents(captchaReport('hung-up'));
    try {
      const out = await h.sim.placeCall(call('CAPTCHA quits', { kind: 'hangs-up', afterMs: 250 }, number));
      expect(out).toMatchObject({ route: 'hung-up', answered: true });
      expect(await recordOf(out.callId)).toMatchObject({ action: 'captcha', captcha: 'hung-up', route: 'hung-up' });
    } finally {
      h.sim.suppressEvents(null);
    }
    await h.adapter.idle();
    const after = await facts(number);
    expect(after.captcha.hungUp).toBe(1);
    expect(after.score).toBeGreaterThan(before.score);
  });

  it('holds no per-call state afterwards', async () => {
    await expectNoPerCallState(h.adapter);
  });
});

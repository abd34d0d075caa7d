/** Complete calls through chut's real wiring (startChut) against the fake Asterisk and the real Redis. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedCall } from '../../src/sim/types.js';
import type { SimRequest } from '../../src/sim/ari/index.js';
import { recordOf, startAriHarness, type AriHarness } from '../fakes/ari/index.js';

let h: AriHarness;
let n = 0;
/** A fresh French mobile number per call, so reputation from one test never leaks into another. */
const caller = () => `+3361234${String(5000 + ++n).padStart(4, '0')}`;
const call = (callerName: string, behaviour: SimulatedCall['behaviour'], callerNumber = caller()): SimulatedCall =>
  ({ callerNumber, callerName, dialled: '0100000000', behaviour });

/** Every `continue` chut sent, with its query: a named context could kill a call if it did not exist. */
const continues: string[] = [];
let connectedAt = 0;
beforeAll(async () => {
  h = await startAriHarness({ label: 'ari-routes' });
  connectedAt = Date.now();
  h.sim.on('request', (r: SimRequest) => { if (r.path.endsWith('/continue')) continues.push(r.query.toString()); });
});
afterAll(async () => { await h.stop(); });

describe('routes through ARI', () => {
  it('ring: the call continues to the normal destination without being answered', async () => {
    const out = await h.sim.placeCall(call('Alice Martin', { kind: 'silent' }));
    expect(out).toMatchObject({ route: 'ring', answered: false, heardDigits: '' });
    expect(await recordOf(h, out.callId)).toMatchObject({ pbx: 'asterisk-ari', action: 'ring', route: 'ring', callerName: 'Alice Martin' });
  });

  it('voicemail: unanswered by chut, dispatched to the voicemail label', async () => {
    const out = await h.sim.placeCall(call('VOICEMAIL please', { kind: 'silent' }));
    expect(out).toMatchObject({ route: 'voicemail', answered: false });
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'voicemail', route: 'voicemail', rule: 'wants-voicemail' });
  });

  it('reject: dispatched to the reject label', async () => {
    const out = await h.sim.placeCall(call('REJECT me', { kind: 'silent' }));
    expect(out).toMatchObject({ route: 'reject', answered: false });
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'reject', route: 'reject' });
  });

  it('captcha passed: answered, the caller types the digits it heard, the call rings', async () => {
    const out = await h.sim.placeCall(call('CAPTCHA person', { kind: 'types-what-it-hears' }));
    expect(out.route).toBe('ring');
    expect(out.answered).toBe(true);
    expect(out.heardDigits).toMatch(/^\d{4}$/);
    // the instructions, then the digits, said with the digit sound files (checked, unlike `digits:`)
    const firstDigits = out.played.findIndex((m) => m.startsWith('sound:digits/'));
    expect(firstDigits).toBeGreaterThan(0);
    expect(out.played.slice(firstDigits, firstDigits + 4)).toEqual([...out.heardDigits].map((d) => `sound:digits/${d}`));
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'captcha', route: 'ring', captcha: 'passed' });
  });

  it('a caller who passed the captcha rings directly on the next call', async () => {
    const number = caller();
    const first = await h.sim.placeCall(call('CAPTCHA returning', { kind: 'types-what-it-hears' }, number));
    expect(first).toMatchObject({ route: 'ring', answered: true });
    await recordOf(h, first.callId);
    const second = await h.sim.placeCall(call('CAPTCHA returning', { kind: 'silent' }, number));
    expect(second).toMatchObject({ route: 'ring', answered: false, heardDigits: '' });
    expect(await recordOf(h, second.callId)).toMatchObject({ action: 'ring', rule: 'trusted' });
  });

  it('captcha failed: wrong digits on every attempt take the failure route (voicemail)', async () => {
    const out = await h.sim.placeCall(call('CAPTCHA wrong', { kind: 'types', digits: '0000' }));
    expect(out).toMatchObject({ route: 'voicemail', answered: true });
    expect(out.heardDigits).toMatch(/^\d{8}$/); // two attempts, fresh digits each time
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'captcha', route: 'voicemail', captcha: 'failed' });
  });

  it('captcha timeout: a silent caller takes the timeout route (reject)', async () => {
    const out = await h.sim.placeCall(call('CAPTCHA silent', { kind: 'silent' }));
    expect(out).toMatchObject({ route: 'reject', answered: true });
    expect(await recordOf(h, out.callId)).toMatchObject({ captcha: 'timeout', route: 'reject' });
  });

  it('captcha hung up: a caller who hangs up during the prompt is recorded as hung-up', async () => {
    // 300 ms from the call's start, then again from the answer: a loaded machine's screening must not outlast the
    // first wait (a caller gone before the challenge has no captcha outcome), and the challenge lasts over a second.
    const out = await h.sim.placeCall(call('CAPTCHA quitter', { kind: 'hangs-up', afterMs: 300 }));
    expect(out.route).toBe('hung-up');
    expect(await recordOf(h, out.callId)).toMatchObject({ captcha: 'hung-up', route: 'hung-up' });
  });

  it('a robot blasting DTMF before the prompt ends never passes', async () => {
    const out = await h.sim.placeCall(call('CAPTCHA robot', { kind: 'blasts-dtmf', digits: '1234567890' }));
    expect(out.answered).toBe(true);
    expect(out.route).not.toBe('ring');
    const rec = await recordOf(h, out.callId);
    expect(rec.captcha === 'failed' || rec.captcha === 'timeout').toBe(true);
  });

  it('hostile caller data is carried as data: quotes, CR/LF and a fake verstat do not change the route', async () => {
    const out = await h.sim.placeCall(call('Eve "\r\nAction: Ping', { kind: 'silent' }, '+33612349999&context=x'));
    expect(out.route).toBe('ring');
    const rec = await recordOf(h, out.callId);
    expect(rec.callerName).not.toMatch(/[\r\n]/);
  });
});

describe('report the last caller (*77 / *78 feature codes)', () => {
  it('*77 from the extension the caller reached marks that caller as spam; its next call is rejected', async () => {
    const number = caller();
    const first = await h.sim.placeCall({ ...call('Some Seller', { kind: 'silent' }, number), dialled: '201' });
    expect(first.route).toBe('ring');
    await recordOf(h, first.callId);
    const report = await h.sim.placeFeatureCall('201', 'spam');
    expect(report.handled).toBe(true);
    expect(report.played[0]).toBe('sound:beep');
    expect(report.heardDigits).toBe(number.slice(1));
    const next = await h.sim.placeCall({ ...call('Some Seller', { kind: 'silent' }, number), dialled: '201' });
    expect(next.route).toBe('reject');
    expect(await recordOf(h, next.callId)).toMatchObject({ rule: 'blocklist' });
  });

  it('*78 allowlists the last caller: even a caller name the policy rejects now rings by the allowlist rule', async () => {
    const number = caller();
    const first = await h.sim.placeCall({ ...call('Old Friend', { kind: 'silent' }, number), dialled: '202' });
    expect(first.route).toBe('ring');
    await recordOf(h, first.callId);
    const report = await h.sim.placeFeatureCall('202', 'allow');
    expect(report.heardDigits).toBe(number.slice(1));
    const next = await h.sim.placeCall({ ...call('REJECT old friend', { kind: 'silent' }, number), dialled: '202' });
    expect(next.route).toBe('ring');
    expect(await recordOf(h, next.callId)).toMatchObject({ rule: 'allowlist' });
  });

  it('a feature code of an unknown kind, or of none, is sent back to the dialplan at once, never left parked', async () => {
    // after the orphan sweep that follows chut's connection, which would also continue a parked channel
    await new Promise((r) => setTimeout(r, Math.max(0, connectedAt + 1500 - Date.now())));
    for (const args of [['report', 'bogus'], ['report']]) {
      const out = await h.sim.placeFeatureCall('203', 'spam', '*79', args);
      expect(out, args.join(',')).toMatchObject({ handled: true, route: 'ring', answered: false, played: [] });
      expect(out.durationMs).toBeLessThan(500);
    }
    expect(h.logs.some((l) => l.includes('feature code with an unknown kind'))).toBe(true);
  });

  it('a feature code from an extension that is not a plain extension reports nothing and plays the error beep', async () => {
    const report = await h.sim.placeFeatureCall('<201>;x', 'spam');
    expect(report).toMatchObject({ handled: true, answered: true, played: ['sound:beeperr'], heardDigits: '' });
  });
});

describe('route targets', () => {
  it('chut never names a dialplan target in a continue, so a missing context can never kill a call', () => {
    expect(continues.length).toBeGreaterThan(10);
    expect(continues.filter((q) => q !== '')).toEqual([]);
  });
});

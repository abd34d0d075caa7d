/**
 * The AMI captcha IVR when its instructions cannot be played (a sound file missing on the Asterisk box): the
 * caller could not know what to type, so the call rings and nothing counts against them, as with ARI. chut's real
 * wiring, the AMI fake running our dialplan (Playback of a missing file → PLAYBACKSTATUS=FAILED), the real Redis.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/reputation/types.js';
import type { SimulatedCall } from '../../src/sim/types.js';
import { startAmiHarness, type AmiHarness, recordOf as recordOfCall } from '../fakes/ami/index.js';

let h: AmiHarness;
let n = 0;
const caller = () => `+3361266${String(5000 + ++n).padStart(4, '0')}`;
const call = (callerName: string, behaviour: SimulatedCall['behaviour'], callerNumber: string): SimulatedCall =>
  ({ callerNumber, callerName, dialled: '0100000000', behaviour });

const recordOf = (callId: string): Promise<CallRecord> => recordOfCall(h, callId);

const facts = (e164: string) => h.chut.store.lookup({ e164, now: Date.now(), rateWindowsSec: [], blockDigits: 8 });

beforeAll(async () => { h = await startAmiHarness({ label: 'ami-sounds' }); });
afterAll(async () => { await h.stop(); });
afterEach(() => { h.sim.server.missingSounds.clear(); });

describe('captcha prompts that cannot be played', () => {
  const unheard: Array<[string, string[], RegExp]> = [
    ['a missing intro sound (one file of the intro list `please-enter-the&digits`)', ['please-enter-the'], /^$/],
    ['missing digit sounds (in the captcha language and the default one)', Array.from({ length: 10 }, (_, d) => `digits/${d}`), /^$/],
    // Read() cannot play its beep: it returns at once, nothing read (READSTATUS=ERROR); every attempt would time out
    ['a missing beep (the digits were said, but Read() never listened)', ['beep'], /^\d{4}$/],
  ];
  it.each(unheard)('%s: the call rings instead of taking the timeout route (reject), nothing counted', async (_, missing, heard) => {
    const number = caller();
    const before = await facts(number);
    for (const sound of missing) h.sim.server.missingSounds.add(sound);
    const out = await h.sim.placeCall(call('CAPTCHA unheard', { kind: 'types-what-it-hears' }, number));
    expect(out).toMatchObject({ route: 'ring', answered: true });
    expect(out.heardDigits).toMatch(heard);
    expect(await recordOf(out.callId)).toMatchObject({ action: 'captcha', route: 'ring', captcha: null });
    await h.adapter.idle();
    const after = await facts(number);
    expect(after.captcha).toEqual({ passed: 0, failed: 0, hungUp: 0 });
    expect(after.score).toBe(before.score);
    expect(after.trustedUntil).toBe(before.trustedUntil);
  });

  it('a missing retry sound on the second attempt rings too, with no failure counted', async () => {
    const number = caller();
    const before = await facts(number);
    h.sim.server.missingSounds.add('please-try-again');
    const out = await h.sim.placeCall(call('CAPTCHA wrong then unheard', { kind: 'types', digits: '0000' }, number));
    expect(out).toMatchObject({ route: 'ring', answered: true });
    expect(out.heardDigits).toMatch(/^\d{4}$/); // the first attempt only
    expect(await recordOf(out.callId)).toMatchObject({ action: 'captcha', route: 'ring', captcha: null });
    await h.adapter.idle();
    expect((await facts(number)).score).toBe(before.score);
  });

  it('with every sound present the silent caller still takes the timeout route', async () => {
    const out = await h.sim.placeCall(call('CAPTCHA silent', { kind: 'silent' }, caller()));
    expect(out).toMatchObject({ route: 'reject', answered: true });
    expect(await recordOf(out.callId)).toMatchObject({ captcha: 'timeout', route: 'reject' });
  });
});

/**
 * When chut ends the connection itself (a protocol error, a reply timeout), FreeSWITCH's socket app returns and the
 * call rings: that is not the caller hanging up, so no `hung-up` captcha outcome and no score for the caller.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, recordOf, startHarness, type Harness } from '../fakes/esl/harness.js';

describe('chut ending the connection is not a hang-up', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h?.close(); });
  afterEach(() => { h.sim.reset(); });

  const scoreOf = async (number: string) => (await h.chut.screening.explain(number)).facts?.score ?? 0;

  it('a send that fails mid-captcha (garbage instead of the reply): the call rings, recorded with no captcha outcome', async () => {
    h.sim.garbleReplyTo('play_and_get_digits');
    const c = call({ dialled: '2001', behaviour: { kind: 'types-what-it-hears', delayMs: 20 } });
    const out = await h.sim.placeCall(c);
    expect(out.route).toBe('ring');
    expect(out.commands).toContain('sendmsg play_and_get_digits');
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'captcha', route: 'ring', captcha: null });
    expect(await scoreOf(c.callerNumber)).toBe(0);
  });

  it('garbage instead of the reply to answer (before any prompt): the same, never hung-up', async () => {
    h.sim.garbleReplyTo('answer');
    const c = call({ dialled: '2001', behaviour: { kind: 'types-what-it-hears', delayMs: 20 } });
    const out = await h.sim.placeCall(c);
    expect(out.route).toBe('ring');
    expect(await recordOf(h, out.callId)).toMatchObject({ route: 'ring', captcha: null });
    expect(await scoreOf(c.callerNumber)).toBe(0);
  });

  it('a caller who really hangs up during the captcha is still recorded as hung-up', async () => {
    const c = call({ dialled: '2001', behaviour: { kind: 'hangs-up', afterMs: 150 } });
    const out = await h.sim.placeCall(c);
    expect(out.route).toBe('hung-up');
    expect(await recordOf(h, out.callId)).toMatchObject({ route: 'hung-up', captcha: 'hung-up' });
    expect(await scoreOf(c.callerNumber)).toBeGreaterThan(0);
  });
});

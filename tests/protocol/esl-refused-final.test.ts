/**
 * Voicemail and reject keep the connection open after queuing their steps, so that the call cannot fall through to
 * ring. A step FreeSWITCH refuses (`-ERR` to its sendmsg) never runs: holding the call then would leave the caller in
 * silence (or a later step, such as the hangup queued after voicemail, would end a wanted call). chut must ring it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, recordOf, startHarness, type Harness } from '../fakes/esl/harness.js';

describe('a refused final step rings the call', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h?.close(); });
  afterEach(() => { h.sim.reset(); });

  /** Places a call that would otherwise sit until maxDurationMs (dead air) if chut held it. */
  async function place(dialled: string) {
    const started = Date.now();
    const out = await h.sim.placeCall(call({ dialled, maxDurationMs: 10_000 }));
    return { out, elapsed: Date.now() - started };
  }

  it('voicemail refused: the call rings at once, the hangup queued after it is never sent, the record says ring', async () => {
    h.sim.refuseApp('voicemail');
    const { out, elapsed } = await place('2002');
    expect(out.route).toBe('ring');
    expect(out.executed.map((e) => e.app)).toEqual(['answer']); // answered for the message, then rung
    expect(out.commands).toContain('sendmsg voicemail');
    expect(out.commands).not.toContain('sendmsg hangup');
    expect(elapsed).toBeLessThan(3000);
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'voicemail', route: 'ring' });
  });

  it('reject (SIT) refused at its first step: the call rings unanswered, the record says ring', async () => {
    h.sim.refuseApp('pre_answer');
    const { out, elapsed } = await place('2003');
    expect(out.route).toBe('ring');
    expect(out.answered).toBe(false);
    expect(out.commands).toContain('sendmsg pre_answer');
    expect(out.commands).not.toContain('sendmsg hangup');
    expect(elapsed).toBeLessThan(3000);
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'reject', route: 'ring' });
  });

  it('reject refused at a later step (the SIT tone): nothing after it is sent, the call rings', async () => {
    h.sim.refuseApp('playback');
    const { out, elapsed } = await place('2003');
    expect(out.route).toBe('ring');
    expect(out.commands).toContain('sendmsg playback');
    expect(out.commands).not.toContain('sendmsg hangup');
    expect(elapsed).toBeLessThan(3000);
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'reject', route: 'ring' });
  });

  it('a final step whose reply is garbled (chut ends the connection itself): rings, recorded ring, never hung-up', async () => {
    h.sim.garbleReplyTo('voicemail');
    const vm = await place('2002');
    expect(vm.out.route).toBe('ring');
    expect(vm.elapsed).toBeLessThan(3000);
    expect(await recordOf(h, vm.out.callId)).toMatchObject({ action: 'voicemail', route: 'ring' });
    h.sim.reset().garbleReplyTo('pre_answer');
    const rej = await place('2003');
    expect(rej.out.route).toBe('ring');
    expect(await recordOf(h, rej.out.callId)).toMatchObject({ action: 'reject', route: 'ring' });
  });

  it('unrefused voicemail and reject still hold the call until their own hangup', async () => {
    const vm = await place('2002');
    expect(vm.out.route).toBe('voicemail');
    expect(vm.out.executed.map((e) => e.app)).toEqual(['answer', 'voicemail', 'hangup']);
    expect(await recordOf(h, vm.out.callId)).toMatchObject({ route: 'voicemail' });
    const rej = await place('2003');
    expect(rej.out.route).toBe('reject');
    expect(rej.out.executed.map((e) => e.app)).toEqual(['pre_answer', 'playback', 'hangup']);
    expect(await recordOf(h, rej.out.callId)).toMatchObject({ route: 'reject' });
  });
});

describe('a refused reject after a failed captcha', () => {
  it('rings the call and keeps the captcha outcome in the record (the caller failed it)', async () => {
    const h = await startHarness({ captcha: { onFail: 'reject' } });
    try {
      h.sim.refuseApp('pre_answer');
      const out = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'types', digits: '0000', delayMs: 20 } }));
      expect(out.route).toBe('ring');
      expect(await recordOf(h, out.callId)).toMatchObject({ action: 'captcha', route: 'ring', captcha: 'failed' });
    } finally {
      await h.close();
    }
  });
});

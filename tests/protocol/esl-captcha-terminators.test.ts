/**
 * chut sets `playback_terminators=none` for the captcha (a key must not cut its prompt short). mod_dptools' playback
 * reads that variable (`*` by default, `none`: no key stops it), so left on the channel it would stop the caller from
 * skipping any later prompt of the administrator's own dial plan ("press * to skip"). Whenever the call goes on in the
 * dial plan after a captcha, chut puts back what the channel had: its own value (DTMF keys, `none` or `any`), else
 * none (`unset`).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EslSimulatedCall } from '../../src/sim/esl/index.js';
import { call, startHarness, type Harness } from '../fakes/esl/harness.js';

/** A caller who types the digits it hears: the captcha passes and the call rings. */
const passes = (over: Partial<EslSimulatedCall> = {}): EslSimulatedCall =>
  ({ ...call({ dialled: '2001', behaviour: { kind: 'types-what-it-hears', delayMs: 20 } }), ...over });

describe('after a captcha, the channel goes on with its own playback_terminators', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h?.close(); });
  afterEach(() => { h.sim.reset(); });

  it('a passed captcha rings without the none chut set (unset, FreeSWITCH\'s default * again)', async () => {
    const out = await h.sim.placeCall(passes());
    expect(out.route).toBe('ring');
    expect(out.executed).toContainEqual({ app: 'set', arg: 'playback_terminators=none' });
    // Put back after the digits, before the socket ends
    expect(out.executed.at(-1)).toEqual({ app: 'unset', arg: 'playback_terminators' });
    expect(out.varsAtDestination).not.toBeNull();
    expect(out.varsAtDestination).not.toHaveProperty('playback_terminators');
  });

  it('the dial plan\'s own value before the socket is what the call goes on with', async () => {
    const out = await h.sim.placeCall(passes({ channelVariables: { playback_terminators: '#' } }));
    expect(out.route).toBe('ring');
    expect(out.executed.at(-1)).toEqual({ app: 'set', arg: 'playback_terminators=#' });
    expect(out.varsAtDestination?.playback_terminators).toBe('#');
  });

  it('`any` and `none`, the words mod_dptools\' on_dtmf reads (any: 1234567890*#), are put back too, not unset', async () => {
    for (const value of ['any', 'ANY', 'none']) {
      const out = await h.sim.placeCall(passes({ channelVariables: { playback_terminators: value } }));
      expect(out.route).toBe('ring');
      expect(out.executed.at(-1)).toEqual({ app: 'set', arg: `playback_terminators=${value}` });
      expect(out.varsAtDestination?.playback_terminators).toBe(value);
    }
  });

  it('a captcha that fails open (a prompt file missing) rings without it too', async () => {
    h.sim.missingFiles('ivr/ivr-');
    const out = await h.sim.placeCall(passes());
    expect(out.route).toBe('ring');
    expect(out.executed).toContainEqual({ app: 'set', arg: 'playback_terminators=none' });
    expect(out.varsAtDestination).not.toHaveProperty('playback_terminators');
  });
});

describe('ring and voicemail by transfer after a captcha', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      esl: { ringTransfer: { extension: 'desk', context: 'chut' }, voicemail: { type: 'transfer', extension: 'vm', context: 'chut' } },
    }, { transfers: { 'desk chut': 'ring', 'vm chut': 'voicemail' } });
  });
  afterAll(async () => { await h?.close(); });

  it('a passed captcha transferred to esl.ringTransfer: put back before the transfer', async () => {
    const out = await h.sim.placeCall(passes());
    expect(out.route).toBe('ring');
    const apps = out.executed.map((e) => e.app);
    expect(apps.slice(-2)).toEqual(['unset', 'transfer']);
    expect(out.varsAtDestination).not.toHaveProperty('playback_terminators');
  });

  it('a failed captcha transferred to the voicemail extension: put back before the transfer', async () => {
    const out = await h.sim.placeCall({ ...call({ dialled: '2001', behaviour: { kind: 'types', digits: '0000', delayMs: 20 } }) });
    expect(out.route).toBe('voicemail');
    expect(out.executed.map((e) => e.app).slice(-2)).toEqual(['unset', 'transfer']);
    expect(out.varsAtDestination).not.toHaveProperty('playback_terminators');
  });
});

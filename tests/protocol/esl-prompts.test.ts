/** Captcha prompts over ESL: a caller who never heard the instructions must not be rejected as a silent robot. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { executeCommand, plainCommand } from '../../src/esl/command.js';
import { FakeFreeSwitch } from '../fakes/esl/index.js';
import { call, recordOf, startHarness, type Harness } from '../fakes/esl/harness.js';
import { scripted } from '../fakes/esl/scripted.js';

describe('the fake FreeSWITCH plays file_string lists like mod_file_string', () => {
  let sim: FakeFreeSwitch;
  beforeAll(async () => { sim = new FakeFreeSwitch({ mediaMs: 5 }); await sim.start(); });
  afterAll(async () => { await sim.stop(); });

  it('skips the files it cannot open and answers FILE PLAYED; a single missing file or a list of missing ones is FILE NOT FOUND', async () => {
    sim.missingFiles('ivr/ivr-missing');
    try {
      const r = await scripted(sim, call({ maxDurationMs: 3000 }), [
        plainCommand('myevents'),
        executeCommand('answer', '').frame,
        executeCommand('playback', 'file_string://ivr/ivr-missing.wav!digits/4.wav!digits/2.wav').frame,
        executeCommand('playback', 'ivr/ivr-missing.wav').frame,
        executeCommand('playback', 'file_string://ivr/ivr-missing.wav!ivr/ivr-missing-too.wav').frame,
        executeCommand('hangup', 'NORMAL_CLEARING').frame,
      ]);
      expect(r.completions.filter((c) => c.app === 'playback').map((c) => c.response)).toEqual(['FILE PLAYED', 'FILE NOT FOUND', 'FILE NOT FOUND']);
      expect(r.out.heardDigits).toBe('42');
      expect(r.events.filter((e) => e === 'PLAYBACK_START')).toHaveLength(1);
    } finally {
      sim.reset();
    }
  });
});

describe('chut plays each instruction sound on its own and checks it', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => { await h?.close(); });
  afterEach(() => { h.sim.reset(); });

  it('instruction sounds missing (a sound set without them) and a silent caller: the call rings, not rejected', async () => {
    h.sim.missingFiles('ivr/ivr-');
    const out = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'silent' } }));
    expect(out.route).toBe('ring');
    expect(out.executed.filter((e) => e.app === 'playback').map((e) => e.arg)).toEqual(['ivr/ivr-please_enter_the.wav']);
    expect(out.commands).not.toContain('sendmsg play_and_get_digits');
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'captcha', route: 'ring', captcha: null });
  });

  it('a missing retry sound rings the caller too (after a wrong first answer)', async () => {
    h.sim.missingFiles('please_try_again');
    const out = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'types', digits: '0000', delayMs: 20 } }));
    expect(out.route).toBe('ring');
    expect(out.heardDigits).toMatch(/^\d{4}$/);
  });

  it('with every sound present the instructions come first, then each digit alone', async () => {
    const out = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'types-what-it-hears', delayMs: 20 } }));
    expect(out.route).toBe('ring');
    const played = out.executed.filter((e) => e.app === 'playback').map((e) => e.arg);
    expect(played.slice(0, 2)).toEqual(['ivr/ivr-please_enter_the.wav', 'ivr/ivr-id_number.wav']);
    expect(played.slice(2)).toEqual([...[...out.heardDigits].map((d) => `digits/${d}.wav`), 'ivr/ivr-thank_you_for_calling.wav']);
  });

  it('a sound set missing some digit files: a person who types what they hear is never rejected as a robot', async () => {
    // Half the digits missing: most challenges mix both halves. In one file_string list the missing digits would
    // be skipped silently ("4 _ 7 _"), the caller would type what they heard, fail, and be rejected.
    h.sim.missingFiles('digits/0.wav', 'digits/1.wav', 'digits/2.wav', 'digits/3.wav', 'digits/4.wav');
    const outcomes: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      const out = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'types-what-it-hears', delayMs: 20 } }));
      expect(out.route).toBe('ring');
      outcomes.push((await recordOf(h, out.callId))?.captcha);
    }
    // a challenge that needs a missing digit rings unjudged; one within 5–9 (1 in 16) is passed as usual
    expect(outcomes.every((c) => c === null || c === 'passed')).toBe(true);
    expect(outcomes).toContain(null);
  });
});

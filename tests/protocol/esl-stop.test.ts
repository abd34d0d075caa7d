/**
 * chut stopping ends the sockets of the calls it is still screening. FreeSWITCH's socket app then returns and the
 * dialplan rings the call: that is chut's own failure, never the caller hanging up (no `hung-up` outcome, no score).
 * The ESL adapter alone is stopped, so that the store is still open to read the record and the score.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, recordOf, startHarness, type Harness } from '../fakes/esl/harness.js';

describe('stopping chut during a captcha', () => {
  let h: Harness;
  // The caller has 8 s to type: the stop (after its 2 s grace) comes while play_and_get_digits is still waiting.
  beforeAll(async () => { h = await startHarness({ captcha: { firstDigitTimeoutMs: 8000 } }); });
  afterAll(async () => { await h?.close(); });

  it('the call rings in FreeSWITCH, recorded as ring with no captcha outcome, the score unchanged', async () => {
    const esl = h.chut.adapters.find((a) => a.name === 'esl') as unknown as { stop(): Promise<void> };
    const c = call({ dialled: '2001', behaviour: { kind: 'silent' }, maxDurationMs: 15_000 });
    const screening = screeningStarted(h);
    const placed = h.sim.placeCall(c);
    await screening;
    await new Promise((r) => setTimeout(r, 300)); // the prompt (a few 10 ms files) is over: waiting for digits
    const stopping = Date.now();
    await esl.stop();
    const out = await placed;
    expect(out.route).toBe('ring');
    expect(out.executed.map((e) => e.app).at(-1)).toBe('play_and_get_digits');
    expect(Date.now() - stopping).toBeLessThan(5000);
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'captcha', route: 'ring', captcha: null });
    expect((await h.chut.screening.explain(c.callerNumber)).facts?.score ?? 0).toBe(0);
  });
});

describe('stopping chut while the screener is still deciding', () => {
  let h: Harness;
  let fastLookup: Harness['chut']['store']['lookup'];
  // The lookup outlasts the stop's 2 s grace: the socket ends before the captcha the policy then picks could start.
  beforeAll(async () => {
    h = await startHarness({ screening: { deadlineMs: 5000 }, captcha: { firstDigitTimeoutMs: 8000 } });
    fastLookup = h.chut.store.lookup.bind(h.chut.store);
    h.chut.store.lookup = async (req) => { await new Promise((r) => setTimeout(r, 2600)); return fastLookup(req); };
  });
  afterAll(async () => { await h?.close(); });

  it('the call rings unanswered, recorded as ring with no hung-up outcome, the score unchanged', async () => {
    const esl = h.chut.adapters.find((a) => a.name === 'esl') as unknown as { stop(): Promise<void> };
    const c = call({ dialled: '2001', behaviour: { kind: 'silent' }, maxDurationMs: 15_000 });
    const screening = screeningStarted(h);
    const placed = h.sim.placeCall(c);
    await screening;
    await esl.stop();
    const out = await placed;
    expect(out.route).toBe('ring');
    expect(out.answered).toBe(false);
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'captcha', route: 'ring', captcha: null });
    h.chut.store.lookup = fastLookup;
    expect((await h.chut.screening.explain(c.callerNumber)).facts?.score ?? 0).toBe(0);
  });
});

/** Resolves when chut hands the next call to the screener (a waitForChut probe also counts as an active call). */
function screeningStarted(h: Harness): Promise<void> {
  const screening = h.chut.screening;
  const handleCall = screening.handleCall;
  return new Promise((resolve) => {
    screening.handleCall = (c, control) => {
      screening.handleCall = handleCall;
      resolve();
      return handleCall(c, control);
    };
  });
}

/**
 * The events WebSocket breaks while a call is in chut's hands. Asterisk drops the events of an app no connection
 * holds, and a reconnection does not bring them back: a prompt's PlaybackFinished, the caller's digits or hang-up may
 * be gone. A call chut cannot follow any more must ring (fail-open): not be answered for a captcha it cannot run, and
 * not wait out the playback timeout in silence.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { CallRecord } from '../../src/reputation/types.js';
import type { SimRequest } from '../../src/sim/ari/index.js';
import type { SimulatedCall } from '../../src/sim/types.js';
import { eventually, startAriHarness, type AriHarness } from '../fakes/ari/index.js';

let h: AriHarness;
let n = 0;
const call = (callerName: string, behaviour: SimulatedCall['behaviour']): SimulatedCall =>
  ({ callerNumber: `+3361277${String(++n).padStart(4, '0')}`, callerName, dialled: '0100000000', behaviour, maxDurationMs: 30_000 });

// a deadline (the most config allows) past the lookup's 4 s wait for chut to see the gap: the screening deadline must not decide these calls
beforeAll(async () => { h = await startAriHarness({ label: 'ari-gap', config: { screening: { deadlineMs: 5000 } } }); });
afterAll(async () => { await h.stop(); });
afterEach(async () => {
  await h.sim.waitForChut(10_000);
  await eventually(() => h.adapter.status().state === 'ready' && h.adapter.liveCalls() === 0, 5000, 'chut ready, no live calls');
});

it('a captcha call whose event stream broke while it was being screened rings unanswered, at once', async () => {
  // The WebSocket drops while chut looks the caller up, i.e. after its StasisStart, before the decision, and the lookup
  // returns once chut has seen the stream go. (Dropping it when the fake saw chut's STIR/SHAKEN read was a race: with
  // the CPU loaded that read reached the fake after chut's 150 ms bound, when chut had decided, answered and played.)
  const store = h.chut.store;
  const lookup = store.lookup;
  const lost = () => h.logs.filter((l) => l.includes('ARI: events connection lost')).length;
  store.lookup = async (req) => {
    store.lookup = lookup;
    const before = lost();
    h.sim.faults.dropWebSockets();
    await eventually(() => lost() > before, 4000, 'chut to see the events stream go');
    return lookup.call(store, req);
  };
  const answers: string[] = [];
  const onAnswer = (r: SimRequest) => { if (r.method === 'POST' && r.path.endsWith('/answer')) answers.push(r.channelId ?? ''); };
  h.sim.on('request', onAnswer);
  try {
    // the caller gives up after 8 s of silence (chut's playback timeout is 60 s)
    const out = await h.sim.placeCall({ ...call('CAPTCHA screened across a gap', { kind: 'types-what-it-hears', delayMs: 50 }), maxDurationMs: 8000 });
    // not answered (so not billed) for a captcha whose prompt ends and digits chut might never hear; rung through
    expect(out).toMatchObject({ route: 'ring', answered: false });
    expect(answers).toEqual([]);
    expect(out.played).toEqual([]);
    expect(out.durationMs).toBeLessThan(5000); // the caller's 8 s, and chut's 60 s playback timeout, are the failures
    // decided captcha and rung for the gap, not rung by the screening deadline (fail-open), which would pass the above
    // without the gap ever being handled
    let rec: CallRecord | undefined;
    await eventually(async () => {
      rec = (await store.calls({ limit: 20 })).calls.find((c) => c.callId === out.callId);
      return rec !== undefined;
    }, 5000, 'the call record');
    expect(rec).toMatchObject({ action: 'captcha', rule: 'wants-captcha', route: 'ring', degraded: false });
  } finally {
    store.lookup = lookup;
    h.sim.off('request', onAnswer);
  }
});

it('a captcha in progress when the stream breaks rings at once, not after the playback timeout', async () => {
  const pending = h.sim.placeCall(call('CAPTCHA answered then gap', { kind: 'types-what-it-hears', delayMs: 3000 }));
  const answered = new Promise<void>((resolve) => {
    const onAnswer = (r: SimRequest) => { if (r.method === 'POST' && r.path.endsWith('/answer')) { h.sim.off('request', onAnswer); resolve(); } };
    h.sim.on('request', onAnswer);
  });
  await answered;
  await new Promise((r) => setTimeout(r, 20));
  const droppedAt = Date.now();
  h.sim.faults.dropWebSockets();
  const out = await pending;
  expect(out.route).toBe('ring');
  expect(out.answered).toBe(true);
  expect(Date.now() - droppedAt).toBeLessThan(2000);
});

/**
 * The snippet's bound on Stasis (dialplan/asterisk/chut-ari.conf: TIMEOUT(absolute) before Stasis, cleared first
 * thing at (dispatch), `T` rings), modelled by the fake Asterisk: a call parked in Stasis with chut cut off rings
 * once the bound passes; a call chut routes has the bound cleared before dispatch, so ringing is never cut; and
 * chut re-arms a longer bound when it answers for a captcha, so the captcha is never cut either.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { answerBoundS } from '../../src/ari/calls.js';
import { eventually, startAriHarness, type AriHarness } from '../fakes/ari/index.js';

const BOUND_S = 1.5;
let h: AriHarness;
let n = 0;
const caller = () => `+3361277${String(++n).padStart(4, '0')}`;

beforeAll(async () => {
  h = await startAriHarness({ label: 'ari-bound', sim: { dialplan: { stasisTimeoutS: BOUND_S, featuresTimeoutS: BOUND_S }, timing: { lingerMs: 3000 } } });
});
afterAll(async () => { await h.stop(); });
/** The channel's TIMEOUT(absolute) as the fake Asterisk reads it back over ARI (func_timeout.c: seconds left, 0 when
 * none is armed). Asked while the fake still keeps the channel (lingerMs after the route): the timer that would cut
 * the call is either there or not, whatever the machine's load, with no wait for it. */
async function absoluteTimeoutLeft(channelId: string): Promise<number> {
  const url = `${h.sim.url}/ari/channels/${encodeURIComponent(channelId)}/variable?variable=${encodeURIComponent('TIMEOUT(absolute)')}`;
  const res = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${h.sim.user}:${h.sim.password}`).toString('base64')}` } });
  expect(res.status).toBe(200);
  return Number(((await res.json()) as { value: string }).value);
}

afterEach(async () => {
  h.sim.faults.clearFailures();
  h.sim.faults.refuseUpgrades = false;
  await h.sim.waitForChut(10_000);
  await eventually(() => h.adapter.liveCalls() === 0 && h.adapter.releasing() === 0, 10_000, 'chut to let go of every call');
});

describe('TIMEOUT(absolute) around Stasis', () => {
  it('chut cut off (WebSocket dropped, upgrades refused, every continue failing): the call rings once the bound passes', async () => {
    h.sim.faults.failNext(100_000, '/continue');
    const pending = h.sim.placeCall({ callerNumber: caller(), callerName: 'Carol Stranded', dialled: '0100000000', behaviour: { kind: 'silent' }, maxDurationMs: 15_000 });
    await eventually(() => h.adapter.liveCalls() === 1, 2000, 'chut to take the call');
    h.sim.faults.refuseUpgrades = true;
    h.sim.faults.dropWebSockets();
    const out = await pending;
    expect(out).toMatchObject({ route: 'ring', answered: false });
    expect(out.durationMs).toBeGreaterThanOrEqual(BOUND_S * 1000 - 50);
    expect(out.durationMs).toBeLessThan(BOUND_S * 1000 + 1000);
    expect(out.dialplan).toEqual([
      `Set(TIMEOUT(absolute)=${BOUND_S})`, 'Stasis(chut)', 'T: Set(TIMEOUT(absolute)=0)', 'Goto(chut-route,ring,1)',
    ]);
  });

  it('a feature code (*77) with chut cut off: the phone gets an error beep once the bound passes, not endless silence', async () => {
    h.sim.faults.failNext(100_000, '/continue');
    h.sim.faults.failNext(100_000, '/play');
    const pending = h.sim.placeFeatureCall('201', 'spam');
    await eventually(() => h.adapter.liveCalls() === 1, 2000, 'chut to take the call');
    h.sim.faults.refuseUpgrades = true;
    h.sim.faults.dropWebSockets();
    const out = await pending;
    expect(out).toMatchObject({ handled: true, route: 'hung-up' });
    expect(out.durationMs).toBeLessThan(BOUND_S * 1000 + 1000);
    expect(out.dialplan.slice(0, 4)).toEqual([
      `Set(TIMEOUT(absolute)=${BOUND_S})`, 'Stasis(chut,report,spam)', 'T: Set(TIMEOUT(absolute)=0)', 'T: Playback(beeperr)',
    ]);
  });

  it('a call chut rings has the bound cleared before dispatch: it keeps ringing past the bound', async () => {
    const out = await h.sim.placeCall({ callerNumber: caller(), callerName: 'Alice Bound', dialled: '0100000000', behaviour: { kind: 'silent' } });
    expect(out).toMatchObject({ route: 'ring', answered: false });
    const expected = [`Set(TIMEOUT(absolute)=${BOUND_S})`, 'Stasis(chut)', 'Set(TIMEOUT(absolute)=0)', 'Goto(chut-route,ring,1)'];
    expect(out.dialplan).toEqual(expected);
    // still ringing (the fake keeps it 3 s) with no absolute timeout armed: nothing can cut it
    expect(await absoluteTimeoutLeft(out.callId)).toBe(0);
    expect(out.dialplan).toEqual(expected);
  });

  it('chut re-arms the bound when it answers for a captcha: a captcha longer than the screening bound is not cut', async () => {
    // two attempts of wrong digits typed after 900 ms each: well past the 1.5 s bound
    const out = await h.sim.placeCall({ callerNumber: caller(), callerName: 'CAPTCHA slow', dialled: '0100000000', behaviour: { kind: 'types', digits: '0000', delayMs: 900 } });
    expect(out).toMatchObject({ route: 'voicemail', answered: true });
    expect(out.durationMs).toBeGreaterThan(BOUND_S * 1000);
    const bound = answerBoundS(h.chut.config.captcha);
    expect(out.dialplan).toEqual([
      `Set(TIMEOUT(absolute)=${BOUND_S})`, 'Stasis(chut)', `ARI: Set(TIMEOUT(absolute)=${bound})`,
      'Set(TIMEOUT(absolute)=0)', 'Goto(chut-route,voicemail,1)',
    ]);
  });

  /** The value of the `Set(TIMEOUT(absolute)=<s>)` step with this prefix after Stasis, as a number. */
  const restored = (steps: readonly string[], prefix = '') => {
    const after = steps.slice(steps.findIndex((l) => l.startsWith('Stasis(')));
    const set = after.map((l) => new RegExp(`^${prefix}Set\\(TIMEOUT\\(absolute\\)=([0-9.]+)\\)$`).exec(l)?.[1]).filter((v) => v !== undefined);
    return set.map(Number).filter((v) => v > 0);
  };

  it('an absolute timeout the user\'s dialplan set before chut-screen comes back after Stasis, with what is left of it', async () => {
    const out = await h.sim.placeCall({ callerNumber: caller(), callerName: 'Alice Limited', dialled: '0100000000', behaviour: { kind: 'silent' } },
      { absoluteTimeoutS: 3600 });
    expect(out).toMatchObject({ route: 'ring', answered: false });
    expect(out.dialplan.slice(0, 4)).toEqual([
      'before chut-screen: Set(TIMEOUT(absolute)=3600)', `Set(TIMEOUT(absolute)=${BOUND_S})`, 'Stasis(chut)', 'Set(TIMEOUT(absolute)=0)',
    ]);
    const [left] = restored(out.dialplan);
    // counted in whole EPOCH seconds: up to a second early or late
    expect(left).toBeGreaterThan(3600 - 2);
    expect(left).toBeLessThanOrEqual(3600 + 1);
    expect(out.dialplan.at(-1)).toBe('Goto(chut-route,ring,1)');
    // the one timeout armed on the ringing call is the user's, an hour away: the bound can never cut it
    expect(await absoluteTimeoutLeft(out.callId)).toBeGreaterThan(3600 - 3);
    expect(out.dialplan).not.toContain('TIMEOUT(absolute) passed: hung up');
  });

  it('the user\'s own timeout still ends the call once it rings, at its own time', async () => {
    const out = await h.sim.placeCall({ callerNumber: caller(), callerName: 'Alice Short', dialled: '0100000000', behaviour: { kind: 'silent' } },
      { absoluteTimeoutS: 2 });
    expect(out).toMatchObject({ route: 'ring' });
    const [left] = restored(out.dialplan);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(3);
    await eventually(() => out.dialplan.includes('TIMEOUT(absolute) passed: hung up'), 4000, 'the user\'s timeout to end the call');
  });

  it('chut cut off: `T` rings the call and puts the user\'s timeout back too', async () => {
    h.sim.faults.failNext(100_000, '/continue');
    const pending = h.sim.placeCall({ callerNumber: caller(), callerName: 'Carol Limited', dialled: '0100000000', behaviour: { kind: 'silent' }, maxDurationMs: 15_000 },
      { absoluteTimeoutS: 600 });
    await eventually(() => h.adapter.liveCalls() === 1, 2000, 'chut to take the call');
    h.sim.faults.refuseUpgrades = true;
    h.sim.faults.dropWebSockets();
    const out = await pending;
    expect(out).toMatchObject({ route: 'ring', answered: false });
    expect(out.dialplan.slice(0, 4)).toEqual([
      'before chut-screen: Set(TIMEOUT(absolute)=600)', `Set(TIMEOUT(absolute)=${BOUND_S})`, 'Stasis(chut)', 'T: Set(TIMEOUT(absolute)=0)',
    ]);
    const [left] = restored(out.dialplan, 'T: ');
    expect(left).toBeGreaterThan(600 - BOUND_S - 2);
    expect(left).toBeLessThanOrEqual(600 - BOUND_S + 1);
  });

  it('a bound that cannot be re-armed starts no captcha: the call rings unanswered', async () => {
    h.sim.faults.failNext(1, /^POST .*\/variable$/);
    const out = await h.sim.placeCall({ callerNumber: caller(), callerName: 'CAPTCHA no bound', dialled: '0100000000', behaviour: { kind: 'types-what-it-hears' } });
    expect(out).toMatchObject({ route: 'ring', answered: false });
    expect(out.dialplan).not.toContain('T: Set(TIMEOUT(absolute)=0)');
  });
});

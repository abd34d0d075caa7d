/**
 * What the inbound monitor adds to a record (answered, by whom, talk time) means what it means with Asterisk: a phone
 * picked up. chut itself answers the screened leg for every captcha and voicemail, which made those calls read as
 * answered, with the captcha or the message as talk time. Nor does the leg's bridge time say it: FreeSWITCH bridges to a
 * callee with early media (183 + SDP) while it still rings, and a transfer after the bridge drops that time. The
 * simulated FreeSWITCH gives each leg the times and events a real one does (src/sim/esl/callee.ts): the leg the
 * normal destination dials answers with its own CHANNEL_ANSWER, which is what the monitor counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallEnrichment } from '../../src/reputation/types.js';
import type { EslSimulatedCall } from '../../src/sim/esl/index.js';
import { TRANSFER_AFTER_PICKUP_EXTENSION } from '../../src/sim/esl/channel.js';
import { call, recordOf, startHarness, type Harness } from '../fakes/esl/harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.close(); });

/** The call's record once the monitor enriched it. */
async function enrichmentOf(callId: string): Promise<CallEnrichment & { route: string; captcha: string | null }> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const rec = await recordOf(h, callId);
    if (rec?.enrichment) return { ...rec.enrichment, route: rec.route, captcha: rec.captcha };
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`call ${callId} was not enriched in time`);
}

const nobody = { answered: false, answeredBy: null, talkSeconds: null };

describe('ESL monitoring: answered means a phone picked up', () => {
  it('voicemail: chut answers the leg for the message, nobody picks up: not answered; a call picked up is', async () => {
    const out = await h.sim.placeCall(call({ dialled: '2002' }));
    expect(out).toMatchObject({ route: 'voicemail', answered: true });
    expect(await enrichmentOf(out.callId)).toEqual({ ...nobody, hangupCause: 'NORMAL_CLEARING', route: 'voicemail', captcha: null });

    // Rung through and picked up by the dialled extension (the leg bridged to it)
    const rang = await h.sim.placeCall(call({ dialled: '1000' }));
    expect(rang).toMatchObject({ route: 'ring', answered: false });
    expect(await enrichmentOf(rang.callId)).toMatchObject({ answered: true, answeredBy: '1000', talkSeconds: expect.any(Number), route: 'ring' });
  });

  it('captcha: a failure sent to voicemail is not answered; a pass the phone picks up is answered by the extension', async () => {
    const failed = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'types', digits: '0000', delayMs: 20 } }));
    expect(failed.route).toBe('voicemail');
    expect(await enrichmentOf(failed.callId)).toMatchObject({ ...nobody, route: 'voicemail', captcha: 'failed' });

    const passed = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'types-what-it-hears', delayMs: 20 } }));
    expect(passed.route).toBe('ring');
    const rang = await enrichmentOf(passed.callId);
    expect(rang).toMatchObject({ answered: true, answeredBy: '2001', hangupCause: 'NORMAL_CLEARING', route: 'ring', captcha: 'passed' });
    // From the bridge (the phone picking up), not from chut's answer before the captcha.
    expect(rang.talkSeconds).toEqual(expect.any(Number));
  });

  it('a caller hanging up during the captcha was answered by chut only: not answered', async () => {
    // 1 s after the call starts: chut has answered, the captcha waits for digits (it lasts over 2 s with the harness's)
    const out = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'hangs-up', afterMs: 1000 } }));
    expect(out).toMatchObject({ route: 'hung-up', answered: true });
    expect(await enrichmentOf(out.callId)).toMatchObject({ ...nobody, route: 'hung-up' });
  });
});

describe('ESL monitoring: early media and transfers (the bridge time is not a pickup)', () => {
  const ringing = (over: Partial<EslSimulatedCall>): EslSimulatedCall => ({ ...call({ dialled: '1000' }), ...over });

  it('rung to a callee with early media (carrier ringback) that never answers: not answered, though the call was bridged', async () => {
    const out = await h.sim.placeCall(ringing({ destination: { earlyMedia: true, answerAfterMs: null } }));
    expect(out.route).toBe('ring');
    expect(await enrichmentOf(out.callId)).toEqual({ ...nobody, hangupCause: 'ORIGINATOR_CANCEL', route: 'ring', captcha: null });
  });

  it('a captcha passed, then 1.6 s of early media before the phone answers: talk time from the answer, not the bridge', async () => {
    const out = await h.sim.placeCall({ ...call({ dialled: '2001', behaviour: { kind: 'types-what-it-hears', delayMs: 20 } }),
      destination: { earlyMedia: true, answerAfterMs: 1600 } });
    expect(out.route).toBe('ring');
    // The simulated call lasts a few ms after the pickup: 0 s, where the bridge time gave 2 s.
    expect(await enrichmentOf(out.callId)).toMatchObject({ answered: true, answeredBy: '2001', talkSeconds: 0, route: 'ring', captcha: 'passed' });
  });

  it('answered, then blind-transferred to an IVR: still answered by the phone that picked up', async () => {
    const out = await h.sim.placeCall(ringing({ destination: { transferAfterMs: 5 } }));
    expect(out.route).toBe('ring');
    // The transfer did happen before the hang-up: the call ended in the IVR's extension (a new caller profile, no bridge
    // time), not at the phone.
    expect(out.destinationAtEnd).toBe(TRANSFER_AFTER_PICKUP_EXTENSION);
    expect(await enrichmentOf(out.callId)).toMatchObject({ answered: true, answeredBy: '1000', talkSeconds: expect.any(Number), hangupCause: 'NORMAL_CLEARING' });

    // The same call without the transfer ends at the phone's number (what the assertion above tells apart).
    const stayed = await h.sim.placeCall(ringing({}));
    expect(stayed.destinationAtEnd).toBe('1000');
  });
});

describe('ESL monitoring: legs dialled without the caller\'s session (no variable_originator)', () => {
  const ringing = (over: Partial<EslSimulatedCall>): EslSimulatedCall => ({ ...call({ dialled: '1000' }), ...over });

  it('a `:_:` enterprise originate: the branch that answers (ent_originate_aleg_uuid) is the pickup', async () => {
    const out = await h.sim.placeCall(ringing({ destination: { dialledBy: 'enterprise', earlyMedia: true, answerAfterMs: 20 } }));
    expect(out).toMatchObject({ route: 'ring', answered: false });
    expect(await enrichmentOf(out.callId)).toMatchObject({ answered: true, answeredBy: '1000', talkSeconds: expect.any(Number), hangupCause: 'NORMAL_CLEARING' });

    // Nobody answers: ignore_early_media=true, the 183 is not bridged; not answered.
    const unanswered = await h.sim.placeCall(ringing({ destination: { dialledBy: 'enterprise', earlyMedia: true, answerAfterMs: null } }));
    expect(await enrichmentOf(unanswered.callId)).toEqual({ ...nobody, hangupCause: 'ORIGINATOR_CANCEL', route: 'ring', captcha: null });
  });

  it('a mod_callcenter queue after a passed captcha: the agent\'s answer (cc_member_session_uuid) is the pickup, not the queue\'s', async () => {
    const out = await h.sim.placeCall({ ...call({ dialled: '2001', behaviour: { kind: 'types-what-it-hears', delayMs: 20 } }),
      destination: { dialledBy: 'callcenter', answerAfterMs: 20 } });
    expect(out.route).toBe('ring');
    expect(await enrichmentOf(out.callId)).toMatchObject({ answered: true, answeredBy: '2001', route: 'ring', captcha: 'passed' });

    // The queue answers the caller, no agent ever does: not answered.
    const waiting = await h.sim.placeCall(ringing({ destination: { dialledBy: 'callcenter', answerAfterMs: null } }));
    expect(await enrichmentOf(waiting.callId)).toMatchObject({ ...nobody, hangupCause: 'ORIGINATOR_CANCEL', route: 'ring' });
  });
});

/** Complete calls through chut's real wiring (startChut) against the fake FreeSWITCH and the real Redis. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, recordOf, startHarness, type Harness } from '../fakes/esl/harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.close(); });

describe('ESL: every route', () => {
  it('ring: never answers, ends the socket after connect, the dialplan continues', async () => {
    const out = await h.sim.placeCall(call({ dialled: '1000' }));
    expect(out.route).toBe('ring');
    expect(out.commands[0]).toBe('connect');
    expect(out.commands).not.toContain('sendmsg answer');
    const rec = await recordOf(h, out.callId);
    expect(rec).toMatchObject({ pbx: 'freeswitch', route: 'ring', action: 'ring', captcha: null });
  });

  it('voicemail: answers (mod_voicemail would record in early media), runs the voicemail app for the dialled box, then hangs up (never falls through)', async () => {
    const out = await h.sim.placeCall(call({ dialled: '2002' }));
    expect(out.route).toBe('voicemail');
    expect(out.answered).toBe(true);
    expect(out.executed.map((e) => e.app)).toEqual(['answer', 'voicemail', 'hangup']);
    expect(out.executed[1]?.arg).toBe('default ${domain_name} 2002');
    expect((await recordOf(h, out.callId))?.route).toBe('voicemail');
  });

  it('reject: SIT tone in early media then hang-up, without answering', async () => {
    const out = await h.sim.placeCall(call({ dialled: '2003' }));
    expect(out.route).toBe('reject');
    expect(out.answered).toBe(false);
    expect(out.commands).toEqual(expect.arrayContaining(['sendmsg pre_answer', 'sendmsg playback', 'sendmsg hangup']));
    expect((await recordOf(h, out.callId))?.route).toBe('reject');
  });

  it('blocklisted callers are rejected', async () => {
    const c = call({ dialled: '1000' });
    await h.chut.store.addListEntry({ list: 'block', entry: { kind: 'number', e164: c.callerNumber }, reason: 'test', source: 'test', addedAt: Date.now(), expiresAt: null });
    const out = await h.sim.placeCall(c);
    expect(out.route).toBe('reject');
  });
});

describe('ESL: STIR/SHAKEN', () => {
  it('reads sip_verstat / the P-Asserted-Identity verstat from the channel data', async () => {
    const failed = await h.sim.placeCall(call({ dialled: '1000', verstat: 'TN-Validation-Failed' }));
    expect(failed.route).toBe('reject');
    expect((await recordOf(h, failed.callId))?.rule).toBe('spoofed');
    const passed = await h.sim.placeCall(call({ dialled: '1000', verstat: 'TN-Validation-Passed' }));
    expect(passed.route).toBe('ring');
  });
});

describe('ESL: captcha', () => {
  it('a person who types what they heard passes and rings; the digits were said after the prompt', async () => {
    const out = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'types-what-it-hears', delayMs: 50 } }));
    expect(out.route).toBe('ring');
    expect(out.answered).toBe(true);
    expect(out.heardDigits).toMatch(/^\d{4}$/);
    expect(out.commands.indexOf('sendmsg flush_dtmf')).toBeLessThan(out.commands.indexOf('sendmsg play_and_get_digits'));
    const rec = await recordOf(h, out.callId);
    expect(rec).toMatchObject({ action: 'captcha', route: 'ring', captcha: 'passed' });
  });

  it('the same caller is trusted afterwards and rings without a captcha', async () => {
    const c = call({ dialled: '2001', behaviour: { kind: 'types-what-it-hears' } });
    expect((await h.sim.placeCall(c)).route).toBe('ring');
    const again = await h.sim.placeCall({ ...c, behaviour: { kind: 'silent' } });
    expect(again.route).toBe('ring');
    expect(again.answered).toBe(false);
  });

  it('wrong digits on every attempt: failed, then the failure route (voicemail by default)', async () => {
    const out = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'types', digits: '0000', delayMs: 20 } }));
    expect(out.route).toBe('voicemail');
    expect(out.heardDigits).toMatch(/^\d{8}$/); // fresh digits said on each of the 2 attempts
    expect((await recordOf(h, out.callId))?.captcha).toBe('failed');
  });

  it('a robot blasting DTMF during the prompt gets its digits flushed: timeout → reject', async () => {
    const out = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'blasts-dtmf', digits: '1234567890' } }));
    expect(out.route).toBe('reject');
    expect((await recordOf(h, out.callId))?.captcha).toBe('timeout');
  });

  it('a silent autodialer times out and is rejected', async () => {
    const out = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'silent' } }));
    expect(out.route).toBe('reject');
    expect((await recordOf(h, out.callId))?.captcha).toBe('timeout');
  });

  it('a caller hanging up during the captcha ends the call cleanly', async () => {
    const out = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'hangs-up', afterMs: 150 } }));
    expect(out.route).toBe('hung-up');
    expect((await recordOf(h, out.callId))?.captcha).toBe('hung-up');
    await waitFor(() => (h.chut.adapters[0] as unknown as { activeCalls: number }).activeCalls === 0);
  });
});

describe('ESL: hostile caller IDs', () => {
  it('a caller name carrying an ESL command is never written to FreeSWITCH', async () => {
    const name = 'Bob\n\nsendmsg\ncall-command: execute\nexecute-app-name: hangup\n\n';
    const out = await h.sim.placeCall(call({ dialled: '1000', callerName: name }));
    expect(out.route).toBe('ring');
    expect(out.commands).toEqual(['connect', 'myevents', 'linger 5']);
    const rec = await recordOf(h, out.callId);
    expect(rec?.callerName).not.toContain('\n');
  });

  it('a caller number with newlines and a voicemail line: still routed safely', async () => {
    const out = await h.sim.placeCall(call({ dialled: '2002', callerNumber: '+33612345678\n\nexit', callerName: 'x' }));
    expect(out.route).toBe('voicemail');
    expect(out.commands.every((c) => !c.includes('exit'))).toBe(true);
  });

  it('a dialled number that is not a usable mailbox rings instead of reaching a command', async () => {
    const out = await h.sim.placeCall(call({ dialled: '2002 x' }));
    expect(out.route).toBe('ring');
    expect(out.commands).not.toContain('sendmsg voicemail');
  });
});

describe('ESL: monitoring and feature codes', () => {
  it('enriches the call record from CHANNEL_HANGUP_COMPLETE on the inbound socket', async () => {
    const out = await h.sim.placeCall(call({ dialled: '1000' }));
    await waitFor(async () => (await recordOf(h, out.callId))?.enrichment != null);
    const rec = await recordOf(h, out.callId);
    expect(rec?.enrichment).toMatchObject({ answered: true, answeredBy: '1000', hangupCause: 'NORMAL_CLEARING' });
    expect(h.chut.adapters[0]?.status().state).toBe('ready');
  });

  it('*77 from an internal phone reports the last caller as spam', async () => {
    const c = call({ dialled: '1000' });
    await h.sim.placeCall(c);
    const before = (await h.chut.screening.explain(c.callerNumber)).facts?.reports ?? 0;
    const out = await h.sim.placeCall({ callerNumber: '1000', callerName: 'Kitchen', dialled: '*77', behaviour: { kind: 'silent' }, maxDurationMs: 5000, fromInternalPhone: true });
    expect(out.commands).toContain('sendmsg answer');
    const after = (await h.chut.screening.explain(c.callerNumber)).facts?.reports ?? 0;
    expect(after).toBe(before + 1);
  });

  it('*78 dialled from outside is screened like any call: it cannot allowlist anyone', async () => {
    const c = call({ dialled: '1000' });
    await h.sim.placeCall(c);
    const out = await h.sim.placeCall({ callerNumber: '+33699887766', callerName: 'ROBOT', dialled: '*78', behaviour: { kind: 'silent' }, maxDurationMs: 5000 });
    expect(out.route).toBe('ring');
    const x = await h.chut.screening.explain(c.callerNumber);
    expect(x.listEntries.filter((e) => e.list === 'allow')).toEqual([]);
    expect(x.decision.rule).not.toBe('allowlist');
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met in time');
}

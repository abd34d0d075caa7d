/**
 * Voicemail over ARI when Asterisk cannot take the message: chut asks VM_INFO(box,exists) on the call's channel
 * before leaving Stasis, so the call rings and the record says ring (once the call is back in the dialplan a failed
 * VoiceMail() would ring it unseen by chut, which had already recorded voicemail).
 */
import { describe, expect, it } from 'vitest';
import type { SimulatedCall } from '../../src/sim/types.js';
import type { SimRequest } from '../../src/sim/ari/index.js';
import { recordOf, startAriHarness, type AriHarness } from '../fakes/ari/index.js';

let n = 0;
const call = (dialled = '0100000000'): SimulatedCall =>
  ({ callerNumber: `+3361299${String(++n).padStart(4, '0')}`, callerName: 'VOICEMAIL please', dialled, behaviour: { kind: 'silent' } });

/** A harness whose fake Asterisk has `mailboxes`, with chut's routes.voicemailMailbox set to `box`. */
async function withAsterisk(mailboxes: string[], box: string | null, body: (h: AriHarness, asked: string[]) => Promise<void>): Promise<void> {
  const h = await startAriHarness({ label: 'ari-voicemail', sim: { mailboxes }, config: { routes: { voicemailMailbox: box } } });
  const asked: string[] = [];
  h.sim.on('request', (r: SimRequest) => { const v = r.query.get('variable') ?? ''; if (r.method === 'GET' && v.startsWith('VM_INFO(')) asked.push(v); });
  try {
    await body(h, asked);
  } finally {
    await h.stop();
  }
}

describe('voicemail over ARI, checked before chut lets go', () => {
  it('a box Asterisk has: voicemail, after one VM_INFO question', () => withAsterisk(['100@default', '200@office'], '200@office', async (h, asked) => {
    const out = await h.sim.placeCall(call());
    expect(out).toMatchObject({ route: 'voicemail', answered: false });
    expect(asked).toEqual(['VM_INFO(200@office,exists)']);
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'voicemail', route: 'voicemail' });
  }));

  it('a box it does not have: the call rings, never reaching VoiceMail(), and the record says ring', () => withAsterisk(['100@default'], '300@office', async (h) => {
    const out = await h.sim.placeCall(call());
    expect(out).toMatchObject({ route: 'ring', answered: false });
    expect(out.dialplan.filter((s) => s.includes('Goto'))).toEqual(['Goto(chut-route,ring,1)']);
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'voicemail', route: 'ring' });
    expect(h.logs.join('')).toContain('voicemail box unusable');
  }));

  it('no box configured: chut asks for the dialled number as it normalises it, which Asterisk rarely has: ring', () => withAsterisk(['100@default'], null, async (h, asked) => {
    const out = await h.sim.placeCall(call());
    expect(asked).toEqual(['VM_INFO(+33100000000,exists)']);
    expect(out.route).toBe('ring');
    expect(await recordOf(h, out.callId)).toMatchObject({ route: 'ring' });
  }));

  it('app_voicemail not loaded: VM_INFO cannot be read, the call rings', () => withAsterisk(['100@default'], '100@default', async (h) => {
    h.sim.faults.voicemailUnloaded = true;
    const out = await h.sim.placeCall(call());
    expect(out).toMatchObject({ route: 'ring', answered: false });
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'voicemail', route: 'ring' });
  }));
});

describe('the snippet alone rings when VoiceMail() cannot take the message (chut had no box to send)', () => {
  // A call to the `s` extension has no DID: chut sends no box and the snippet's own default box serves.
  it('its default box exists: voicemail', () => withAsterisk(['100@default'], null, async (h, asked) => {
    const out = await h.sim.placeCall(call('s'));
    expect(asked).toEqual([]);
    expect(out.route).toBe('voicemail');
  }));

  it('no such box: VMSTATUS=FAILED, then ring', () => withAsterisk(['200@office'], null, async (h) => {
    const out = await h.sim.placeCall(call('s'));
    expect(out.route).toBe('ring');
    expect(out.dialplan).toEqual(expect.arrayContaining(['voicemail: VoiceMail(100@default,u) VMSTATUS=FAILED', 'voicemail: Goto(chut-route,ring,1)']));
  }));

  it('no app_voicemail: TryExec finds no application (NOAPP), then ring', () => withAsterisk(['100@default'], null, async (h) => {
    h.sim.faults.voicemailUnloaded = true;
    const out = await h.sim.placeCall(call('s'));
    expect(out.route).toBe('ring');
    expect(out.dialplan).toContain('voicemail: TryExec(VoiceMail(100@default,u)) TRYSTATUS=NOAPP');
  }));
});

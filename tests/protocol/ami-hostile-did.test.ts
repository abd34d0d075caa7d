/**
 * A dialled number written by the caller (PJSIP unescapes %-escapes in the request URI: `sip:1%24%7BSHELL(id)%7D@pbx`
 * reaches the dialplan as `1${SHELL(id)}`, and `_X.` matches it) that ends on the voicemail route with no box from
 * chut (routes.voicemailMailbox unset): chut-ami.conf makes the box from the dialled number, and TryExec substitutes
 * its argument again. The AMI fake runs the snippet as written: such a call rings, and the raw text never reaches
 * TryExec/VoiceMail. chut's real wiring, the real Redis.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedCall } from '../../src/sim/types.js';
import { header, startAmiHarness, type AmiHarness, type Packet } from '../fakes/ami/index.js';

let h: AmiHarness;
let n = 0;
const caller = () => `+3361288${String(5000 + ++n).padStart(4, '0')}`;
const call = (callerName: string, dialled: string, behaviour: SimulatedCall['behaviour']): SimulatedCall =>
  ({ callerNumber: caller(), callerName, dialled, behaviour });

/** The applications the dialplan ran for one call (Newexten: application and its data, as Asterisk reports them). */
let ran: Array<{ uniqueid: string; app: string; data: string }> = [];
const appsOf = (callId: string) => ran.filter((r) => r.uniqueid === callId);

beforeAll(async () => {
  h = await startAmiHarness({ label: 'ami-hostile' });
  h.sim.server.onEvent = (p: Packet) => {
    if (header(p, 'Event') !== 'Newexten') return;
    ran.push({ uniqueid: header(p, 'Uniqueid') ?? '', app: header(p, 'Application') ?? '', data: header(p, 'AppData') ?? '' });
  };
});
afterAll(async () => { await h.stop(); });
afterEach(() => { ran = []; });

const HOSTILE = ['1${SHELL(id)}', '100&200', '1,b', '1)x'];

describe('a hostile dialled number on the voicemail route (no box from chut)', () => {
  it.each(HOSTILE)('%s: failing the captcha (onFail: voicemail) rings; the raw text never reaches TryExec or VoiceMail', async (dialled) => {
    const out = await h.sim.placeCall(call('CAPTCHA wrong', dialled, { kind: 'types', digits: '0000' }));
    expect(out).toMatchObject({ route: 'ring', answered: true });
    const apps = appsOf(out.callId);
    expect(apps.some((a) => a.app === 'UserEvent' && a.data.includes('ChutOutcome: failed'))).toBe(true);
    expect(apps.filter((a) => /^(?:TryExec|Exec|VoiceMail)$/i.test(a.app))).toEqual([]);
    expect(apps.filter((a) => a.data.includes('VoiceMail('))).toEqual([]);
    expect(apps.some((a) => a.app === 'Dial')).toBe(true); // rang the normal destination
  });

  it.each(HOSTILE)('%s: the voicemail route chut picks rings too', async (dialled) => {
    const out = await h.sim.placeCall(call('VOICEMAIL please', dialled, { kind: 'silent' }));
    expect(out).toMatchObject({ route: 'ring', answered: false });
    expect(appsOf(out.callId).filter((a) => a.data.includes('VoiceMail(') || a.app === 'TryExec')).toEqual([]);
  });

  it('a plain dialled number still reaches its box', async () => {
    const out = await h.sim.placeCall(call('VOICEMAIL please', '0100000000', { kind: 'silent' }));
    expect(out).toMatchObject({ route: 'voicemail', answered: false });
    expect(appsOf(out.callId).filter((a) => a.app === 'TryExec').map((a) => a.data)).toEqual(['VoiceMail(0100000000@default,u)']);
  });
});

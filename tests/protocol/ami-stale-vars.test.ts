/**
 * Variables a call carries into chut-screen (inherited `__CHUT_*` ones, or left by an earlier pass through the
 * context, e.g. a transfer back into it) never steer it: the snippet clears them before it asks chut. The AMI fake
 * runs the snippet as written; chut's real wiring, the real Redis.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedCall } from '../../src/sim/types.js';
import { header, startAmiHarness, type AmiHarness, type Packet } from '../fakes/ami/index.js';

let h: AmiHarness;
let n = 0;
const call = (callerName: string, behaviour: SimulatedCall['behaviour']): SimulatedCall =>
  ({ callerNumber: `+3361266${String(5000 + ++n).padStart(4, '0')}`, callerName, dialled: '0100000000', behaviour });

let ran: Array<{ uniqueid: string; app: string; data: string }> = [];
const appsOf = (callId: string) => ran.filter((r) => r.uniqueid === callId);

beforeAll(async () => {
  h = await startAmiHarness({ label: 'ami-stale' }); // routes.voicemailMailbox unset: chut sends no CHUT_MAILBOX
  h.sim.server.onEvent = (p: Packet) => {
    if (header(p, 'Event') !== 'Newexten') return;
    ran.push({ uniqueid: header(p, 'Uniqueid') ?? '', app: header(p, 'Application') ?? '', data: header(p, 'AppData') ?? '' });
  };
});
afterAll(async () => { await h.stop(); });
afterEach(() => {
  ran = [];
  h.sim.server.inheritedVars.clear();
});

describe('stale CHUT_* variables on a screened call (AMI)', () => {
  it('a leftover CHUT_MAILBOX does not pick the box: the voicemail route uses the dialled number\'s', async () => {
    h.sim.server.inheritedVars.set('CHUT_MAILBOX', '999@default');
    const out = await h.sim.placeCall(call('VOICEMAIL please', { kind: 'silent' }));
    expect(out).toMatchObject({ route: 'voicemail' });
    expect(appsOf(out.callId).filter((a) => a.app === 'TryExec').map((a) => a.data)).toEqual(['VoiceMail(0100000000@default,u)']);
  });

  it('a leftover captcha state and failure route do not survive into a call that rings', async () => {
    for (const [name, value] of [['CHUT_CAPTCHA_STATE', 'running'], ['CHUT_CAPTCHA_ONFAIL', 'reject'], ['CHUT_REJECT_STYLE', 'busy'],
      ['CHUT_DECISION', 'reject']] as const) h.sim.server.inheritedVars.set(name, value);
    const out = await h.sim.placeCall(call('Alice Stale', { kind: 'silent' }));
    expect(out).toMatchObject({ route: 'ring', answered: false });
    const sets = appsOf(out.callId).filter((a) => a.app === 'Set').map((a) => a.data);
    for (const name of ['CHUT_MAILBOX', 'CHUT_REJECT_STYLE', 'CHUT_CAPTCHA_ONFAIL', 'CHUT_CAPTCHA_STATE', 'CHUT_DECISION']) {
      expect(sets).toContain(`${name}=`);
    }
  });
});

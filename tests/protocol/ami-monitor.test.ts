/**
 * Monitoring for ARI mode: chut follows, over AMI, a call that the ARI app screened (it entered Stasis(chut)),
 * and enriches the record the ARI side wrote — the ARI channel id is the AMI Uniqueid of the same channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeEnter, channelEvent, dialEvent, hangupEvent, newexten, type SimChannel } from '../../src/sim/ami/channel.js';
import { eventually, startAmiHarness, type AmiHarness } from '../fakes/ami/index.js';

let h: AmiHarness;

beforeAll(async () => { h = await startAmiHarness({ label: 'ami-monitor', config: { ami: { mode: 'monitor' } } }); });
afterAll(async () => { await h.stop(); });

function channel(name: string, uniqueid: string, context: string): SimChannel {
  return {
    name, uniqueid, linkedid: uniqueid, state: 4, callerNum: '+33612345678', callerName: 'Alice', connectedNum: '', connectedName: '',
    context, exten: '0100000000', priority: 1, vars: new Map(), alive: true,
  };
}

describe('monitoring an ARI-screened call over AMI', () => {
  it('enriches the record with answered-by, talk time and the hang-up cause', async () => {
    const uniqueid = `${Math.floor(Date.now() / 1000)}.77`;
    // The ARI side screened and recorded the call under its channel id.
    const call = { pbx: 'asterisk-ari' as const, callId: uniqueid, callerNumber: '+33612345678', callerName: 'Alice', dialled: '0100000000', receivedAt: Date.now() };
    const decision = await h.chut.screening.screen(call);
    await h.chut.screening.finishCall(call, decision, 'ring', null);

    const inbound = channel('PJSIP/trunk-0000004d', uniqueid, 'from-pstn');
    const phone = channel('PJSIP/alice-0000004e', `${uniqueid}1`, 'from-internal');
    const s = h.sim.server;
    const packets = h.adapter.stats().packets;
    s.broadcast(channelEvent('Newchannel', inbound));
    s.broadcast(newexten(inbound, 'Stasis', 'chut'));
    s.broadcast(channelEvent('Newchannel', phone));
    s.broadcast(dialEvent('DialBegin', inbound, phone, [['DialString', 'alice']]));
    s.broadcast(dialEvent('DialEnd', inbound, phone, [['DialStatus', 'ANSWER']]));
    s.broadcast(bridgeEnter('b-1', 2, inbound));
    // chut times the talk from when it reads the answer: let it read these six events before the 1.1 s of talk start,
    // or a loaded machine can hand it the answer and the hang-up together (talk 0 s).
    await eventually(() => h.adapter.stats().packets >= packets + 6, 5000, 'chut to read the answer');
    await new Promise((r) => setTimeout(r, 1100));
    s.broadcast(hangupEvent(phone, 16, 'Normal Clearing'));
    s.broadcast(hangupEvent(inbound, 16, 'Normal Clearing'));

    let enrichment: unknown = null;
    await eventually(async () => {
      const rec = (await h.chut.store.calls({ limit: 50 })).calls.find((c) => c.callId === uniqueid);
      enrichment = rec?.enrichment ?? null;
      return enrichment !== null;
    }, 5000, 'the enrichment');
    expect(enrichment).toMatchObject({ answered: true, answeredBy: 'alice', hangupCause: 'Normal Clearing' });
    expect((enrichment as { talkSeconds: number }).talkSeconds).toBeGreaterThanOrEqual(1);
    expect(h.adapter.stats().monitored).toBe(0);
  });

  it('in monitor mode a ChutQuery is not answered (no Setvar)', async () => {
    const out = await h.sim.placeCall({ callerNumber: '+33612000001', callerName: 'REJECT nobody', dialled: '0100000000', behaviour: { kind: 'silent' } });
    expect(out.route).toBe('ring');
    expect(h.sim.actionNames()).not.toContain('setvar');
    // The fake wrote the Hangup before placeCall resolved, but chut may not have read it yet (idle() only settles what
    // it has read): wait for it to forget the call.
    await eventually(() => h.adapter.stats().monitored === 0, 5000, 'chut to read the hang-up');
    await h.adapter.idle();
    expect(h.adapter.stats()).toMatchObject({ screening: 0, monitored: 0 });
  });
});

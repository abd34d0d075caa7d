/**
 * A ChutQuery whose channel name no Setvar may carry (a space, non-ASCII, too long): chut sends nothing (the
 * dialplan rings after its wait: fail-open), says so once, and still records the call as rung.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serialize } from '../../src/sim/ami/index.js';
import { chutEncode } from '../../src/sim/ami/channel.js';
import { header, recordOf, startAmiHarness, type AmiHarness } from '../fakes/ami/index.js';

let h: AmiHarness;

beforeAll(async () => { h = await startAmiHarness({ label: 'ami-badchan' }); });
afterAll(async () => { await h?.stop(); });

function chutQuery(channel: string, uniqueid: string, callerName: string): string {
  return serialize([
    ['Event', 'UserEvent'], ['Privilege', 'user,all'], ['Channel', channel], ['ChannelState', '4'], ['ChannelStateDesc', 'Ring'],
    ['CallerIDNum', '+33612345678'], ['CallerIDName', callerName], ['Context', 'chut-screen'], ['Exten', 's'], ['Priority', '4'],
    ['Uniqueid', uniqueid], ['Linkedid', uniqueid], ['UserEvent', 'ChutQuery'], ['ChutVersion', '1'], ['ChutCallId', uniqueid],
    ['ChutCaller', chutEncode('+33612345678')], ['ChutName', chutEncode(callerName)], ['ChutDialled', chutEncode('0100000000')],
    ['ChutVerstat', chutEncode('')], ['ChutWaitMs', '2000'],
  ]);
}

describe('AMI: a ChutQuery whose channel name cannot be written in a Setvar', () => {
  it.each([
    ['a space', 'PJSIP/Trunk Orange-0000002b', 'REJECT spaced', '1790000000.11'],
    ['non-ASCII', 'PJSIP/opérateur-0000002c', 'CAPTCHA accented', '1790000000.12'],
    ['too long', `PJSIP/${'t'.repeat(220)}-0000002d`, 'VOICEMAIL long', '1790000000.13'],
  ])('(%s) is recorded as rung, with no Setvar sent and no failure', async (_what, channel, callerName, uniqueid) => {
    const before = h.sim.actions().length;
    h.sim.server.writeRaw(chutQuery(channel, uniqueid, callerName));
    const record = await recordOf(h, uniqueid, 5000);
    expect(record).toMatchObject({ callId: uniqueid, route: 'ring' });
    const setvars = h.sim.actions().slice(before).filter((p) => (header(p, 'Action') ?? '').toLowerCase() === 'setvar');
    expect(setvars).toEqual([]);
    const lines = h.logs.filter((l) => l.includes(uniqueid));
    expect(lines.filter((l) => l.includes('channel name cannot be used'))).toHaveLength(1);
    expect(lines.some((l) => l.includes('call handling failed'))).toBe(false);
  });
});

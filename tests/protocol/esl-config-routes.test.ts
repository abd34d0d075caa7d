/** Route styles chosen in the configuration, executed against the fake FreeSWITCH. */
import { describe, expect, it } from 'vitest';
import { call, recordOf, startHarness } from '../fakes/esl/harness.js';

describe('ESL: configured reject styles', () => {
  const styles: Array<[string, string[]]> = [
    ['sip-607', ['sendmsg respond']],
    ['sip-603', ['sendmsg respond']],
    ['busy', ['sendmsg hangup']],
    ['congestion', ['sendmsg hangup']],
  ];
  for (const [style, expected] of styles) {
    it(`${style}: rejected without answering`, async () => {
      const h = await startHarness({ routes: { reject: style } });
      try {
        const out = await h.sim.placeCall(call({ dialled: '2003' }));
        expect(out.route).toBe('reject');
        expect(out.answered).toBe(false);
        expect(out.commands).toEqual(expect.arrayContaining(expected));
        expect(out.commands).not.toContain('sendmsg pre_answer');
      } finally {
        await h.close();
      }
    });
  }
});

describe('ESL: transfers from the configuration', () => {
  it('ring through esl.ringTransfer and voicemail through a voicemail extension', async () => {
    const h = await startHarness(
      { esl: { ringTransfer: { extension: 'screened', context: 'chut' }, voicemail: { type: 'transfer', extension: 'vm', context: 'chut' } } },
      { transfers: { 'screened chut': 'ring', 'vm chut': 'voicemail' } },
    );
    try {
      const rang = await h.sim.placeCall(call({ dialled: '1000' }));
      expect(rang.route).toBe('ring');
      expect(rang.answered).toBe(false);
      expect(rang.commands).toContain('sendmsg transfer');
      const vm = await h.sim.placeCall(call({ dialled: '2002' }));
      expect(vm.route).toBe('voicemail');
      expect(vm.commands).toContain('sendmsg transfer');
      expect(vm.commands).not.toContain('sendmsg voicemail');
      // the records say what happened: the transfer's own completion arrives before the socket ends
      expect(await recordOf(h, rang.callId)).toMatchObject({ action: 'ring', route: 'ring' });
      expect(await recordOf(h, vm.callId)).toMatchObject({ action: 'voicemail', route: 'voicemail' });
    } finally {
      await h.close();
    }
  });

  it('a fixed voicemail mailbox from routes.voicemailMailbox is used whatever was dialled', async () => {
    const h = await startHarness({ routes: { voicemailMailbox: 'family' } });
    try {
      const out = await h.sim.placeCall(call({ dialled: '2002' }));
      expect(out.route).toBe('voicemail');
      expect(out.executed.find((e) => e.app === 'voicemail')?.arg).toBe('default ${domain_name} family');
    } finally {
      await h.close();
    }
  });
});

/** The take-over of chut.xml's bound (src/esl/bound.ts): what chut asks FreeSWITCH, and how it reads the answers. */
import { describe, expect, it } from 'vitest';
import { boundTargetFrom, ScreenBound } from '../../../src/esl/bound.js';

const UUID = 'aad4a0a1-6460-4301-af97-118ec520c3bf';
const TARGET = { destination: '+33100000000', context: 'public' };

/** A FreeSWITCH whose api answers come from `answers` in order (an Error rejects, as a lost connection does). */
function fakeApi(answers: Array<string | Error>): { api: (c: string) => Promise<string>; sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    api: async (command) => {
      sent.push(command);
      const next = answers.shift();
      if (next === undefined) throw new Error('unexpected command');
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

describe('the bound in the channel data', () => {
  it('is there only when chut.xml set chut_bound; the target is the number and context chut-screen ran with', () => {
    expect(boundTargetFrom({ 'Caller-Destination-Number': '1000', 'Caller-Context': 'public' })).toBeNull();
    expect(boundTargetFrom({ variable_chut_bound: '10', 'Caller-Destination-Number': '+33100000000', 'Caller-Context': 'public' }))
      .toEqual(TARGET);
  });
});

describe('ScreenBound.takeOver', () => {
  it('deletes the call\'s tasks (group = uuid) and goes on when one was deleted', async () => {
    const f = fakeApi(['+OK Deleted: 1\n']);
    expect(await new ScreenBound(f.api, UUID, TARGET).takeOver()).toEqual({ ok: true });
    expect(f.sent).toEqual([`sched_del ${UUID}`]);
  });

  it('Deleted: 0: the bound already fired, chut must not take the call', async () => {
    const f = fakeApi(['+OK Deleted: 0\n']);
    expect(await new ScreenBound(f.api, UUID, TARGET).takeOver()).toMatchObject({ ok: false, why: expect.stringContaining('already fired') });
  });

  it('an answer that is not a count, or none at all, is not ok either (chut cannot know the bound is gone)', async () => {
    for (const answer of ['-ERR sched_del Command not found!\n', '+OK\n', '', new Error('reply timeout')]) {
      expect((await new ScreenBound(fakeApi([answer]).api, UUID, TARGET).takeOver()).ok).toBe(false);
    }
  });

  it('a captcha re-arms a bound to the same number and context, once the dial plan\'s is deleted', async () => {
    const f = fakeApi(['+OK Deleted: 1\n', '+OK\n', '+OK Deleted: 1\n']);
    const bound = new ScreenBound(f.api, UUID, TARGET);
    expect(await bound.takeOver(145)).toEqual({ ok: true });
    // the route after the captcha deletes the re-armed one
    expect(await bound.takeOver()).toEqual({ ok: true });
    expect(f.sent).toEqual([`sched_del ${UUID}`, `sched_transfer +145 ${UUID} +33100000000 XML public`, `sched_del ${UUID}`]);
  });

  it('once deleted and not re-armed, nothing is asked again (a second Deleted: 0 would wrongly read as fired)', async () => {
    const f = fakeApi(['+OK Deleted: 1\n']);
    const bound = new ScreenBound(f.api, UUID, TARGET);
    expect((await bound.takeOver()).ok).toBe(true);
    expect((await bound.takeOver()).ok).toBe(true);
    expect(f.sent).toHaveLength(1);
  });

  it('a re-arm FreeSWITCH refuses is not ok: the captcha must not run unbounded', async () => {
    const f = fakeApi(['+OK Deleted: 1\n', '-ERR No Such Channel!\n']);
    expect((await new ScreenBound(f.api, UUID, TARGET).takeOver(145)).ok).toBe(false);
  });

  it('a number that cannot travel in an api argument: no re-arm, and the bound is left in place', async () => {
    for (const destination of ['1000 XML evil', 'a\nb', '', 'x'.repeat(65)]) {
      const f = fakeApi([]);
      expect((await new ScreenBound(f.api, UUID, { destination, context: 'public' }).takeOver(145)).ok).toBe(false);
      expect(f.sent).toEqual([]);
    }
  });

  it('no bound in the dial plan (an older chut.xml): nothing is asked and chut goes on as before', async () => {
    const f = fakeApi([]);
    const bound = new ScreenBound(f.api, UUID, null);
    expect(await bound.takeOver(145)).toEqual({ ok: true });
    expect(await bound.takeOver()).toEqual({ ok: true });
    expect(f.sent).toEqual([]);
  });
});

/**
 * A decision chut cannot write as dialplan variables (here a captcha prompt list longer than a Setvar value may
 * be) must still end in a ring at once, with the call recorded, not in the dialplan waiting out its timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatedCall } from '../../src/sim/types.js';
import { eventually, startAmiHarness, type AmiHarness } from '../fakes/ami/index.js';

let h: AmiHarness;
const longPrompt = Array.from({ length: 12 }, (_, i) => `custom/a-rather-long-prompt-name-${i}`);

beforeAll(async () => {
  h = await startAmiHarness({
    label: 'ami-badval',
    config: { captcha: { attempts: 2, firstDigitTimeoutMs: 1000, interDigitTimeoutMs: 500, prompts: { fr: { intro: longPrompt, retry: [], thanks: [], goodbye: [] } } } },
  });
});
afterAll(async () => { await h?.stop(); });

describe('AMI decision that cannot be written as dialplan variables', () => {
  it('rings at once (fail-open), says why in the log, and records the call', async () => {
    const call: SimulatedCall = { callerNumber: '+33612990001', callerName: 'CAPTCHA person', dialled: '0100000000', behaviour: { kind: 'types-what-it-hears' } };
    const out = await h.sim.placeCall(call);
    expect(out).toMatchObject({ route: 'ring', answered: false });
    expect(out.durationMs).toBeLessThan(1500); // the dialplan waits 2 s for a decision it never gets
    expect(h.logs.some((l) => l.includes('cannot be written as dialplan variables'))).toBe(true);
    let record: { action: string; route: string } | undefined;
    await eventually(async () => {
      record = (await h.chut.store.calls({ limit: 20 })).calls.find((c) => c.callId === out.callId);
      return record !== undefined;
    }, 5000, 'the call record');
    expect(record).toMatchObject({ action: 'captcha', route: 'ring' });
  });
});

/** Auto-blocking through AMI (dialplan captcha): on, but never for a caller ID that failed STIR/SHAKEN verification. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SimulatedCall } from '../../src/sim/types.js';
import { eventually, startAmiHarness, type AmiHarness } from '../fakes/ami/index.js';

let h: AmiHarness;
beforeAll(async () => { h = await startAmiHarness({ label: 'ami-autoblock', config: { reputation: { autoBlockScore: 25 } } }); });
afterAll(async () => { await h.stop(); });

const robot = (callerNumber: string, verstat?: string): SimulatedCall =>
  ({ callerNumber, callerName: 'CAPTCHA robot', dialled: '0100000000', behaviour: { kind: 'types', digits: '0000' }, ...(verstat ? { verstat } : {}) });

async function failCaptcha(call: SimulatedCall): Promise<void> {
  const out = await h.sim.placeCall(call);
  await eventually(async () => (await h.chut.store.calls({ limit: 50 })).calls.some((c) => c.callId === out.callId && c.captcha === 'failed'), 8000, 'the failed captcha recorded');
}

it('a failed captcha at the threshold blocks the number; the same from a caller ID that failed verification does not', async () => {
  await failCaptcha(robot('+33612990001'));
  await eventually(async () => (await h.chut.store.getListEntry({ kind: 'number', e164: '+33612990001' })).length === 1, 4000, 'the auto-block');
  await failCaptcha(robot('+33612990002', 'TN-Validation-Failed'));
  expect(await h.chut.store.getListEntry({ kind: 'number', e164: '+33612990002' })).toEqual([]);
  expect(h.logs.join('')).toContain('not auto-blocked: the caller ID failed STIR/SHAKEN verification');
});

/**
 * A `verstat:` rule over ARI: chut reads STIR_SHAKEN(0,verify_result), which Asterisk 22 fills with its own words
 * (`success`, `signature_validation`…), and must match the policy's TN-Validation-* values all the same.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CallRecord } from '../../src/reputation/types.js';
import { eventually, startAriHarness, type AriHarness } from '../fakes/ari/index.js';

const POLICY = `version: 1
default: ring
rules:
  - name: spoofed
    action: reject
    when: { verstat: TN-Validation-Failed }
  - name: verified
    action: ring
    when: { verstat: TN-Validation-Passed }
`;

let h: AriHarness;
beforeAll(async () => { h = await startAriHarness({ label: 'ari-stir', policy: POLICY }); });
afterAll(async () => { await h.stop(); });

async function ruleOf(callId: string): Promise<string> {
  let found: CallRecord | undefined;
  await eventually(async () => {
    found = (await h.chut.store.calls({ limit: 20 })).calls.find((c) => c.callId === callId);
    return found !== undefined;
  }, 5000, `the call record of ${callId}`);
  return (found as CallRecord).rule;
}

it('a call whose identity failed verification is rejected, a verified one rings, an unsigned one takes the default', async () => {
  const call = (callerNumber: string, verstat?: string) => ({ callerNumber, callerName: 'X', dialled: '0100000000', behaviour: { kind: 'silent' as const }, ...(verstat ? { verstat } : {}) });
  const failed = await h.sim.placeCall(call('+33612990001', 'TN-Validation-Failed'));
  expect([failed.route, await ruleOf(failed.callId)]).toEqual(['reject', 'spoofed']);
  const passed = await h.sim.placeCall(call('+33612990002', 'TN-Validation-Passed'));
  expect([passed.route, await ruleOf(passed.callId)]).toEqual(['ring', 'verified']);
  const unsigned = await h.sim.placeCall(call('+33612990003'));
  expect([unsigned.route, await ruleOf(unsigned.callId)]).toEqual(['ring', 'default']);
});

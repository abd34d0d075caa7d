/**
 * `ari.stirShakenReadMs`: how long chut waits for Asterisk's STIR_SHAKEN(0,verify_result) before it screens the call
 * without it (fail-open). On a loaded Asterisk a failed verification answered after the default 150 ms is lost, and the
 * spoofed call rings; an administrator who raises the bound gets it honoured, and 0 stops the read altogether.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimRequest } from '../../src/sim/ari/index.js';
import { recordOf, startAriHarness, type AriHarness } from '../fakes/ari/index.js';

const POLICY = `version: 1
default: ring
rules:
  - name: spoofed
    action: reject
    when: { verstat: TN-Validation-Failed }
`;
const STIR_READ = 'STIR_SHAKEN(0,verify_result)';

/** A call whose identity Asterisk failed to verify, its result answered `lateMs` after chut asks for it. */
async function spoofedCall(h: AriHarness, callerNumber: string, lateMs: number): Promise<[string, string]> {
  h.sim.faults.slowVariables.set(STIR_READ, lateMs);
  const out = await h.sim.placeCall({ callerNumber, callerName: 'X', dialled: '0100000000', behaviour: { kind: 'silent' }, verstat: 'TN-Validation-Failed' });
  return [out.route, (await recordOf(h, out.callId)).rule];
}

describe('with the default bound (150 ms)', () => {
  let h: AriHarness;
  beforeAll(async () => { h = await startAriHarness({ label: 'stir-dflt', policy: POLICY }); });
  afterAll(async () => { await h.stop(); });

  it('a failed verification answered 400 ms late is not waited for: the spoofed call rings (fail-open)', async () => {
    expect(await spoofedCall(h, '+33612991001', 400)).toEqual(['ring', 'default']);
  });

  it('the administrator is told, once for many calls, that the bound is too low for this Asterisk', async () => {
    await spoofedCall(h, '+33612991006', 400);
    const warnings = h.logs.filter((l) => l.includes('did not come within ari.stirShakenReadMs (150 ms)'));
    expect(warnings).toHaveLength(1); // two late reads, one warning
    expect(warnings[0]).toContain('Raise ari.stirShakenReadMs');
    expect(warnings[0]).toContain('for 1 call since chut started'); // the first late read, said at once
  });
});

describe('with ari.stirShakenReadMs raised', () => {
  let h: AriHarness;
  // the screening deadline (1500 ms in tests) starts after the read: the adapter's watchdog must allow for both
  beforeAll(async () => { h = await startAriHarness({ label: 'stir-up', policy: POLICY, ari: { requestTimeoutMs: 5000, stirShakenReadMs: 4500 } }); });
  afterAll(async () => { await h.stop(); });

  it('a failed verification answered 400 ms late is honoured: the spoofed call is rejected', async () => {
    expect(await spoofedCall(h, '+33612991002', 400)).toEqual(['reject', 'spoofed']);
  });

  it('even one answered later than the screening deadline plus the watchdog\'s 2 s margin', async () => {
    expect(await spoofedCall(h, '+33612991003', 3800)).toEqual(['reject', 'spoofed']);
  }, 15_000);
});

describe('with ari.stirShakenReadMs: 0', () => {
  let h: AriHarness;
  const reads: SimRequest[] = [];
  beforeAll(async () => {
    h = await startAriHarness({ label: 'stir-off', policy: POLICY, ari: { stirShakenReadMs: 0 } });
    h.sim.on('request', (r: SimRequest) => { if (r.query.get('variable') === STIR_READ) reads.push(r); });
  });
  afterAll(async () => { await h.stop(); });

  it('Asterisk is not asked: only a verstat in the caller ID reaches the policy', async () => {
    expect(await spoofedCall(h, '+33612991004', 0)).toEqual(['ring', 'default']);
    const vouched = await h.sim.placeCall({ callerNumber: '+33612991005;verstat=TN-Validation-Failed', callerName: 'X', dialled: '0100000000', behaviour: { kind: 'silent' } });
    expect([vouched.route, (await recordOf(h, vouched.callId)).rule]).toEqual(['reject', 'spoofed']);
    expect(reads).toEqual([]);
  });
});

/**
 * esl.ringTransfer is for decided rings only. A route that failed rings by ending the socket (the dialplan continues
 * to the normal destination), so a wrong or missing transfer target can never lose a call on the fail-open path.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, startHarness, type Harness } from '../fakes/esl/harness.js';

/** An extension that exists in no dialplan: FreeSWITCH would hang up with NO_ROUTE_DESTINATION. */
const NOWHERE = { extension: 'nowhere', context: 'chut' };

describe('a ringTransfer target that does not exist', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({ esl: { ringTransfer: NOWHERE } }, { directory: [] }); });
  afterAll(async () => { await h?.close(); });
  afterEach(() => { h.sim.reset(); });

  it('the fake FreeSWITCH hangs up a decided ring transferred there, as FreeSWITCH does (a configuration error)', async () => {
    const out = await h.sim.placeCall(call({ dialled: '1000' }));
    expect(out.commands).toContain('sendmsg transfer');
    expect(out.route).toBe('reject');
  });

  it('a captcha that fails (instructions missing): the call still rings, without the transfer', async () => {
    h.sim.missingFiles('ivr/ivr-');
    const out = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'silent' } }));
    expect(out.route).toBe('ring');
    expect(out.commands).not.toContain('sendmsg transfer');
  });

  it('voicemail that cannot be left (no such box): the call still rings, without the transfer', async () => {
    const out = await h.sim.placeCall(call({ dialled: '2002' }));
    expect(out.route).toBe('ring');
    expect(out.commands).not.toContain('sendmsg transfer');
  });
});

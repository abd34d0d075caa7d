/**
 * A caller who hangs up before the captcha challenge started (while chut screens the call, or as it answers) heard
 * nothing to be judged on: the call is recorded with no captcha outcome and the number's reputation is left alone.
 * A hang-up once the challenge started is still `hung-up`, and counts.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { createMemoryStore } from '../../../src/reputation/index.js';
import { parsePolicy } from '../../../src/rules/index.js';
import { createScreeningService } from '../../../src/screening/service.js';
import type { InboundCall } from '../../../src/screening/types.js';
import { FakeControl } from '../../helpers/fake-control.js';

const POLICY = 'version: 1\ndefault: ring\nrules:\n  - name: everyone\n    when: { pack: [fr-npv] }\n    action: captcha\n';
const T0 = Date.parse('2026-12-01T10:00:00Z');

let seq = 0;
const call = (callerNumber: string): InboundCall => ({
  pbx: 'asterisk-ari', callId: `h${++seq}`, callerNumber, callerName: 'X', dialled: '0100000000', receivedAt: T0,
});

describe('a hang-up before the captcha challenge started', () => {
  it('before routing, or as chut answers: no outcome, no prompt, the score and counters untouched, no auto-block', async () => {
    const blocked: string[] = [];
    const store = createMemoryStore({ clock: () => T0 });
    const screening = createScreeningService({
      store, policy: parsePolicy(POLICY, 'test'), config: parseConfig({ reputation: { autoBlockScore: 10 } }),
      logger: createLogger('silent'), observers: [{ onAutoBlock: (n) => blocked.push(n) }], clock: () => T0,
    });
    const facts = () => store.lookup({ e164: '+33162000013', rateWindowsSec: [], blockDigits: 8, now: T0 });
    const early = new FakeControl(['echo']);
    early.hangUp(); // left while chut was screening
    const answering = new FakeControl(['echo']);
    answering.hangUpOn.add('answer'); // left as chut answered, before any prompt
    for (const control of [early, answering]) {
      const r = await screening.handleCall(call('0162000013'), control);
      expect([r.decision.route, r.finalRoute, r.captcha, r.record.captcha, r.record.route]).toEqual(['captcha', 'hung-up', null, null, 'hung-up']);
      expect(control.asked).toEqual([]);
    }
    expect([(await facts()).captcha, (await facts()).score]).toEqual([{ passed: 0, failed: 0, hungUp: 0 }, 0]);
    expect(blocked).toEqual([]);

    // once the challenge started (answered, first prompt), a hang-up still counts against the number
    const r = await screening.handleCall(call('0162000013'), new FakeControl(['hangup']));
    expect([r.finalRoute, r.captcha, r.record.captcha]).toEqual(['hung-up', 'hung-up', 'hung-up']);
    expect((await facts()).captcha.hungUp).toBe(1);
    expect((await facts()).score).toBeGreaterThan(0);
    expect(blocked).toEqual(['+33162000013']); // the threshold of 10 is crossed by this hang-up alone
  });
});

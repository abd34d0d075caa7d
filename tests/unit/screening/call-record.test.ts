import { describe, expect, it } from 'vitest';
import { REDACTED_KEYS } from '../../../src/logger.js';
import { normalise } from '../../../src/phone/index.js';
import { buildCallRecord } from '../../../src/screening/call-record.js';
import type { InboundCall, ScreeningDecision } from '../../../src/screening/types.js';

const call: InboundCall = {
  pbx: 'asterisk-ari', callId: '1732849231.123', callerNumber: '"Jean" <sip:0612345678@10.0.0.1;verstat=TN-Validation-Passed>',
  callerName: 'password token secret', dialled: '0100000000', receivedAt: 1_700_000_000_000,
};

function decision(): ScreeningDecision {
  return {
    action: 'captcha', rule: 'withheld', reasons: ['caller ID withheld'], captcha: { onFail: 'reject', onTimeout: 'voicemail' },
    route: 'captcha', shadow: false, degraded: false, caller: normalise(call.callerNumber, call.callerName, { defaultCountry: 'FR' }),
    dialled: '+33100000000', latencyMs: 0.2345678, decidedAt: 1_700_000_000_001,
  };
}

describe('call record', () => {
  it('carries what the call log needs: time, callers, decision, route, captcha outcome, latency', () => {
    const r = buildCallRecord(call, decision(), 'ring', 'passed');
    expect(r).toMatchObject({
      time: 1_700_000_000_001, pbx: 'asterisk-ari', callId: '1732849231.123', caller: '+33612345678', callerKind: 'valid',
      callerName: 'password token secret', dialled: '+33100000000', action: 'captcha', route: 'ring', rule: 'withheld',
      reasons: ['caller ID withheld'], captcha: 'passed', latencyMs: 0.235,
    });
  });

  // The recorder logs records without redaction (src/logger.ts withoutRedaction): that is only sound while a
  // record is flat and none of its keys is one redaction hides. Redaction matches keys, never values.
  it('is flat and has no key that log redaction hides', () => {
    const r = buildCallRecord(call, decision(), 'captcha', 'hung-up');
    for (const [key, value] of Object.entries(r)) {
      expect(REDACTED_KEYS as readonly string[]).not.toContain(key.toLowerCase());
      const flat = value === null || ['string', 'number', 'boolean'].includes(typeof value) ||
        (Array.isArray(value) && value.every((v) => typeof v === 'string'));
      expect(flat, `${key} must be a plain value`).toBe(true);
    }
  });
});

describe('call record: the raw caller ID', () => {
  const recordFor = (callerNumber: string) => {
    const caller = normalise(callerNumber, '', { defaultCountry: 'FR' });
    return buildCallRecord({ ...call, callerNumber }, { ...decision(), caller }, 'ring', null);
  };

  // Deleted, the zero-width space would leave a refused caller ID that reads like a good number.
  it('keeps invisible characters as escapes', () => {
    expect(recordFor('+33 6 12 34 56 78\u200b')).toMatchObject({ rawCaller: '+33 6 12 34 56 78\\u200b', callerKind: 'invalid' });
    expect(recordFor('"Anon\u202e" <sip:anonymous@anonymous.invalid>')).toMatchObject({
      rawCaller: '"Anon\\u202e" <sip:anonymous@anonymous.invalid>', callerKind: 'withheld',
    });
  });

  it('is cut at 128 characters between escapes, ending in …', () => {
    const rawCaller = recordFor(`${'1'.repeat(125)}\u200b`).rawCaller;
    expect(rawCaller).toBe(`${'1'.repeat(125)}…`);
    expect(recordFor('\u200b'.repeat(100)).rawCaller).toBe(`${'\\u200b'.repeat(21)}…`);
  });
});

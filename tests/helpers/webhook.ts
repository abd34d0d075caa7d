/** What the webhook tests share: a logger whose lines they read, and a rejected call to notify about. */
import { createLogger } from '../../src/logger.js';
import { recordPayload, type NotificationPayload } from '../../src/notify/events.js';
import type { CallRecord } from '../../src/reputation/types.js';

/** A debug logger and the JSON lines it wrote. */
export function capture() {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, logger: createLogger('debug', { write: (s: string) => { lines.push(JSON.parse(s) as Record<string, unknown>); } }) };
}

/** The call-rejected notification of call number `i` (its callerName is `n<i>`). */
export function rejectedCall(i: number): NotificationPayload {
  const record: CallRecord = {
    time: Date.UTC(2026, 10, 28, 9, 30), pbx: 'asterisk-ari', callId: `c-${i}`, rawCaller: '0162000001', caller: '+33162000001',
    callerKind: 'valid', callerName: `n${i}`, dialled: '+33123456789', action: 'reject', route: 'reject', rule: 'blocklist',
    reasons: [], shadow: false, degraded: false, captcha: null, latencyMs: 1,
  };
  return recordPayload('call-rejected', record);
}

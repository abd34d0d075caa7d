/** Builds the one record every call produces (pure). */
import type { CaptchaOutcome, CallRecord } from '../reputation/types.js';
import { cutShown } from '../show-invisible.js';
import type { FinalRoute, InboundCall, ScreeningDecision } from './types.js';

const MAX_RAW = 128;

export function buildCallRecord(call: InboundCall, d: ScreeningDecision, finalRoute: FinalRoute, captcha: CaptchaOutcome | null): CallRecord {
  const n = d.caller.number;
  return {
    time: d.decidedAt,
    pbx: call.pbx,
    callId: String(call.callId).slice(0, 128),
    // `raw` is shown text (`06\u200b12…`): cut between its escapes, saying so, not inside one.
    rawCaller: cutShown(n.raw, MAX_RAW),
    caller: n.kind === 'valid' ? n.e164 : n.kind,
    callerKind: n.kind,
    callerName: d.caller.name,
    dialled: d.dialled,
    action: d.action,
    route: finalRoute,
    rule: d.rule,
    reasons: d.reasons,
    shadow: d.shadow,
    degraded: d.degraded,
    captcha,
    latencyMs: Math.round(d.latencyMs * 1000) / 1000,
  };
}

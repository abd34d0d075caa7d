/** Builds the screener's `InboundCall` from a StasisStart: raw caller data, plus STIR/SHAKEN when present. */
import type { Logger } from '../logger.js';
import type { InboundCall } from '../screening/types.js';
import type { StasisStart } from './events.js';
import { AriHttpError, AriTransportError, type AriRest } from './rest.js';
import { verstatFromAsterisk } from './stir-shaken.js';

const MAX_VERSTAT = 64;

/**
 * `STIR_SHAKEN(0,verify_result)` read through the channel-variable endpoint, in the policy's verstat words
 * (stir-shaken.ts). Only chan_pjsip verifies identities, so other technologies are not asked. For most calls there
 * is no result: Asterisk answers 500 "Unable to read provided function" (ast_func_read2 fails); any failure gives
 * null within `timeoutMs`; `onTimeout` hears of a read that ran out of time (the bound may be too low for this Asterisk).
 */
export async function readVerstat(
  rest: AriRest, ev: StasisStart, timeoutMs: number, logger: Logger, onTimeout?: () => void,
): Promise<string | null> {
  if (!ev.channel.name.startsWith('PJSIP/')) return null;
  // Asked even when the caller ID carries a `;verstat=` (the phone module reads that one): the caller ID's user part
  // is whatever the far end wrote, so a forged `verstat=TN-Validation-Passed` there must not hide Asterisk's own
  // failed verification. Asterisk's result, when it has one, wins (the screener prefers the PBX's verstat); without
  // one (500 below) the caller ID's is used.
  try {
    const res = await rest.request<{ value?: unknown }>('GET', `/channels/${encodeURIComponent(ev.channel.id)}/variable`,
      { variable: 'STIR_SHAKEN(0,verify_result)' }, timeoutMs);
    const value = typeof res?.value === 'string' ? res.value.trim().slice(0, MAX_VERSTAT) : '';
    return verstatFromAsterisk(value);
  } catch (err) {
    if (err instanceof AriTransportError && err.detail.startsWith('timed out')) onTimeout?.();
    if (!(err instanceof AriHttpError && (err.status === 404 || err.status === 500))) logger.debug({ err: String(err) }, 'ARI: no STIR/SHAKEN result');
    return null;
  }
}

export function inboundCall(ev: StasisStart, verstat: string | null, receivedAt: number): InboundCall {
  return {
    pbx: 'asterisk-ari',
    callId: ev.channel.id,
    callerNumber: ev.channel.caller.number,
    callerName: ev.channel.caller.name,
    dialled: ev.channel.dialplan.exten,
    verstat,
    receivedAt,
  };
}

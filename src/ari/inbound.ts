/** Builds the screener's `InboundCall` from a StasisStart: raw caller data, plus STIR/SHAKEN when present. */
import type { Logger } from '../logger.js';
import type { InboundCall } from '../screening/types.js';
import type { StasisStart } from './events.js';
import { AriHttpError, type AriRest } from './rest.js';
import { verstatFromAsterisk } from './stir-shaken.js';

const VERSTAT_IN_CALLER = /[;?&]verstat=/i;
const MAX_VERSTAT = 64;

/**
 * `STIR_SHAKEN(0,verify_result)` read through the channel-variable endpoint, in the policy's verstat words
 * (stir-shaken.ts). Only chan_pjsip verifies identities, so other technologies are not asked. For most calls there
 * is no result: Asterisk answers 500 "Unable to read provided function" (ast_func_read2 fails); any failure gives
 * null within `timeoutMs`.
 */
export async function readVerstat(rest: AriRest, ev: StasisStart, timeoutMs: number, logger: Logger): Promise<string | null> {
  if (!ev.channel.name.startsWith('PJSIP/')) return null;
  if (VERSTAT_IN_CALLER.test(ev.channel.caller.number)) return null; // the phone module reads it from the caller ID
  try {
    const res = await rest.request<{ value?: unknown }>('GET', `/channels/${encodeURIComponent(ev.channel.id)}/variable`,
      { variable: 'STIR_SHAKEN(0,verify_result)' }, timeoutMs);
    const value = typeof res?.value === 'string' ? res.value.trim().slice(0, MAX_VERSTAT) : '';
    return verstatFromAsterisk(value);
  } catch (err) {
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

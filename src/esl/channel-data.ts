/**
 * Reads the `connect` reply (CHANNEL_DATA) into an InboundCall. Values stay raw and untrusted: the screener
 * normalises them; nothing read here is ever written back into a command. (bound.ts reads the dialled number and
 * context for the captcha's bound itself, and checks them before they reach one; the dial plan's own
 * `playback_terminators` is written back after a captcha only when it is DTMF keys, `none` or `any`.)
 */
import { identityHeaderVerstat } from '../phone/uri.js';
import type { InboundCall } from '../screening/types.js';

/** FreeSWITCH UUIDs; anything else is not a channel we can track. */
const CALL_ID = /^[A-Za-z0-9-]{1,64}$/;
/** Longest caller-ID value passed on; longer ones are cut (they are not phone numbers or names anyway). */
const MAX_VALUE = 256;

const cut = (v: string | undefined): string => (v ?? '').slice(0, MAX_VALUE);

/** `verstat` from a `sip_P-Asserted-Identity` such as `"Jean" <sip:+33…@host;verstat=TN-Validation-Passed>`: as in any
 * caller ID, never from the display name, the least trusted of several (src/phone/uri.ts). */
export function verstatFromPai(pai: string | undefined): string | null {
  if (!pai) return null;
  return identityHeaderVerstat(pai);
}

export function inboundCallFrom(data: Record<string, string>, now: number): InboundCall | null {
  const callId = data['Unique-ID'] ?? data['Channel-Unique-ID'] ?? data['Caller-Unique-ID'];
  if (!callId || !CALL_ID.test(callId)) return null;
  const number = data['Caller-Caller-ID-Number'] || data['variable_sip_from_user'] || data['Channel-Caller-ID-Number'];
  const name = data['Caller-Caller-ID-Name'] ?? data['Channel-Caller-ID-Name'] ?? data['variable_sip_from_display'];
  const dialled = data['Caller-Destination-Number'] ?? data['Channel-Destination-Number'];
  const verstat = data['variable_sip_verstat'] || verstatFromPai(data['variable_sip_P-Asserted-Identity']);
  return {
    pbx: 'freeswitch',
    callId,
    callerNumber: cut(number),
    callerName: cut(name),
    dialled: cut(dialled),
    verstat: verstat ? verstat.slice(0, 64) : null,
    receivedAt: now,
  };
}

/** What `playback_terminators` may hold that chut writes back: DTMF keys, `none` or `any` (mod_dptools' on_dtmf reads
 * both words, case-insensitively: `any` is 1234567890*#). None of these holds a `$` or a space (`set` expands its
 * argument). */
const TERMINATORS = /^(?:[0-9A-Da-d*#]{1,16}|none|any)$/i;

/**
 * The channel's own `playback_terminators` (set by the dial plan before `socket`), which chut puts back after the
 * captcha; null when it has none, or one chut would not write back (then chut unsets its own value instead).
 */
export function playbackTerminatorsFrom(data: Record<string, string>): string | null {
  const v = data['variable_playback_terminators'];
  return v !== undefined && TERMINATORS.test(v) ? v : null;
}

/** `*77`/`*78` as marked by chut.xml's internal-context extensions (`chut_feature`); never from the number dialled
 * alone, which anyone calling from outside controls. */
export function featureCodeFrom(data: Record<string, string>): 'spam' | 'allow' | null {
  const v = data['variable_chut_feature'];
  return v === 'spam' || v === 'allow' ? v : null;
}

/**
 * Who picked up a screened call, seen from the leg the call dialled (FreeSWITCH's B-leg), for the inbound monitor.
 *
 * The screened leg's own fields cannot say it (FreeSWITCH 1.10 source):
 * - Its answer time: chut answers it for every captcha and voicemail, and a dial plan may answer it before `socket`.
 * - Its bridge time (`Caller-Channel-Bridged-Time`, `bridge_uepoch`): switch_ivr_multi_threaded_bridge sets it, and
 *   fires CHANNEL_BRIDGE, as soon as the peer is answered, has early media or is ringing. With the default
 *   `ignore_early_media`, switch_ivr_originate returns on a 183 with SDP (a carrier's ringback, a mobile forward),
 *   so the bridge time marks the start of ringing, not a pickup.
 * - A transfer after the bridge (REFER, `uuid_transfer`) installs a new caller profile, and
 *   switch_channel_set_caller_profile carries the answered, progress and hang-up times over to it but not the bridge
 *   time: a call answered and then transferred ends with a bridge time of 0.
 *
 * Every leg the call dials carries `variable_originator` = the caller's uuid (switch_core_session_outgoing_channel),
 * and its CHANNEL_ANSWER comes only when it really answers (switch_channel_perform_mark_answered, which sets the
 * leg's `Caller-Channel-Answered-Time` just before firing the event; early media is CHANNEL_PROGRESS_MEDIA). So the
 * first such answer is the pickup, as DialEnd ANSWER is with Asterisk, and nothing later (a transfer, another
 * bridge) can move or erase it.
 */
import { detach } from '../detach.js';

export interface Pickup {
  /** When the dialled leg answered, in microseconds since the epoch (FreeSWITCH's clock). */
  atMicros: number;
  /** The number that leg dialled (its `Caller-Destination-Number`), cleaned; null when it has none. */
  by: string | null;
}

/** Calls whose pickup is remembered until their hang-up; beyond this the oldest is forgotten (a hang-up missed while
 * the monitor was disconnected would otherwise keep its entry for good). */
export const MAX_PICKUPS = 10_000;

/** A value from an event kept for a record: the characters a number or an id may hold, at most 64. */
export function cleanValue(v: string | undefined): string | null {
  const s = (v ?? '').replace(/[^\w+@.:-]/g, '').slice(0, 64);
  return s === '' ? null : s;
}

/** A FreeSWITCH time (microseconds since the epoch); 0 when absent or not a time (FreeSWITCH writes 0 for a moment
 * that never came). */
export function micros(v: string | undefined): number {
  const n = Number(v ?? '');
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** The first pickup of each screened call, kept from its dialled leg's CHANNEL_ANSWER until its CHANNEL_HANGUP_COMPLETE. */
export class PickupLog {
  private readonly pickups = new Map<string, Pickup>();

  constructor(private readonly max = MAX_PICKUPS) {}

  get size(): number {
    return this.pickups.size;
  }

  /** A CHANNEL_ANSWER: remembered when the answering leg was dialled by a call `isScreened` accepts and is the first
   * to answer for it. The caller's own answer (chut's, for a captcha) has no originator and is ignored. */
  answered(event: Record<string, string>, isScreened: (callId: string) => boolean): void {
    const caller = event['variable_originator'];
    if (!caller || this.pickups.has(caller) || !isScreened(caller)) return;
    const at = micros(event['Caller-Channel-Answered-Time']) || micros(event['Event-Date-Timestamp']);
    if (at === 0) return;
    while (this.pickups.size >= this.max) this.pickups.delete(this.pickups.keys().next().value as string);
    const by = cleanValue(event['Caller-Destination-Number']);
    this.pickups.set(detach(caller), { atMicros: at, by: by === null ? null : detach(by) });
  }

  /** The call's pickup, if any; forgotten once read (the call hung up). */
  take(callId: string): Pickup | null {
    const p = this.pickups.get(callId) ?? null;
    this.pickups.delete(callId);
    return p;
  }
}

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
 * A leg's CHANNEL_ANSWER comes only when it really answers (switch_channel_perform_mark_answered, which sets the leg's
 * `Caller-Channel-Answered-Time` just before firing the event; early media is CHANNEL_PROGRESS_MEDIA), and carries the
 * leg's variables. The first answer of a leg dialled for the screened call is the pickup, as DialEnd ANSWER is with
 * Asterisk, and nothing later (a transfer, another bridge) can move or erase it. Which call a leg was dialled for
 * (dialledFor: the first of these that is set):
 * - `variable_originator`: a leg the call's own session dialled (`bridge` with `,` or `|`, `user/`, `group/`,
 *   `loopback/`, a gateway). switch_core_session_outgoing_channel sets it only when it is given that session.
 * - `variable_ent_originate_aleg_uuid`: enterprise originate (a dial string with `:_:`, `group_call …+E`).
 *   switch_ivr_enterprise_originate puts the caller's uuid in the originate's variables and dials each branch from its
 *   own thread with switch_ivr_originate(NULL, …), so the legs have no `originator`; switch_ivr_originate installs
 *   those variables on each leg before it starts it (before its answer).
 * - `variable_cc_member_session_uuid`: a mod_callcenter agent (callback type), dialled with switch_ivr_originate(NULL, …)
 *   and that variable, then joined to the waiting caller by uuid_bridge once it answered.
 * - `variable_fifo_bridge_uuid`: a mod_fifo member dialled by a queue with the `ringall` outbound strategy
 *   (ringall_thread_run: switch_ivr_originate(NULL, …), the caller it picked for that member in that variable; the
 *   member's `fifo … out` then takes that caller, or, when it is no longer waiting, the next one: that pickup is then
 *   missed).
 * What none of them marks (mod_fifo's other consumers, a uuid-standby agent, intercept…) is listed in README.md.
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

/** The call a leg was dialled for, from its variables (see the top of this file), in this order; undefined when none is
 * set. Each is read by name here so that the frame test finds it among the headers chut keeps (frame.ts). */
export function dialledFor(event: Record<string, string>): string | undefined {
  return event['variable_originator'] || event['variable_ent_originate_aleg_uuid']
    || event['variable_cc_member_session_uuid'] || event['variable_fifo_bridge_uuid'] || undefined;
}

/** The first pickup of each screened call, kept from its dialled leg's CHANNEL_ANSWER until its CHANNEL_HANGUP_COMPLETE. */
export class PickupLog {
  private readonly pickups = new Map<string, Pickup>();

  constructor(private readonly max = MAX_PICKUPS) {}

  get size(): number {
    return this.pickups.size;
  }

  /** A CHANNEL_ANSWER: remembered when the answering leg was dialled for a call `isScreened` accepts and is the first
   * to answer for it. The caller's own answer (chut's, for a captcha) carries no link to another call and is ignored. */
  answered(event: Record<string, string>, isScreened: (callId: string) => boolean): void {
    const caller = dialledFor(event);
    // A leg is never dialled for itself (a screened leg carrying one of these names of its own is not a pickup).
    if (!caller || caller === event['Unique-ID'] || this.pickups.has(caller) || !isScreened(caller)) return;
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

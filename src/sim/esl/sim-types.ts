/** Types shared by the simulated FreeSWITCH's parts. */
import type { SimulatedCall, SimulatedCallOutcome, SimulatedRoute } from '../types.js';
import type { DirectoryUser } from './directory.js';
import type { Headers } from './frames.js';
import type { SimScheduler } from './scheduler.js';

/** A call as FreeSWITCH receives it over SIP: the common fields, plus the INVITE's own headers. */
export interface EslSimulatedCall extends SimulatedCall {
  /** Headers of the INVITE. mod_sofia (sofia_glue_set_extra_headers) copies every `X-*` (but `X-FS-*`) and `P-*` one
   * it does not parse itself into a channel variable `sip_h_<name>`, which the `connect` reply and every event of the
   * call then carry, url-encoded, with no size limit: the caller chooses how large the channel data gets. */
  sipHeaders?: Record<string, string>;
  /** How the phone the call rings behaves once chut lets it ring (the normal destination `bridge`s to it). Default: it
   * answers at once. */
  destination?: DestinationBehaviour;
  /** Channel variables the administrator's dial plan sets before `socket` (e.g. `playback_terminators`): in the
   * `connect` reply and every event, as FreeSWITCH sends them. */
  channelVariables?: Record<string, string>;
}

/**
 * The leg the normal destination dials (a phone, a trunk, a mobile forward), modelled on FreeSWITCH 1.10's source: with
 * the default `ignore_early_media`, switch_ivr_originate returns as soon as that leg has early media, and
 * switch_ivr_multi_threaded_bridge then bridges the caller to it (bridge time, CHANNEL_BRIDGE) while it still rings.
 */
export interface DestinationBehaviour {
  /** The leg first answers `183 Session Progress` with SDP (a carrier's ringback or announcement): the caller's leg is
   * pre-answered and bridged to it at once, before anyone picks up. Default false. */
  earlyMedia?: boolean;
  /** When it picks up, in ms after the call reaches it; null: never (the caller gives up after `talkMs`,
   * ORIGINATOR_CANCEL). Default 0. */
  answerAfterMs?: number | null;
  /** This long after the pickup, the caller is blind-transferred (REFER, `uuid_transfer`) to an extension that bridges
   * nowhere (an IVR): switch_ivr_session_transfer gives the caller's leg a new caller profile, which has no bridge time. */
  transferAfterMs?: number;
  /** How the destination dials the leg (FreeSWITCH 1.10 source). Default `bridge`. */
  dialledBy?: DialledBy;
}

/**
 * - `bridge`: `bridge user/1000` (or `,`/`|` lists, a gateway): switch_ivr_originate with the caller's session, so
 *   switch_core_session_outgoing_channel gives the leg `originator` and the caller's profile.
 * - `enterprise`: a dial string with `:_:` (`bridge user/1000:_:sofia/gateway/…`, `group_call …+E`):
 *   switch_ivr_enterprise_originate dials each branch from its own thread with switch_ivr_originate(NULL, …), with the
 *   caller's uuid as `ent_originate_aleg_uuid` and `ignore_early_media=true` in its variables: the leg has no
 *   `originator` and no other leg's profile when it answers (the originator's profile is set once it won); a 183 is not
 *   bridged, the caller is bridged after the answer.
 * - `callcenter`: the dial plan sends the call to a mod_callcenter queue (`callcenter` answers the caller's leg at once);
 *   the agent (callback type) is dialled with switch_ivr_originate(NULL, …) and `cc_member_session_uuid` = the caller's
 *   uuid, then joined to the caller by uuid_bridge once it answered.
 */
export type DialledBy = 'bridge' | 'enterprise' | 'callcenter';

export interface EslFaults {
  /** Delay every reply to chut by this many ms. */
  replyDelayMs: number;
  /** Answer the next N commands with `-ERR`. */
  errNext: number;
  /** Cut the TCP connection after this many commands from chut (null: never). */
  cutAfterCommands: number | null;
  /** Send only half of the connect reply, then close. */
  truncateConnectReply: boolean;
  /** Send garbage bytes right after the connect reply. */
  garbageAfterConnect: boolean;
  /** Sound files this FreeSWITCH does not have (matched against each played path): `playback` of one of them
   * completes with `Application-Response: FILE NOT FOUND`; a `file_string://` list skips them and plays the rest
   * (FILE NOT FOUND only when none of its files exists). */
  missingFiles: string[];
  /** Answer chut's `sendmsg` execute of this application with bytes that are not ESL (chut then ends the connection
   * itself, as on any protocol error) instead of `+OK`; null: never. */
  garbleReplyTo: string | null;
  /** Refuse chut's `sendmsg` execute of this application: the reply is `-ERR memory error` (what mod_event_socket
   * answers when it cannot queue a sendmsg for the socket's own channel) and the app never runs; null: never. */
  refuseApp: string | null;
  /** That refusal's Reply-Text, as written on the wire (url-encoded): `-ERR memory error`, or what a test puts there (a
   * reply that is neither FreeSWITCH's `+OK` nor a `-ERR`). */
  refusalText: string;
  /** Modules this FreeSWITCH has not loaded (`mod_voicemail`…): `module_exists` answers false for them, and an
   * application of one of them is an `Invalid Application`: FreeSWITCH hangs the call up (DESTINATION_OUT_OF_ORDER)
   * without running anything. */
  unloadedModules: string[];
  /** A scheduled transfer that ends the socket app does not send chut the socket app's CHANNEL_EXECUTE_COMPLETE (events
   * reach a listener through its own queue, apart from api replies: chut may well ask `sched_del` first). */
  dropSocketCompletion: boolean;
  /** When chut's `app` starts, the scheduler's clock jumps `seconds` ahead (once): a bound still armed whose time that
   * reaches fires at once, in the middle of the app. null: never. */
  clockJumpOn: { app: string; seconds: number } | null;
}

export function noFaults(): EslFaults {
  return { replyDelayMs: 0, errNext: 0, cutAfterCommands: null, truncateConnectReply: false, garbageAfterConnect: false, missingFiles: [], garbleReplyTo: null, refuseApp: null, refusalText: '-ERR memory error', unloadedModules: [], dropSocketCompletion: false, clockJumpOn: null };
}

export interface ChannelEnv {
  host: string;
  port: number;
  /** Simulated length of one prompt file. */
  mediaMs: number;
  /** How long a caller takes to leave a voicemail message before hanging up. */
  messageMs: number;
  faults: EslFaults;
  /** `transfer` targets (`"ext context"`) and where they lead; an unknown target is hung up with
   * NO_ROUTE_DESTINATION, as FreeSWITCH does when no extension matches. */
  transfers: Record<string, SimulatedRoute>;
  /** The user directory: who has a voicemail box (`voicemail`, `user_exists`). */
  directory: readonly DirectoryUser[];
  /** How long the call lasts once it rang through (the user's phone answered). */
  talkMs: number;
  /** Events to the inbound event socket. */
  publish(headers: Headers): void;
  /** Whether an inbound event socket client is subscribed (events are only built for someone). */
  hasSubscribers(): boolean;
  /** FreeSWITCH's core scheduler, shared by every channel (task ids are global). */
  scheduler: SimScheduler;
  /** chut.xml's bound (`chut_bound`, seconds): chut-screen runs `sched_transfer +<bound> ${destination_number} XML
   * ${context}` before `socket` and `sched_cancel` after it. null: a dialplan without the bound (chut.xml before it). */
  dialplanBound: number | null;
  /** chut.xml's bound on the feature codes (seconds): their extensions run `sched_transfer +<bound> <code> XML default`
   * before `socket` and `sched_cancel` after it. null: a chut.xml without it. */
  featureBound: number | null;
  /** Schedules the transfer of the live call `uuid` (switch_ivr_schedule_transfer, group `uuid`): the task id, or
   * null when there is no such call. */
  scheduleTransfer(seconds: number, uuid: string, extension: string, dialplan: string, context: string): number | null;
}

export type EslOutcome = SimulatedCallOutcome & {
  /** Time from the connect reply to chut's routing command, as the PBX saw it; null when none. */
  routingLatencyMs: number | null;
  /** Commands chut sent, in order (first line, and app name for sendmsg). */
  commands: string[];
  /** Apps chut asked to execute, with their arguments, in order. */
  executed: Array<{ app: string; arg: string }>;
  /** Scheduled transfers (chut.xml's bound, or one chut re-armed) that ran on this call while it was up: each one
   * took the call away from whatever it was doing (the socket app, a captcha, voicemail) and routed it again. */
  boundTransfers: number;
  /** The tone chut.xml itself played, not chut: a feature code's "nothing was reported" (chut unreachable, or the
   * feature bound brought the call back to its extension). null: none. */
  dialplanTone: string | null;
  /** This call's scheduler tasks still waiting when the call ended (0 after a clean screening). */
  schedTasksLeft: number;
  /** The channel's variables when the call went on in the dial plan (its normal destination, or where a transfer took
   * it): what the administrator's own extensions then see. null: it never did. */
  varsAtDestination: Record<string, string> | null;
  /** The caller profile's destination number when the call ended: the number dialled, or the extension a transfer after
   * the pickup took the call to (`destination.transferAfterMs`: TRANSFER_AFTER_PICKUP_EXTENSION). */
  destinationAtEnd: string;
};


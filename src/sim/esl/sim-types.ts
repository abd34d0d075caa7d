/** Types shared by the simulated FreeSWITCH's parts. */
import type { SimulatedCallOutcome, SimulatedRoute } from '../types.js';
import type { DirectoryUser } from './directory.js';
import type { Headers } from './frames.js';

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
  /** Modules this FreeSWITCH has not loaded (`mod_voicemail`…): `module_exists` answers false for them, and an
   * application of one of them is an `Invalid Application`: FreeSWITCH hangs the call up (DESTINATION_OUT_OF_ORDER)
   * without running anything. */
  unloadedModules: string[];
}

export function noFaults(): EslFaults {
  return { replyDelayMs: 0, errNext: 0, cutAfterCommands: null, truncateConnectReply: false, garbageAfterConnect: false, missingFiles: [], garbleReplyTo: null, refuseApp: null, unloadedModules: [] };
}

export interface ChannelEnv {
  host: string;
  port: number;
  /** Simulated length of one prompt file. */
  mediaMs: number;
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
}

export type EslOutcome = SimulatedCallOutcome & {
  /** Time from the connect reply to chut's routing command, as the PBX saw it; null when none. */
  routingLatencyMs: number | null;
  /** Commands chut sent, in order (first line, and app name for sendmsg). */
  commands: string[];
  /** Apps chut asked to execute, with their arguments, in order. */
  executed: Array<{ app: string; arg: string }>;
};


/**
 * One outbound connection = one call. `connect` is written the instant the connection is accepted, before
 * anything can fail: FreeSWITCH leaves a caller parked in dead air when chut accepts and closes without it.
 * Every failure after that ends the socket, which makes the socket app return and the dialplan continue to
 * the normal destination (fail-open). A chut that cannot even do that (hung) is bounded by the dial plan itself
 * (chut.xml's sched_transfer, see bound.ts).
 */
import type { Socket } from 'node:net';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { InboundCall, ScreeningService } from '../screening/types.js';
import { cutShown, showInvisible } from '../show-invisible.js';
import { boundTargetFrom } from './bound.js';
import { EslCallControl } from './call-control.js';
import { featureCodeFrom, inboundCallFrom, playbackTerminatorsFrom } from './channel-data.js';
import { executeCommand, plainCommand } from './command.js';
import { EslConnection, type EslReply } from './connection.js';
import { MAX_CALL_FRAME_BYTES } from './frame.js';
import { shownReply } from './reply.js';
import { HOUR_MS } from '../time-units.js';

export interface SessionDeps {
  config: Readonly<Config>;
  screening: ScreeningService;
  logger: Logger;
  /** Called with each screened call's id (the monitor enriches only those). */
  onScreened?(callId: string): void;
  /** Benchmarks: the connect reply arrived / the routing command was written. */
  onTiming?(event: 'connected' | 'routed', callId: string): void;
}

/** How long FreeSWITCH has to answer `connect`; it answers in about a millisecond. */
const CONNECT_TIMEOUT_MS = 5000;
/** Longest a voicemail/reject connection is held waiting for the hang-up. */
const HOLD_MAX_MS = 2 * HOUR_MS;

/** The `connect` reply's channel data: whole (`complete`), or what came of it before the stream stopped. */
interface ChannelData {
  data: Record<string, string>;
  complete: boolean;
  /** Header lines the parser dropped or cut (over its caps: a caller padding its INVITE). */
  trimmed: number;
  /** Why the reply is not complete. */
  failure?: string;
}

/** Sends `connect` and reads the channel data; on a reply that never completes (timeout, the connection closed or not
 * ESL), the complete header lines that came, or null when none did. A reply that is not FreeSWITCH's `+OK` (reply.ts:
 * it always says `+OK` to `connect`) is not complete either: nothing vouches for its channel data. */
async function connectAndRead(conn: EslConnection): Promise<ChannelData | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(resolve, CONNECT_TIMEOUT_MS, 'timeout'); });
  let failure: string;
  try {
    const result = await Promise.race([conn.send(plainCommand('connect')).catch((err: unknown) => (err as Error).message), timeout]);
    if (typeof result === 'object') {
      if (result.ok) return { data: result.frame.headers, complete: true, trimmed: result.frame.trimmed };
      return { data: result.frame.headers, complete: false, trimmed: result.frame.trimmed, failure: `connect answered ${shownReply(result.text)}` };
    }
    failure = result === 'timeout' ? `no complete reply within ${CONNECT_TIMEOUT_MS} ms` : result;
  } finally {
    // A pending timer would hold the channel data for 5 s after every call.
    clearTimeout(timer);
  }
  const data = conn.partialHeaders();
  return data ? { data, complete: false, trimmed: 0, failure } : null;
}

/** Accepts a connection chut cannot serve: `connect` first (no dead air), then close: the call rings. */
export function refuseConnection(socket: Socket): void {
  const conn = new EslConnection(socket, {}, MAX_CALL_FRAME_BYTES);
  void connectAndRead(conn).finally(() => conn.close('refused'));
}

/** How long a refused peer's connection is kept for the peer to close it after `connect`: FreeSWITCH does at once. */
const REFUSED_PEER_HOLD_MS = 2000;

/**
 * A peer esl.allowFrom does not allow: nothing it sends is read, nothing is screened or recorded. It still gets
 * `connect` before the close: FreeSWITCH's socket app waits for `connect` without a time limit, so a close before it
 * leaves the caller in dead air (tests/fixtures/freeswitch, esl-outbound-close-immediately), while a close after it
 * makes the app return and the call ring (esl-outbound-close-after-connect). A FreeSWITCH left out of the list thus
 * rings its calls unscreened; anyone else learns nothing from the word.
 */
export function refusePeer(socket: Socket): void {
  socket.resume(); // whatever comes is dropped unread
  // end(), not destroy(): a reset could discard `connect` in FreeSWITCH's receive buffer before it reads it
  socket.end(plainCommand('connect'));
  const timer = setTimeout(() => socket.destroy(), REFUSED_PEER_HOLD_MS).unref();
  socket.once('close', () => clearTimeout(timer));
}

/** Whether the caller's fields (number and dialled number) came, so that a decision on them means something. A
 * dialled `*`/`#` code is an internal phone's feature code (*77, *78), whose `chut_feature` variable may be in the
 * part that never came: not an inbound call to screen and record. */
function callerFieldsIn(data: Record<string, string>): boolean {
  const has = (name: string) => data[name] !== undefined;
  const dialled = data['Caller-Destination-Number'] ?? data['Channel-Destination-Number'];
  return (has('Caller-Caller-ID-Number') || has('variable_sip_from_user') || has('Channel-Caller-ID-Number'))
    && dialled !== undefined && !/^[*#]/.test(dialled);
}

/**
 * A `connect` reply that never completed: the connection is ended (or already was), so FreeSWITCH rings the call
 * (fail-open). When the call id and the caller's fields came before the stream stopped, the call is still screened
 * and recorded: route ring, degraded, with the decision it would have had (a blocklisted caller shows as such).
 */
async function recordUnreadCall(call: InboundCall, failure: string, deps: SessionDeps): Promise<void> {
  const log = deps.logger.child({ callId: call.callId, pbx: 'freeswitch' });
  log.warn({ failure, caller: loggedCaller(call) }, 'the connect reply could not be used: letting the call ring (recorded)');
  deps.onScreened?.(call.callId);
  const decision = await deps.screening.screen(call);
  const reasons = [...decision.reasons, `channel data could not be read (${failure.slice(0, 80)}): fail-open, the call rang unscreened`];
  await deps.screening.finishCall(call, { ...decision, route: 'ring', degraded: true, reasons }, 'ring', null);
}

/** Runs one call on an accepted connection (the server keeps `conn` to end it as chut's own close on stop). */
export async function runSession(conn: EslConnection, deps: SessionDeps): Promise<void> {
  const read = await connectAndRead(conn);
  const data = read?.data ?? null;
  const call = data ? inboundCallFrom(data, Date.now()) : null;
  if (!read?.complete || !call) {
    conn.close('no channel data');
    if (read && call && callerFieldsIn(read.data)) {
      await recordUnreadCall(call, read.failure ?? 'incomplete', deps);
      return;
    }
    const number = data ? (data['Caller-Caller-ID-Number'] ?? data['variable_sip_from_user'] ?? null) : null;
    // the caller's own text: its invisible characters (a bidi override…) shown as escapes, as in every other line
    const caller = number === null ? null : shownCallerId(number);
    deps.logger.warn({ caller, failure: read?.failure }, 'outbound ESL connection without usable channel data: letting the call ring');
    return;
  }
  const log = deps.logger.child({ callId: call.callId, pbx: 'freeswitch' });
  if (read.trimmed > 0) {
    // The headers chut reads are kept: the call is screened as usual. Worth a look: a caller padding its SIP headers.
    log.warn({ trimmed: read.trimmed, caller: loggedCaller(call) },
      'channel data over the size cap: oversized header lines were skipped, the call is screened on the ones chut reads');
  }
  deps.onTiming?.('connected', call.callId);
  // Pipelined: FreeSWITCH enables events while the screener decides; apps wait for the reply.
  const requestEvents = eventRequester(conn);
  void requestEvents();
  try {
    const feature = featureCodeFrom(read.data);
    if (feature) await runFeatureCode(conn, call, feature, deps, log);
    else await screenCall(conn, call, deps, log, requestEvents, read.data);
  } catch (err) {
    log.error({ err }, 'ESL session failed: letting the call ring');
  } finally {
    conn.close('done');
  }
}

/** `myevents` + `linger`, written once in one write; the promise says whether FreeSWITCH accepted `myevents` (true), or
 * why not. `linger`'s reply is not needed: without it FreeSWITCH closes the socket at the hang-up, which chut reads as
 * the hang-up too. */
function eventRequester(conn: EslConnection): () => Promise<true | string> {
  let ready: Promise<true | string> | null = null;
  return () => {
    if (!ready) {
      const [events, linger] = conn.sendBatch([plainCommand('myevents'), plainCommand('linger 5')]);
      linger?.catch(() => undefined);
      ready = (events as Promise<EslReply>).then((r) => r.ok || `answered ${shownReply(r.text)}`, () => 'no reply');
    }
    return ready;
  };
}

/** Said once per process: a dial plan without the bound (an older chut.xml) leaves a hung chut's calls in dead air. */
let warnedNoBound = false;

async function screenCall(conn: EslConnection, call: InboundCall, deps: SessionDeps, log: Logger, requestEvents: () => Promise<true | string>,
  data: Record<string, string>): Promise<void> {
  const bound = boundTargetFrom(data);
  if (!bound && data['variable_chut_bound_skipped']) {
    // The current chut.xml arms no bound for a dialled number that is unsafe in sched_transfer's arguments (a caller
    // chooses it): the call is screened as usual, without scheduler commands. Nothing to update.
    log.debug('no dial plan bound for this call (its dialled number cannot travel in sched_transfer)');
  } else if (!bound && !warnedNoBound) {
    warnedNoBound = true;
    deps.logger.warn('the FreeSWITCH dial plan arms no bound (chut_bound is not set): if chut hangs, calls wait in dead air; install the current dialplan/freeswitch/chut.xml');
  }
  const control = new EslCallControl(conn, deps.config, log, requestEvents, () => deps.onTiming?.('routed', call.callId), call.callId, bound,
    playbackTerminatorsFrom(data));
  const closed = new AbortController();
  conn.handlers = {
    onEvent: (e) => control.onEvent(e),
    onDisconnectNotice: () => control.hungUp(),
    // A hang-up is a CHANNEL_HANGUP or a disconnect notice, or FreeSWITCH dropping the socket before chut routed
    // the call (or while it holds a voicemail/reject call). The socket ending after chut rang, or because chut ended
    // it (reply timeout, protocol error, watchdog, chut stopping), is not: the socket app returns and FreeSWITCH
    // rings the call. The connection ending for any reason ends a hold.
    onClose: (reason, byPeer) => {
      closed.abort();
      const rang = control.routed && control.ending === 'close';
      if (byPeer && !rang) control.hungUp();
      else control.connectionLost(reason);
    },
  };
  // Fail-open watchdog: a screener that has not routed the call shortly after its own deadline is ignored.
  const watchdog = setTimeout(() => {
    if (control.routed || conn.closed) return;
    log.warn('screener past its deadline: letting the call ring');
    control.abandoned = true;
    conn.close('screener too slow');
  }, deps.config.screening.deadlineMs + 500);
  try {
    deps.onScreened?.(call.callId);
    const result = await deps.screening.handleCall(call, control);
    log.debug({ route: result.finalRoute }, 'ESL call handled');
    if (control.ending === 'hold-until-hangup' && !control.signal.aborted && !conn.closed) {
      await waitForHangup([control.signal, closed.signal], HOLD_MAX_MS);
    }
  } finally {
    clearTimeout(watchdog);
  }
}

/** Resolves when any of `signals` aborts, or after `maxMs`. */
function waitForHangup(signals: AbortSignal[], maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, maxMs);
    timer.unref();
    if (signals.some((signal) => signal.aborted)) return done();
    for (const signal of signals) signal.addEventListener('abort', done, { once: true });
  });
}

/** The feature code's answers: a short beep once reported, a busy tone when there was nobody to report, the
 * three-note special information tone (as a rejected call hears) when the report could not be made. */
export const FEATURE_TONES = {
  reported: 'tone_stream://%(200,0,800)',
  nobody: 'tone_stream://%(500,500,480,620);loops=2',
  failed: 'tone_stream://%(274,0,913.8);%(274,0,1370.6);%(380,0,1776.7)',
} as const;

/** `*77` / `*78` from an internal phone: report the last caller of that phone's extension. */
async function runFeatureCode(conn: EslConnection, call: InboundCall, kind: 'spam' | 'allow', deps: SessionDeps, log: Logger): Promise<void> {
  let failed = false;
  const reported = await deps.screening.reportLastCaller(call.callerNumber, kind, 'feature-code').catch((err: unknown) => {
    failed = true;
    log.warn({ kind, err: String(err) }, 'feature code: the report could not be made');
    return null;
  });
  if (!failed) log.info({ kind, reported }, 'feature code');
  const tone = failed ? FEATURE_TONES.failed : reported ? FEATURE_TONES.reported : FEATURE_TONES.nobody;
  const gone = new AbortController();
  const hangup = () => gone.abort();
  conn.handlers = { onEvent: (e) => { if (e['Event-Name'] === 'CHANNEL_HANGUP') hangup(); }, onDisconnectNotice: hangup, onClose: hangup };
  for (const [app, arg] of [['answer', ''], ['playback', tone], ['hangup', 'NORMAL_CLEARING']] as const) {
    conn.sendNoWait(executeCommand(app, arg).frame);
  }
  // Held open until the queued hangup ran: closing earlier would end the socket app before the tone.
  await waitForHangup([gone.signal], 15_000);
}

/** The caller ID as a log line shows it: its first 32 characters, invisible ones (a bidi override…) as escapes. */
function loggedCaller(call: InboundCall): string {
  return shownCallerId(call.callerNumber);
}

/** A caller ID's first 32 characters, invisible ones as escapes (at most 64 characters shown). */
function shownCallerId(text: string): string {
  return cutShown(showInvisible(text.slice(0, 32)), 64);
}

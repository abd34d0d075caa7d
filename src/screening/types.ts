import type { NormalisedCaller } from '../phone/types.js';
import type { Action, Decision } from '../rules/types.js';
import type { CaptchaOutcome, CallEnrichment, CallRecord } from '../reputation/types.js';

export type PbxKind = 'asterisk-ari' | 'asterisk-ami' | 'freeswitch';

/** One inbound call as an adapter hands it over: raw, untrusted values straight from the PBX. */
export interface InboundCall {
  pbx: PbxKind;
  /** PBX call id (ARI channel id, AMI Uniqueid, FreeSWITCH Unique-ID). */
  callId: string;
  callerNumber: string;
  callerName: string;
  /** Dialled number / DID / extension. */
  dialled: string;
  /** STIR/SHAKEN verstat if the PBX gave one outside the caller ID (`sip_verstat`, `STIR_SHAKEN()`). */
  verstat?: string | null;
  /** Epoch ms when the adapter saw the call. */
  receivedAt: number;
}

/** The screener's answer for one call. */
export interface ScreeningDecision extends Decision {
  /** What the adapter must do now: `action`, except `ring` in shadow mode and on degraded decisions. */
  route: Action;
  shadow: boolean;
  /** True when the store failed or the deadline passed: the call rings (fail-open). */
  degraded: boolean;
  caller: NormalisedCaller;
  /** Normalised dialled number (E.164 when it parses, else the cleaned digits). */
  dialled: string;
  latencyMs: number;
  /** Epoch ms of the decision, from the screener's clock (the time the call record carries). */
  decidedAt: number;
  /** The call's entry in the rate windows, which its lookup adds (screened calls of a valid caller only); the
   * call record adds the same entry when the lookup's outcome is unknown, so a call is never counted twice. */
  windowMember?: string;
  /** Its lookup answered without counting the call (Redis refused the write: LookupResult.uncounted): the call record
   * adds it to the windows, at the decision's time, once Redis takes the record. */
  uncounted?: true;
}

/** A prompt item the PBX can play: a sound file name (no extension) or digits to say one by one. */
export type PromptItem = { sound: string } | { digits: string };

export interface AskDigitsRequest {
  prompt: PromptItem[];
  maxDigits: number;
  /** Time allowed for the first digit after the prompt ended. */
  firstDigitTimeoutMs: number;
  interDigitTimeoutMs: number;
}

/** Thrown (as AbortError-like) by CallControl verbs when the caller hung up. */
export class CallerHungUpError extends Error {
  override readonly name = 'CallerHungUpError';
  constructor() {
    super('caller hung up');
  }
}

/** Whether a failed verb means the caller left: said so, or the call's signal already fired (any error then). */
export function callerLeft(err: unknown, control: Pick<CallControl, 'signal'>): boolean {
  return err instanceof CallerHungUpError || control.signal.aborted;
}

/**
 * The verbs an adapter offers for one live call. The captcha and route logic are written once against
 * this; each PBX adapter implements it. `signal` aborts when the caller hangs up.
 */
export interface CallControl {
  readonly signal: AbortSignal;
  answer(): Promise<void>;
  /** Plays the prompt, then collects up to `maxDigits` digits. Digits typed before the prompt ended are
   * discarded (robots that blast DTMF must fail). Resolves with '' when nothing was typed in time;
   * rejects with CallerHungUpError when the caller hangs up. */
  askDigits(req: AskDigitsRequest): Promise<string>;
  /** Plays and waits until finished (used for the "thank you" / failure messages). */
  play(prompt: PromptItem[]): Promise<void>;
  /** Leave screening towards the user's normal destination, without answering. */
  ring(): Promise<void>;
  /** Resolves with the route the call took: `ring` when the PBX has no such mailbox and the adapter rang instead
   * (asked before leaving: FreeSWITCH's directory, over ARI Asterisk's VM_INFO; a VoiceMail() that fails later, e.g.
   * a full mailbox, or any box in AMI mode, rings from the dialplan after chut let go, so this says voicemail). */
  toVoicemail(mailbox: string | null): Promise<'voicemail' | 'ring'>;
  /** Resolves with the route the call took: `ring` when the PBX refused the reject and the adapter rang instead. */
  reject(): Promise<'reject' | 'ring'>;
}

/** A decision plus the stored facts behind it (for `chut lookup` and the API). */
export interface Explanation {
  decision: ScreeningDecision;
  facts: import('../reputation/types.js').LookupResult | null;
  /** Exact and prefix list entries that concern this number. */
  listEntries: import('../reputation/types.js').ListRecord[];
}

/** The route a call finally took; `hung-up` when the caller left during the captcha. */
export type FinalRoute = Action | 'hung-up';

/** Result of handling a whole call (screen → route → captcha → record). */
export interface CallResult {
  decision: ScreeningDecision;
  /** The route finally executed (after a captcha: ring or the failure route). */
  finalRoute: FinalRoute;
  captcha: CaptchaOutcome | null;
  record: CallRecord;
}

export type UserReportKind = 'spam' | 'allow';

/** The single entry point every adapter uses. */
export interface ScreeningService {
  /** normalise → one lookup → evaluate, under the deadline. Never throws: fail-open to `ring`. */
  screen(call: InboundCall): Promise<ScreeningDecision>;
  /** screen, then drive the route through `control` (captcha included), then record. Never throws. */
  handleCall(call: InboundCall, control: CallControl): Promise<CallResult>;
  /** Fresh captcha digits (CSPRNG). For adapters whose IVR runs in the dialplan (AMI). */
  newCaptchaDigits(): string;
  /** Records a decision whose route was executed outside `handleCall` (AMI mode). Never throws. */
  finishCall(call: InboundCall, decision: ScreeningDecision, finalRoute: FinalRoute, captcha: CaptchaOutcome | null): Promise<CallRecord>;
  /** Applies the reputation effects of a captcha outcome (`verstat`: the call's STIR/SHAKEN result, when the PBX
   * gave one apart from the caller ID). Never throws. */
  applyCaptchaOutcome(caller: NormalisedCaller, outcome: CaptchaOutcome, verstat?: string | null): Promise<void>;
  /** A user report about one number (API, CLI, feature code): `spam` raises the score (and blocklists it when
   * `reputation.blockOnReport`), `allow` allowlists it and clears the score. Throws when the store fails. */
  reportNumber(e164: string, kind: UserReportKind, source: string): Promise<void>;
  /** "Report the last caller" feature code from an internal phone: `target` is the extension/DID. */
  reportLastCaller(target: string, kind: UserReportKind, source: string): Promise<string | null>;
  /** What `chut lookup` / `GET /api/numbers/:n` print: the decision a call from `rawNumber` would get now,
   * with the stored facts. Records nothing. Throws only when the store is unreachable (callers report it). */
  explain(rawNumber: string, opts?: { dialled?: string; callerName?: string }): Promise<Explanation>;
  /** Monitoring data for a call that already has a record. Never throws. */
  enrichCall(callId: string, enrichment: CallEnrichment): Promise<void>;
  /** Several chut instances receive the same PBX event (AMI): true when this instance is the one to act on `id`
   * (the store's claimCall). Throws when the store fails: the adapter decides (AMI acts, fail-open). */
  claimCall(scope: string, id: string, ttlMs: number): Promise<boolean>;
}

/** Connection status of a PBX adapter, for /healthz and logs. */
export type ConnectionStatus =
  | { state: 'connecting'; since: number }
  | { state: 'ready'; since: number }
  | { state: 'reconnecting'; since: number; attempt: number; lastError: string }
  | { state: 'closed'; since: number };

/** What every PBX adapter exposes to the composition root. */
export interface PbxAdapter {
  readonly name: string;
  status(): ConnectionStatus;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Side channels interested in what the screener does (metrics, notifications). Must not throw or block. */
export interface ScreeningObserver {
  /** A call record was produced (after the route, and the captcha if any, completed). */
  onCallRecord?(record: CallRecord): void;
  /** A decision was taken (before the route is executed); `latencyMs` is the decision latency. */
  onDecision?(decision: ScreeningDecision, call: InboundCall): void;
  /** A store operation failed (the call went on, fail-open). */
  onStoreError?(operation: string, error: unknown): void;
  /** A number's score crossed `reputation.autoBlockScore` and it was added to the blocklist. */
  onAutoBlock?(e164: string, score: number): void;
}

/**
 * Why an adapter let a call go on unscreened and unrecorded: `max-calls`, it already held the most calls at once;
 * `stopping`, chut was stopping; `channel-id`, the channel's id cannot go in a REST path (ARI: the call waits in Stasis
 * until the snippet's TIMEOUT(absolute) takes it back); `unreadable`, its StasisStart could not be read (ARI: sent on
 * at once); `orphan`, a previous connection left it parked (ARI: sent on by the sweep after a connection).
 */
export type UnscreenedReason = 'max-calls' | 'stopping' | 'channel-id' | 'unreadable' | 'orphan';

/** What an adapter counts itself (the metrics). Must not throw or block. */
export interface AdapterCounters {
  /** A connection to the adapter's listener was refused: its address is not allowed (esl.allowFrom). */
  peerRefused(adapter: string): void;
  /** A call the adapter left to the dialplan without screening it: it rings (fail-open, after the dialplan's wait, or
   * at once when the adapter sends it on) and no record is kept. */
  callUnscreened(adapter: string, reason: UnscreenedReason): void;
}

/** What the composition root hands each PBX adapter factory. */
export interface AdapterDeps {
  config: Readonly<import('../config.js').Config>;
  screening: ScreeningService;
  logger: import('../logger.js').Logger;
  counters?: AdapterCounters;
}

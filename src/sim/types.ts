/**
 * The built-in PBX simulators' shared API. Each simulator (src/sim/ari, src/sim/ami, src/sim/esl) is a fake PBX
 * on loopback that speaks its protocol exactly as the real one does in tests/fixtures/, and plays simulated
 * callers. `chut demo` drives them through this small API only; the protocol tests reuse them through
 * tests/fakes/, which add fault injection. Imports nothing of ours.
 */

/** How a simulated caller behaves once chut asks it for digits. */
export type CallerBehaviour =
  /** A person: listens to the digits chut says and types them after `delayMs`. */
  | { kind: 'types-what-it-hears'; delayMs?: number }
  /** Types these digits after `delayMs` (wrong digits, or a fixed answer). */
  | { kind: 'types'; digits: string; delayMs?: number }
  /** A robot that blasts DTMF as soon as the call is answered, before the prompt ends. */
  | { kind: 'blasts-dtmf'; digits: string }
  /** A silent autodialer: never types anything. */
  | { kind: 'silent' }
  /** Hangs up `afterMs` after the call is answered (or after it starts if never answered). */
  | { kind: 'hangs-up'; afterMs: number };

export interface SimulatedCall {
  callerNumber: string;
  callerName: string;
  /** Dialled number (DID) or extension. */
  dialled: string;
  /** STIR/SHAKEN verstat the PBX would report, if any. */
  verstat?: string;
  behaviour: CallerBehaviour;
  /** The call comes from an internal phone (a `*77`/`*78` feature code), not from outside. Default false. */
  fromInternalPhone?: boolean;
  /** Give up waiting for chut after this long (the call then counts as `dead-air`). Default 15 s. */
  maxDurationMs?: number;
}

/** Where the call ended up, as the PBX saw it. */
export type SimulatedRoute =
  | 'ring' // continued to the user's normal destination (including fail-open fall-through)
  | 'voicemail'
  | 'reject'
  | 'hung-up' // the caller hung up before a route was taken
  | 'dead-air'; // nothing happened before maxDurationMs: a bug, chut must never cause this

export interface SimulatedCallOutcome {
  route: SimulatedRoute;
  /** Whether the PBX answered the call (only the captcha answers). */
  answered: boolean;
  /** Digits the caller heard chut say (the captcha challenge), concatenated over attempts; '' if none. */
  heardDigits: string;
  /** PBX-side call id (channel id / Uniqueid / UUID). */
  callId: string;
  durationMs: number;
}

export interface PbxSimulator {
  readonly pbx: 'asterisk-ari' | 'asterisk-ami' | 'freeswitch';
  /** Starts listening on loopback (port 0 = any free port). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Partial chut configuration that points chut at this simulator, e.g. `{ ari: { enabled: true, url, … } }`. */
  chutConfig(): Record<string, unknown>;
  /** Waits until chut is connected/registered and calls would reach it. */
  waitForChut(timeoutMs?: number): Promise<void>;
  placeCall(call: SimulatedCall): Promise<SimulatedCallOutcome>;
}

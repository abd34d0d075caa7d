import type { ListEntry } from '../phone/types.js';

export type ListName = 'allow' | 'block';
export type CaptchaOutcome = 'passed' | 'failed' | 'hung-up' | 'timeout';

/** The records an import writes, read one at a time: a plain array, or an import's compact columns
 * (import.ts ImportedRecords), which never hold them all as objects. */
export interface ListRecords {
  readonly length: number;
  /** Record `index`; undefined past the end. */
  at(index: number): ListRecord | undefined;
}

/** One allow/block list entry as stored. */
export interface ListRecord {
  list: ListName;
  entry: ListEntry;
  reason: string | null;
  /** Where it came from: `cli`, `api`, `report`, `import:ftc`, `import:csv`, `auto`… */
  source: string;
  /** Epoch ms. */
  addedAt: number;
  /** Epoch ms, or null for no expiry. */
  expiresAt: number | null;
}

/** The facts the store returns for one call; mirrors the rules' `ReputationFacts` plus bookkeeping. */
export interface LookupResult {
  listed: {
    list: ListName;
    match: 'exact' | 'prefix';
    entry: string;
    reason: string | null;
    source: string | null;
  } | null;
  score: number;
  trustedUntil: number | null;
  reports: number;
  /** `failed` counts wrong answers and silent timeouts alike (one counter, `cf`). */
  captcha: { passed: number; failed: number; hungUp: number };
  recentCalls: { number: Record<string, number>; block: Record<string, number> };
  firstSeen: number | null;
  lastSeen: number | null;
  /** Set when the lookup was asked to count the call (`countCall`) and did not: Redis refused the write (out of memory,
   * a replica, …). The call's record counts it instead (RecordCallRequest.windowsCounted false), once Redis takes it. */
  uncounted?: true;
}

export interface LookupRequest {
  /** Normalised E.164 caller, or null for withheld/invalid callers (only block-less facts then). */
  e164: string | null;
  rateWindowsSec: number[];
  blockDigits: number;
  now: number;
  /** Count this call in the number's and the block's windows, in the same round trip, AFTER reading the counts
   * (so simultaneous calls of a burst see each other). Absent for lookups that are not calls (`chut lookup`).
   * `member` names the call's entry in the windows (`windowMember()`); the call record may add the same entry
   * again, which changes nothing: a call is counted once however many times it is added. */
  countCall?: { windowMs: number; member: string };
}

/** One screened call, as written to the log, the stream and the counters. */
export interface CallRecord {
  /** Epoch ms when chut decided the route (the call's arrival plus the screening latency). */
  time: number;
  pbx: string;
  callId: string;
  rawCaller: string;
  /** E.164 number, or `withheld` / `invalid`. */
  caller: string;
  callerKind: 'valid' | 'withheld' | 'invalid';
  callerName: string;
  dialled: string;
  /** What the policy decided. */
  action: string;
  /** What was actually done (differs in shadow mode, on degraded decisions, after a captcha). */
  route: string;
  rule: string;
  reasons: string[];
  shadow: boolean;
  degraded: boolean;
  captcha: CaptchaOutcome | null;
  /** Decision latency in ms (normalise + lookup + evaluate). */
  latencyMs: number;
}

/** What the store holds for "the last caller" of one target (an extension or DID). */
export interface LastCallerState {
  /** The target's own last-caller key (`last:<target>`), null when it does not exist. */
  line: string | null;
  /** Calls dialled to the target were recorded (`lines`): it is a line (a DID) of this chut. */
  known: boolean;
  /** The last caller to anyone (`last`), null when it does not exist. */
  any: string | null;
}

/** What monitoring (AMI events, ESL inbound) learns after the call ended. */
export interface CallEnrichment {
  answered: boolean;
  answeredBy: string | null;
  talkSeconds: number | null;
  hangupCause: string | null;
}

/** Writes after a decision: window counts, last/first seen, counters, stream entry, top callers. */
export interface RecordCallRequest {
  record: CallRecord;
  /** Number block (first N digits) used for burst counting; null for withheld/invalid callers. */
  blockDigits: number;
  /** Longest rate window, to expire window keys. */
  maxWindowSec: number;
  /** The call was already counted in the windows by its lookup (`countCall`): do not count it again. When false, the
   * record adds the call to the windows at the record's own `time` (a record written late, after an outage or a refusal,
   * counts where its call happened), the windows trimmed and expired as a lookup does. */
  windowsCounted?: boolean;
  /** The entry the call's lookup added to the windows (`countCall.member`), when it asked for one. A call whose
   * lookup outcome is unknown (deadline passed, connection lost: the script may still have run) is added again
   * under this entry, so it is counted once either way; without it, a fresh entry is added. */
  windowMember?: string;
  /** Keep at most this many call records in the stream (approximate trimming). */
  streamMaxLen: number;
  /** A write sent again after one that failed but may have been applied (timed out, connection lost after sending):
   * written only when this very record is not among the stream's newest `replayLookBack` entries. The replay's
   * sender bounds how many were written since the first attempt (record-backlog.ts); the memory store, which cannot fail a
   * write, ignores it. */
  replayLookBack?: number;
}

export interface OutcomeUpdate {
  e164: string;
  now: number;
  /** Added to the decayed score, result clamped to 0…100. */
  scoreDelta: number;
  /** Score half-life used for decay. */
  halfLifeMs: number;
  /** Which counter to bump. */
  counter: 'passed' | 'failed' | 'hungUp' | 'reports' | null;
  /** Set trust until this epoch ms (captcha passed); undefined leaves it, null clears it. */
  trustedUntil?: number | null;
  /** Forget the spam reports (an allow report: the household takes them back). */
  resetReports?: boolean;
  /** The score does not decay before this epoch ms (an auto-block holds it until the block ends). */
  holdUntil?: number;
  /** A user report: nothing is written when a report of the same kind was applied less than `withinMs` ago (a
   * double `*77` counts once); a report of the other kind is never a repeat of it. */
  once?: { report: 'spam' | 'allow'; withinMs: number };
}

export interface StatsQuery {
  /** Epoch ms; counters are kept per hour, so this is rounded down to the hour. */
  since: number;
  now: number;
  /** Aborted (the HTTP API answered 503 on its own deadline, or its client went away): the report stops between its
   * requests (up to 1 + 40 for 40 days of top callers), rejecting with its reason. */
  signal?: AbortSignal;
}

export interface Stats {
  since: number;
  total: number;
  byAction: Record<string, number>;
  byRoute: Record<string, number>;
  byRule: Record<string, number>;
  captcha: Record<CaptchaOutcome, number>;
  degraded: number;
  shadow: number;
  /** Shadow-mode decisions by action (what the policy decided; each call rang). Decisions recorded by a chut from before
   * this breakdown are counted in `shadow` only. */
  shadowByAction: Record<string, number>;
  /** `YYYY-MM-DDTHH` (UTC) → counts by route. */
  byHour: Record<string, Record<string, number>>;
  /** Top callers by action over the days covered: action → [{caller, calls}] most first. */
  topCallers: Record<string, Array<{ caller: string; calls: number }>>;
}

export interface CallsQuery {
  since?: number;
  /** Stream id to continue after (paging: pass the previous page's `next`). */
  before?: string;
  action?: string;
  limit: number;
  /** Aborted (the HTTP API answered 503 on its own deadline, or its client went away): the walk stops, rejecting with its reason. */
  signal?: AbortSignal;
}

export interface CallsPage {
  calls: Array<CallRecord & { id: string; enrichment: CallEnrichment | null }>;
  /**
   * Pass as `before` to get the next (older) page; null at the end. A page looks at CALLS_SCAN_LIMIT stream entries
   * at most: with a filter that matches little it holds fewer than `limit` calls, maybe none, and `next` is still
   * set. Only a null `next` means there is nothing older.
   */
  next: string | null;
}

export interface ImportStats {
  taken: number;
  skipped: number;
  /** reason → count, e.g. `invalid number` → 3. */
  skippedWhy: Record<string, number>;
  /** The first lines skipped (blank lines aside), by line number in the file: where to look. */
  firstSkipped: Array<{ line: number; why: string }>;
}

export interface AddListOptions {
  exclusive?: boolean;
}

export interface ImportListOptions {
  /** Ctrl-C on `chut import`, the API's time limit: nothing of the import stays. */
  signal?: AbortSignal;
}

export interface PruneRequest {
  /** Entries whose expiry is at or before this (epoch ms) are removed: now minus how long expired entries are kept. */
  expiredBefore: number;
  /** Count what would be removed; remove nothing. */
  dryRun?: boolean;
  /**
   * Whether every list entry is read, not only those the index of expiring entries names (the Redis store: entries with
   * an expiry written by a chut that kept no index are in none). `always`; `unless-indexed`: only while the store does
   * not know its index whole (then made whole: read once); `never` (the default). The in-memory store reads everything
   * anyway.
   */
  scan?: 'always' | 'unless-indexed' | 'never';
  /** Aborted (chut stopping): the removal stops between two steps, rejecting with its reason. */
  signal?: AbortSignal;
  /** Awaited between two steps: the running service goes slowly, leaving Redis to the calls. */
  pace?: () => Promise<void>;
  /**
   * Counted into as entries are removed (a dry run: found), step by step, and returned as the result's `removed`: a
   * caller whose removal fails or is stopped midway still knows what was removed before (a step whose reply was lost
   * may have removed more).
   */
  removed?: Record<ListName, number>;
}

export interface PruneResult {
  /** Entries removed from each list (a dry run: that would be). */
  removed: Record<ListName, number>;
  /** Every list entry was read (a scan), not only the index. */
  scanned: boolean;
}

/**
 * The reputation store port. The Redis adapter is the real store; the in-memory adapter serves the
 * demo and unit tests. Both pass tests/integration/store-contract.ts.
 */
export interface ReputationStore {
  /** Everything the policy needs about one caller: ONE Redis round trip. */
  lookup(req: LookupRequest): Promise<LookupResult>;
  /** Post-decision writes in one batched round trip (for a valid caller this includes setLastCaller(dialled, caller)). */
  recordCall(req: RecordCallRequest): Promise<void>;
  /** Captcha outcome / report / manual score change. */
  applyOutcome(update: OutcomeUpdate): Promise<number>;
  /** Monitoring data that arrives after the call. */
  enrichCall(callId: string, enrichment: CallEnrichment): Promise<void>;

  /** Remember the last external caller to an extension/DID (for the report-last-caller feature code). */
  setLastCaller(target: string, e164: string, now: number): Promise<void>;
  /** The caller to report from `target` (keys.ts lastCallerToReport): the last external caller to `target`; else,
   * unless calls to `target` were recorded (a known line, e.g. a DID), the last caller to anyone; null when none. */
  getLastCaller(target: string): Promise<string | null>;
  /** What getLastCaller decides on, in one round trip (the recorder adds the records Redis has not taken yet). */
  lastCallerState(target: string): Promise<LastCallerState>;

  /** Adds (or replaces) the entry on its list. `exclusive`: also takes it off the other list in the same atomic
   * write (on both lists, allow wins: a number someone just blocked would still ring). Resolves whether it was on
   * the other list. Imports and auto-blocks are not exclusive: a blocklist never overrides the user's allowlist. */
  addListEntry(rec: ListRecord, opts?: AddListOptions): Promise<boolean>;
  /** Adds the entry only if the number or prefix is on neither list; true if it was added (concurrent callers: one wins). */
  addListEntryIfUnlisted(rec: ListRecord): Promise<boolean>;
  /** Removes the entry from the list, or from both lists when `list` is omitted; true if something was removed. */
  removeListEntry(entry: ListEntry, list?: ListName): Promise<boolean>;
  getListEntry(entry: ListEntry): Promise<ListRecord[]>;
  /** Applies all records or none: aborting `signal` stops the writes and undoes those made (rejecting with its reason). */
  importList(records: ListRecords, opts?: ImportListOptions): Promise<void>;
  exportLists(): AsyncIterable<ListRecord>;
  /** Removes the list entries that expired at or before `expiredBefore` (lookups ignore them already). Several at once
   * (instances sharing a store) remove each entry once, and never an entry re-added or extended meanwhile. */
  pruneLists(req: PruneRequest): Promise<PruneResult>;

  stats(q: StatsQuery): Promise<Stats>;
  calls(q: CallsQuery): Promise<CallsPage>;

  /**
   * Several chut instances see the same PBX event (AMI sends every event to every logged-in session): the first to
   * claim `id` within `scope` acts on it, the others leave it alone. True = this instance won the claim, which lasts
   * `ttlMs`. Throws when the store fails (the caller decides: AMI counts that as won, fail-open).
   */
  claimCall(scope: string, id: string, ttlMs: number): Promise<boolean>;

  /** Health probe: resolves when the store answers. */
  ping(): Promise<void>;
  /** /healthz, when the store has more to say than ping(): also fails (StoreHealthError) while calls cannot be
   * screened and recorded as they should (the Redis store: writes refused, or the latest call-path operation failed). */
  health?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Redis key names. Keys are built ONLY from normalised E.164 digits, validated ids (or their hash), and
 * fixed names, all under the configured prefix. docs/redis-schema.md documents every one of them.
 */
import { createHash } from 'node:crypto';
import type { ListEntry } from '../phone/types.js';
import type { CallRecord, LastCallerState } from './types.js';
import { DAY_MS, HOUR_MS } from '../time-units.js';

export const SCHEMA_VERSION = 1;
/**
 * Exact-number buckets. A Mersenne prime, so numbers that share trailing zeros still spread evenly; 10 M listed
 * numbers average 76 per bucket (worst bucket ~115), under Redis 7's default hash-max-listpack-entries (128).
 */
export const DEFAULT_BUCKETS = 131_071;

const PREFIX_RE = /^[A-Za-z0-9_:.-]{1,64}$/;
const E164_RE = /^\+[1-9][0-9]{1,14}$/;
const PREFIX_ENTRY_RE = /^\+[0-9]{1,15}$/;
const ID_RE = /^[A-Za-z0-9._:-]{1,64}$/;
const TARGET_RE = /^[A-Za-z0-9+*#._-]{1,64}$/;
const NAME_RE = /^[a-z][a-z0-9-]{0,31}$/;

export function isE164(s: unknown): s is string {
  return typeof s === 'string' && E164_RE.test(s);
}

export function isPrefixEntry(s: unknown): s is string {
  return typeof s === 'string' && PREFIX_ENTRY_RE.test(s);
}

export function assertPrefix(prefix: string): string {
  if (!PREFIX_RE.test(prefix)) throw new Error(`invalid Redis key prefix ${JSON.stringify(prefix)}: use 1-64 of [A-Za-z0-9_:.-]`);
  return prefix;
}

function hashed(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 32);
}

/** `i:<id>` for a well-formed id, `h:<sha256>` otherwise: a hostile id never reaches a key as-is. */
export function idPart(id: string): string {
  return ID_RE.test(id) ? `i:${id}` : `h:${hashed(id)}`;
}

/** The value of a last-caller key when the last call that rang came from a withheld or invalid number: there is
 * nobody to report, and the caller before must not be reported in its place. */
export const NO_REPORTABLE_CALLER = 'none';

/** What a call that rang leaves in its line's last-caller key: its caller, or NO_REPORTABLE_CALLER for a withheld or
 * invalid one (the record script writes the same). */
export function lastCallerLeftBy(record: Pick<CallRecord, 'callerKind' | 'caller'>): string {
  return record.callerKind === 'valid' && isE164(record.caller) ? record.caller : NO_REPORTABLE_CALLER;
}

/** A last-caller key's value as a caller to report: null when it says the last caller withheld its number (or holds
 * anything else that is not E.164). */
export function reportableCaller(stored: string | null | undefined): string | null {
  return isE164(stored) ? stored : null;
}

/** Lines (dialled numbers) remembered as known at once (`lines`): past it, the one called least recently goes. A
 * dialled number is caller-controlled (anyone may dial anything on a public SIP profile): the set must not grow with
 * what callers dial. ~100 bytes each: ~1 MB at the cap. */
export const KNOWN_LINES_CAP = 10_000;
/** How long the `lines` set is kept after the last call recorded with a dialled number. */
export const KNOWN_LINES_TTL_SEC = 400 * 86_400;

/**
 * The caller `*77`/`*78` from `target` reports: the target's own last caller; else, for a target chut has recorded
 * calls to (a DID whose key expired, or whose calls all went to voicemail or were rejected), nobody: another line's
 * caller must not be reported in its place; else (a phone that is no line: an extension) the last caller to anyone.
 */
export function lastCallerToReport(s: LastCallerState): string | null {
  if (s.line !== null) return reportableCaller(s.line);
  return s.known ? null : reportableCaller(s.any);
}

/** Extension / DID part of a last-caller key, same escaping rule. */
export function targetPart(target: string): string {
  return TARGET_RE.test(target) ? `i:${target}` : `h:${hashed(target)}`;
}

/** The scope of a claim (`claim:<scope>:<id>`): a fixed name chosen by chut's code, never by a PBX. */
export function claimScope(scope: string): string {
  if (!NAME_RE.test(scope)) throw new Error(`invalid claim scope ${JSON.stringify(scope)}`);
  return scope;
}

/** An action name fit for a key (`top:<day>:<action>`); anything else is filed under `other`. */
export function actionPart(action: string): string {
  return NAME_RE.test(action) ? action : 'other';
}

/** Where one exact number lives: bucket = n mod buckets, field = floor(n / buckets) (small ints: listpack-cheap). */
export function bucketOf(e164: string, buckets: number): { bucket: number; field: string } {
  const n = Number(e164.slice(1));
  return { bucket: n % buckets, field: String(Math.floor(n / buckets)) };
}

export function numberFromBucket(bucket: number, field: string, buckets: number): string {
  return `+${Number(field) * buckets + bucket}`;
}

/** An entry's member in the index of expiring entries (`expiring`): `block:+33612345678`, `allow:+33162*`. Named by
 * the entry rather than by its bucket, so an operator reads it as it is, whatever the bucket count. */
export function expiringMember(list: 'allow' | 'block', entry: ListEntry): string {
  return `${list}:${entry.kind === 'number' ? entry.e164 : `${entry.prefix}*`}`;
}

/** The entry an index member names; null for anything else (the index is read back from Redis: never trusted). */
export function parseExpiringMember(member: string): { list: 'allow' | 'block'; entry: ListEntry } | null {
  const m = /^(allow|block):(\+[0-9]{1,15})(\*?)$/.exec(member);
  if (!m) return null;
  const list = m[1] as 'allow' | 'block';
  const text = m[2] as string;
  if (m[3] === '*') return isPrefixEntry(text) ? { list, entry: { kind: 'prefix', prefix: text } } : null;
  return isE164(text) ? { list, entry: { kind: 'number', e164: text } } : null;
}

/**
 * The order of an export, the same for the same entries however they were added (backups can be compared with
 * diff): the allowlist, then the blocklist; numbers in bucket order (the order the Redis store reads them in,
 * without holding a whole list in memory), then prefixes by text.
 */
export function exportOrder(buckets: number): (a: { list: string; entry: ListEntry }, b: { list: string; entry: ListEntry }) => number {
  const rank = (e: ListEntry): [number, number, number, string] => {
    if (e.kind === 'prefix') return [1, 0, 0, e.prefix];
    const { bucket, field } = bucketOf(e.e164, buckets);
    return [0, bucket, Number(field), ''];
  };
  return (a, b) => {
    if (a.list !== b.list) return a.list < b.list ? -1 : 1;
    const [ka, ba, fa, pa] = rank(a.entry);
    const [kb, bb, fb, pb] = rank(b.entry);
    return ka - kb || ba - bb || fa - fb || (pa < pb ? -1 : pa > pb ? 1 : 0);
  };
}

/** The furthest a Date reaches: past it, toISOString throws (a time just past it shares the last valid hour). */
const MAX_DATE_MS = 8.64e15;
let latestHour = { index: Number.NaN, text: '' };
let latestDay = { index: Number.NaN, text: '' };

/** `2026-12-01T09` for any time in that UTC hour. Every call record names its hour and day three times (counters, top
 * callers), and the calls of one hour all name the same: the latest one is kept (a Date and an ISO text per key cost
 * 1-2 µs hot, several times that on a CPU whose caches went cold between calls). */
export function hourKey(ms: number): string {
  const hour = Math.floor(ms / HOUR_MS);
  if (hour !== latestHour.index || !(Math.abs(ms) <= MAX_DATE_MS)) latestHour = { index: hour, text: new Date(ms).toISOString().slice(0, 13) };
  return latestHour.text;
}

/** `2026-12-01` for any time in that UTC day (the latest one kept, as hourKey). */
export function dayKey(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (day !== latestDay.index || !(Math.abs(ms) <= MAX_DATE_MS)) latestDay = { index: day, text: new Date(ms).toISOString().slice(0, 10) };
  return latestDay.text;
}


/** All key names under one prefix. */
export function keyspace(prefix: string) {
  const p = assertPrefix(prefix);
  return {
    schema: `${p}schema`,
    bucket: (list: 'allow' | 'block', b: number) => `${p}${list === 'allow' ? 'la' : 'lb'}:${b}`,
    bucketPattern: (list: 'allow' | 'block') => `${p}${list === 'allow' ? 'la' : 'lb'}:*`,
    prefixes: (list: 'allow' | 'block') => `${p}${list === 'allow' ? 'pa' : 'pb'}`,
    /** Sorted set: the list entries that carry an expiry, scored by it (expiringMember). */
    expiring: `${p}expiring`,
    sources: `${p}dict:src`,
    sourceIndex: `${p}dict:src:ix`,
    reasons: `${p}dict:rsn`,
    reasonIndex: `${p}dict:rsn:ix`,
    rep: (e164: string) => `${p}r:${e164.slice(1)}`,
    winNumber: (e164: string) => `${p}w:${e164.slice(1)}`,
    winBlock: (block: string) => `${p}wb:${block}`,
    statsHour: (ms: number) => `${p}stats:h:${hourKey(ms)}`,
    statsDay: (ms: number) => `${p}stats:d:${dayKey(ms)}`,
    top: (ms: number, action: string) => `${p}top:${dayKey(ms)}:${actionPart(action)}`,
    calls: `${p}calls`,
    replayed: (ms: number) => `${p}replayed:${Math.trunc(ms)}`,
    enrich: (callId: string) => `${p}enr:${idPart(callId)}`,
    lastCaller: (target: string) => `${p}last:${targetPart(target)}`,
    lastCallerAny: `${p}last`,
    knownLines: `${p}lines`,
    claim: (scope: string, id: string) => `${p}claim:${claimScope(scope)}:${idPart(id)}`,
  };
}
export type Keyspace = ReturnType<typeof keyspace>;

/** First `digits` digits of the number without `+` (the burst-counting block). */
export function blockOf(e164: string, digits: number): string {
  const d = e164.slice(1);
  const n = Number.isFinite(digits) ? Math.floor(digits) : d.length;
  return d.slice(0, Math.max(1, Math.min(d.length, n)));
}

/** Every prefix entry that could match `e164`, longest first: `+336123…`, …, `+3`. */
export function candidatePrefixes(e164: string): string[] {
  const out: string[] = [];
  for (let len = e164.length; len >= 2; len--) out.push(e164.slice(0, len));
  return out;
}

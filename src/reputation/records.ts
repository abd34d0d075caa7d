/**
 * List records: cleaning what gets stored, the compact value encoding of the Redis buckets, and the
 * precedence rules of a lookup. Shared by both stores so they agree by construction.
 */
import { stripBidiControls } from '../phone/sanitize.js';
import type { ListEntry } from '../phone/types.js';
import { isE164, isPrefixEntry } from './keys.js';
import type { ListName, ListRecord, ListRecords, LookupResult } from './types.js';
import { DAY_MS } from '../time-units.js';

export const MAX_REASON_CHARS = 256;
export const MAX_SOURCE_CHARS = 64;
/** Latest time a JS Date can print (ISO export). */
export const MAX_TIME = 8_640_000_000_000_000;
/** Day 0 of the compact encoding: 2000-01-01 UTC. 15 bits of days reach 2089. */
const EPOCH_DAY = 10_957;
const DAY_SPAN = 32_768;
const SOURCE_SPAN = 64;

/** Cuts to `max` code points (never half a surrogate pair). */
function cut(s: string, max: number): string {
  if (s.length <= max) return s; // UTF-16 length bounds the code-point count: the common case costs nothing
  const chars = Array.from(s);
  return chars.length > max ? chars.slice(0, max).join('') : s;
}

/** Control characters but tab and newlines: an escape sequence in an imported reason would reach a terminal. */
const REASON_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** Reason: text, newlines and unicode kept (fine in a hash value), control characters removed, capped; '' means none. */
export function cleanReason(reason: string | null | undefined): string | null {
  if (typeof reason !== 'string' || reason === '') return null;
  // `robocall \u202E8765432160+ sllac\u202C` would show as `robocall calls +0612345678`, a number the entry is not about
  const text = cut(stripBidiControls(reason.replace(REASON_CONTROLS, '')), MAX_REASON_CHARS);
  return text === '' ? null : text;
}

/** Source: one short line. */
export function cleanSource(source: string | null | undefined): string {
  const s = typeof source === 'string' ? cut(source.replace(/[\u0000-\u001f\u007f]/g, ' ').trim(), MAX_SOURCE_CHARS) : '';
  return s === '' ? 'unknown' : s;
}

export function entryText(entry: ListEntry): string {
  return entry.kind === 'number' ? entry.e164 : entry.prefix;
}

export function validEntry(entry: ListEntry): boolean {
  return entry.kind === 'number' ? isE164(entry.e164) : isPrefixEntry(entry.prefix);
}

/**
 * A record the stores refuse to hold (cleanRecord): no failure of the store's, and no retry helps. Thrown before the
 * operation given the record writes anything (an import checks every record first).
 */
export class MalformedRecordError extends Error {
  override readonly name = 'MalformedRecordError';
  /** The record's entry as a person reads it (`+33612345678`, `+33162*`); null when the entry itself is what is wrong. */
  readonly entry: string | null;

  constructor(message: string, entry: ListEntry | null) {
    super(message);
    this.entry = entry === null ? null : entry.kind === 'number' ? entry.e164 : `${entry.prefix}*`;
  }
}

/** Validates and cleans a record before it is stored; throws MalformedRecordError on a malformed entry or time. */
export function cleanRecord(rec: ListRecord): ListRecord {
  if (!rec.entry || !validEntry(rec.entry)) throw new MalformedRecordError(`invalid list entry ${JSON.stringify(rec.entry)}`, null);
  if (rec.list !== 'allow' && rec.list !== 'block') throw new MalformedRecordError(`unknown list ${String(rec.list)}`, rec.entry);
  if (!Number.isSafeInteger(rec.addedAt) || rec.addedAt < 0 || rec.addedAt > MAX_TIME) {
    throw new MalformedRecordError(`invalid addedAt ${String(rec.addedAt)}`, rec.entry);
  }
  if (rec.expiresAt !== null && (!Number.isSafeInteger(rec.expiresAt) || rec.expiresAt < 0 || rec.expiresAt > MAX_TIME)) {
    throw new MalformedRecordError(`invalid expiresAt ${String(rec.expiresAt)}`, rec.entry);
  }
  const entry: ListEntry = rec.entry.kind === 'number' ? { kind: 'number', e164: rec.entry.e164 } : { kind: 'prefix', prefix: rec.entry.prefix };
  return { list: rec.list, entry, reason: cleanReason(rec.reason), source: cleanSource(rec.source), addedAt: rec.addedAt, expiresAt: rec.expiresAt };
}

/** What a bucket value holds once the source and reason texts are interned to small ids (reason 0 = none). */
export interface PackedFields {
  addedAt: number;
  expiresAt: number | null;
  sourceId: number;
  reasonId: number;
}

/**
 * Bucket value. Common case (whole-day addedAt, no expiry, source id < 64): ONE integer
 * `day + 32768 * (sourceId + 64 * reasonId)`, which listpack stores in 5 bytes. Anything else:
 * `addedAtMs:expiresAtMs:sourceId:reasonId` (rare: CLI/API entries). lua.ts decodes the ids the same way.
 */
export function packValue(f: PackedFields): string {
  const day = f.addedAt / DAY_MS - EPOCH_DAY;
  const compact = f.expiresAt === null && Number.isInteger(day) && day >= 0 && day < DAY_SPAN && f.sourceId < SOURCE_SPAN;
  if (compact) {
    const v = day + DAY_SPAN * (f.sourceId + SOURCE_SPAN * f.reasonId);
    if (Number.isSafeInteger(v)) return String(v);
  }
  return `${f.addedAt}:${f.expiresAt ?? ''}:${f.sourceId}:${f.reasonId}`;
}

export function unpackValue(v: string): PackedFields | null {
  if (/^[0-9]{1,16}$/.test(v)) {
    const n = Number(v);
    const day = n % DAY_SPAN;
    const rest = Math.floor(n / DAY_SPAN);
    return { addedAt: (day + EPOCH_DAY) * DAY_MS, expiresAt: null, sourceId: rest % SOURCE_SPAN, reasonId: Math.floor(rest / SOURCE_SPAN) };
  }
  const m = /^([0-9]{1,16}):([0-9]{0,16}):([0-9]{1,16}):([0-9]{1,16})$/.exec(v);
  if (!m) return null;
  return { addedAt: Number(m[1]), expiresAt: m[2] ? Number(m[2]) : null, sourceId: Number(m[3]), reasonId: Number(m[4]) };
}

/** One stored candidate for a lookup: a list hit before precedence is applied. */
export interface Candidate {
  list: ListName;
  match: 'exact' | 'prefix';
  entry: string;
  reason: string | null;
  source: string | null;
  expiresAt: number | null;
}

/**
 * Precedence: expired entries don't count; exact beats prefix; among prefixes the longest wins; allow beats
 * block at equal footing.
 */
export function pickListed(candidates: Candidate[], now: number): LookupResult['listed'] {
  let best: Candidate | null = null;
  const rank = (c: Candidate) => (c.match === 'exact' ? 1000 : 0) + c.entry.length * 2 + (c.list === 'allow' ? 1 : 0);
  for (const c of candidates) {
    if (c.expiresAt !== null && c.expiresAt <= now) continue;
    if (!best || rank(c) > rank(best)) best = c;
  }
  return best ? { list: best.list, match: best.match, entry: best.entry, reason: best.reason, source: best.source } : null;
}

/** An entry a prune removes: it expired at or before `expiredBefore`. */
export function prunable(expiresAt: number | null, expiredBefore: number): boolean {
  return expiresAt !== null && expiresAt <= expiredBefore;
}

/** `records.at(i)` for an index known to be in range. */
export function recordAt(records: ListRecords, i: number): ListRecord {
  const r = records.at(i);
  if (r === undefined) throw new RangeError(`no record ${i}`);
  return r;
}

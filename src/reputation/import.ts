/**
 * Parsing list files (pure): `csv` (number,reason), `ftc` (FTC Do-Not-Call complaints), `chut` (our export) or
 * `auto` (sniffed from the header). Everything is parsed and validated before anything is applied; a file that
 * cannot be read at all throws ImportError, bad lines are skipped and counted by reason.
 */
import { randomBytes } from 'node:crypto';
import { isBroadPrefix, parseListEntry } from '../phone/index.js';
import type { ListEntry } from '../phone/types.js';
import { assertText, csvRows, ImportError, restoreFormula, sniffSeparator, type CsvRow } from './csv.js';
import { parseIsoTime } from '../when.js';
import { cleanReason, entryText, MAX_TIME } from './records.js';
import type { ImportStats, ListName, ListRecord } from './types.js';
import { DAY_MS } from '../time-units.js';
import { groupedDigits } from '../plural.js';

export { ImportError } from './csv.js';
export type ImportFormat = 'auto' | 'csv' | 'ftc' | 'chut';
export interface ImportOptions {
  format: ImportFormat;
  /** List for `csv` and `ftc` files (a `chut` file names the list on each line). */
  list: ListName;
  /** Source recorded on each entry; default `import:<detected format>` (`import:ftc`…); a `chut` line's own source wins. */
  source?: string;
  defaultCountry: string;
  now: number;
  /** Take prefixes of 3 digits or fewer (a whole country code: `+33*`); skipped otherwise, as `chut block` wants --force. */
  allowBroadPrefixes?: boolean;
  /** Longest file taken, in lines (MAX_IMPORT_LINES). */
  maxLines?: number;
}

type SourcedOptions = ImportOptions & { source: string };

export const FTC_HEADER = ['Company_Phone_Number', 'Created_Date', 'Violation_Date', 'Consumer_City', 'Consumer_State',
  'Consumer_Area_Code', 'Subject', 'Recorded_Message_Or_Robocall'];
export const CHUT_HEADER = ['list', 'kind', 'entry', 'reason', 'source', 'added_at', 'expires_at'];
const isHeader = (row: CsvRow | undefined, header: string[]) =>
  !!row && header.every((h, i) => (row.fields[i] ?? '').trim().toLowerCase() === h.toLowerCase());
const isEmpty = (row: CsvRow) => row.fields.every((f) => f.trim() === '');
const firstCellOf = (row: CsvRow | undefined): string => (row?.fields[0] ?? '').trim();
/** A first cell no entry can be: a number or a prefix has digits. */
const noDigit = (row: CsvRow | undefined): boolean => firstCellOf(row) !== '' && !/[0-9]/.test(firstCellOf(row));
/** What a header calls the number column (accents folded): `number`, `Phone Number`, `Téléphone`, `Numéro`, `Tel.`… */
const HEADER_WORD = /(^|[^a-z])(numbers?|phones?|telephones?|tel|numeros?|nummer|callers?|entry|entries)([^a-z]|$)/i;
const foldAccents = (text: string): string => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');

export const BROAD_PREFIX_SKIP = 'prefix of 3 digits or fewer (needs --force, or force=true in the API)';

/** How many skipped lines an import names (a count alone leaves the user searching a 100,000-line file). */
const SKIPPED_NAMED = 5;

/** The list bit of an entry: a restore may put one entry on both lists. */
export const listBit = (list: ListName): number => (list === 'allow' ? 1 : 2);

/** E.164 digits fit a double exactly (15 digits < 2^53): `+33612345678` is kept as 33612345678, 8 bytes. */
const E164_DIGITS = /^\+[1-9][0-9]{1,14}$/;
const numberOf = (entry: ListEntry): number | null =>
  entry.kind === 'number' && E164_DIGITS.test(entry.e164) ? Number(entry.e164.slice(1)) : null;

/**
 * A copy of a text that shares no memory with the file it was read from: a slice of the file's text (what a field
 * is) keeps the whole file alive as long as it is held, 20 MiB for one 13-character reason.
 */
const own = (s: string): string => (s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string));

/**
 * Small bit sets keyed by positive integers below 2^53 (E.164 digits): open addressing in typed arrays, 9 bytes a
 * slot, 12–24 a key. A `Set` of `list|kind|+33612345678` strings cost ~124 bytes a line of a 1.5-million-line import,
 * and a `Map` of them ~95.
 * The hash is seeded at random per table: an imported list is hostile input, and with a fixed hash anyone can compute
 * valid numbers that all land in one run of slots, making each insert scan all the others (60,000 such numbers took
 * 7.5 s to parse, a million would take hours).
 */
export class NumberBits {
  private keys = new Float64Array(1024);
  private bits = new Uint8Array(1024);
  private shift = 22; // 32 - log2(capacity)
  private readonly seed = randomBytes(8);
  private readonly seedLo = this.seed.readUInt32LE(0);
  private readonly seedHi = this.seed.readUInt32LE(4);
  size = 0;
  /** Slots looked at past the first, over every lookup (what a flood of colliding keys would drive up). */
  probes = 0;

  /** The slot holding `n`, or the empty one where it goes (0 marks an empty slot: keys are positive). */
  private slot(n: number): number {
    const lo = n >>> 0;
    const hi = (n / 4_294_967_296) >>> 0;
    const mask = this.keys.length - 1;
    // each half mixed with its own secret word, then murmur3's finaliser: no key set collides for every seed
    let h = Math.imul(lo ^ this.seedLo, 0xcc9e_2d51) ^ Math.imul(hi ^ this.seedHi, 0x1b87_3593);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85eb_ca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2_ae35);
    h ^= h >>> 16;
    let i = h >>> this.shift;
    for (let k = this.keys[i]; k !== 0 && k !== n; k = this.keys[i]) {
      i = (i + 1) & mask;
      this.probes++;
    }
    return i;
  }

  get(n: number): number {
    const i = this.slot(n);
    return this.keys[i] === n ? (this.bits[i] as number) : 0;
  }

  /** Adds `bits` to those of `n` (a positive integer). */
  or(n: number, bits: number): void {
    let i = this.slot(n);
    if (this.keys[i] !== n) {
      if ((this.size + 1) * 4 > this.keys.length * 3) {
        this.grow();
        i = this.slot(n);
      }
      this.keys[i] = n;
      this.size++;
    }
    (this.bits as Uint8Array)[i] = (this.bits[i] as number) | bits;
  }

  private grow(): void {
    const { keys, bits } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.bits = new Uint8Array(keys.length * 2);
    this.shift--;
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j] as number;
      if (k === 0) continue;
      const i = this.slot(k);
      this.keys[i] = k;
      this.bits[i] = bits[j] as number;
    }
  }
}

/** Bits per list entry: numbers in a NumberBits, prefixes (few) by their text. */
export class EntryBits {
  private readonly numbers = new NumberBits();
  private readonly others = new Map<string, number>();

  get(entry: ListEntry): number {
    const n = numberOf(entry);
    return n === null ? this.others.get(`${entry.kind}|${entryText(entry)}`) ?? 0 : this.numbers.get(n);
  }

  or(entry: ListEntry, bits: number): void {
    const n = numberOf(entry);
    if (n !== null) return this.numbers.or(n, bits);
    const k = `${entry.kind}|${entryText(entry)}`;
    this.others.set(k, (this.others.get(k) ?? 0) | bits);
  }
}

/** Texts by small ids: a file's reasons and sources are few, repeated on every line. */
class Texts {
  readonly texts: string[] = [];
  private readonly ids = new Map<string, number>();

  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      const text = own(s);
      id = this.texts.push(text) - 1;
      this.ids.set(text, id);
    }
    return id;
  }
}

/** Records per chunk of columns (grown a chunk at a time: no copy, at most one chunk unused). */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;

class Chunk {
  readonly lists = new Uint8Array(CHUNK);
  /** E.164 digits; −1 − k for `others[k]` (a prefix). */
  readonly entries = new Float64Array(CHUNK);
  readonly added = new Float64Array(CHUNK);
  /** NaN: no expiry. */
  readonly expires = new Float64Array(CHUNK);
  /** Reason id + 1 (0: none). */
  readonly reasons = new Uint32Array(CHUNK);
  readonly sources = new Uint32Array(CHUNK);
}

/**
 * The records of an import, column by column: 33 bytes a record where ListRecord objects took ~190 (an object, its
 * entry, a number string and a reason string each). They are read one at a time (ListRecords), never all as objects.
 */
export class ImportedRecords {
  length = 0;
  private readonly chunks: Chunk[] = [];
  private readonly others: ListEntry[] = [];
  private readonly reasons = new Texts();
  private readonly sources = new Texts();

  push(list: ListName, entry: ListEntry, reason: string | null, source: string, addedAt: number, expiresAt: number | null): void {
    const i = this.length & (CHUNK - 1);
    if (i === 0) this.chunks.push(new Chunk());
    const c = this.chunks[this.chunks.length - 1] as Chunk;
    const n = numberOf(entry);
    if (n === null) {
      const text = own(entryText(entry));
      this.others.push(entry.kind === 'number' ? { kind: 'number', e164: text } : { kind: 'prefix', prefix: text });
    }
    c.lists[i] = listBit(list);
    c.entries[i] = n ?? -this.others.length;
    c.added[i] = addedAt;
    c.expires[i] = expiresAt ?? NaN;
    c.reasons[i] = reason === null ? 0 : this.reasons.id(reason) + 1;
    c.sources[i] = this.sources.id(source);
    this.length++;
  }

  private chunk(i: number): Chunk {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`no record ${i}`);
    return this.chunks[i >>> CHUNK_BITS] as Chunk;
  }

  list(i: number): ListName {
    return this.chunk(i).lists[i & (CHUNK - 1)] === 1 ? 'allow' : 'block';
  }

  entry(i: number): ListEntry {
    const n = this.chunk(i).entries[i & (CHUNK - 1)] as number;
    if (n > 0) return { kind: 'number', e164: `+${n}` };
    const e = this.others[-n - 1] as ListEntry;
    return e.kind === 'number' ? { kind: 'number', e164: e.e164 } : { kind: 'prefix', prefix: e.prefix };
  }

  reason(i: number): string | null {
    const id = this.chunk(i).reasons[i & (CHUNK - 1)] as number;
    return id === 0 ? null : this.reasons.texts[id - 1] as string;
  }

  source(i: number): string {
    return this.sources.texts[this.chunk(i).sources[i & (CHUNK - 1)] as number] as string;
  }

  addedAt(i: number): number {
    return this.chunk(i).added[i & (CHUNK - 1)] as number;
  }

  expiresAt(i: number): number | null {
    const t = this.chunk(i).expires[i & (CHUNK - 1)] as number;
    return Number.isNaN(t) ? null : t;
  }

  /** Record `i` as a plain object. */
  record(i: number): ListRecord {
    return { list: this.list(i), entry: this.entry(i), reason: this.reason(i), source: this.source(i), addedAt: this.addedAt(i), expiresAt: this.expiresAt(i) };
  }

  /** Every record as a plain object (~190 bytes each: for small files and tests). */
  toRecords(): ListRecord[] {
    return Array.from({ length: this.length }, (_, i) => this.record(i));
  }

  /** Record `i` (ListRecords: what a store's importList reads); undefined past the end. */
  at(i: number): ListRecord | undefined {
    return Number.isInteger(i) && i >= 0 && i < this.length ? this.record(i) : undefined;
  }
}

function runSteps<T>(steps: Generator<void, T, undefined>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

class Collector {
  readonly records = new ImportedRecords();
  readonly skippedWhy: Record<string, number> = {};
  readonly firstSkipped: Array<{ line: number; why: string }> = [];
  /** The line being handled (its first, for a quoted field over several lines). */
  line = 0;
  /** Entries taken, with the lists they were taken for (dedupe on list + entry: a restore may hold one on both). */
  private readonly seen = new EntryBits();

  constructor(private readonly allowBroadPrefixes: boolean) {}

  skip(why: string): void {
    this.skippedWhy[why] = (this.skippedWhy[why] ?? 0) + 1;
    if (why !== 'empty line' && this.firstSkipped.length < SKIPPED_NAMED) this.firstSkipped.push({ line: this.line, why });
  }

  take(list: ListName, entry: ListEntry, reason: string | null, source: string, addedAt: number, expiresAt: number | null): void {
    if (isBroadPrefix(entry) && !this.allowBroadPrefixes) return this.skip(BROAD_PREFIX_SKIP);
    const on = listBit(list);
    if ((this.seen.get(entry) & on) !== 0) return this.skip('duplicate');
    this.seen.or(entry, on);
    this.records.push(list, entry, reason, source, addedAt, expiresAt);
  }

  stats(): ImportStats {
    const skipped = Object.values(this.skippedWhy).reduce((a, b) => a + b, 0);
    return { taken: this.records.length, skipped, skippedWhy: { ...this.skippedWhy }, firstSkipped: [...this.firstSkipped] };
  }
}

/** What a number cell looks like once Excel has turned it into a float: 3.36123E+10 (its digits are lost). */
const EXCEL_FLOAT = /^\s*\d(?:[.,]\d+)?E\+?\d+\s*$/i;
export const EXCEL_FLOAT_SKIP = 'number in scientific notation (3.36E+10: Excel lost its digits; format the column as text and export again)';
export const EXPIRED_SKIP = 'already expired';

/**
 * Skips that say nothing is wrong with the file. An entry whose expiry has passed is one: a backup holds entries that
 * expire after it was made (and an export lists them until they are removed), and a restore leaves them out, counting
 * them rather than refusing the file (`chut import` and the API alike).
 */
export const HARMLESS_SKIPS: ReadonlySet<string> = new Set(['duplicate', 'empty line', EXPIRED_SKIP]);

/** Whether skips with these reasons may mean the file was read in the wrong format (`chut import` then says to check
 * --format): not when each reason is harmless or a broad prefix, whose reason names its own fix (--force). */
export function skipsSuggestWrongFormat(skippedWhy: Readonly<Record<string, number>>): boolean {
  return Object.entries(skippedWhy).some(([why, n]) => n > 0 && !HARMLESS_SKIPS.has(why) && why !== BROAD_PREFIX_SKIP);
}

/** Why a number cell was refused: Excel's float form is worth its own line in the summary. */
const badNumber = (raw: string): string => (EXCEL_FLOAT.test(raw) ? EXCEL_FLOAT_SKIP : 'invalid number');

/** Skip reasons and their counts as a person reads them, `2 × invalid number, 1 × empty line` (chut import and the
 * API alike): a reason is a label, not a noun to put in the plural (`already expired`, a prefix with its --force hint). */
export function skipCountsText(counts: ReadonlyArray<readonly [why: string, count: number]>): string {
  return counts.map(([why, n]) => `${groupedDigits(n)} × ${why}`).join(', ');
}

function entryOf(raw: string, defaultCountry: string): ListEntry | null {
  const e = parseListEntry(raw, defaultCountry);
  return 'error' in e ? null : e;
}

/** The first year a list entry's time can be in: times are epoch milliseconds, never negative (records.ts). */
const FIRST_YEAR = 1970;

/** `YYYY-MM-DD…` or `MM/DD/YYYY…` → that day, 00:00 UTC; null when not a real date, or one before 1970 (a typo or a
 * placeholder; the store refuses a negative time, and Date.UTC would read year 0050 as 1950). */
export function parseDay(s: string): number | null {
  const t = s.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:$|[ T])/.exec(t);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:$|\s)/.exec(t);
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : us ? [us[3], us[1], us[2]] : [];
  if (!y || !m || !d || Number(y) < FIRST_YEAR) return null;
  const ms = Date.UTC(Number(y), Number(m) - 1, Number(d));
  const back = new Date(ms);
  return back.getUTCMonth() === Number(m) - 1 && back.getUTCDate() === Number(d) ? ms : null;
}

function csvRow(row: CsvRow, o: SourcedOptions, c: Collector): void {
  const entry = entryOf(row.fields[0] ?? '', o.defaultCountry);
  if (!entry) return c.skip(badNumber(row.fields[0] ?? ''));
  const day = Math.floor(o.now / DAY_MS) * DAY_MS;
  c.take(o.list, entry, cleanReason((row.fields[1] ?? '').trim()), o.source, day, null);
}

function ftcRow(row: CsvRow, o: SourcedOptions, c: Collector): void {
  let digits = (row.fields[0] ?? '').replace(/[\s().+-]/g, '');
  if (/^1\d{10}$/.test(digits)) digits = digits.slice(1);
  const entry = /^\d{10}$/.test(digits) ? entryOf(`+1${digits}`, 'US') : null;
  if (!entry || entry.kind !== 'number') return c.skip(badNumber(row.fields[0] ?? ''));
  const day = parseDay(row.fields[1] ?? '');
  if (day === null) return c.skip('bad date');
  const subject = (row.fields[6] ?? '').trim();
  const robocall = /^(y|yes|true|1)$/i.test((row.fields[7] ?? '').trim());
  const reason = robocall ? (subject ? `${subject} (robocall)` : 'robocall') : subject;
  c.take(o.list, entry, cleanReason(reason), o.source, day, null);
}

/** Epoch milliseconds or an ISO 8601 date, nothing looser (Date.parse reads "5" or "1/2" as dates in 2001). */
function timeOf(s: string): number | null {
  const t = s.trim();
  const ms = /^\d{1,16}$/.test(t) ? Number(t) : parseIsoTime(t) ?? NaN;
  return Number.isSafeInteger(ms) && ms >= 0 && ms <= MAX_TIME ? ms : null;
}

function chutRow(row: CsvRow, o: SourcedOptions, c: Collector): void {
  const [list, kind, raw = '', reason = '', source = '', added = '', expires = ''] = row.fields;
  if (list !== 'allow' && list !== 'block') return c.skip('bad list');
  const text = raw.trim();
  let entry: ListEntry | null = null;
  // Normalised like any other line, however the file spells it: an entry stored as written (+330612345678, +0…) would
  // never match a caller, and `chut unlist` (which normalises) could not remove it.
  if (kind === 'number') entry = entryOf(text, o.defaultCountry);
  else if (kind === 'prefix') entry = entryOf(text.endsWith('*') ? text : `${text}*`, o.defaultCountry);
  if (!entry || entry.kind !== kind) return c.skip('invalid number');
  const addedAt = timeOf(added);
  const expiresAt = expires.trim() === '' ? null : timeOf(expires);
  if (addedAt === null || (expires.trim() !== '' && expiresAt === null)) return c.skip('bad date');
  // an entry past its expiry would be ignored by every lookup: taking it would only make the count lie
  if (expiresAt !== null && expiresAt <= o.now) return c.skip(EXPIRED_SKIP);
  c.take(list, entry, cleanReason(restoreFormula(reason)), restoreFormula(source).trim() || o.source, addedAt, expiresAt);
}

function detect(first: CsvRow | undefined, wanted: ImportFormat): Exclude<ImportFormat, 'auto'> {
  if (wanted === 'ftc' && !isHeader(first, FTC_HEADER)) {
    throw new ImportError(`not an FTC Do-Not-Call complaint file: the first line must be ${FTC_HEADER.join(',')}`);
  }
  if (wanted === 'chut' && !isHeader(first, CHUT_HEADER)) {
    throw new ImportError(`not a chut export: the first line must be ${CHUT_HEADER.join(',')}`);
  }
  if (wanted !== 'auto') return wanted;
  return isHeader(first, FTC_HEADER) ? 'ftc' : isHeader(first, CHUT_HEADER) ? 'chut' : 'csv';
}

export interface ParsedImport {
  records: ListRecord[];
  stats: ImportStats;
}

/** A parse whose records stay in columns (ImportedRecords): what a large file is read into. */
export interface ImportedList {
  records: ImportedRecords;
  stats: ImportStats;
}

/** Rows handled between two chances to pause (the driver reads the clock at each): a national prefix of the French
 * shared plan can take a few milliseconds to resolve (list-entry.ts), so 512 of them held calls for seconds. */
const ROWS_PER_STEP = 16;
/** A file is parsed whole before anything is written (all or nothing): its records are held in columns, ~33 bytes a
 * line (ImportedRecords), and past this many lines it is refused, with a way out, rather than ending chut in a V8 heap
 * dump. */
export const MAX_IMPORT_LINES = 2_000_000;

/**
 * The parse as steps: it stops (yields) every ROWS_PER_STEP rows and returns the result at the end, so a server can
 * let calls be screened while a large file is read (see runCooperatively); parseImportColumns runs it in one go.
 * The text is held until the last step only: nothing the result holds points into it.
 */
export function* importColumnSteps(text: string, o: ImportOptions): Generator<void, ImportedList, undefined> {
  if (typeof text !== 'string') throw new ImportError('expected the file as text');
  if (!['auto', 'csv', 'ftc', 'chut'].includes(o.format)) throw new ImportError(`unknown import format ${String(o.format)}`);
  assertText(text);
  const rows = csvRows(text, sniffSeparator(text));
  let leadingEmpty = 0;
  let next = rows.next();
  while (!next.done && isEmpty(next.value)) {
    if (++leadingEmpty % ROWS_PER_STEP === 0) yield; // 20 MiB of blank lines is a long read too
    next = rows.next();
  }
  const first = next.done ? undefined : next.value;
  const format = detect(first, o.format);
  // A restore (`--format chut`, asked for by name) takes back the broad prefixes its backup holds: they were forced when
  // they were made. A file that merely looks like an export (auto-detected) gets no such pass.
  const c = new Collector(o.allowBroadPrefixes === true || o.format === 'chut');
  for (let i = 0; i < leadingEmpty; i++) c.skip('empty line');
  // A `number,reason` file may start with a header (of any words: `Numéro;Motif`): a first cell with no digit at all,
  // which no entry can be. But unless it names the number column as headers do (`Phone Number`), not when the line
  // right after it has no digit either: two such lines are data, both bad lines counted and named ("skipped 2"),
  // rather than a header and one bad line (where is my first line?).
  const peeked = format === 'csv' && noDigit(first) && !HEADER_WORD.test(foldAccents(firstCellOf(first))) ? rows.next() : undefined;
  const csvHeader = format === 'csv' && noDigit(first) && (peeked === undefined || peeked.done === true || !noDigit(peeked.value));
  const skipFirst = format !== 'csv' || csvHeader;
  const handle = format === 'ftc' ? ftcRow : format === 'chut' ? chutRow : csvRow;
  const withSource: SourcedOptions = { ...o, source: o.source ?? `import:${format}` };
  if (first && !skipFirst) {
    c.line = first.line;
    handle(first, withSource, c);
  }
  let n = 0;
  for (let r = peeked ?? rows.next(); !r.done; r = rows.next()) {
    const maxLines = o.maxLines ?? MAX_IMPORT_LINES;
    if (n >= maxLines) throw new ImportError(`more than ${groupedDigits(maxLines)} lines: split the file and import each part`);
    c.line = r.value.line;
    if (isEmpty(r.value)) c.skip('empty line');
    else handle(r.value, withSource, c);
    if (++n % ROWS_PER_STEP === 0) yield;
  }
  return { records: c.records, stats: c.stats() };
}

/** importColumnSteps, records as plain objects (~190 bytes a line: for small files; the steps are the same). */
export function* importSteps(text: string, o: ImportOptions): Generator<void, ParsedImport, undefined> {
  const { records, stats } = yield* importColumnSteps(text, o);
  return { records: records.toRecords(), stats };
}

export function parseImport(text: string, o: ImportOptions): ParsedImport {
  return runSteps(importSteps(text, o));
}

export function parseImportColumns(text: string, o: ImportOptions): ImportedList {
  return runSteps(importColumnSteps(text, o));
}

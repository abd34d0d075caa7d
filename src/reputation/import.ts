/**
 * Parsing list files (pure): `csv` (number,reason), `ftc` (FTC Do-Not-Call complaints), `chut` (our export) or
 * `auto` (sniffed from the header). Everything is parsed and validated before anything is applied; a file that
 * cannot be read at all throws ImportError, bad lines are skipped and counted by reason.
 */
import { isBroadPrefix, parseListEntry } from '../phone/index.js';
import type { ListEntry } from '../phone/types.js';
import { assertText, csvRows, ImportError, restoreFormula, sniffSeparator, type CsvRow } from './csv.js';
import { parseIsoTime } from '../when.js';
import { cleanReason, entryText, MAX_TIME } from './records.js';
import type { ImportStats, ListName, ListRecord } from './types.js';

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
const DAY_MS = 86_400_000;

const isHeader = (row: CsvRow | undefined, header: string[]) =>
  !!row && header.every((h, i) => (row.fields[i] ?? '').trim().toLowerCase() === h.toLowerCase());
const isEmpty = (row: CsvRow) => row.fields.every((f) => f.trim() === '');

export const BROAD_PREFIX_SKIP = 'prefix of 3 digits or fewer (needs --force, or force=true in the API)';

/** How many skipped lines an import names (a count alone leaves the user searching a 100,000-line file). */
const SKIPPED_NAMED = 5;

class Collector {
  readonly records: ListRecord[] = [];
  readonly skippedWhy: Record<string, number> = {};
  readonly firstSkipped: Array<{ line: number; why: string }> = [];
  /** The line being handled (its first, for a quoted field over several lines). */
  line = 0;
  private readonly seen = new Set<string>();

  constructor(private readonly allowBroadPrefixes: boolean) {}

  skip(why: string): void {
    this.skippedWhy[why] = (this.skippedWhy[why] ?? 0) + 1;
    if (why !== 'empty line' && this.firstSkipped.length < SKIPPED_NAMED) this.firstSkipped.push({ line: this.line, why });
  }

  take(rec: ListRecord): void {
    if (isBroadPrefix(rec.entry) && !this.allowBroadPrefixes) return this.skip(BROAD_PREFIX_SKIP);
    const key = `${rec.list}|${rec.entry.kind}|${entryText(rec.entry)}`;
    if (this.seen.has(key)) return this.skip('duplicate');
    this.seen.add(key);
    this.records.push(rec);
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

/** Why a number cell was refused: Excel's float form is worth its own line in the summary. */
const badNumber = (raw: string): string => (EXCEL_FLOAT.test(raw) ? EXCEL_FLOAT_SKIP : 'invalid number');

function entryOf(raw: string, defaultCountry: string): ListEntry | null {
  const e = parseListEntry(raw, defaultCountry);
  return 'error' in e ? null : e;
}

/** `YYYY-MM-DD…` or `MM/DD/YYYY…` → that day, 00:00 UTC; null when not a real date. */
export function parseDay(s: string): number | null {
  const t = s.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:$|[ T])/.exec(t);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:$|\s)/.exec(t);
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : us ? [us[3], us[1], us[2]] : [];
  if (!y || !m || !d) return null;
  const ms = Date.UTC(Number(y), Number(m) - 1, Number(d));
  const back = new Date(ms);
  return back.getUTCMonth() === Number(m) - 1 && back.getUTCDate() === Number(d) ? ms : null;
}

function csvRow(row: CsvRow, o: SourcedOptions, c: Collector): void {
  const entry = entryOf(row.fields[0] ?? '', o.defaultCountry);
  if (!entry) return c.skip(badNumber(row.fields[0] ?? ''));
  const day = Math.floor(o.now / DAY_MS) * DAY_MS;
  c.take({ list: o.list, entry, reason: cleanReason((row.fields[1] ?? '').trim()), source: o.source, addedAt: day, expiresAt: null });
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
  c.take({ list: o.list, entry, reason: cleanReason(reason), source: o.source, addedAt: day, expiresAt: null });
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
  c.take({ list, entry, reason: cleanReason(restoreFormula(reason)), source: restoreFormula(source).trim() || o.source, addedAt, expiresAt });
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

/** Rows handled between two chances to pause (the driver reads the clock at each): a national prefix of the French
 * shared plan can take a few milliseconds to resolve (list-entry.ts), so 512 of them held calls for seconds. */
const ROWS_PER_STEP = 16;
/** A file is parsed whole before anything is written (all or nothing), at ~600 bytes of memory a line: past this many
 * lines it is refused, with a way out, rather than ending chut in a V8 heap dump. */
export const MAX_IMPORT_LINES = 2_000_000;

/**
 * The parse as steps: it stops (yields) every ROWS_PER_STEP rows and returns the result at the end, so a server can
 * let calls be screened while a large file is read (see runCooperatively); parseImport runs it in one go.
 */
export function* importSteps(text: string, o: ImportOptions): Generator<void, ParsedImport, undefined> {
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
  const firstCell = (first?.fields[0] ?? '').trim();
  // A `number,reason` file may start with a header: a first cell with no digit at all is one.
  const csvHeader = format === 'csv' && firstCell !== '' && !/[0-9]/.test(firstCell);
  const skipFirst = format !== 'csv' || csvHeader;
  const handle = format === 'ftc' ? ftcRow : format === 'chut' ? chutRow : csvRow;
  const withSource: SourcedOptions = { ...o, source: o.source ?? `import:${format}` };
  if (first && !skipFirst) {
    c.line = first.line;
    handle(first, withSource, c);
  }
  let n = 0;
  for (let r = rows.next(); !r.done; r = rows.next()) {
    const maxLines = o.maxLines ?? MAX_IMPORT_LINES;
    if (n >= maxLines) throw new ImportError(`more than ${maxLines.toLocaleString('en')} lines: split the file and import each part`);
    c.line = r.value.line;
    if (isEmpty(r.value)) c.skip('empty line');
    else handle(r.value, withSource, c);
    if (++n % ROWS_PER_STEP === 0) yield;
  }
  return { records: c.records, stats: c.stats() };
}

export function parseImport(text: string, o: ImportOptions): ParsedImport {
  const steps = importSteps(text, o);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

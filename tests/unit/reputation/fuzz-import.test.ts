/**
 * Seeded fuzzing of list imports as `chut import` and `POST /api/import` read them (decodeListFile, then the import
 * steps), on generated `number,reason`, FTC and chut files (helpers/list-files.ts), whole or damaged.
 *
 * What must hold for every case: reading never throws anything but ImportError (the file refused, nothing applied;
 * a case that hangs fails on the test's timeout, no wall-clock bound); every line is counted, taken or skipped with a reason (taken + skipped = the file's lines, its
 * header aside); a well-formed file's reasons are those of its lines, none shifted to another line; what was taken
 * the store accepts, and it comes back identical through chut's export and a restore; and the export never starts a
 * cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or CR), cut at commas, or at `;`, tabs and line
 * breaks as Excel does where `;` separates lists, but for numbers and dates, which a spreadsheet reads as values.
 */
import { describe, expect, it } from 'vitest';
import { parseListEntry } from '../../../src/phone/index.js';
import { csvRows, sniffSeparator } from '../../../src/reputation/csv.js';
import { exportLine, formatExport } from '../../../src/reputation/export.js';
import { ImportError, parseDay, parseImport, type ImportFormat, type ImportOptions, type ParsedImport } from '../../../src/reputation/import.js';
import { decodeListFile, type ListFileCharset } from '../../../src/reputation/list-file-text.js';
import { cleanReason, cleanRecord, entryText } from '../../../src/reputation/records.js';
import type { ListRecord } from '../../../src/reputation/types.js';
import { damageListFile, generateListFile, type GeneratedFile, type ListFormat } from '../../helpers/list-files.js';
import { int, pick, type Rand } from '../../helpers/mutate.js';
import { prng } from '../../helpers/prng.js';

const NOW = Date.UTC(2026, 5, 15, 14, 45, 12);
const options = (format: ImportFormat, over: Partial<ImportOptions> = {}): ImportOptions =>
  ({ format, list: 'block', defaultCountry: 'FR', now: NOW, ...over });

/** A file's bytes read as chut reads them: decoded strictly, then parsed; the error, when it is refused. */
function read(bytes: Buffer, o: ImportOptions, charset: ListFileCharset = 'utf-8'): { parsed: ParsedImport; text: string } | { refused: ImportError } {
  try {
    const text = decodeListFile(bytes, charset);
    return { parsed: parseImport(text, o), text };
  } catch (err) {
    if (err instanceof ImportError) return { refused: err };
    throw err;
  }
}

async function exported(records: readonly ListRecord[]): Promise<string> {
  let out = '';
  for await (const line of formatExport(records)) out += line;
  return out;
}

/** Values a spreadsheet shows as values even when they start with + or -: numbers, prefixes' digits, a date past year 9999. */
const VALUE = /^(?:[+-][0-9.]+|\+\d{6}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)$/;
const FORMULA_START = /^[=+\-@\t\r]/;

/** Cells of an export that a spreadsheet would run as formulas: cut at commas (quotes kept whole), or at `;`, tabs and line breaks. */
function formulaCells(csv: string): string[] {
  const cells: string[] = [];
  for (const row of csvRows(csv, ',')) cells.push(...row.fields.filter((f) => FORMULA_START.test(f) && !VALUE.test(f)));
  cells.push(...csv.split(/[;\t\r\n]/).filter((piece) => /^[=+\-@]/.test(piece.replace(/^"+/, ''))));
  return cells;
}

/** What was taken is what the store takes (it checks each record before writing any: one it refuses fails the whole
 * import), comes back identical through an export and a restore, and the export runs no formula. */
async function roundTrips(records: readonly ListRecord[], label: string): Promise<void> {
  for (const r of records) expect(() => cleanRecord(r), `${label}: the store refuses ${JSON.stringify(r).slice(0, 200)}`).not.toThrow();
  const csv = await exported(records);
  expect(formulaCells(csv), `${label}: cells a spreadsheet would run`).toEqual([]);
  const back = parseImport(csv, options('chut'));
  expect(back.stats.skipped, `${label}: ${JSON.stringify(back.stats.skippedWhy)}`).toBe(0);
  expect(back.records, label).toEqual(records);
}

/** The reason a well-formed line gives its entry, as the import cleans it. */
function expectedReason(file: GeneratedFile, fields: string[]): string | null {
  if (file.format === 'csv') return cleanReason((fields[1] ?? '').trim());
  const subject = (fields[6] ?? '').trim();
  const robocall = /^(y|yes|true|1)$/i.test((fields[7] ?? '').trim());
  return cleanReason(robocall ? (subject ? `${subject} (robocall)` : 'robocall') : subject);
}

/** Each taken entry carries the reason of the first line that names it: no field moved to another line. */
function reasonsAreTheirLines(file: GeneratedFile, records: readonly ListRecord[], label: string): void {
  if (file.format === 'chut') return; // a chut line may name either list, and its reason is restored from the defused form
  const first = new Map<string, string | null>();
  for (const { fields } of file.rows) {
    if (fields.length === 0) continue;
    let raw = fields[0] ?? '';
    if (file.format === 'ftc') {
      // as an FTC line is read: ten digits (an 11th, a leading 1, dropped) and a real date, else the line is skipped
      const digits = raw.replace(/[\s().+-]/g, '').replace(/^1(\d{10})$/, '$1');
      if (!/^\d{10}$/.test(digits) || parseDay(fields[1] ?? '') === null) continue;
      raw = `+1${digits}`;
    }
    const entry = parseListEntry(raw, file.format === 'csv' ? 'FR' : 'US');
    if ('error' in entry) continue;
    if (!first.has(entryText(entry))) first.set(entryText(entry), expectedReason(file, fields));
  }
  for (const r of records) {
    expect(first.has(entryText(r.entry)), `${label}: ${entryText(r.entry)} is on no line of the file`).toBe(true);
    expect(r.reason, `${label}: the reason of ${entryText(r.entry)}`).toBe(first.get(entryText(r.entry)));
  }
}

/** Every line counted; no skip without a reason; the first skipped named by their line. */
function countsEveryLine(parsed: ParsedImport, lines: number, label: string): void {
  const { taken, skipped, skippedWhy, firstSkipped } = parsed.stats;
  expect(taken, label).toBe(parsed.records.length);
  expect(taken + skipped, `${label}: taken ${taken} + skipped ${skipped} (${JSON.stringify(skippedWhy)})`).toBe(lines);
  expect(Object.values(skippedWhy).reduce((a, b) => a + b, 0), label).toBe(skipped);
  expect(Object.keys(skippedWhy).every((why) => why.length > 0), label).toBe(true);
  expect(firstSkipped.length, label).toBeLessThanOrEqual(5);
  expect(firstSkipped.every((s) => Number.isInteger(s.line) && s.line >= 1), label).toBe(true);
}

const FORMATS: readonly ListFormat[] = ['csv', 'ftc', 'chut'];

describe('list files, well formed in every way a program writes them', () => {
  it('count every line, keep each reason with its line, and round-trip through an export (600 files)', async () => {
    for (let seed = 0x22_8000; seed < 0x22_8000 + 600; seed++) {
      const rand = prng(seed);
      const file = generateListFile(rand, pick(rand, FORMATS));
      const format: ImportFormat = rand() < 0.5 ? 'auto' : file.format;
      const label = `seed ${seed} (${file.format} read as ${format}, ${file.rows.length} lines, '${file.separator}')`;
      const result = read(Buffer.from(file.text), options(format, { allowBroadPrefixes: rand() < 0.2 }));
      if ('refused' in result) throw new Error(`${label}: refused: ${result.refused.message}`);
      countsEveryLine(result.parsed, file.rows.length, label);
      reasonsAreTheirLines(file, result.parsed.records, label);
      await roundTrips(result.parsed.records, label);
    }
  });
});

/** Lines of a text as the reader splits it (each a record, a quoted line break inside its field). */
function recordsOf(text: string): { count: number; firstHasDigit: boolean } {
  let count = 0;
  let firstHasDigit = false;
  let seenNonEmpty = false;
  for (const row of csvRows(text, sniffSeparator(text))) {
    count++;
    if (!seenNonEmpty && row.fields.some((f) => f.trim() !== '')) {
      seenNonEmpty = true;
      firstHasDigit = /[0-9]/.test(row.fields[0] ?? '');
    }
  }
  return { count, firstHasDigit };
}

function damage(file: GeneratedFile, rand: Rand): { bytes: Buffer; applied: string[] } {
  return damageListFile(Buffer.from(file.text), rand, int(rand, 1, 3));
}

describe('list files, damaged', () => {
  it('are refused with an ImportError, or read with every line counted, and what is taken round-trips (1,000 files)', async () => {
    let refused = 0;
    for (let seed = 0x22_9000; seed < 0x22_9000 + 1000; seed++) {
      const rand = prng(seed);
      const file = generateListFile(rand, pick(rand, FORMATS), 20);
      const { bytes, applied } = damage(file, rand);
      const format: ImportFormat = rand() < 0.5 ? 'auto' : file.format;
      const charset: ListFileCharset = rand() < 0.15 ? 'windows-1252' : 'utf-8';
      const label = `seed ${seed} (${file.format} read as ${format}, ${charset}: ${applied.join(', ')})`;
      const result = read(bytes, options(format), charset);
      if ('refused' in result) {
        expect(result.refused.message, label).toMatch(/\S/);
        refused++;
        continue;
      }
      const { count, firstHasDigit } = recordsOf(result.text);
      // the header, when one was read, is the only line not counted; a first line holding a digit is never one
      const lines = result.parsed.stats.taken + result.parsed.stats.skipped;
      expect([count, count - 1], label).toContain(lines);
      if (firstHasDigit && (format === 'csv' || (format === 'auto' && result.parsed.records.every((r) => r.source === 'import:csv')))) {
        expect(lines, `${label}: a first line with a digit was taken for a header`).toBe(count);
      }
      countsEveryLine(result.parsed, lines, label);
      await roundTrips(result.parsed.records, label);
    }
    // both outcomes must be exercised
    expect(refused).toBeGreaterThan(50);
    expect(refused).toBeLessThan(900);
  });
});

describe('reasons and sources made of what spreadsheets run', () => {
  it('are exported defused and restored exactly (2,000 texts of = + - @ ; tab CR LF quotes apostrophes)', () => {
    const ALPHABET = ['=', '+', '-', '@', '\t', '\r', '\n', '\r\n', ';', ',', '"', "'", "''", 'a', '1', '.', ' ', 'SUM(1)'];
    const base: ListRecord = { list: 'block', entry: { kind: 'number', e164: '+33612345678' }, reason: null, source: 'x', addedAt: Date.UTC(2026, 0, 1), expiresAt: null };
    for (let seed = 0; seed < 2000; seed++) {
      const rand = prng(0x22_a000 + seed);
      const text = () => Array.from({ length: int(rand, 1, 8) }, () => pick(rand, ALPHABET)).join('');
      const reason = cleanReason(text());
      // a source is one line of text, trimmed, as the store keeps it
      const source = text().replace(/[\r\n\t]/g, ' ').trim() || 'x';
      const record = { ...base, reason, source };
      const csv = `list,kind,entry,reason,source,added_at,expires_at\n${exportLine(record)}`;
      expect(formulaCells(csv), `seed ${0x22_a000 + seed}: ${JSON.stringify([reason, source])}`).toEqual([]);
      const back = parseImport(csv, options('chut'));
      expect(back.records.map((r) => [r.reason, r.source]), `seed ${0x22_a000 + seed}: ${JSON.stringify([reason, source])}`).toEqual([[reason, source]]);
    }
  });
});

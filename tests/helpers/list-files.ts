/**
 * Seeded list files for the import fuzz tests: `number,reason` CSV, the FTC Do-Not-Call complaint CSV and chut's own
 * export, written as the programs people use write them (either separator, quotes where needed or everywhere, LF, CRLF
 * or a lone CR line by line, a BOM, blank lines, no line end at the end) with the values a downloaded list holds
 * (numbers in every odd form, reasons with quotes, line breaks, separators, formulas, invisible characters, 60 KiB
 * of text), and the byte-level damage such a file can take (UTF-16, invalid UTF-8, NUL, a quote left open, a field
 * past 64 KiB, a row of hundreds of separators). Every choice comes from `rand` (prng.ts): a failure names its seed.
 */
import { CHUT_HEADER, FTC_HEADER } from '../../src/reputation/import.js';
import { BYTE_MUTATIONS, int, mutate, pick, type Rand } from './mutate.js';

export type ListFormat = 'csv' | 'ftc' | 'chut';

/** One data line of a generated file, as written. A blank line has no fields. */
export interface GeneratedRow {
  fields: string[];
}

export interface GeneratedFile {
  format: ListFormat;
  /** The file's text, as written. */
  text: string;
  /** Its data lines, blank lines included, the header excluded: each must be counted as taken or skipped. */
  rows: GeneratedRow[];
  separator: ',' | ';';
}

/** Numbers as lists spell them: national, international, 00, spaced, dotted, in brackets, in URIs, Excel's float, prefixes,
 * too short, too long, other scripts' digits, invisible characters, formulas. */
export const NUMBER_FORMS: readonly string[] = [
  '0612345678', '06 12 34 56 78', '06.12.34.56.78', '06-12-34-56-78', '+33612345678', '+33 6 12 34 56 78', '0033612345678',
  '33612345678', '+33(0)612345678', '(061) 234-5678', 'tel:+33612345678', 'sip:+33612345678@pbx;user=phone', '<sip:0612345678@x>',
  '0162*', '+33162*', '0590*', '+1202*', '+3*', '0*', '*', '+*', '3.36123E+10', '1e9', '+0612345678', '++33612345678', '0',
  '+1', '9'.repeat(40), '+33612345678000000000000', '６１２３４５６７８', '٠٦١٢٣٤٥٦٧٨', '0612345678\u200b', '+\u202e33612345678',
  '=0612345678', '-0612345678', '@0612345678', '\t0612345678', ' 0612345678 ', 'anonymous', '__proto__', 'NaN', '-1',
  '+1 (202) 555-0143', '2025550143', '12025550143', '1-202-555-0143', '+4915112345678', '+262692123456', '0692123456',
];

/** Reasons as downloaded lists carry them. */
export const REASONS: readonly string[] = [
  '', 'spam', 'démarchage', 'say "hi"', '"quoted"', '""', 'a,b', 'a;b', 'a, b; c', 'two\nlines', 'cr\rline', 'crlf\r\nline',
  '\n', ' padded ', '\ttabbed', '=cmd|\' /C calc\'!A0', '=HYPERLINK("http://x","y")', '@SUM(1+1)', '+1+1', '-1+1', '-1', '+33612345678',
  "'=1+1", "''=1", 'x;=1+1', 'x;"=1', 'x\n=1', 'x\t@1', 'x;\'=1', '\u001b[2J\u0007', '\u202eevil', 'zero\u200bwidth', '☎ maman 👵',
  '\ufeffbom', 'x'.repeat(300), 'é'.repeat(1000), 'y'.repeat(60_000), '\u0085next', 'a\u2028b',
];

const FTC_DATES = ['2025-03-02 13:45:01', '2025-03-02', '03/02/2025', '3/2/2025 1:45 PM', '2025-02-30', '13/01/2025', '', 'yesterday', '0050-01-01'];
const CHUT_TIMES = ['1767225600000', '0', '2026-01-01T00:00:00.000Z', '2026-01-01', '2026-01-01T00:00:00+14:00', '+275760-09-13T00:00:00.000Z',
  '8640000000000000', '8640000000000001', '-1', '1e3', 'x', ''];
const FUTURE_OR_NONE = ['', '', '2099-01-01T00:00:00.000Z', '4102444800000', '2000-01-01T00:00:00.000Z', 'never'];

/** A field as written: quoted when it must be (or now and then anyway), its quotes doubled. */
function writeField(value: string, separator: string, rand: Rand): string {
  const must = value.includes(separator) || /["\r\n]/.test(value) || value.startsWith('"');
  return must || rand() < 0.1 ? `"${value.replace(/"/g, '""')}"` : value;
}

const digits = (rand: Rand, n: number): string => Array.from({ length: n }, () => String(int(rand, 0, 9))).join('');

/** A number of the file's country, fresh (so that most lines are not duplicates), in one of its usual spellings. */
function freshNumber(format: ListFormat, rand: Rand): string {
  if (format === 'ftc') return pick(rand, [`${pick(rand, ['202', '415', '212'])}${int(rand, 2, 9)}${digits(rand, 6)}`, `1-415-${int(rand, 2, 9)}${digits(rand, 2)}-${digits(rand, 4)}`]);
  const national = `0${pick(rand, ['6', '7', '1', '9'])}${digits(rand, 8)}`;
  return pick(rand, [national, `+33${national.slice(1)}`, national.replace(/(\d\d)(?=\d)/g, '$1 '), `0033${national.slice(1)}`, `${national.slice(0, 5)}*`]);
}

function dataRow(format: ListFormat, rand: Rand): string[] {
  const number = rand() < 0.5 ? freshNumber(format, rand) : pick(rand, NUMBER_FORMS);
  const reason = pick(rand, REASONS);
  if (format === 'csv') return rand() < 0.1 ? [number] : rand() < 0.1 ? [number, reason, 'extra'] : [number, reason];
  if (format === 'ftc') {
    return [number, pick(rand, FTC_DATES), '2025-03-01', 'Springfield', 'IL', '217', reason, pick(rand, ['Y', 'N', 'yes', '', 'true', '1', 'x'])];
  }
  return [pick(rand, ['block', 'allow', 'allow', 'block', 'Block', '']), pick(rand, ['number', 'prefix', 'number', 'x']), number, reason,
    pick(rand, ['cli', 'api', 'import:csv', '', '=evil()', ' padded ', 'x'.repeat(100)]), pick(rand, CHUT_TIMES), pick(rand, FUTURE_OR_NONE)];
}

/** A well-formed list file of up to `most` data lines, in `format`. */
export function generateListFile(rand: Rand, format: ListFormat, most = 40): GeneratedFile {
  // a file whose first line holds a `;` before any `,` is read as a semicolon file (Excel in French): a csv may be one
  const separator: ',' | ';' = format === 'csv' && rand() < 0.3 ? ';' : ',';
  const headers = separator === ',' ? [['number', 'reason'], ['Numéro', 'Motif'], ['Phone Number']] : [['number', 'reason'], ['Numéro', 'Motif']];
  const header = format === 'csv' ? (rand() < 0.5 ? pick(rand, headers) : null) : format === 'ftc' ? FTC_HEADER : CHUT_HEADER;
  const rows: GeneratedRow[] = [];
  for (let n = int(rand, 0, most); n > 0; n--) rows.push({ fields: rand() < 0.08 ? [] : dataRow(format, rand) });
  // without a header, the first line must hold a digit, or it would be read as one (a header of any words)
  if (format === 'csv' && header === null && rows.length > 0) rows[0] = { fields: ['+33612345670', 'first'] };
  if (separator === ';' && rows.length > 0 && header === null) rows[0] = { fields: ['+33612345670', 'first;still first'] };
  let text = rand() < 0.2 ? '\ufeff' : '';
  let previousEnd = '';
  const lines = [...(header ? [header] : []), ...rows.map((r) => r.fields)];
  lines.forEach((fields, i) => {
    let end = pick(rand, ['\n', '\n', '\r\n', '\r']);
    // a lone CR before a blank LF line would read as one CRLF: that blank line would vanish
    if (previousEnd === '\r' && fields.length === 0 && end === '\n') end = '\r';
    if (i === lines.length - 1 && rand() < 0.3) end = '';
    text += fields.map((f) => writeField(f, separator, rand)).join(separator) + end;
    previousEnd = end;
  });
  // a blank last line without a line end is no line at all
  if (rows.length > 0 && rows[rows.length - 1]?.fields.length === 0 && previousEnd === '') rows.pop();
  return { format, text, rows, separator };
}

/** Damage to a list file's bytes that a real file can take; each a name for the failure message. */
export const LIST_FILE_MUTATIONS: ReadonlyArray<{ name: string; apply(bytes: Buffer, rand: Rand): Buffer }> = [
  { name: 'utf16le-bom', apply: (b) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(b.toString('utf8'), 'utf16le')]) },
  { name: 'utf16le', apply: (b) => Buffer.from(b.toString('utf8'), 'utf16le') },
  { name: 'utf16be-bom', apply: (b) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(b.toString('utf8'), 'utf16le').swap16()]) },
  { name: 'latin1', apply: (b) => Buffer.from(b.toString('utf8'), 'latin1') },
  { name: 'bom-twice', apply: (b) => Buffer.concat([Buffer.from('\ufeff\ufeff'), b]) },
  { name: 'open-quote', apply: (b, rand) => insertAt(b, rand, '"') },
  { name: 'nul', apply: (b, rand) => insertAt(b, rand, '\0') },
  { name: 'nul-late', apply: (b) => Buffer.concat([b, Buffer.from(`${' '.repeat(70_000)}\n0612345678,late\0nul\n`)]) },
  { name: 'separators', apply: (b, rand) => insertAt(b, rand, pick(rand, [',', ';', '"', '""', '\r', '\n', '\r\n', ',,,,', ';'.repeat(100), ','.repeat(64)])) },
  { name: 'huge-field', apply: (b, rand) => insertAt(b, rand, pick(rand, ['z'.repeat(65 * 1024), 'z'.repeat(64 * 1024 - 10), `"${'q'.repeat(70_000)}"`])) },
  { name: 'line-endings', apply: (b, rand) => Buffer.from(b.toString('utf8').replace(/\r\n|\r|\n/g, () => pick(rand, ['\n', '\r\n', '\r']))) },
  { name: 'no-final-newline', apply: (b) => Buffer.from(b.toString('utf8').replace(/[\r\n]+$/, '')) },
  { name: 'formula', apply: (b, rand) => insertAt(b, rand, pick(rand, ['=cmd|\' /C calc\'!A0,', '@SUM(1)', '+1+1', '-', '=', '\t='])) },
  { name: 'blank-lines', apply: (b, rand) => insertAt(b, rand, '\n'.repeat(int(rand, 1, 40))) },
];

/** `bytes` damaged `times` times over, each time as a list file can be (LIST_FILE_MUTATIONS) or, less often, byte by byte
 * (BYTE_MUTATIONS); `applied` names each, for the failure message. */
export function damageListFile(bytes: Buffer, rand: Rand, times: number): { bytes: Buffer; applied: string[] } {
  const applied: string[] = [];
  for (let n = times; n > 0; n--) {
    if (rand() < 0.6) {
      const m = pick(rand, LIST_FILE_MUTATIONS);
      bytes = m.apply(bytes, rand);
      applied.push(m.name);
    } else {
      const out = mutate(bytes, rand, BYTE_MUTATIONS, 1);
      bytes = out.bytes;
      applied.push(...out.applied);
    }
  }
  return { bytes, applied };
}

function insertAt(bytes: Buffer, rand: Rand, what: string): Buffer {
  const at = int(rand, 0, bytes.length);
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(what), bytes.subarray(at)]);
}

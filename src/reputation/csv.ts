/** A small RFC 4180 CSV reader/writer: quoted fields, "" escapes, CRLF, LF or lone CR, embedded newlines, BOM. */

export class ImportError extends Error {}

export interface CsvRow {
  /** 1-based line where the row starts. */
  line: number;
  fields: string[];
}

/** Text that is clearly not CSV: NUL bytes or many control characters near the start. */
export function assertText(text: string): void {
  const head = text.slice(0, 65_536);
  let control = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if (c === 0) throw new ImportError('the file looks binary (it contains NUL bytes): expected a CSV text file');
    if (c < 32 && c !== 9 && c !== 10 && c !== 13) control++;
  }
  if (control > 8 && control > head.length / 100) throw new ImportError('the file looks binary (control characters): expected a CSV text file');
}

/** No list field is anywhere near this long (a number, a reason, a date): past it the file is not a list, and
 * parsing on would only exhaust memory (a 200 MB line ended in a V8 heap dump). */
export const MAX_FIELD_CHARS = 64 * 1024;

/** No list format has more than 8 columns; a row of millions of separators is not a list either. */
export const MAX_FIELDS_PER_ROW = 64;

function tooLong(line: number): ImportError {
  return new ImportError(`line ${line} has a field longer than ${MAX_FIELD_CHARS >> 10} KiB: not a list file`);
}

/** Line breaks counted as csvRows ends rows: CRLF, LF or a lone CR (old Mac files) is one each. A run ends at a quote,
 * so a CR at its end is a lone one. */
const LINE_BREAK = /\r\n?|\n/g;
function lineBreaks(run: string): number {
  let n = 0;
  LINE_BREAK.lastIndex = 0;
  while (LINE_BREAK.exec(run) !== null) n++;
  return n;
}

/** Reads a quoted field whose opening quote is at `i`; returns its text, the index after it and the newlines inside.
 * Runs between quotes are sliced, not built a character at a time. */
function quoted(text: string, i: number, line: number): { value: string; next: number; newlines: number } {
  let value = '';
  let newlines = 0;
  let j = i + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q === -1) throw new ImportError(`unterminated quoted field starting on line ${line}`);
    const run = text.slice(j, q);
    newlines += lineBreaks(run);
    value += run;
    if (value.length > MAX_FIELD_CHARS) throw tooLong(line);
    if (text[q + 1] !== '"') return { value, next: q + 1, newlines };
    value += '"';
    j = q + 2;
  }
}

/**
 * The field separator: whichever of `,` and `;` comes first on the first line (`;` is what Excel writes where the
 * decimal mark is a comma, as in France). Read as commas, `+33612345678;spam` lost its reason without a word, and
 * `0612000001;Spam, bad` (French Excel leaves a reason with a comma unquoted) every line.
 */
export function sniffSeparator(text: string): ',' | ';' {
  const end = text.search(/[\r\n]/);
  // quoted text is a field's content, not a separator: `0612000001;"Spam, bad"` is a semicolon file
  const first = (end === -1 ? text : text.slice(0, end)).replace(/"[^"]*("|$)/g, '');
  const semicolon = first.indexOf(';');
  const comma = first.indexOf(',');
  // a `;` inside a URI (`sip:+33…@pbx;user=phone,spam`) is a parameter, not a separator
  const inUri = semicolon >= 0 && /[:@]/.test(first.slice(0, semicolon));
  return semicolon >= 0 && !inUri && (comma < 0 || semicolon < comma) ? ';' : ',';
}

const SEP_CODE = { ',': 44, ';': 59 } as const;

/** The rows one at a time, so a caller can stop between them (and never holds them all); throws ImportError on an
 * unterminated quoted field, an overlong field or too many fields. */
export function* csvRows(input: string, separator: ',' | ';' = ','): Generator<CsvRow, void, undefined> {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let rowLine = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"' && field === '') {
      const q = quoted(text, i, line);
      field = q.value;
      line += q.newlines;
      i = q.next;
    } else if (c === separator) {
      fields.push(field);
      if (fields.length >= MAX_FIELDS_PER_ROW) throw new ImportError(`line ${rowLine} has more than ${MAX_FIELDS_PER_ROW} fields: not a list file`);
      field = '';
      i++;
    } else if (c === '\n' || c === '\r') {
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      yield { line: rowLine, fields: [...fields, field] };
      fields = [];
      field = '';
      rowLine = ++line;
    } else {
      // the rest of an unquoted field, up to the next separator or line end, in one slice
      let end = i + 1;
      while (end < text.length) {
        const d = text.charCodeAt(end);
        if (d === SEP_CODE[separator] || d === 10 || d === 13) break;
        end++;
      }
      field += text.slice(i, end);
      if (field.length > MAX_FIELD_CHARS) throw tooLong(rowLine);
      i = end;
    }
  }
  if (field !== '' || fields.length > 0) yield { line: rowLine, fields: [...fields, field] };
}

/**
 * Cells a spreadsheet would run as a formula (`=HYPERLINK(…)`, `@SUM`, `-1+1`, a leading tab) once the file is
 * opened in Excel; E.164 numbers (`+336…`) and plain numbers are left alone. Leading apostrophes count too, so that
 * defusing (one more `'` in front) can always be undone exactly: export → import stays lossless.
 */
const RUNS_AS_FORMULA = /^'*(?:[=@\t\r]|[+-](?![0-9.]+$))/;

/**
 * Where a spreadsheet that splits at `;` (Excel wherever `;` is the list separator: France, Germany…), at tabs, or at
 * a line break (a quote in mid-cell is plain text to it) starts a cell inside a field, quotes that open a cell of its
 * own included. Such a cell runs whatever comes after `=`, `+`, `-` or `@`: it holds the rest of the line too, so no
 * number is spared. Lookbehind, not a consumed separator: `\t=1` is a cell at the start and one after the tab.
 */
const FORMULA_INSIDE = /(?<=[;\t\r\n])("*)(?='*[=+\-@\t\r])/g;
const DEFUSED_INSIDE = /(?<=[;\t\r\n])("*)'(?='*[=+\-@\t\r])/g;

/** `=1+1` → `'=1+1`, `spam;=1+1` → `spam;'=1+1` (text in a spreadsheet); anything else unchanged. */
export function defuseFormula(s: string): string {
  const inside = s.replace(FORMULA_INSIDE, "$1'");
  return RUNS_AS_FORMULA.test(inside) ? `'${inside}` : inside;
}

/** The inverse of defuseFormula, for files chut wrote. */
export function restoreFormula(s: string): string {
  const start = s.startsWith("'") && RUNS_AS_FORMULA.test(s.slice(1)) ? s.slice(1) : s;
  return start.replace(DEFUSED_INSIDE, '$1');
}

/** Quotes a field when it holds a comma, quote, CR/LF or edge spaces. */
export function csvField(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: string[]): string {
  return `${fields.map(csvField).join(',')}\n`;
}

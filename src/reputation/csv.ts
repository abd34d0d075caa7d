/** A small RFC 4180 CSV reader/writer: quoted fields, "" escapes, CRLF or LF, embedded newlines, BOM. */

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

/** Reads a quoted field whose opening quote is at `i`; returns its text, the index after it and the newlines inside. */
function quoted(text: string, i: number, line: number): { value: string; next: number; newlines: number } {
  let value = '';
  let newlines = 0;
  let j = i + 1;
  for (;;) {
    if (j >= text.length) throw new ImportError(`unterminated quoted field starting on line ${line}`);
    const d = text[j] as string;
    if (d === '"') {
      if (text[j + 1] !== '"') return { value, next: j + 1, newlines };
      value += '"';
      j += 2;
      continue;
    }
    if (d === '\n') newlines++;
    value += d;
    j++;
  }
}

/**
 * The field separator: `,`, or `;` when the first line has semicolons and no comma (what Excel writes where the
 * decimal mark is a comma, as in France). Read as commas, `+33612345678;spam` lost its reason without a word.
 */
export function sniffSeparator(text: string): ',' | ';' {
  const end = text.search(/[\r\n]/);
  // quoted text is a field's content, not a separator: `0612000001;"Spam, bad"` is a semicolon file
  const first = (end === -1 ? text : text.slice(0, end)).replace(/"[^"]*("|$)/g, '');
  return first.includes(';') && !first.includes(',') ? ';' : ',';
}

/** Parses the whole text; throws ImportError on an unterminated quoted field. */
export function parseCsv(input: string, separator: ',' | ';' = ','): CsvRow[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const rows: CsvRow[] = [];
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
      field = '';
      i++;
    } else if (c === '\n' || c === '\r') {
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      rows.push({ line: rowLine, fields: [...fields, field] });
      fields = [];
      field = '';
      rowLine = ++line;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || fields.length > 0) rows.push({ line: rowLine, fields: [...fields, field] });
  return rows;
}

/**
 * Cells a spreadsheet would run as a formula (`=HYPERLINK(…)`, `@SUM`, `-1+1`, a leading tab) once the file is
 * opened in Excel; E.164 numbers (`+336…`) and plain numbers are left alone. Leading apostrophes count too, so that
 * defusing (one more `'` in front) can always be undone exactly: export → import stays lossless.
 */
const RUNS_AS_FORMULA = /^'*(?:[=@\t\r]|[+-](?![0-9.]+$))/;

/** `=1+1` → `'=1+1` (text in a spreadsheet); anything else unchanged. */
export function defuseFormula(s: string): string {
  return RUNS_AS_FORMULA.test(s) ? `'${s}` : s;
}

/** The inverse of defuseFormula, for files chut wrote. */
export function restoreFormula(s: string): string {
  return s.startsWith("'") && RUNS_AS_FORMULA.test(s.slice(1)) ? s.slice(1) : s;
}

/** Quotes a field when it holds a comma, quote, CR/LF or edge spaces. */
export function csvField(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: string[]): string {
  return `${fields.map(csvField).join(',')}\n`;
}

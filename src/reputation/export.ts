/** Lists → CSV in the `chut` format (header first), lossless and re-importable with `parseImport(…, 'chut')`. */
import { csvLine, defuseFormula } from './csv.js';
import { CHUT_HEADER } from './import.js';
import { cleanReason, entryText } from './records.js';
import type { ListRecord } from './types.js';

export function exportLine(r: ListRecord): string {
  return csvLine([
    // reasons and sources come from imported third-party files: defused for spreadsheets, restored on import
    r.list, r.entry.kind, entryText(r.entry), defuseFormula(cleanReason(r.reason) ?? ''), defuseFormula(r.source),
    new Date(r.addedAt).toISOString(), r.expiresAt === null ? '' : new Date(r.expiresAt).toISOString(),
  ]);
}

/**
 * Yields CSV records, each ending with `\n` (write them as they come: a reason may hold a quoted newline, so a
 * "line" here is one CSV record).
 */
export async function* formatExport(records: AsyncIterable<ListRecord> | Iterable<ListRecord>): AsyncIterable<string> {
  yield `${CHUT_HEADER.join(',')}\n`;
  for await (const r of records) yield exportLine(r);
}

import { stripUnsafeKeepGaps } from '../../phone/sanitize.js';

/** Renders rows as a fixed-width text table (the demo's output); cells lose control and bidi characters. */
export function renderTable(headers: string[], dirtyRows: string[][]): string {
  const rows = dirtyRows.map((r) => r.map(stripUnsafeKeepGaps));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** `chut report`: renders the store's Stats as text (terminal), JSON, CSV or a self-contained HTML file. */
import type { Stats } from '../reputation/types.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { summarise, type ReportOptions } from './summary.js';
import { renderText } from './text.js';

export type ReportFormat = 'text' | 'json' | 'csv' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'csv', 'html'];

export { summarise, formatRate, type ReportSummary, type ReportOptions } from './summary.js';

export function renderReport(stats: Stats, format: ReportFormat, opts: ReportOptions): string {
  const summary = summarise(stats, opts);
  switch (format) {
    case 'text':
      return renderText(summary);
    case 'json':
      return JSON.stringify(summary, null, 2) + '\n';
    case 'csv':
      return renderCsv(summary);
    case 'html':
      return renderHtml(summary);
    default:
      throw new Error(`unknown report format: ${String(format)}`);
  }
}

/** The machine-readable report formats (JSON, CSV) are documented field by field in src/report/README.md. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../../src/report/index.js';
import type { Stats } from '../../../src/reputation/types.js';

const NOW = Date.parse('2026-11-28T15:30:00Z');
const readme = readFileSync(join(process.cwd(), 'src/report/README.md'), 'utf8');

/** The first column's code spans (`a`, `b`) of the table under `heading`. */
function documented(heading: string, column = 0): string[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith(heading)) ?? '';
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  return rows.flatMap((r) => [...(r.split('|')[column + 1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string));
}

const stats: Stats = {
  since: NOW - 24 * 3_600_000, total: 3, byAction: { ring: 1, captcha: 1, reject: 1 }, byRoute: { ring: 2, reject: 1 },
  byRule: { default: 1, unknown: 1, blocklist: 1 }, captcha: { passed: 1, failed: 0, 'hung-up': 0, timeout: 0 },
  degraded: 0, shadow: 1, shadowByAction: { reject: 1 }, byHour: { '2026-11-28T09': { ring: 2, reject: 1 } },
  topCallers: { reject: [{ caller: '+33162000001', calls: 1 }], captcha: [{ caller: '+33612345678', calls: 1 }] },
};

describe('report formats documented', () => {
  it('JSON: every field of the output has its row in the README, and every row is a field', () => {
    const json = JSON.parse(renderReport(stats, 'json', { sinceLabel: '24h', now: NOW })) as Record<string, unknown>;
    expect(documented('JSON').sort()).toEqual(Object.keys(json).sort());
  });

  it('CSV: every section, and every key of the report and summary sections, is in the README', () => {
    const rows = renderReport(stats, 'csv', { sinceLabel: '24h', now: NOW }).trimEnd().split('\r\n').slice(1).map((l) => l.split(','));
    const sections = documented('CSV', 0);
    const keys = documented('CSV', 1);
    for (const [section, key] of rows) {
      expect(sections, String(section)).toContain(section);
      if (section === 'report' || section === 'summary') expect(keys, String(key)).toContain(key);
    }
  });
});

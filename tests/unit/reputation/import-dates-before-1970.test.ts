/**
 * An FTC complaint line dated before 1970 (a typo, `0050-01-01` — which Date.UTC reads as 1950 — or a placeholder
 * `12/31/1969`) is a bad date, skipped and counted like any other. It was taken with a negative time: `--dry-run` said
 * it would import the whole file, and the import itself then failed with "unexpected error: Error: invalid addedAt"
 * and a stack trace, nothing imported.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore, FTC_HEADER, parseDay, parseImport } from '../../../src/reputation/index.js';

const NOW = Date.UTC(2026, 5, 15, 12);

describe('an FTC line dated before 1970', () => {
  it('is skipped as a bad date, and the rest of the file imports', async () => {
    const file = `${FTC_HEADER.join(',')}\n` +
      '2025550143,1969-12-31,2025-03-01,Springfield,IL,217,Imposters,Y\n' +
      '2025550144,12/31/1969 11:59 PM,2025-03-01,Springfield,IL,217,Imposters,Y\n' +
      '2025550145,0050-01-01,2025-03-01,Springfield,IL,217,Imposters,Y\n' +
      '4155552671,2025-03-04,2025-03-03,SF,CA,415,Other,N\n';
    const { records, stats } = parseImport(file, { format: 'ftc', list: 'block', defaultCountry: 'FR', now: NOW });
    expect(stats).toEqual({
      taken: 1, skipped: 3, skippedWhy: { 'bad date': 3 },
      firstSkipped: [{ line: 2, why: 'bad date' }, { line: 3, why: 'bad date' }, { line: 4, why: 'bad date' }],
    });
    const store = createMemoryStore();
    await store.importList(records);
    expect(await store.getListEntry({ kind: 'number', e164: '+14155552671' })).toEqual([expect.objectContaining({ list: 'block', addedAt: Date.UTC(2025, 2, 4), reason: 'Other' })]);
  });

  it('is no date to parseDay, nor is a year Date.UTC would move to the 1900s', () => {
    expect(parseDay('1969-12-31')).toBeNull();
    expect(parseDay('0050-01-01')).toBeNull();
    expect(parseDay('01/01/0099')).toBeNull();
    expect(parseDay('1970-01-01')).toBe(0);
    expect(parseDay('9999-12-31')).toBe(Date.UTC(9999, 11, 31));
  });
});

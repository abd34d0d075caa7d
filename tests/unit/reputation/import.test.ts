import { describe, expect, it } from 'vitest';
import { ImportError, parseDay, parseImport, type ImportOptions } from '../../../src/reputation/index.js';
import { BROAD_PREFIX_SKIP, EXCEL_FLOAT_SKIP, EXPIRED_SKIP, skipCountsText } from '../../../src/reputation/import.js';
import { entryText } from '../../../src/reputation/records.js';

const NOW = Date.UTC(2026, 5, 15, 14, 45, 12);
const TODAY = Date.UTC(2026, 5, 15);
const opts = (over: Partial<ImportOptions> = {}): ImportOptions =>
  ({ format: 'auto', list: 'block', source: 'import:csv', defaultCountry: 'FR', now: NOW, ...over });
const FTC = 'Company_Phone_Number,Created_Date,Violation_Date,Consumer_City,Consumer_State,Consumer_Area_Code,Subject,Recorded_Message_Or_Robocall';

describe('parseImport csv', () => {
  it('reads number,reason with a header, BOM, CRLF, quotes, prefixes; counts what it skipped and why', () => {
    const text = '\uFEFFnumber,reason\r\n06 12 34 56 78,"spam, again"\r\n\r\n0162*,fr-npv\r\nnot a number,x\r\n+33612345678,dup\r\n+4915112345678\r\n"0698765432","say ""hi""\r\nsecond line"\r\n';
    const { records, stats } = parseImport(text, opts({ format: 'csv' }));
    expect(records).toEqual([
      { list: 'block', entry: { kind: 'number', e164: '+33612345678' }, reason: 'spam, again', source: 'import:csv', addedAt: TODAY, expiresAt: null },
      { list: 'block', entry: { kind: 'prefix', prefix: '+33162' }, reason: 'fr-npv', source: 'import:csv', addedAt: TODAY, expiresAt: null },
      { list: 'block', entry: { kind: 'number', e164: '+4915112345678' }, reason: null, source: 'import:csv', addedAt: TODAY, expiresAt: null },
      { list: 'block', entry: { kind: 'number', e164: '+33698765432' }, reason: 'say "hi"\r\nsecond line', source: 'import:csv', addedAt: TODAY, expiresAt: null },
    ]);
    expect(stats).toEqual({ taken: 4, skipped: 3, skippedWhy: { 'empty line': 1, 'invalid number': 1, duplicate: 1 }, firstSkipped: [{ line: 5, why: 'invalid number' }, { line: 6, why: 'duplicate' }] });
  });

  it('takes the first line as data when it holds a number, and honours the chosen list', () => {
    const { records, stats } = parseImport('0612345678\n0698765432,robot\n', opts({ list: 'allow' }));
    expect(records.map((r) => [r.list, r.entry])).toEqual([
      ['allow', { kind: 'number', e164: '+33612345678' }], ['allow', { kind: 'number', e164: '+33698765432' }],
    ]);
    expect(stats.taken).toBe(2);
  });

  it('takes a first line with no digit as a header only when a line with one follows: two such lines are both bad lines', () => {
    const junk = parseImport('abc,x\ndef,y\n', opts());
    expect(junk.stats).toEqual({ taken: 0, skipped: 2, skippedWhy: { 'invalid number': 2 }, firstSkipped: [{ line: 1, why: 'invalid number' }, { line: 2, why: 'invalid number' }] });
    // a header, alone, or followed by an empty line, a number or a prefix, is still a header
    expect(parseImport('number,reason\n', opts()).stats).toMatchObject({ taken: 0, skipped: 0 });
    expect(parseImport('Téléphone,Raison\n\n0612345678,x\n', opts()).stats).toMatchObject({ taken: 1, skippedWhy: { 'empty line': 1 } });
    expect(parseImport('Phone Number,Comment\n+33162*,npv\n', opts({ format: 'csv' })).stats).toMatchObject({ taken: 1, skipped: 0 });
    // a first cell that names the number column is a header whatever follows (a call log's `anonymous` line)
    for (const header of ['number,reason', 'Phone Number;Comment', 'Numéro;Motif', 'TEL,x']) {
      const sep = header.includes(';') ? ';' : ',';
      expect(parseImport(`${header}\nanonymous${sep}x\n0612345678${sep}y\n`, opts()).stats, header)
        .toEqual({ taken: 1, skipped: 1, skippedWhy: { 'invalid number': 1 }, firstSkipped: [{ line: 2, why: 'invalid number' }] });
    }
    // any other first line with no digit, followed by another: both are bad lines, line 1 named too
    expect(parseImport('Motif,x\nanonymous,y\n0612345678,z\n', opts()).stats.firstSkipped).toEqual([{ line: 1, why: 'invalid number' }, { line: 2, why: 'invalid number' }]);
  });

  it('reads a semicolon-separated file (Excel in French) instead of losing its reasons', () => {
    const { records, stats } = parseImport('numéro;motif\r\n+33612345678;démarchage\r\n06 98 76 54 32;"robot; rappel"\r\n', opts());
    expect(records.map((r) => [entryText(r.entry), r.reason])).toEqual([['+33612345678', 'démarchage'], ['+33698765432', 'robot; rappel']]);
    expect(stats.skipped).toBe(0);
    // a comma inside quotes is a field's text: the file is still a semicolon file
    const quoted = parseImport('0612000001;"Spam, bad"\n0612000002;spam\n', opts());
    expect(quoted.records.map((r) => [entryText(r.entry), r.reason])).toEqual([['+33612000001', 'Spam, bad'], ['+33612000002', 'spam']]);
    // a comma on the first line keeps commas the separator
    expect(parseImport('number,reason\n0612345678,a;b\n', opts()).records[0]?.reason).toBe('a;b');
    // French Excel leaves a reason with a comma unquoted: the separator is the one that comes first
    const unquoted = parseImport('0612000001;Spam, bad\n0612000002;spam\n', opts());
    expect(unquoted.records.map((r) => [entryText(r.entry), r.reason])).toEqual([['+33612000001', 'Spam, bad'], ['+33612000002', 'spam']]);
    expect(unquoted.stats.skipped).toBe(0);
    // a URI's parameters are not separators: a comma file whose first number is a sip: URI stays a comma file
    const uri = parseImport('sip:+33612000003@pbx;user=phone,spam\n0612000004,spam\n', opts());
    expect(uri.records.map((r) => [entryText(r.entry), r.reason])).toEqual([['+33612000003', 'spam'], ['+33612000004', 'spam']]);
  });

  it('skips a prefix of 3 digits or fewer unless told to take it (it would stop a whole country)', () => {
    const text = 'number,reason\n0*,oops\n+3*,oops\n0162*,npv\n';
    const careful = parseImport(text, opts());
    expect(careful.records.map((r) => entryText(r.entry))).toEqual(['+33162']);
    expect(careful.stats.skippedWhy).toEqual({ [BROAD_PREFIX_SKIP]: 2 });
    expect(parseImport(text, opts({ allowBroadPrefixes: true })).records.map((r) => entryText(r.entry))).toEqual(['+33', '+3', '+33162']);
    // a restore named as such takes a backup's forced prefixes back; a file that merely looks like one does not
    const backup = 'list,kind,entry,reason,source,added_at,expires_at\nblock,prefix,+44,forced,cli,2026-01-01T00:00:00.000Z,\n';
    expect(parseImport(backup, opts({ format: 'chut' })).records).toHaveLength(1);
    expect(parseImport(backup, opts({ format: 'auto' })).stats.skippedWhy).toEqual({ [BROAD_PREFIX_SKIP]: 1 });
  });

  it('records the format it detected as the default source (import:ftc, not import:auto)', () => {
    const ftc = `${FTC}\n2025551234,2025-01-02,2025-01-01,X,NY,202,Debt,Y\n`;
    expect(parseImport(ftc, { ...opts(), source: undefined }).records[0]?.source).toBe('import:ftc');
    expect(parseImport('0612345678,x\n', { ...opts(), source: undefined }).records[0]?.source).toBe('import:csv');
    expect(parseImport('0612345678,x\n', opts({ source: 'bloctel' })).records[0]?.source).toBe('bloctel');
  });

  it('names numbers Excel turned into floats (3.36123E+10) instead of counting them as plain invalid numbers', () => {
    const { records, stats } = parseImport('number;reason\n3,36123E+10;x\n3.36123e10;y\n0612345678;z\nE+10;w\n', opts());
    expect(records).toHaveLength(1);
    expect(stats.skippedWhy).toEqual({ [EXCEL_FLOAT_SKIP]: 2, 'invalid number': 1 });
    const ftc = parseImport(`${FTC}\n2.02555E+09,2026-01-01,,,,,x,N\n`, opts({ format: 'ftc' }));
    expect(ftc.stats.skippedWhy).toEqual({ [EXCEL_FLOAT_SKIP]: 1 });
  });

  it('returns nothing for an empty file', () => {
    expect(parseImport('', opts())).toEqual({ records: [], stats: { taken: 0, skipped: 0, skippedWhy: {}, firstSkipped: [] } });
  });
});

describe('parseImport ftc', () => {
  const file = [
    FTC,
    '2025550143,2025-03-02 13:45:01,2025-03-01 09:00:00,Springfield,IL,217,Reducing your debt (credit cards),Y',
    '(212) 555-1234,2025-03-03 00:00:00,2025-03-02,NYC,NY,212,Imposters,N',
    '4155552671,2025-03-04,2025-03-03,SF,CA,415,,Y',
    '2025550143,2025-03-05,2025-03-04,Springfield,IL,217,Other,N',
    '555123,2025-03-05,2025-03-04,X,TX,000,Other,N',
    '6502530000,yesterday,2025-03-04,X,CA,650,Other,N',
    '16502530000,02/30/2025,2025-03-04,X,CA,650,Other,N',
  ].join('\n');

  it('turns 10-digit US numbers into +1…, the subject and robocall flag into the reason, the created date into addedAt', () => {
    const { records, stats } = parseImport(file, opts({ source: 'import:ftc' }));
    expect(records).toEqual([
      { list: 'block', entry: { kind: 'number', e164: '+12025550143' }, reason: 'Reducing your debt (credit cards) (robocall)', source: 'import:ftc', addedAt: Date.UTC(2025, 2, 2), expiresAt: null },
      { list: 'block', entry: { kind: 'number', e164: '+12125551234' }, reason: 'Imposters', source: 'import:ftc', addedAt: Date.UTC(2025, 2, 3), expiresAt: null },
      { list: 'block', entry: { kind: 'number', e164: '+14155552671' }, reason: 'robocall', source: 'import:ftc', addedAt: Date.UTC(2025, 2, 4), expiresAt: null },
    ]);
    expect(stats).toEqual({
      taken: 3, skipped: 4, skippedWhy: { duplicate: 1, 'invalid number': 1, 'bad date': 2 },
      firstSkipped: [{ line: 5, why: 'duplicate' }, { line: 6, why: 'invalid number' }, { line: 7, why: 'bad date' }, { line: 8, why: 'bad date' }],
    });
  });

  it('refuses a file whose header is not the FTC one when ftc is asked for', () => {
    expect(() => parseImport('number,reason\n0612345678,x\n', opts({ format: 'ftc' }))).toThrow(ImportError);
    expect(() => parseImport('number,reason\n0612345678,x\n', opts({ format: 'ftc' }))).toThrow(/Company_Phone_Number/);
  });
});

describe('parseImport chut and failures', () => {
  it('reads our own export format, each line naming its list', () => {
    const text = 'list,kind,entry,reason,source,added_at,expires_at\nallow,number,+33612345678,,cli,2026-01-02T03:04:05.678Z,2027-02-01T00:00:00.000Z\n' +
      'block,prefix,+33162,"a,b",,2026-01-01T00:00:00.000Z,\nblock,number,+33612345678,x,cli,not a date,\ngrey,number,+33612345678,,cli,2026-01-01T00:00:00.000Z,\n' +
      'block,number,+33612345679,x,cli,2026-02-30T00:00:00.000Z,\n'; // a day February lacks, not 2 March
    const { records, stats } = parseImport(text, opts({ source: 'import:chut' }));
    expect(records).toEqual([
      { list: 'allow', entry: { kind: 'number', e164: '+33612345678' }, reason: null, source: 'cli', addedAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678), expiresAt: Date.UTC(2027, 1, 1) },
      { list: 'block', entry: { kind: 'prefix', prefix: '+33162' }, reason: 'a,b', source: 'import:chut', addedAt: Date.UTC(2026, 0, 1), expiresAt: null },
    ]);
    expect(stats.skippedWhy).toEqual({ 'bad date': 2, 'bad list': 1 });
  });

  it('skips an entry already past its expiry, saying so (every lookup would ignore it)', () => {
    const head = 'list,kind,entry,reason,source,added_at,expires_at\n';
    const { records, stats } = parseImport(`${head}block,number,+33612345678,x,cli,2026-01-01,2026-06-15T14:45:12Z\n` +
      `block,number,+33698765432,x,cli,2026-01-01,2026-06-15T14:45:13Z\n`, opts());
    expect(records.map((r) => entryText(r.entry))).toEqual(['+33698765432']);
    expect(stats.skippedWhy).toEqual({ [EXPIRED_SKIP]: 1 });
  });

  it('takes dates as epoch milliseconds or ISO 8601 only, within what a date can hold', () => {
    const line = (added: string) => `block,number,+33612345678,x,cli,${added},\n`;
    const take = (added: string) => parseImport(`list,kind,entry,reason,source,added_at,expires_at\n${line(added)}`, opts()).records[0]?.addedAt ?? null;
    expect(take('1767225600000')).toBe(Date.UTC(2026, 0, 1));
    expect(take('2026-01-01')).toBe(Date.UTC(2026, 0, 1));
    expect(take('2026-01-01T10:00:00+01:00')).toBe(Date.UTC(2026, 0, 1, 9));
    for (const loose of ['8640000000000001', '1/2', 'Jan 5', '-5', '2026-13-45T99']) expect(take(loose), loose).toBeNull();
  });

  // Rows end at CRLF, LF or a lone CR (old Mac files): a line break inside a quoted reason counts the same way, or
  // every skipped line named after one is a line off.
  it('names skipped lines where they are after a reason over several lines, whatever the line breaks', () => {
    for (const eol of ['\r\n', '\n', '\r']) {
      const text = ['0612345678,"robot', 'rappel"', 'not a number,x', '0698765432,"a', '', 'b"', 'nope,y', ''].join(eol);
      expect(parseImport(text, opts({ format: 'csv' })).stats.firstSkipped, JSON.stringify(eol))
        .toEqual([{ line: 3, why: 'invalid number' }, { line: 7, why: 'invalid number' }]);
      expect(() => parseImport(['0612345678,"a', 'b"', '0698765432,"open', ''].join(eol), opts()), JSON.stringify(eol)).toThrow(/starting on line 3/);
    }
  });

  it('throws a clear error, before anything is applied, on a file it cannot read at all', () => {
    expect(() => parseImport('0612345678,\u0000\u0001\u0002binary', opts())).toThrow(/binary/);
    expect(() => parseImport('number,reason\n0612345678,x\n', opts({ format: 'chut' }))).toThrow(/not a chut export/);
    expect(() => parseImport('0612345678,"never closed\n0698765432,x\n', opts())).toThrow(/unterminated quoted field starting on line 1/);
    expect(() => parseImport('0612345678,"a\r\nb"\n0698765432,"open\n', opts())).toThrow(/starting on line 3/);
    expect(() => parseImport('x', opts({ format: 'xml' as 'csv' }))).toThrow(/unknown import format/);
  });
});

describe('parseDay', () => {
  it('reads ISO and US dates as that day at 00:00 UTC and rejects impossible ones', () => {
    expect(parseDay('2025-03-02 13:45:01')).toBe(Date.UTC(2025, 2, 2));
    expect(parseDay('3/2/2025')).toBe(Date.UTC(2025, 2, 2));
    expect(parseDay('2025-02-30')).toBeNull();
    expect(parseDay('')).toBeNull();
  });
});

describe('files that are not lists', () => {
  it('refuses a field longer than 64 KiB, naming its line, instead of parsing on until memory runs out', () => {
    const long = `number,reason\n0612345678,ok\n0612345679,${'x'.repeat(70_000)}\n`;
    expect(() => parseImport(long, opts())).toThrow(/line 3 has a field longer than 64 KiB: not a list file/);
    const quotedLong = `number,reason\n0612345679,"${'y'.repeat(70_000)}"\n`;
    expect(() => parseImport(quotedLong, opts())).toThrow(/longer than 64 KiB/);
    expect(() => parseImport(`0612345679${','.repeat(100)}\n`, opts())).toThrow(/line 1 has more than 64 fields: not a list file/);
    // a long but sane reason is fine
    expect(parseImport(`0612345679,"${'z'.repeat(10_000)}, still a reason"\n`, opts()).records).toHaveLength(1);
  });
});

describe('parseImport chut: entries are normalised as any other line', () => {
  const HEADER = 'list,kind,entry,reason,source,added_at,expires_at';
  it('stores what a caller normalises to, and skips what no caller could be (it could never be matched nor unlisted)', () => {
    const text = [HEADER,
      'block,number,+330612345678,trunk zero kept,cli,1,', // the national 0 written after +33
      'block,number,+99912345678,no such country,cli,1,',
      'block,prefix,+0,no such country,cli,1,',
      'block,prefix,+33162,npv,cli,1,',
      'allow,number,+33612000001,maman,cli,1,',
    ].join('\n');
    const { records, stats } = parseImport(text, opts({ format: 'chut' }));
    expect(records.map((r) => `${r.list} ${entryText(r.entry)}`)).toEqual(['block +33612345678', 'block +33162', 'allow +33612000001']);
    expect(stats.skippedWhy).toEqual({ 'invalid number': 2 });
  });
});

describe('parseImport: a file too large to hold', () => {
  it('is refused whole, with a way out, rather than parsed into memory it cannot have', () => {
    const text = `number,reason\n${Array.from({ length: 11 }, (_, i) => `06120000${String(i).padStart(2, '0')},x`).join('\n')}\n`;
    expect(() => parseImport(text, opts({ format: 'csv', maxLines: 10 }))).toThrow(new ImportError('more than 10 lines: split the file and import each part'));
    expect(parseImport(text, opts({ format: 'csv', maxLines: 11 })).stats.taken).toBe(11);
  });
});

describe('parseImport: where the skipped lines are', () => {
  it('names the first five skipped lines by line number (blank lines aside), so a large file can be fixed', () => {
    const lines = ['number,reason', '0612000001,ok', 'not a number,x', '', '"0612000002","two', 'lines"', 'abc,y', '0612000001,dup'];
    for (let i = 0; i < 5; i++) lines.push(`bad${i},z`);
    const { stats } = parseImport(`${lines.join('\n')}\n`, opts({ format: 'csv' }));
    expect(stats.firstSkipped).toEqual([
      { line: 3, why: 'invalid number' }, { line: 7, why: 'invalid number' }, { line: 8, why: 'duplicate' },
      { line: 9, why: 'invalid number' }, { line: 10, why: 'invalid number' },
    ]);
    expect(stats.skipped).toBe(9);
  });
});

describe('the skip counts a summary prints (chut import, the API)', () => {
  it('group the digits of large counts, as chut\'s other messages do', () => {
    expect(skipCountsText([['invalid number', 1_234_567], ['empty line', 2]])).toBe('1,234,567 × invalid number, 2 × empty line');
  });
});

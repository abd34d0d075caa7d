/** An import's records in columns (ImportedRecords): the same records as plain objects, read back one at a time. */
import { describe, expect, it } from 'vitest';
import { runCooperatively } from '../../../src/cooperative.js';
import {
  EntryBits, ImportedRecords, importColumnSteps, importSteps, NumberBits, parseImport, parseImportColumns, type ImportOptions,
} from '../../../src/reputation/import.js';
import { recordAt } from '../../../src/reputation/records.js';
import type { ListRecord } from '../../../src/reputation/types.js';

const NOW = Date.UTC(2026, 5, 15, 14, 45, 12);
const opts = (over: Partial<ImportOptions> = {}): ImportOptions => ({ format: 'auto', list: 'block', defaultCountry: 'FR', now: NOW, ...over });

const CSV = 'number,reason\n0612345678,spam\n0612345679,spam\n0612345679,dup\n0162*,npv\n+4915112345678\n06 98 76 54 32,"a long reason, quoted, ☎ 日本"\nnot a number,x\n';
const CHUT = [
  'list,kind,entry,reason,source,added_at,expires_at',
  'allow,number,+33612000007,maman,cli,1,',
  'block,number,+33612000007,,cli,1,',
  'block,prefix,+44,forced,cli,2026-01-01T00:00:00.000Z,',
  "block,number,+12025550143,'=1+1,'@api,1700000000123,9999999999999",
  'block,number,+33612000008,x,,1,1',
].join('\n');

describe('parseImportColumns', () => {
  it.each([['csv', CSV, opts()], ['chut', CHUT, opts({ format: 'chut' })], ['csv as allow', CSV, opts({ list: 'allow', source: 'bloctel' })]] as const)(
    'holds what parseImport returns (%s), with the same stats',
    (_name, text, o) => {
      const plain = parseImport(text, o);
      const columns = parseImportColumns(text, o);
      expect(columns.records.length).toBe(plain.records.length);
      expect(columns.records.toRecords()).toEqual(plain.records);
      expect(columns.stats).toEqual(plain.stats);
    },
  );

  it('yields exactly as importSteps does (the same chances to pause)', async () => {
    const text = `number,reason\n${Array.from({ length: 1000 }, (_, i) => `06${String(12_000_000 + i)},r${i % 3}`).join('\n')}\n`;
    const count = (steps: Generator<void, unknown, undefined>) => {
      let n = 0;
      for (let s = steps.next(); !s.done; s = steps.next()) n++;
      return n;
    };
    expect(count(importColumnSteps(text, opts()))).toBe(count(importSteps(text, opts())));
    const columns = await runCooperatively(importColumnSteps(text, opts()));
    expect(columns.records.toRecords()).toEqual(parseImport(text, opts()).records);
  });
});

describe('ImportedRecords read as ListRecords (what a store\'s importList reads)', () => {
  const plain = parseImport(CHUT, opts({ format: 'chut' })).records;
  const columns = () => parseImportColumns(CHUT, opts({ format: 'chut' })).records;

  it('at(i) gives the same records as the plain parse, undefined past either end or off an integer', () => {
    const c = columns();
    expect(c.length).toBe(plain.length);
    expect(Array.from({ length: c.length }, (_, i) => c.at(i))).toEqual(plain);
    for (const i of [-1, plain.length, 0.5, Number.NaN]) expect(c.at(i)).toBeUndefined();
  });

  it('each read is a new object: changing one changes nothing held', () => {
    const c = columns();
    (c.at(0) as ListRecord).reason = 'changed';
    expect(c.at(0)?.reason).toBe(plain[0]?.reason);
  });

  it('recordAt reads the columns and a plain array alike, and refuses an index out of range', () => {
    const c = columns();
    expect(recordAt(c, 1)).toEqual(plain[1]);
    expect(recordAt(plain, 1)).toBe(plain[1]);
    expect(() => recordAt(c, c.length)).toThrow(RangeError);
  });
});

describe('ImportedRecords', () => {
  it('keeps every E.164 number exactly (15 digits fit a double), and any other entry as it is', () => {
    const t = new ImportedRecords();
    const entries = [
      { kind: 'number', e164: '+999999999999999' }, { kind: 'number', e164: '+10' }, { kind: 'number', e164: '+33612345678' },
      { kind: 'prefix', prefix: '+0' }, { kind: 'prefix', prefix: '+33162' }, { kind: 'number', e164: '+0123' },
    ] as const;
    for (const [i, entry] of entries.entries()) t.push(i % 2 ? 'allow' : 'block', entry, i % 3 ? `r${i % 3}` : null, 'src', i, i === 4 ? 99 : null);
    expect(t.toRecords()).toEqual(entries.map((entry, i) => ({
      list: i % 2 ? 'allow' : 'block', entry, reason: i % 3 ? `r${i % 3}` : null, source: 'src', addedAt: i, expiresAt: i === 4 ? 99 : null,
    })));
    expect(() => t.record(entries.length)).toThrow(RangeError);
  });

  it('grows past a chunk of columns', () => {
    const t = new ImportedRecords();
    const n = 70_000;
    for (let i = 0; i < n; i++) t.push('block', { kind: 'number', e164: `+336${10_000_000 + i}` }, 'spam', 'import:csv', i, null);
    expect(t.length).toBe(n);
    expect(t.record(65_535).entry).toEqual({ kind: 'number', e164: `+336${10_065_535}` });
    expect(t.record(65_536).addedAt).toBe(65_536);
    expect(t.record(n - 1).entry).toEqual({ kind: 'number', e164: `+336${10_000_000 + n - 1}` });
  });
});

describe('NumberBits and EntryBits', () => {
  it('agree with a Map on many numbers, sequential and scattered, up to 15 digits', () => {
    const bits = new NumberBits();
    const ref = new Map<number, number>();
    let seed = 7;
    const random = () => (seed = (seed * 48_271) % 2_147_483_647);
    for (let i = 0; i < 200_000; i++) {
      const n = i % 2 ? 33_612_000_000 + i * 7 : (random() * 465_661) % 999_999_999_999_990 + 10;
      const b = 1 << (i % 3);
      bits.or(n, b);
      ref.set(n, (ref.get(n) ?? 0) | b);
    }
    expect(bits.size).toBe(ref.size);
    for (const [n, b] of ref) expect(bits.get(n)).toBe(b);
    expect(bits.get(33_612_000_002)).toBe(0);
    expect(bits.get(999_999_999_999_999)).toBe(0);
  });

  it('keys numbers by their digits and other entries by their text', () => {
    const e = new EntryBits();
    e.or({ kind: 'number', e164: '+33612345678' }, 1);
    e.or({ kind: 'prefix', prefix: '+33612345678' }, 2);
    e.or({ kind: 'number', e164: '+33612345678' }, 2);
    expect(e.get({ kind: 'number', e164: '+33612345678' })).toBe(3);
    expect(e.get({ kind: 'prefix', prefix: '+33612345678' })).toBe(2);
    expect(e.get({ kind: 'prefix', prefix: '+3361234567' })).toBe(0);
  });
});

describe('NumberBits against a hostile list', () => {
  /** Numbers that all hashed to one slot under the fixed hash used before (h·C2 ^ hi·C1): computable by anyone. */
  function collidingUnderFixedHash(count: number): number[] {
    const C1 = 0x85eb_ca6b;
    const inverseC2 = 0x0e8b_2f51; // 0x9e3779b1⁻¹ mod 2^32
    const out: number[] = [];
    for (let h = 0; out.length < count; h++) {
      for (const hi of [2, 3, 4]) out.push(hi * 4_294_967_296 + ((Math.imul(h, inverseC2) ^ Math.imul(hi, C1)) >>> 0));
    }
    return out.slice(0, count);
  }

  it('spreads numbers crafted to collide under a fixed hash: each insert looks at a few slots, not all the others', () => {
    const nums = collidingUnderFixedHash(20_000);
    const t = new NumberBits();
    for (const n of nums) t.or(n, 1);
    expect(t.size).toBe(new Set(nums).size);
    for (const n of nums.slice(0, 100)) expect(t.get(n)).toBe(1);
    // a slot count, not a time: under the fixed hash this was ~200 million (each insert scanning the run before it)
    expect(t.probes).toBeLessThan(10 * nums.length);
  });
});

import { describe, expect, it } from 'vitest';
import { bucketOf, DEFAULT_BUCKETS } from '../../../src/reputation/index.js';
import { idPart, numberFromBucket, targetPart } from '../../../src/reputation/keys.js';
import { cleanRecord, packValue, pickListed, unpackValue, type Candidate } from '../../../src/reputation/records.js';

const DAY = 86_400_000;

describe('bucket layout', () => {
  it('maps every number to a bucket and a small field and back', () => {
    for (const e164 of ['+12025550143', '+33612345678', '+4915112345678', '+999999999999999', '+10']) {
      const { bucket, field } = bucketOf(e164, DEFAULT_BUCKETS);
      expect(bucket).toBeLessThan(DEFAULT_BUCKETS);
      expect(numberFromBucket(bucket, field, DEFAULT_BUCKETS)).toBe(e164);
    }
    // An 11-12 digit number leaves a field under 2^23: listpack stores it in 4 bytes.
    expect(Number(bucketOf('+447912345678', DEFAULT_BUCKETS).field)).toBeLessThan(2 ** 23);
  });

  it('spreads a run of round numbers over distinct buckets', () => {
    const used = new Set(Array.from({ length: 1000 }, (_, i) => bucketOf(`+3361000${String(i).padStart(4, '0')}000`.slice(0, 15), DEFAULT_BUCKETS).bucket));
    expect(used.size).toBe(1000);
  });
});

describe('bucket values', () => {
  it('packs an imported entry (whole day, no expiry) into one small integer', () => {
    const f = { addedAt: Date.UTC(2026, 2, 1), expiresAt: null, sourceId: 3, reasonId: 7 };
    const v = packValue(f);
    expect(v).toMatch(/^\d+$/);
    expect(Number(v)).toBeLessThan(2 ** 31);
    expect(unpackValue(v)).toEqual(f);
  });

  it('falls back to the full form for times of day, expiries and large ids, losslessly', () => {
    for (const f of [
      { addedAt: Date.UTC(2026, 2, 1) + 1234, expiresAt: null, sourceId: 1, reasonId: 0 },
      { addedAt: Date.UTC(2026, 2, 1), expiresAt: Date.UTC(2026, 3, 1), sourceId: 1, reasonId: 2 },
      { addedAt: Date.UTC(2026, 2, 1), expiresAt: null, sourceId: 500, reasonId: 2 },
      { addedAt: Date.UTC(1990, 0, 1), expiresAt: null, sourceId: 1, reasonId: 2 },
    ]) {
      const v = packValue(f);
      expect(v).toContain(':');
      expect(unpackValue(v)).toEqual(f);
    }
    expect(unpackValue('garbage')).toBeNull();
  });
});

describe('pickListed precedence', () => {
  const c = (list: 'allow' | 'block', match: 'exact' | 'prefix', entry: string, expiresAt: number | null = null): Candidate =>
    ({ list, match, entry, reason: null, source: null, expiresAt });
  it('exact beats prefix, longest prefix wins, allow wins ties, expired entries are ignored', () => {
    expect(pickListed([c('allow', 'prefix', '+33612'), c('block', 'exact', '+33612345678')], 0)?.list).toBe('block');
    expect(pickListed([c('allow', 'prefix', '+336'), c('block', 'prefix', '+3361')], 0)?.entry).toBe('+3361');
    expect(pickListed([c('block', 'prefix', '+3361'), c('allow', 'prefix', '+3361')], 0)?.list).toBe('allow');
    expect(pickListed([c('block', 'exact', '+33612345678'), c('allow', 'exact', '+33612345678')], 0)?.list).toBe('allow');
    expect(pickListed([c('allow', 'exact', '+33612345678', 10), c('block', 'prefix', '+336')], 10)).toMatchObject({ list: 'block', match: 'prefix' });
    expect(pickListed([], 0)).toBeNull();
  });
});

describe('cleaning', () => {
  it('rejects malformed entries and times, caps reasons and sources', () => {
    const base = { list: 'block' as const, entry: { kind: 'number' as const, e164: '+33612345678' }, reason: 'r', source: 's', addedAt: DAY, expiresAt: null };
    expect(() => cleanRecord({ ...base, entry: { kind: 'number', e164: '0612345678' } })).toThrow(/invalid list entry/);
    expect(() => cleanRecord({ ...base, entry: { kind: 'prefix', prefix: '+33*' } })).toThrow(/invalid list entry/);
    expect(() => cleanRecord({ ...base, addedAt: Number.NaN })).toThrow(/addedAt/);
    expect(() => cleanRecord({ ...base, list: 'grey' as 'block' })).toThrow(/list/);
    const c = cleanRecord({ ...base, reason: '', source: ` a\r\nb${'x'.repeat(100)}` });
    expect(c.reason).toBeNull();
    expect(c.source).toBe(`a  b${'x'.repeat(60)}`);
  });

  it('never lets a hostile id or target into a key as-is', () => {
    expect(idPart('1700000000.42')).toBe('i:1700000000.42');
    expect(idPart('x\r\nDEL *')).toMatch(/^h:[0-9a-f]{32}$/);
    expect(targetPart('+33612345678')).toBe('i:+33612345678');
    expect(targetPart('a b')).toMatch(/^h:[0-9a-f]{32}$/);
    expect(targetPart('a'.repeat(65))).toMatch(/^h:/);
  });
});

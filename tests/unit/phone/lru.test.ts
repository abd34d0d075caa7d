import { describe, expect, it } from 'vitest';
import { createNormaliser, LruCache } from '../../../src/phone/index.js';

describe('LruCache', () => {
  it('evicts the least recently used entry first', () => {
    const cache = new LruCache<string, number>(3);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(1); // a is now the newest
    cache.set('d', 4); // evicts b
    expect(cache.has('b')).toBe(false);
    expect(cache.keys()).toEqual(['c', 'a', 'd']);
    cache.set('c', 30); // refresh c
    cache.set('e', 5); // evicts a
    expect(cache.keys()).toEqual(['d', 'c', 'e']);
    expect(cache.get('c')).toBe(30);
  });

  it('never grows past its bound', () => {
    const cache = new LruCache<number, number>(100);
    for (let i = 0; i < 10_000; i++) cache.set(i, i);
    expect(cache.size).toBe(100);
    expect(cache.get(9_899)).toBeUndefined();
    expect(cache.get(9_900)).toBe(9_900);
    expect(cache.get(9_999)).toBe(9_999);
  });

  it('has() does not refresh, delete() and clear() remove', () => {
    const cache = new LruCache<string, string>(2);
    cache.set('a', 'A');
    cache.set('b', 'B');
    expect(cache.has('a')).toBe(true);
    cache.set('c', 'C');
    expect(cache.keys()).toEqual(['b', 'c']);
    expect(cache.delete('b')).toBe(true);
    expect(cache.size).toBe(1);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('rejects a nonsense size', () => {
    expect(() => new LruCache(0)).toThrow(RangeError);
    expect(() => new LruCache(1.5)).toThrow(RangeError);
  });
});

describe('normaliser cache', () => {
  it('is bounded and keyed by (raw number, default country)', () => {
    const n = createNormaliser({ cacheSize: 5 });
    for (let i = 0; i < 50; i++) n.normalise(`+336123456${String(i).padStart(2, '0')}`, '', { defaultCountry: 'FR' });
    expect(n.cacheSize()).toBe(5);

    const m = createNormaliser({ cacheSize: 10 });
    expect(m.normalise('2025550123', '', { defaultCountry: 'US' }).number).toMatchObject({ e164: '+12025550123' });
    expect(m.normalise('2025550123', '', { defaultCountry: 'FR' }).number.kind).toBe('invalid');
    expect(m.cacheSize()).toBe(2);
  });

  it('hands out copies, so a caller mutating a result cannot poison later calls', () => {
    const n = createNormaliser({ cacheSize: 10 });
    const first = n.normalise('0612345678', '', { defaultCountry: 'FR' });
    (first.number as { raw: string }).raw = 'tampered';
    expect(n.normalise('0612345678', '', { defaultCountry: 'FR' }).number.raw).toBe('0612345678');
  });

  it('keeps 10 kB caller IDs from bloating the cache keys yet still answers too-long', () => {
    const n = createNormaliser({ cacheSize: 10 });
    const a = n.normalise('1'.repeat(10_000), '', { defaultCountry: 'FR' }).number;
    const b = n.normalise('1'.repeat(20_000), '', { defaultCountry: 'FR' }).number;
    expect(a).toMatchObject({ kind: 'invalid', reason: 'too-long' });
    expect(b).toEqual(a);
    expect(n.cacheSize()).toBe(1);
  });
});

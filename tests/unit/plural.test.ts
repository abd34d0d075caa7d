import { afterEach, describe, expect, it, vi } from 'vitest';
import { countedGrouped, groupedDigits } from '../../src/plural.js';

afterEach(() => { vi.restoreAllMocks(); });

describe('groupedDigits', () => {
  it('puts a comma between groups of three digits, as the README writes counts', () => {
    expect([0, 7, 999, 1000, 10_000, 123_456, 2_000_000, 1_234_567_890].map(groupedDigits))
      .toEqual(['0', '7', '999', '1,000', '10,000', '123,456', '2,000,000', '1,234,567,890']);
    expect(groupedDigits(-10_000)).toBe('-10,000');
  });

  it('writes what is not a whole number as String() does, rather than grouping a fraction or an exponent', () => {
    expect([1234.5, Number.NaN, Number.POSITIVE_INFINITY, 1e21].map(groupedDigits)).toEqual(['1234.5', 'NaN', 'Infinity', '1e+21']);
  });

  it('reads the same whatever the machine\'s locale (a German one formats 10.000 by default)', () => {
    const toLocaleString = Number.prototype.toLocaleString;
    vi.spyOn(Number.prototype, 'toLocaleString').mockImplementation(function (this: number, locales, options) {
      return toLocaleString.call(this, locales ?? 'de-DE', options);
    });
    expect((10_000).toLocaleString()).toBe('10.000');
    expect(groupedDigits(10_000)).toBe('10,000');
  });
});

describe('countedGrouped', () => {
  it('a grouped count and its noun', () => {
    expect(countedGrouped(1, 'call')).toBe('1 call');
    expect(countedGrouped(10_000, 'call')).toBe('10,000 calls');
    expect(countedGrouped(1500, 'entry', 'entries')).toBe('1,500 entries');
  });
});

import { describe, expect, it } from 'vitest';
import { normaliseDialled, numberBlock } from '../../../src/phone/index.js';

describe('normaliseDialled', () => {
  const cases: Array<[string, string]> = [
    ['0988776655', '+33988776655'],
    ['+33 9 88 77 66 55', '+33988776655'],
    ['33988776655', '+33988776655'],
    ['sip:0988776655@pbx.local;user=phone', '+33988776655'],
    ['*77', '*77'],
    ['#31#', '#31#'],
    ['*31#0612', '*31#0612'],
    ['1000', '1000'],
    ['12-34', '1234'],
    ['+999', '+999'],
    ['s', ''],
    ['', ''],
    ['12ab', ''],
    ['06\r\n12', ''],
    ['０９８８', ''],
    ['1'.repeat(40), '1'.repeat(32)],
    ['9'.repeat(300), ''],
  ];
  it.each(cases)('%j → %j', (raw, expected) => {
    expect(normaliseDialled(raw, 'FR')).toBe(expected);
  });

  it('does not throw on non-strings or a bad country', () => {
    expect(normaliseDialled(undefined as never, 'FR')).toBe('');
    expect(normaliseDialled('0988776655', 'XX')).toBe('0988776655');
    expect(normaliseDialled('+33988776655', undefined as never)).toBe('+33988776655');
  });
});

describe('numberBlock', () => {
  it('takes the first N digits without the +', () => {
    expect(numberBlock('+33612345678', 8)).toBe('33612345');
    expect(numberBlock('+33612345678', 4)).toBe('3361');
    expect(numberBlock('+33612345678', 99)).toBe('33612345678');
    expect(numberBlock('+33612345678', 7.9)).toBe('3361234');
  });

  it('gives an empty block for nonsense sizes or input', () => {
    expect(numberBlock('+33612345678', 0)).toBe('');
    expect(numberBlock('+33612345678', -3)).toBe('');
    expect(numberBlock('+33612345678', Number.NaN)).toBe('');
    expect(numberBlock(undefined as never, 8)).toBe('');
  });
});

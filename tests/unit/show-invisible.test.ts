import { describe, expect, it } from 'vitest';
import { cutShown, quoteShown, showInvisible } from '../../src/show-invisible.js';

describe('showInvisible', () => {
  it.each([
    ['zero-width space', '12\u200b34', '12\\u200b34'],
    ['bidi override and isolate', '\u202e12\u2066', '\\u202e12\\u2066'],
    ['BOM and soft hyphen', '\ufeff1\u00ad2', '\\ufeff1\\u00ad2'],
    ['controls and line separators', 'a\nb\u0000c\u2028', 'a\\u000ab\\u0000c\\u2028'],
    ['a tag character outside the BMP', 'x\u{e0041}', 'x\\u{e0041}'],
    ['a lone surrogate', 'x\ud800y', 'x\\ud800y'],
    ['a Hangul filler that renders blank', '1\u3164', '1\\u3164'],
  ])('writes %s as an escape', (_what, text, shown) => {
    expect(showInvisible(text)).toBe(shown);
  });

  it('leaves visible text alone, spaces, accents and emoji included, and is idempotent', () => {
    const text = 'Élodie 06\u00a012 😀 +33 (0)1';
    expect(showInvisible(text)).toBe(text);
    expect(showInvisible(showInvisible('a\u200bb'))).toBe('a\\u200bb');
  });
});

describe('cutShown', () => {
  it('leaves text that fits alone', () => {
    expect(cutShown('0612\\u200b', 10)).toBe('0612\\u200b');
  });

  it('cuts to at most max characters, ending in …', () => {
    expect(cutShown('0612345678', 5)).toBe('0612…');
  });

  it.each([
    ['a 4-digit escape', '12\\u200b34', 6, '12…'],
    ['an escape outside the BMP', '1\\u{e0041}2', 9, '1…'],
  ])('never cuts inside %s', (_what, shown, max, cut) => {
    expect(cutShown(shown, max)).toBe(cut);
  });

  it('keeps an escape that ends right at the cut, and a literal backslash before one', () => {
    expect(cutShown('12\\u200b34', 9)).toBe('12\\u200b…');
    expect(cutShown('\\\\u200b1234', 7)).toBe('\\…');
  });

  it('never cuts between the halves of a surrogate pair', () => {
    expect(cutShown('12😀34', 4)).toBe('12…');
  });
});

describe('quoteShown', () => {
  it('quotes as cutShown cuts the whole text, though it reads only the first characters', () => {
    const invisible = ['\u200b', '\u{e0041}', '\n', '😀', '"', 'x'];
    for (let seed = 0; seed < 500; seed++) {
      const text = Array.from({ length: 40 + (seed % 30) }, (_, i) => invisible[(seed * 7 + i * i) % invisible.length]).join('');
      for (const max of [1, 8, 20, 33]) {
        expect(quoteShown(text, max), JSON.stringify([text, max])).toBe(`"${cutShown(showInvisible(text), max).replace(/"/g, '\\"')}"`);
      }
    }
    expect(quoteShown('a"b\u200b', 48)).toBe('"a\\"b\\u200b"');
  });
});

import { describe, expect, it } from 'vitest';
import { showInvisible } from '../../src/show-invisible.js';

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

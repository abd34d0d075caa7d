import { describe, expect, it } from 'vitest';
import { quoteInput } from '../../../src/http/errors.js';

describe('quoteInput', () => {
  it('quotes at most 40 characters, cut before escaping so no escape is cut in half', () => {
    expect(quoteInput('+33612345678\u200b')).toBe('"+33612345678\\u200b"');
    expect(quoteInput(`${'1'.repeat(39)}\u200b${'2'.repeat(10)}`)).toBe(`"${'1'.repeat(39)}\\u200b"`);
    expect(quoteInput('😀'.repeat(50))).toBe(`"${'😀'.repeat(40)}"`);
  });
});

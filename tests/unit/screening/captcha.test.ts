import { describe, expect, it } from 'vitest';
import { isCorrectAnswer, isWeakChallenge, newChallenge } from '../../../src/screening/captcha.js';

describe('captcha challenge', () => {
  it('draws digits of the configured length', () => {
    for (const length of [3, 4, 6, 8]) expect(newChallenge(length)).toMatch(new RegExp(`^\\d{${length}}$`));
  });

  it('never repeats a digit back to back nor spells a straight run', () => {
    for (let i = 0; i < 2000; i++) {
      const d = newChallenge(4);
      expect(isWeakChallenge(d), d).toBe(false);
    }
  });

  it('classifies weak challenges', () => {
    expect(isWeakChallenge('1123')).toBe(true);
    expect(isWeakChallenge('1234')).toBe(true);
    expect(isWeakChallenge('9876')).toBe(true);
    expect(isWeakChallenge('4721')).toBe(false);
    expect(isWeakChallenge('1357')).toBe(false);
  });

  it('uses the random source it is given, skipping weak draws', () => {
    const draws = [1, 1, 2, 3, /* weak: 1123 */ 4, 7, 2, 1];
    let i = 0;
    expect(newChallenge(4, () => draws[i++] as number)).toBe('4721');
  });

  it('spreads digits roughly evenly (CSPRNG, no bias towards a digit)', () => {
    const counts = new Array(10).fill(0) as number[];
    for (let i = 0; i < 5000; i++) for (const c of newChallenge(4)) counts[Number(c)]! += 1;
    const mean = 20000 / 10;
    for (const c of counts) expect(Math.abs(c - mean) / mean).toBeLessThan(0.15);
  });

  it('refuses absurd lengths', () => {
    expect(() => newChallenge(2)).toThrow(RangeError);
    expect(() => newChallenge(13)).toThrow(RangeError);
  });

  it('checks answers exactly, accepting a trailing #', () => {
    expect(isCorrectAnswer('4721', '4721')).toBe(true);
    expect(isCorrectAnswer('4721', '4721#')).toBe(true);
    expect(isCorrectAnswer('4721', '472')).toBe(false);
    expect(isCorrectAnswer('4721', '47210')).toBe(false);
    expect(isCorrectAnswer('4721', '')).toBe(false);
  });
});

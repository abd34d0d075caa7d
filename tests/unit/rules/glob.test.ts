import { describe, it, expect } from 'vitest';
import { compileContains, compileGlob, foldName, patternProblem } from '../../../src/rules/glob.js';

const globMatches = (pattern: string, name: string): boolean => compileGlob(pattern).matches(foldName(name));

/** Reference matcher (dynamic programming over code points): slow but obviously right. */
function reference(pattern: string, name: string): boolean {
  const p = foldName(pattern);
  const s = foldName(name);
  let row = new Array<boolean>(s.length + 1).fill(false);
  row[0] = true;
  for (const pc of p) {
    const next = new Array<boolean>(s.length + 1).fill(false);
    next[0] = pc === '*' && (row[0] ?? false);
    for (let j = 1; j <= s.length; j++) {
      if (pc === '*') next[j] = (row[j] ?? false) || (next[j - 1] ?? false);
      else next[j] = (row[j - 1] ?? false) && (pc === '?' || pc === s[j - 1]);
    }
    row = next;
  }
  return row[s.length] ?? false;
}

describe('glob matcher for caller names', () => {
  it.each([
    ['*ENERGIE*', 'SOLAR ENERGIE SAS', true],
    ['*ENERGIE*', 'solar énergie', true],
    ['*energie*', 'ENERGY', false],
    ['TELEMARKETING', 'telemarketing', true],
    ['TELEMARKETING', 'TELEMARKETING 2', false],
    ['TELE?', 'TELE1', true],
    ['TELE?', 'TELE', false],
    ['TELE?', 'TELE12', false],
    ['*', '', true],
    ['?*', '', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXcYYb', false],
    ['a*b', 'ab', true],
    ['a*ab', 'ab', false],
    ['*aab', 'aaab', true],
    ['*a?a*', 'xxaxa', true],
    ['INFO*', 'Info Conso', true],
    ['*CONSO', 'INFO CONSO', true],
    ['*CONSO', 'INFO CONSOS', false],
  ])('%s against %s → %s', (pattern, name, expected) => {
    expect(globMatches(pattern, name)).toBe(expected);
  });

  it('agrees with a reference matcher on many generated pairs', () => {
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = (alphabet: string, len: number): string => Array.from({ length: len }, () => alphabet[rand(alphabet.length)]).join('');
    for (let i = 0; i < 3000; i++) {
      const pattern = pick('ab*?', 1 + rand(7));
      const name = pick('ab', rand(10));
      expect(globMatches(pattern, name), `${pattern} vs ${name}`).toBe(reference(pattern, name));
    }
  });

  it('finishes instantly on a pattern that makes backtracking matchers explode', () => {
    const pattern = '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b';
    const name = 'a'.repeat(10_000);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) expect(globMatches(pattern, name)).toBe(false);
    // A backtracking matcher takes hours here; ours reads each character once. The bound is deliberately loose.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(5_000);
  }, 30_000);

  it('treats * and ? literally in contains', () => {
    expect(compileContains('50%*').matches(foldName('promo 50%* now'))).toBe(true);
    expect(compileContains('?').matches(foldName('abc'))).toBe(false);
    expect(compileContains('Énergie').matches(foldName('SOLAR ENERGIE'))).toBe(true);
  });

  it('refuses patterns it cannot compile safely', () => {
    expect(patternProblem('')).toMatch(/1 to 100/);
    expect(patternProblem('x'.repeat(101))).toMatch(/1 to 100/);
    expect(patternProblem(`*${'x'.repeat(32)}*`)).toMatch(/31 characters/);
    expect(patternProblem(`*${'x'.repeat(31)}*`)).toBeNull();
  });
});

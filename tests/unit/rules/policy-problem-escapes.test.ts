/**
 * A policy's problems are printed by `chut check-config` and logged by `chut run`: the keys and values they quote come
 * from the file, which may come from elsewhere. Quoted raw, an escape sequence in a key reached the terminal, a line
 * break in one forged a problem line of its own, and a bidi override reordered what was shown; each is now written as
 * an escape (`\u001b`), as caller IDs are, and a key of hundreds of characters is cut.
 */
import { describe, expect, it } from 'vitest';
import { policyProblems } from '../../helpers/policy.js';
import { holdsInvisible } from '../../helpers/invisible.js';

const problems = (text: string): string[] => policyProblems(text);


describe('the keys and values a problem quotes', () => {
  it('show a key\'s invisible characters as escapes: no escape sequence, no forged line, no reordering', () => {
    const found = problems('version: 1\n"evil\\e[2J\\nrules[0].name: a forged problem": 1\n"\\u202eyek": 2\nrules: []\n');
    expect(found).toEqual([
      'evil\\u001b[2J\\u000arules[0].name: a forged problem: unknown key',
      '\\u202eyek: unknown key',
    ]);
    expect(found.join('\n').split('\n')).toHaveLength(2);
  });

  it('show a value\'s invisible characters as escapes', () => {
    const found = problems('version: 1\ndefault: "rin\\u2028g"\nmode: "\\u202etcefrone"\nrules: []\n');
    expect(found).toEqual([
      'mode: "\\u202etcefrone" is not one of enforce, shadow',
      'default: "rin\\u2028g" is not one of ring, captcha, voicemail, reject',
    ]);
    for (const p of found) expect(holdsInvisible(p), p).toBe(false);
  });

  it('cut a key of hundreds of characters', () => {
    const [found] = problems(`version: 1\n${'k'.repeat(500)}: 1\nrules: []\n`);
    expect(found).toBe(`${'k'.repeat(63)}…: unknown key`);
  });
});

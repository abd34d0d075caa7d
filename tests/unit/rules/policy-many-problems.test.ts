/**
 * A policy with thousands of problems (a file from elsewhere, a bad merge) is refused with every problem, in about
 * the time a valid policy of that size takes to load, not seconds later: naming each problem under a `when` looked up
 * the keys a `when` knows by building the whole condition schema again, ~1 ms a problem (4,000 rules: 7.5 s).
 */
import { describe, expect, it } from 'vitest';
import { parsePolicy, PolicyError } from '../../../src/rules/index.js';

const RULES = 3000;
const policyOf = (rule: (i: number) => string): string => `version: 1\nrules:\n${Array.from({ length: RULES }, (_, i) => `${rule(i)}\n`).join('')}`;

/** Milliseconds parsePolicy takes on `text`, and the problems it found (none when it loaded). */
function timed(text: string): { ms: number; problems: string[] } {
  const started = performance.now();
  try {
    parsePolicy(text, 'many.yaml');
    return { ms: performance.now() - started, problems: [] };
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    return { ms: performance.now() - started, problems: err.problems };
  }
}

describe('a policy with a problem in each of its thousands of rules', () => {
  it('is refused with all of them in about the time the same policy takes to load when valid (a `when` no section, an unknown key)', () => {
    // measured against the valid policy in the same run, so that a loaded machine slows both alike
    const validText = policyOf((i) => `- { name: r${i}, action: ring, when: { list: block } }`);
    timed(validText); // the first parse of a run is several times slower (the code is not optimised yet)
    const valid = timed(validText);
    expect(valid.problems).toEqual([]);
    for (const rule of ['when: 1', 'when: { lst: block }']) {
      const { ms, problems } = timed(policyOf((i) => `- { name: r${i}, action: ring, ${rule} }`));
      expect(problems.filter((p) => /^rules\[\d+\]\.when/.test(p)).length, rule).toBeGreaterThanOrEqual(RULES);
      expect(problems, rule).toContain(rule.includes('lst')
        ? `rules[${RULES - 1}].when.lst: unknown key (did you mean list?)`
        : `rules[${RULES - 1}].when: must be a section: its settings on the lines below it, indented, not a value on its own line`);
      // before: ~1 ms a problem, 8 to 15 times the valid policy's time
      expect(ms, `${rule}: ${ms.toFixed(0)} ms, the valid policy ${valid.ms.toFixed(0)} ms`).toBeLessThan(3 * valid.ms);
    }
  });
});

/**
 * A policy with thousands of problems (a file from elsewhere, a bad merge) is refused with every problem, in about
 * the time a valid policy of that size takes to load, not seconds later: naming each problem under a `when` looked up
 * the keys a `when` knows by building the whole condition schema again, ~1 ms a problem (4,000 rules: 7.5 s).
 */
import { describe, expect, it } from 'vitest';
import { parsePolicy, PolicyError } from '../../../src/rules/index.js';
import { whenSchema } from '../../../src/rules/schema.js';
import { unwrapSchema } from '../../../src/validation-issues.js';

const RULES = 3000;
const policyOf = (rule: (i: number) => string): string => `version: 1\nrules:\n${Array.from({ length: RULES }, (_, i) => `${rule(i)}\n`).join('')}`;

function problemsOf(text: string): string[] {
  try {
    parsePolicy(text, 'many.yaml');
    return [];
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    return err.problems;
  }
}

describe('a policy with a problem in each of its thousands of rules', () => {
  it('is refused with all of them (a `when` no section, an unknown key)', () => {
    expect(problemsOf(policyOf((i) => `- { name: r${i}, action: ring, when: { list: block } }`))).toEqual([]);
    for (const rule of ['when: 1', 'when: { lst: block }']) {
      const problems = problemsOf(policyOf((i) => `- { name: r${i}, action: ring, ${rule} }`));
      expect(problems.filter((p) => /^rules\[\d+\]\.when/.test(p)).length, rule).toBeGreaterThanOrEqual(RULES);
      expect(problems, rule).toContain(rule.includes('lst')
        ? `rules[${RULES - 1}].when.lst: unknown key (did you mean list?)`
        : `rules[${RULES - 1}].when: must be a section: its settings on the lines below it, indented, not a value on its own line`);
    }
  });

  it('names each problem from the `when` schema zod built once, not from one built anew per problem', () => {
    // The cost was not in the problems' words but in rebuilding the whole condition schema (~1 ms) to name each one:
    // 4,000 rules took 7.5 s. A rebuilt schema is a new object, so sameness is the check (a time bound would flake
    // on a shared machine).
    expect(unwrapSchema(whenSchema)).toBe(unwrapSchema(whenSchema));
  });
});

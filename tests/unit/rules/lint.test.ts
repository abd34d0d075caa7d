import { describe, expect, it } from 'vitest';
import { parsePolicy, policyWarnings } from '../../../src/rules/index.js';

const warnings = (rules: string) => policyWarnings(parsePolicy(`version: 1\ndefault: ring\nrules:\n${rules}`, 'test'));

describe('policy warnings (valid rules that can never decide a call)', () => {
  it('a rule with the same conditions as an earlier one is never reached, whatever order its keys are written in', () => {
    expect(warnings(`  - name: robots
    when: { name: { contains: [ROBOT] }, caller: [valid] }
    action: reject
  - name: robots-again
    when: { caller: [valid], name: { contains: [ROBOT] } }
    action: voicemail
`)).toEqual(['rule "robots-again" is never reached: rule "robots" before it has the same conditions']);
  });

  it('a rule for withheld or invalid callers that needs a number never matches', () => {
    expect(warnings(`  - name: hidden-telemarketers
    when: { caller: [withheld, invalid], pack: [fr-npv], rate: { calls: 3, within: 10m, per: number } }
    action: reject
  - name: hidden
    when: { caller: [withheld] }
    action: captcha
  - name: listed-or-hidden
    when: { caller: [withheld, valid], list: block }
    action: reject
`)).toEqual(['rule "hidden-telemarketers" never matches: it is for withheld/invalid callers, who have no number for rate']);
  });

  // de-spoofed matches 112 (always an invalid caller ID) on its digits: the right way to reject spoofed emergency
  // numbers must not be reported dead, or an administrator who trusts the warning deletes it.
  it('a pack that matches invalid caller IDs on their digits is not reported dead for invalid callers', () => {
    expect(warnings(`  - name: spoofed-emergency
    when: { caller: invalid, pack: de-spoofed }
    action: reject
  - name: overseas-npv
    when: { caller: [invalid], pack: [fr-platforms, fr-npv] }
    action: voicemail
`)).toEqual([]);
  });

  it('a pack is still dead for withheld callers, and for invalid ones when none of its packs reads digits', () => {
    expect(warnings(`  - name: hidden-spoofed
    when: { caller: withheld, pack: de-spoofed }
    action: reject
  - name: invalid-platforms
    when: { caller: invalid, pack: fr-platforms }
    action: ring
  - name: both
    when: { caller: [withheld, invalid], pack: de-spoofed }
    action: reject
`)).toEqual([
      'rule "hidden-spoofed" never matches: it is for withheld callers, who have no number for pack',
      'rule "invalid-platforms" never matches: it is for invalid callers, who have no number for pack',
    ]);
  });

  it('a score rule for withheld or invalid callers never matches: they have no score', () => {
    expect(warnings(`  - name: clean-hidden
    when: { caller: [withheld, invalid], score: { max: 20 } }
    action: ring
`)).toEqual(['rule "clean-hidden" never matches: it is for withheld/invalid callers, who have no number for score']);
  });

  it('the shipped policy has none', async () => {
    const { loadPolicyFile } = await import('../../../src/rules/index.js');
    const { join } = await import('node:path');
    expect(policyWarnings(loadPolicyFile(join(process.cwd(), 'config', 'policy.yaml')))).toEqual([]);
  });
});

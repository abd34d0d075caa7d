import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { evaluate, loadPolicyFile, lookupNeeds, parsePolicy } from '../../../src/rules/index.js';
import type { CallFacts } from '../../../src/rules/types.js';
import { parseCallerId } from '../../../src/phone/parse-caller.js';
import { facts, invalid, valid, withheld } from './facts.js';

const policy = loadPolicyFile('config/policy.yaml');
const SHIPPED_TEXT = readFileSync('config/policy.yaml', 'utf8');

/** The shipped text with the commented example rule `name` turned into a rule (`  # - name:` and its `  #   ` lines). */
function uncomment(text: string, name: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^  # - name: ${name}\\b`).test(l));
  expect(start).toBeGreaterThanOrEqual(0);
  lines[start] = lines[start]!.replace('  # ', '  ');
  for (let i = start + 1; i < lines.length && lines[i]!.startsWith('  #   '); i++) lines[i] = lines[i]!.replace('  # ', '  ');
  return lines.join('\n');
}
const WEDNESDAY_11H = new Date('2026-11-25T10:00:00Z');
const SATURDAY_11H = new Date('2026-11-28T10:00:00Z');
const FRIDAY_1959 = new Date('2026-11-27T18:59:00Z');
const FRIDAY_2000 = new Date('2026-11-27T19:00:00Z');
const SATURDAY_22H = new Date('2026-11-28T21:00:00Z');
/** Wednesday 11 November 2026, Armistice day: outside fr-legal-hours all day. */
const HOLIDAY_11H = new Date('2026-11-11T10:00:00Z');

const npv = valid('+33162000123');
const mobile = valid('+33612345678', 'mobile');
const listed = (list: 'allow' | 'block', entry: string) => ({ list, match: 'exact' as const, entry, reason: null, source: 'cli' });

const calls: Array<[string, CallFacts, Date, string, string]> = [
  ['a plain mobile rings', facts({ caller: mobile }), WEDNESDAY_11H, 'ring', 'default'],
  ['an allowlisted telemarketer rings', facts({ caller: npv, reputation: { listed: listed('allow', '+33162000123') } }), SATURDAY_11H, 'ring', 'allowlist'],
  ['a blocklisted number is rejected', facts({ caller: mobile, reputation: { listed: listed('block', '+33612345678') } }), WEDNESDAY_11H, 'reject', 'blocklist'],
  ['a trusted caller with a bad score rings', facts({ caller: mobile, reputation: { trustedUntil: WEDNESDAY_11H.getTime() + 86_400_000, score: 90 } }), WEDNESDAY_11H, 'ring', 'trusted'],
  ['a number reported as spam (not blocklisted for it) gets the captcha', facts({ caller: mobile, reputation: { reports: 1, score: 50 } }), WEDNESDAY_11H, 'captcha', 'reported'],
  ['a number reported as spam that passed the captcha since is still challenged', facts({ caller: mobile, reputation: { reports: 2, score: 10 } }), WEDNESDAY_11H, 'captcha', 'reported'],
  ['a delivery platform rings, even on Saturday', facts({ caller: valid('+33938123456') }), SATURDAY_11H, 'ring', 'platforms'],
  ['a withheld number gets the captcha', facts({ caller: withheld() }), WEDNESDAY_11H, 'captcha', 'withheld'],
  ['an invalid caller ID gets the captcha', facts({ caller: invalid('12', 'SPAM12') }), WEDNESDAY_11H, 'captcha', 'invalid'],
  ['a telemarketer at Friday 19:59 gets the captcha', facts({ caller: npv }), FRIDAY_1959, 'captcha', 'telemarketing-legal-hours'],
  ['a telemarketer at Friday 20:00 goes to voicemail', facts({ caller: npv }), FRIDAY_2000, 'voicemail', 'telemarketing-outside-hours'],
  // Telemarketing outside legal hours is illegal whoever calls: a campaign number an agent once passed the captcha
  // from must not ring on Saturday night (the trust lasts 30 days and the number is shared by the campaign).
  ['a trusted telemarketer on Saturday 22:00 goes to voicemail', facts({ caller: npv, reputation: { trustedUntil: SATURDAY_22H.getTime() + 86_400_000 } }), SATURDAY_22H, 'voicemail', 'telemarketing-outside-hours'],
  ['a trusted telemarketer on a public holiday goes to voicemail', facts({ caller: npv, reputation: { trustedUntil: HOLIDAY_11H.getTime() + 86_400_000 } }), HOLIDAY_11H, 'voicemail', 'telemarketing-outside-hours'],
  ['a trusted telemarketer during legal hours rings without a captcha', facts({ caller: npv, reputation: { trustedUntil: WEDNESDAY_11H.getTime() + 86_400_000 } }), WEDNESDAY_11H, 'ring', 'trusted'],
  ['an overseas telemarketer on Saturday goes to voicemail', facts({ caller: valid('+590947512345', 'voip', 'GP') }), SATURDAY_11H, 'voicemail', 'telemarketing-outside-hours'],
  ['a bad score gets the captcha', facts({ caller: mobile, reputation: { score: 75 } }), WEDNESDAY_11H, 'captcha', 'high-score'],
  ['a score just under 70 rings', facts({ caller: mobile, reputation: { score: 69 } }), WEDNESDAY_11H, 'ring', 'default'],
  ['the 4th call in ten minutes gets the captcha', facts({ caller: mobile, reputation: { recentCalls: { number: { '600': 3 }, block: { '600': 3 } } } }), WEDNESDAY_11H, 'captcha', 'burst-number'],
  ['the 3rd call in ten minutes rings', facts({ caller: mobile, reputation: { recentCalls: { number: { '600': 2 }, block: { '600': 2 } } } }), WEDNESDAY_11H, 'ring', 'default'],
  ['the 5th call from one block gets the captcha', facts({ caller: mobile, reputation: { recentCalls: { number: { '600': 0 }, block: { '600': 4 } } } }), WEDNESDAY_11H, 'captcha', 'burst-block'],
  ['the 4th call from one block rings', facts({ caller: mobile, reputation: { recentCalls: { number: { '600': 0 }, block: { '600': 3 } } } }), WEDNESDAY_11H, 'ring', 'default'],
  ['a failed STIR/SHAKEN check gets the captcha', facts({ caller: mobile, verstat: 'TN-Validation-Failed' }), WEDNESDAY_11H, 'captcha', 'stir-shaken-failed'],
  ['a passed STIR/SHAKEN check rings', facts({ caller: mobile, verstat: 'TN-Validation-Passed' }), WEDNESDAY_11H, 'ring', 'default'],
];

describe('the shipped config/policy.yaml', () => {
  it('parses, enforces, and uses Paris time', () => {
    expect(policy.mode).toBe('enforce');
    expect(policy.timezone).toBe('Europe/Paris');
    expect(policy.default).toBe('ring');
    expect(policy.rules.every((r) => r.description)).toBe(true);
  });

  it('asks the store for the 10-minute window and 8-digit blocks', () => {
    expect(lookupNeeds(policy)).toEqual({ rateWindowsSec: [600], blockDigits: 8 });
  });

  it.each(calls)('%s', (_label, f, now, action, rule) => {
    const d = evaluate(f, policy, now);
    expect({ action: d.action, rule: d.rule }).toEqual({ action, rule });
    expect(d.reasons.length).toBeGreaterThan(0);
  });

  // libphonenumber calls most overseas NPV numbers invalid; they are still telemarketing, not the `invalid` rule.
  it.each([
    ['+596947812345', SATURDAY_22H, 'voicemail', 'telemarketing-outside-hours'],
    ['00262947512345', SATURDAY_22H, 'voicemail', 'telemarketing-outside-hours'],
    ['+596947812345', WEDNESDAY_11H, 'captcha', 'telemarketing-legal-hours'],
  ] as const)('an overseas NPV caller ID %s libphonenumber finds invalid is telemarketing (%s)', (raw, now, action, rule) => {
    const caller = parseCallerId(raw, 'FR').number;
    expect(caller.kind).toBe('invalid');
    const d = evaluate(facts({ caller }), policy, now);
    expect({ action: d.action, rule: d.rule }).toEqual({ action, rule });
    expect(d.reasons[0]).toMatch(/is in pack fr-npv \(digits /);
  });

  // The commented german-spoofed example must work once uncommented: 110/112 arrive as invalid caller IDs, so an
  // example placed after the `invalid` rule gave them a captcha instead of the promised reject.
  it.each([['112', '112'], ['+49110', '49110'], ['0049112', '0049112'], ['+499001234567', null]] as const)(
    'the german-spoofed example, uncommented, rejects %s', (raw, digits) => {
      const caller = parseCallerId(raw, 'DE').number;
      if (digits !== null) expect(caller).toMatchObject({ kind: 'invalid', digits });
      const d = evaluate(facts({ caller }), parsePolicy(uncomment(SHIPPED_TEXT, 'german-spoofed'), 'test'), WEDNESDAY_11H);
      expect({ action: d.action, rule: d.rule }).toEqual({ action: 'reject', rule: 'german-spoofed' });
    },
  );

  it('explains a telemarketing decision with the prefix and the local time', () => {
    expect(evaluate(facts({ caller: npv }), policy, FRIDAY_2000).reasons).toEqual([
      'caller +33162000123 is in pack fr-npv (prefix +33162)',
      'it is Fri 20:00 in Europe/Paris, outside fr-legal-hours',
    ]);
  });
});

import { describe, it, expect } from 'vitest';
import { evaluate, parsePolicy } from '../../../src/rules/index.js';
import { normalise } from '../../../src/phone/index.js';
import type { CallFacts } from '../../../src/rules/types.js';
import { facts, invalid, oneRule, valid, withheld } from './facts.js';

const NOW = new Date('2026-11-25T11:00:00Z');
const blockEntry = (match: 'exact' | 'prefix', entry: string) =>
  ({ list: 'block' as const, match, entry, reason: 'robocall', source: 'cli' });
const allowEntry = { list: 'allow' as const, match: 'exact' as const, entry: '+33145678901', reason: null, source: null };

interface Case {
  label: string;
  when: string;
  facts: CallFacts;
  matches: boolean;
  /** Expected reasons when the rule matched. */
  reasons?: string[];
}

const cases: Case[] = [
  // list
  { label: 'blocklist exact', when: '{ list: block }', facts: facts({ reputation: { listed: blockEntry('exact', '+33145678901') } }), matches: true,
    reasons: ['caller +33145678901 is on the blocklist (exact entry +33145678901, reason "robocall", source "cli")'] },
  { label: 'blocklist prefix with match: prefix', when: '{ list: block, match: prefix }', facts: facts({ reputation: { listed: blockEntry('prefix', '+33145') } }), matches: true },
  { label: 'blocklist prefix with match: exact', when: '{ list: block, match: exact }', facts: facts({ reputation: { listed: blockEntry('prefix', '+33145') } }), matches: false },
  { label: 'allowlisted caller is not blocklisted', when: '{ list: block }', facts: facts({ reputation: { listed: allowEntry } }), matches: false },
  { label: 'allowlist', when: '{ list: allow }', facts: facts({ reputation: { listed: allowEntry } }), matches: true,
    reasons: ['caller +33145678901 is on the allowlist (exact entry +33145678901)'] },
  { label: 'not listed', when: '{ list: allow }', facts: facts(), matches: false },
  // caller kind
  { label: 'withheld', when: '{ caller: withheld }', facts: facts({ caller: withheld() }), matches: true, reasons: ['caller withheld the number'] },
  { label: 'invalid in a list', when: '{ caller: [withheld, invalid] }', facts: facts({ caller: invalid('12', 'abc12') }), matches: true,
    reasons: ['caller ID "abc12" is invalid (not-a-valid-number)'] },
  { label: 'valid is not withheld', when: '{ caller: withheld }', facts: facts(), matches: false },
  { label: 'valid', when: '{ caller: valid }', facts: facts(), matches: true, reasons: ['caller +33145678901 is a valid number'] },
  // number type
  { label: 'mobile', when: '{ numberType: [mobile, voip] }', facts: facts({ caller: valid('+33612345678', 'mobile') }), matches: true,
    reasons: ['caller +33612345678 is a mobile number'] },
  { label: 'fixed line is not premium', when: '{ numberType: premium-rate }', facts: facts(), matches: false },
  { label: 'withheld has no type', when: '{ numberType: [unknown] }', facts: facts({ caller: withheld() }), matches: false },
  // score, reports, captcha failures
  { label: 'score at min', when: '{ score: { min: 70 } }', facts: facts({ reputation: { score: 70 } }), matches: true, reasons: ['score 70 is at least 70'] },
  { label: 'score below min', when: '{ score: { min: 70 } }', facts: facts({ reputation: { score: 69.9 } }), matches: false },
  { label: 'score within min and max', when: '{ score: { min: 20, max: 40 } }', facts: facts({ reputation: { score: 40 } }), matches: true,
    reasons: ['score 40 is at least 20 and at most 40'] },
  { label: 'score above max', when: '{ score: { max: 10 } }', facts: facts({ reputation: { score: 11 } }), matches: false },
  // 69.977 rounded is 70: "score 70 is not at least 70" would contradict itself
  { label: 'a score just under the bound is shown truncated', when: '{ not: { score: { min: 70 } } }', facts: facts({ reputation: { score: 69.977474 } }), matches: true,
    reasons: ['score 69.9 is not at least 70'] },
  // truncated, 20.05 reads 20: "score 20 is not at most 20" would contradict itself too
  { label: 'a score just over a max that one decimal hides shows three', when: '{ not: { score: { max: 20 } } }', facts: facts({ reputation: { score: 20.05 } }), matches: true,
    reasons: ['score 20.05 is not at most 20'] },
  // a "clean caller → ring" rule must not ring withheld robocalls: only a valid caller has a score
  { label: 'a withheld caller has no score, not a clean one', when: '{ score: { max: 20 } }', facts: facts({ caller: withheld() }), matches: false },
  { label: 'an invalid caller has no score, not a clean one', when: '{ score: { max: 20 } }', facts: facts({ caller: invalid('12', 'abc12') }), matches: false },
  { label: 'not a score range holds for a withheld caller, saying it has no score', when: '{ not: { score: { max: 20 } } }', facts: facts({ caller: withheld() }), matches: true,
    reasons: ['caller (withheld) has no number, so no score'] },
  { label: 'reports', when: '{ reports: { min: 2 } }', facts: facts({ reputation: { reports: 3 } }), matches: true, reasons: ['3 spam reports (at least 2)'] },
  { label: 'one report, said in the singular', when: '{ reports: { min: 1 } }', facts: facts({ reputation: { reports: 1 } }), matches: true, reasons: ['1 spam report (at least 1)'] },
  { label: 'too few reports', when: '{ reports: { min: 2 } }', facts: facts({ reputation: { reports: 1 } }), matches: false },
  { label: 'captcha failures', when: '{ captchaFailures: { min: 2 } }', facts: facts({ reputation: { captcha: { passed: 0, failed: 2, hungUp: 5 } } }), matches: true,
    reasons: ['2 failed or timed-out captchas (at least 2)'] },
  { label: 'one captcha failure, said in the singular', when: '{ captchaFailures: { min: 1 } }', facts: facts({ reputation: { captcha: { passed: 0, failed: 1, hungUp: 0 } } }), matches: true,
    reasons: ['1 failed or timed-out captcha (at least 1)'] },
  { label: 'hang-ups are not failures', when: '{ captchaFailures: { min: 2 } }', facts: facts({ reputation: { captcha: { passed: 0, failed: 1, hungUp: 5 } } }), matches: false },
  // trusted
  { label: 'trusted', when: '{ trusted: true }', facts: facts({ reputation: { trustedUntil: NOW.getTime() + 1 } }), matches: true,
    reasons: [`caller +33145678901 is trusted until ${new Date(NOW.getTime() + 1).toISOString()} (passed a captcha)`] },
  { label: 'trust expired exactly now', when: '{ trusted: true }', facts: facts({ reputation: { trustedUntil: NOW.getTime() } }), matches: false },
  { label: 'not trusted', when: '{ trusted: false }', facts: facts(), matches: true, reasons: ['caller +33145678901 is not trusted'] },
  // dialled
  { label: 'dialled exact', when: "{ dialled: ['+33 1 87 65 43 21'] }", facts: facts(), matches: true, reasons: ['dialled number "+33187654321" matches +33187654321'] },
  { label: 'dialled prefix', when: "{ dialled: ['+331876*'] }", facts: facts(), matches: true, reasons: ['dialled number "+33187654321" matches +331876*'] },
  { label: 'dialled 00 form', when: "{ dialled: ['0033187654321'] }", facts: facts(), matches: true },
  { label: 'other DID', when: "{ dialled: ['+33187654322', '100'] }", facts: facts(), matches: false },
  { label: 'extension', when: "{ dialled: ['100'] }", facts: facts({ dialled: '100' }), matches: true },
  { label: 'unknown DID', when: "{ dialled: ['+33*'] }", facts: facts({ dialled: '' }), matches: false },
  // name
  { label: 'name glob', when: "{ name: { matches: ['*ENERGIE*', 'TELEMARKETING'] } }", facts: facts({ callerName: 'Solar Énergie' }), matches: true,
    reasons: ['caller name "Solar Énergie" matches *ENERGIE*'] },
  { label: 'name exact glob', when: "{ name: { matches: ['TELEMARKETING'] } }", facts: facts({ callerName: 'TELEMARKETING SAS' }), matches: false },
  { label: 'name contains', when: "{ name: { contains: isolation } }", facts: facts({ callerName: 'ISOLATION 1 EURO' }), matches: true,
    reasons: ['caller name "ISOLATION 1 EURO" contains "isolation"'] },
  { label: 'no name', when: "{ name: { contains: [x] } }", facts: facts(), matches: false },
  // verstat
  { label: 'verstat from facts', when: '{ verstat: [TN-Validation-Failed] }', facts: facts({ verstat: 'tn-validation-failed' }), matches: true,
    reasons: ['STIR/SHAKEN verstat is "tn-validation-failed"'] },
  { label: 'verstat from the caller ID', when: '{ verstat: No-TN-Validation }', facts: facts({ caller: { ...valid('+33145678901'), verstat: 'No-TN-Validation' } }), matches: true },
  { label: 'verstat passed', when: '{ verstat: [TN-Validation-Failed] }', facts: facts({ verstat: 'TN-Validation-Passed' }), matches: false },
  { label: 'verstat missing', when: '{ verstat: [missing] }', facts: facts(), matches: true, reasons: ['no STIR/SHAKEN verstat (missing)'] },
  // neighbour spoofing
  { label: 'neighbour shares 5 digits', when: '{ neighbourSpoofing: { digits: 5 } }', facts: facts({ caller: valid('+33187659999') }), matches: true,
    reasons: ['caller +33187659999 shares the first 5 national digits of dialled "+33187654321" (neighbour spoofing)'] },
  { label: 'neighbour shares only 4 digits', when: '{ neighbourSpoofing: { digits: 5 } }', facts: facts({ caller: valid('+33187699999') }), matches: false },
  { label: 'caller equals the callee', when: '{ neighbourSpoofing: { digits: 9 } }', facts: facts({ caller: valid('+33187654321') }), matches: true,
    reasons: ['caller +33187654321 equals the dialled number (neighbour spoofing)'] },
  { label: 'same digits, other country', when: '{ neighbourSpoofing: { digits: 4 } }', facts: facts({ caller: valid('+32187654321', 'fixed-line', 'BE') }), matches: false },
  { label: 'NANP 1-digit country code', when: '{ neighbourSpoofing: { digits: 6 } }', facts: facts({ caller: valid('+12025550111', 'fixed-line', 'US'), dialled: '+12025550199' }), matches: true },
  { label: 'extension dialled', when: '{ neighbourSpoofing: { digits: 2 } }', facts: facts({ dialled: '100' }), matches: false },
  { label: 'withheld cannot spoof a neighbour', when: '{ neighbourSpoofing: { digits: 2 } }', facts: facts({ caller: withheld() }), matches: false },
];

describe('conditions', () => {
  it.each(cases)('$label', ({ when, facts: f, matches, reasons }) => {
    const d = evaluate(f, parsePolicy(oneRule(when), 'test'), NOW);
    expect(d.rule).toBe(matches ? 'r' : 'default');
    expect(d.action).toBe(matches ? 'reject' : 'ring');
    if (reasons) expect(d.reasons).toEqual(reasons);
  });
});

describe('rate condition', () => {
  const perNumber = parsePolicy(oneRule('{ rate: { calls: 4, within: 10m } }'), 'test');
  const perBlock = parsePolicy(oneRule('{ rate: { calls: 3, within: 10m, per: block } }'), 'test');
  const caller = valid('+33162000123');

  it.each([
    [0, false], [2, false], [3, true], [10, true],
  ])('per number: %i calls seen before this one → match %s (limit 4)', (seen, expected) => {
    const f = facts({ caller, reputation: { recentCalls: { number: { '600': seen }, block: {} } } });
    expect(evaluate(f, perNumber, NOW).rule === 'r').toBe(expected);
  });

  it('per block: counts the block and names it in the reason', () => {
    const f = facts({ caller, reputation: { recentCalls: { number: { '600': 0 }, block: { '600': 2 } } } });
    const d = evaluate(f, perBlock, NOW);
    expect(d.rule).toBe('r');
    expect(d.reasons).toEqual(['3 calls from block 33162000 within 10m (limit 3)']);
  });

  it('per number: names the number', () => {
    const f = facts({ caller, reputation: { recentCalls: { number: { '600': 5 }, block: {} } } });
    expect(evaluate(f, perNumber, NOW).reasons).toEqual(['6 calls from +33162000123 within 10m (limit 4)']);
  });

  it('says a first call in the singular', () => {
    const f = facts({ caller, reputation: { recentCalls: { number: { '600': 0 }, block: {} } } });
    expect(evaluate(f, parsePolicy(oneRule('{ rate: { calls: 1, within: 10m } }'), 'test'), NOW).reasons).toEqual(['1 call from +33162000123 within 10m (limit 1)']);
  });

  it('reads the window it was given, not another one', () => {
    const f = facts({ caller, reputation: { recentCalls: { number: { '60': 50 }, block: {} } } });
    expect(evaluate(f, perNumber, NOW).rule).toBe('default');
  });

  it('never matches withheld or invalid callers, whatever the counts', () => {
    const counts = { recentCalls: { number: { '600': 100 }, block: { '600': 100 } } };
    expect(evaluate(facts({ caller: withheld(), reputation: counts }), perNumber, NOW).rule).toBe('default');
    expect(evaluate(facts({ caller: invalid('12'), reputation: counts }), perBlock, NOW).rule).toBe('default');
  });

  it('calls: 1 matches every valid caller (this call counts)', () => {
    expect(evaluate(facts(), parsePolicy(oneRule('{ rate: { calls: 1, within: 30s } }'), 'test'), NOW).rule).toBe('r');
  });
});

describe('hostile caller data in reasons', () => {
  it('quotes and caps names, raw caller IDs and verstat so no control character reaches a log line', () => {
    const name = `ENERGIE\r\nX-Injected: 1${'A'.repeat(500)}`;
    const policy = parsePolicy(oneRule("{ any: [ { name: { matches: ['*energie*'] } } ], verstat: [missing, No-TN-Validation] }"), 'test');
    const d = evaluate(facts({ callerName: name }), policy, NOW);
    expect(d.rule).toBe('r');
    for (const reason of d.reasons) {
      expect(reason).not.toMatch(/[\r\n]/);
      expect(reason.length).toBeLessThan(120);
    }
    const raw = evaluate(facts({ caller: invalid('1', `1\u0000${'z'.repeat(300)}`) }), parsePolicy(oneRule('{ caller: invalid }'), 'test'), NOW);
    expect(raw.reasons[0]).not.toContain('\u0000');
    expect(raw.reasons[0]?.length).toBeLessThan(100);
  });
});

// A caller ID refused for a character nobody can see must not read like a good number: the reason shows it.
describe('invisible characters in an invalid caller ID', () => {
  const invalidRule = parsePolicy(oneRule('{ caller: invalid }'), 'test');
  const reasonFor = (callerId: string): string | undefined =>
    evaluate(facts({ caller: normalise(callerId, '', { defaultCountry: 'FR' }).number }), invalidRule, NOW).reasons[0];

  it('writes them as escapes in the reason, not deleted and not doubled', () => {
    expect(reasonFor('+33 6 12 34 56 78\u200b')).toBe('caller ID "+33 6 12 34 56 78\\u200b" is invalid (bad-characters)');
    expect(reasonFor('06\u202e12345678')).toBe('caller ID "06\\u202e12345678" is invalid (bad-characters)');
    expect(reasonFor('"Bob" <sip:06\r\n@h>')).toBe('caller ID "\\"Bob\\" <sip:06\\u000d\\u000a@h>" is invalid (bad-characters)');
  });

  it('cuts a long one between escapes, saying so', () => {
    // 20 digits and the first escape fill 26 characters: a cut at 32 would fall inside the second escape
    expect(reasonFor(`${'1'.repeat(20)}\u200b\u200b\u200b`)).toBe(`caller ID "${'1'.repeat(20)}\\u200b…" is invalid (bad-characters)`);
  });

  it('shows them in a hand-made raw too', () => {
    const d = evaluate(facts({ caller: invalid('06', '06\u200b') }), invalidRule, NOW);
    expect(d.reasons).toEqual(['caller ID "06\\u200b" is invalid (not-a-valid-number)']);
  });
});

// Reasons reach logs, the CLI, the API and the dashboard: a value a caller, a list file or the policy wrote is shown
// with its invisible characters as escapes (JSON.stringify left bidi overrides, zero-width and tag characters raw).
describe('invisible characters in the values a reason quotes', () => {
  const reasonsFor = (when: string, f: CallFacts): string[] => evaluate(f, parsePolicy(oneRule(when), 'test'), NOW).reasons;

  it('shows them in a caller name (the characters cleanName keeps)', () => {
    expect(reasonsFor('{ name: { contains: isolation } }', facts({ callerName: 'ISOLATION\u00ad 1\u{e0041}' })))
      .toEqual(['caller name "ISOLATION\\u00ad 1\\u{e0041}" contains "isolation"']);
  });

  it('shows them in the policy\'s contains texts and name patterns', () => {
    expect(reasonsFor('{ not: { name: { contains: "robo\\u202ecall", matches: "*EN\\u200bERGIE*" } } }', facts({ callerName: 'Jean' })))
      .toEqual(['caller name "Jean" matches none of *EN\\u200bERGIE*, "robo\\u202ecall"']);
  });

  it('shows them in a list entry\'s reason and source', () => {
    const listed = { list: 'block' as const, match: 'exact' as const, entry: '+33145678901', reason: 'robo\u200bcall \u{e0041}', source: 'im\u202eport' };
    expect(reasonsFor('{ list: block }', facts({ reputation: { listed } })))
      .toEqual(['caller +33145678901 is on the blocklist (exact entry +33145678901, reason "robo\\u200bcall \\u{e0041}", source "im\\u202eport")']);
  });

  it('shows them in the verstat the PBX sent', () => {
    expect(reasonsFor('{ not: { verstat: missing } }', facts({ verstat: 'TN-Validation-Passed\u202e\u2028' })))
      .toEqual(['STIR/SHAKEN verstat is "TN-Validation-Passed\\u202e\\u2028", not missing']);
  });
});

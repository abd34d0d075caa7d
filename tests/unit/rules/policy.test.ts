import { describe, it, expect } from 'vitest';
import { evaluate, lookupNeeds, parsePolicy } from '../../../src/rules/index.js';
import { facts, valid, withheld } from './facts.js';

const NOW = new Date('2026-11-25T11:00:00Z');

const ORDERED = `
version: 1
default: voicemail
rules:
  - name: first-withheld
    action: captcha
    when: { caller: withheld }
  - name: second-withheld
    action: reject
    when: { caller: [withheld, invalid] }
  - name: mobiles-or-high-score
    action: reject
    when:
      any:
        - { numberType: mobile }
        - { score: { min: 80 } }
  - name: not-paris-area
    action: captcha
    when:
      caller: valid
      not: { dialled: ['+331*'] }
`;

describe('evaluation order and combinators', () => {
  const policy = parsePolicy(ORDERED, 'test');

  it('first matching rule wins even when a later one matches too', () => {
    expect(evaluate(facts({ caller: withheld() }), policy, NOW)).toEqual({
      action: 'captcha', rule: 'first-withheld', reasons: ['caller withheld the number'],
    });
  });

  it('falls back to the default action with rule "default"', () => {
    const d = evaluate(facts(), policy, NOW);
    expect(d.action).toBe('voicemail');
    expect(d.rule).toBe('default');
    expect(d.reasons).toEqual(['no rule matched (4 checked): default action voicemail']);
  });

  it('any: holds when one branch holds, and explains with that branch', () => {
    expect(evaluate(facts({ reputation: { score: 85 } }), policy, NOW)).toEqual({
      action: 'reject', rule: 'mobiles-or-high-score', reasons: ['score 85 is at least 80'],
    });
    expect(evaluate(facts({ caller: valid('+33612345678', 'mobile') }), policy, NOW).reasons)
      .toEqual(['caller +33612345678 is a mobile number']);
  });

  it('not: holds when the inner block does not, and says why', () => {
    const d = evaluate(facts({ dialled: '+33487654321' }), policy, NOW);
    expect(d.rule).toBe('not-paris-area');
    expect(d.reasons).toEqual([
      'caller +33145678901 is a valid number',
      'dialled number "+33487654321" is not one of +331*',
    ]);
  });

  it('a when block needs all its conditions', () => {
    const p = parsePolicy('version: 1\nrules:\n  - { name: both, action: reject, when: { caller: valid, score: { min: 50 } } }\n', 'test');
    expect(evaluate(facts({ reputation: { score: 60 } }), p, NOW).rule).toBe('both');
    expect(evaluate(facts({ reputation: { score: 40 } }), p, NOW).rule).toBe('default');
    expect(evaluate(facts({ caller: withheld(), reputation: { score: 60 } }), p, NOW).rule).toBe('default');
  });

  it('nests any inside not inside any', () => {
    const p = parsePolicy(`version: 1
rules:
  - name: nested
    action: reject
    when:
      any:
        - not: { any: [ { caller: valid }, { caller: invalid } ] }
        - { reports: { min: 5 } }
`, 'test');
    expect(evaluate(facts({ caller: withheld() }), p, NOW).rule).toBe('nested');
    expect(evaluate(facts({ reputation: { reports: 5 } }), p, NOW).rule).toBe('nested');
    expect(evaluate(facts(), p, NOW).rule).toBe('default');
  });

  it('is pure: the same facts and instant give the same decision, and facts are not changed', () => {
    const f = facts({ caller: valid('+33612345678', 'mobile') });
    const copy = structuredClone(f);
    const a = evaluate(f, policy, NOW);
    const b = evaluate(f, policy, NOW);
    expect(a).toEqual(b);
    expect(f).toEqual(copy);
  });
});

describe('policy header', () => {
  it('defaults: enforce, Europe/Paris, ring, no rules', () => {
    const p = parsePolicy('version: 1\n', 'test');
    expect(p.mode).toBe('enforce');
    expect(p.timezone).toBe('Europe/Paris');
    expect(p.default).toBe('ring');
    expect(p.rules).toHaveLength(0);
    expect(evaluate(facts(), p, NOW).action).toBe('ring');
  });

  it('reads shadow mode, the time zone and the rule descriptions', () => {
    const p = parsePolicy(`version: 1
mode: shadow
timezone: America/Montreal
default: captcha
rules:
  - { name: w, action: reject, description: Withheld numbers, when: { caller: withheld } }
`, 'lab');
    expect(p.mode).toBe('shadow');
    expect(p.timezone).toBe('America/Montreal');
    expect(p.source).toBe('lab');
    expect(p.rules[0]?.description).toBe('Withheld numbers');
    // Shadow mode changes the route, not the decision: the screener rings, the record keeps the decision.
    expect(evaluate(facts({ caller: withheld() }), p, NOW).action).toBe('reject');
  });

  it('is frozen', () => {
    const p = parsePolicy('version: 1\nrules:\n  - { name: w, action: reject, when: { caller: withheld } }\n', 'test');
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.rules)).toBe(true);
    expect(() => (p.rules as unknown as unknown[]).push({})).toThrow();
  });
});

describe('lookupNeeds', () => {
  it('lists every rate window once, ascending, including nested ones, and the block size', () => {
    const p = parsePolicy(`version: 1
rules:
  - { name: a, action: captcha, when: { rate: { calls: 4, within: 10m } } }
  - { name: b, action: captcha, when: { rate: { calls: 10, within: 1h, per: block, blockDigits: 7 } } }
  - { name: c, action: captcha, when: { any: [ { rate: { calls: 2, within: 30s } } ], not: { rate: { calls: 9, within: 600s } } } }
`, 'test');
    expect(lookupNeeds(p)).toEqual({ rateWindowsSec: [30, 600, 3600], blockDigits: 7 });
  });

  it('defaults to 8-digit blocks and no windows', () => {
    expect(lookupNeeds(parsePolicy('version: 1\n', 'test'))).toEqual({ rateWindowsSec: [], blockDigits: 8 });
    const p = parsePolicy('version: 1\nrules:\n  - { name: b, action: captcha, when: { rate: { calls: 3, within: 2h, per: block } } }\n', 'test');
    expect(lookupNeeds(p)).toEqual({ rateWindowsSec: [7200], blockDigits: 8 });
  });

  it('returns a copy the caller may change', () => {
    const p = parsePolicy('version: 1\nrules:\n  - { name: a, action: captcha, when: { rate: { calls: 4, within: 1d } } }\n', 'test');
    lookupNeeds(p).rateWindowsSec.push(5);
    expect(lookupNeeds(p).rateWindowsSec).toEqual([86_400]);
  });
});

describe('captcha failure routes', () => {
  it('a captcha decision carries the failure routes its rule names; other decisions carry none', () => {
    const policy = parsePolicy(`version: 1
rules:
  - name: withheld
    action: captcha
    captcha: { onFail: reject }
    when: { caller: [withheld] }
`, 'test');
    expect(evaluate(facts({ caller: withheld() }), policy, new Date('2026-12-01T10:00:00Z'))).toMatchObject({ action: 'captcha', captcha: { onFail: 'reject' } });
    expect(evaluate(facts({ caller: valid('+33612345678') }), policy, new Date('2026-12-01T10:00:00Z')).captcha).toBeUndefined();
  });
});

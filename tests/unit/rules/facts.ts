/** Builds CallFacts from plain objects for the rules tests (callers made by hand, no src/phone needed). */
import type { InvalidCaller, NumberType, ValidCaller, WithheldCaller } from '../../../src/phone/types.js';
import type { CallFacts, ReputationFacts } from '../../../src/rules/types.js';

export function valid(e164: string, type: NumberType = 'fixed-line', country: string | null = 'FR'): ValidCaller {
  return { kind: 'valid', e164, country, type, raw: e164, verstat: null };
}

export function withheld(): WithheldCaller {
  return { kind: 'withheld', raw: 'anonymous', verstat: null };
}

export function invalid(digits: string, raw = digits): InvalidCaller {
  return { kind: 'invalid', raw, reason: 'not-a-valid-number', digits, verstat: null };
}

export interface FactsOverrides extends Partial<Omit<CallFacts, 'reputation'>> {
  reputation?: Partial<ReputationFacts>;
}

export function facts(over: FactsOverrides = {}): CallFacts {
  const { reputation, ...rest } = over;
  return {
    caller: valid('+33145678901'),
    callerName: '',
    dialled: '+33187654321',
    verstat: null,
    ...rest,
    reputation: {
      listed: null,
      score: 0,
      trustedUntil: null,
      reports: 0,
      captcha: { passed: 0, failed: 0, hungUp: 0 },
      recentCalls: { number: {}, block: {} },
      ...reputation,
    },
  };
}

/** A one-rule policy text: `when` is YAML flow text, the rule's action is `reject`, the default `ring`. */
export function oneRule(when: string, extra = ''): string {
  return `version: 1\n${extra}default: ring\nrules:\n  - name: r\n    action: reject\n    when: ${when}\n`;
}

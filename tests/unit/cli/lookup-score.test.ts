/** `chut lookup` must never show a score at a threshold the score did not reach. */
import { describe, expect, it } from 'vitest';
import { formatExplanation } from '../../../src/cli/commands/lookup.js';
import { normalise } from '../../../src/phone/index.js';
import type { Explanation } from '../../../src/screening/types.js';

function explanation(score: number): Explanation {
  return {
    decision: {
      action: 'ring', rule: 'default', reasons: ['no rule matched'], route: 'ring', shadow: false, degraded: false,
      caller: normalise('+33612345678', '', { defaultCountry: 'FR' }), dialled: '+33187654321', latencyMs: 1, decidedAt: 0,
    },
    facts: {
      listed: null, score, trustedUntil: null, reports: 0, captcha: { passed: 0, failed: 3, hungUp: 0 },
      recentCalls: { number: {}, block: {} }, firstSeen: null, lastSeen: null,
    },
    listEntries: [],
  };
}

describe('chut lookup: the score line', () => {
  // three failed captchas (75) and three days of decay: 69.977, which `high-score` (min: 70) does not match
  it.each([[69.977474, '69.9'], [69.99999999999999, '69.9'], [70, '70.0'], [0, '0.0'], [12.34, '12.3'], [100, '100.0']])(
    'shows %s as %s (truncated, never rounded up)', (score, shown) => {
      expect(formatExplanation(explanation(score))).toContain(`facts: score ${shown}, `);
    },
  );
});

/** The captcha's bound on a hung chut (src/screening/captcha-bound.ts), as both adapters arm it. */
import { describe, expect, it } from 'vitest';
import { answerBoundS } from '../../../src/ari/calls.js';
import { parseConfig } from '../../../src/config.js';
import { captchaBoundS } from '../../../src/screening/captcha-bound.js';

const defaults = parseConfig({}).captcha;

describe('captchaBoundS', () => {
  it('is the longest captcha the configuration allows: 20 s a prompt, every digit wait, the closing prompt and 20 s', () => {
    // 3 attempts of (20 + 6 + 3 × 3) s, then 20 + 20 s
    expect(captchaBoundS(defaults)).toBe(145);
    // 2 × (20 + 1 + 3 × 0.5) + 40 = 85
    expect(captchaBoundS({ attempts: 2, length: 4, firstDigitTimeoutMs: 1000, interDigitTimeoutMs: 500 })).toBe(85);
    // the longest the configuration accepts: 5 × (20 + 30 + 7 × 10) + 40
    expect(captchaBoundS({ attempts: 5, length: 8, firstDigitTimeoutMs: 30_000, interDigitTimeoutMs: 10_000 })).toBe(640);
  });

  it('counts a shorter prompt cap instead of the allowance (never a longer one), and rounds up to whole seconds', () => {
    // 3 × (5 + 6 + 9) + 5 + 20 = 85
    expect(captchaBoundS(defaults, 5000)).toBe(85);
    expect(captchaBoundS(defaults, 60_000)).toBe(captchaBoundS(defaults));
    expect(captchaBoundS({ attempts: 1, length: 3, firstDigitTimeoutMs: 1000, interDigitTimeoutMs: 500 }, 1)).toBe(23);
  });

  it('the ARI adapter\'s answer bound is the same helper, its playback timeout (60 s by default) as the cap', () => {
    expect(answerBoundS(defaults)).toBe(145);
    for (const cap of [1000, 20_000, 60_000]) expect(answerBoundS(defaults, cap)).toBe(captchaBoundS(defaults, cap));
  });
});

/** Asterisk's STIR/SHAKEN results, in the policy's verstat words: a `verstat:` rule must match over ARI too. */
import { describe, expect, it } from 'vitest';
import { verstatFromAsterisk } from '../../../src/ari/stir-shaken.js';

describe('verstatFromAsterisk', () => {
  it.each([
    // Asterisk 20.7+, 21.2+, 22 (res_stir_shaken/verification.c)
    ['success', 'TN-Validation-Passed'],
    ['signature_validation', 'TN-Validation-Failed'],
    ['cid_orig_tn_mismatch', 'TN-Validation-Failed'],
    ['cert_not_trusted', 'TN-Validation-Failed'],
    ['iat_range_error', 'TN-Validation-Failed'],
    ['internal_error', 'No-TN-Validation'],
    ['invalid_arguments', 'No-TN-Validation'],
    ['missing_identity_hdr', null],
    ['disabled', null],
    // earlier Asterisk (res_stir_shaken.c)
    ['Verification passed', 'TN-Validation-Passed'],
    ['Signature failed', 'TN-Validation-Failed'],
    ['Verification mismatch', 'TN-Validation-Failed'],
    ['Verification not present', null],
    // already a verstat, nothing, and a code this version does not know (counted as failed: the caller gets a captcha, not a pass)
    ['TN-Validation-Failed', 'TN-Validation-Failed'],
    ['', null],
    ['some_future_check', 'TN-Validation-Failed'],
  ])('%j → %j', (result, verstat) => {
    expect(verstatFromAsterisk(result)).toBe(verstat);
  });
});

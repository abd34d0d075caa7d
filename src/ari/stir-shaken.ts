/**
 * Asterisk's STIR/SHAKEN verification result in the policy's vocabulary, the 3GPP `verstat` a SIP trunk puts in
 * P-Asserted-Identity (`TN-Validation-Passed`, `TN-Validation-Failed`, `No-TN-Validation`). Over ARI chut reads
 * `STIR_SHAKEN(0,verify_result)`, which speaks Asterisk's own words, so a policy's `verstat: TN-Validation-Failed`
 * never matched:
 * - Asterisk 20.7+, 21.2+, 22 (res_stir_shaken/verification.c `vs_rc_map`): `success`, `disabled`,
 *   `missing_identity_hdr`, `internal_error`, `invalid_arguments`, and a code per failed check
 *   (`signature_validation`, `cid_orig_tn_mismatch`, `cert_not_trusted`, `iat_range_error`…);
 * - earlier (res_stir_shaken.c `stir_shaken_verification_result_to_string`): `Verification passed`,
 *   `Verification not present`, `Signature failed`, `Verification mismatch`.
 */

const PASSED = new Set(['success', 'verification passed']);
/** Nothing was verified: no Identity header, or verification switched off. Read as "no verstat" (`missing`). */
const ABSENT = new Set(['verification not present', 'missing_identity_hdr', 'disabled']);
/** The verifier could not run: nothing is known about the caller either way. */
const NOT_VALIDATED = new Set(['internal_error', 'invalid_arguments']);
const VERSTAT = /^(?:TN-Validation-Passed|TN-Validation-Failed|No-TN-Validation)$/i;

/** null when nothing was verified; every other result, a failed check or one this code does not know, is Failed. */
export function verstatFromAsterisk(result: string): string | null {
  const r = result.trim();
  if (VERSTAT.test(r)) return r; // already a verstat (a dialplan that set it, a future Asterisk)
  const key = r.toLowerCase();
  if (r === '' || ABSENT.has(key)) return null;
  if (PASSED.has(key)) return 'TN-Validation-Passed';
  if (NOT_VALIDATED.has(key)) return 'No-TN-Validation';
  return 'TN-Validation-Failed';
}

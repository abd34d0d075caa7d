/**
 * Spellings PBXs and carriers use when the caller withheld (or the network lost) the number. Compared lower-case with
 * runs of spaces, `_` and `-` folded to one space, so `Anonymous`, `RESTRICTED` and `private_number` all match.
 * - `anonymous`: RFC 3323/3325 (`sip:anonymous@anonymous.invalid`), Asterisk, FreeSWITCH.
 * - `asterisk`: Asterisk's placeholder when a channel has no caller ID at all.
 * - `p` / `o`: North American CLASS codes for "private" and "out of area".
 */
const WITHHELD_TOKENS: ReadonlySet<string> = new Set([
  'anonymous',
  'anonymous caller',
  'anonymous number',
  'asterisk',
  'blocked',
  'hidden',
  'no caller id',
  'not available',
  'o',
  'out of area',
  'p',
  'private',
  'private number',
  'restricted',
  'unavailable',
  'unknown',
  'unknown caller',
  'unknown number',
  'withheld',
]);

/** Longest token above; anything longer cannot match, so we skip the folding work. */
const MAX_TOKEN_LENGTH = 32;

/** True when the number part of a caller ID (URI user part, or the bare value) says "withheld". */
export function isWithheldToken(candidate: string): boolean {
  const trimmed = candidate.trim();
  if (trimmed.length === 0) return true;
  if (trimmed.length > MAX_TOKEN_LENGTH) return false;
  const folded = trimmed
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase()
    .replace(/[\s_-]+/g, ' ')
    .trim();
  return folded.length === 0 || WITHHELD_TOKENS.has(folded);
}

/**
 * FreeSWITCH's default `caller_id_number` is `0000000000` and several gateways send runs of zeros for "no number".
 * No real number is all zeros, so we treat any all-zero national form as withheld rather than invalid.
 */
export function isPlaceholderZeros(digits: string, hadPlus: boolean): boolean {
  return !hadPlus && digits.length > 0 && /^0+$/.test(digits);
}

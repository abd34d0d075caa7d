import { stripUnsafeKeepGaps, truncateUnits } from './sanitize.js';

/** Longest caller name we keep, in code points (CNAM is 15 characters; SIP display names are rarely above 40). */
export const MAX_NAME_CODE_POINTS = 64;
/** How much raw input we look at before cleaning: enough for 64 visible characters buried in invisible padding. */
const MAX_NAME_INPUT = 1024;

/**
 * Cleans a caller name for storage, logs and display: non-strings become '', control, bidi-override and zero-width
 * characters go, whitespace runs collapse to one space, and the result is cut at 64 code points (never inside a
 * surrogate pair). Note that removing U+200D splits emoji ZWJ sequences into their parts — acceptable for a name.
 */
export function cleanName(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0) return '';
  const cleaned = stripUnsafeKeepGaps(truncateUnits(raw, MAX_NAME_INPUT))
    .replace(/\s+/g, ' ')
    .trim();
  return capCodePoints(cleaned, MAX_NAME_CODE_POINTS).trimEnd();
}

function capCodePoints(s: string, max: number): string {
  // Fast path: fewer UTF-16 units than the cap means fewer code points too.
  if (s.length <= max) return s;
  let out = '';
  let count = 0;
  for (const cp of s) {
    if (count === max) break;
    out += cp;
    count += 1;
  }
  return out;
}

/**
 * The uncached pipeline from one raw caller-ID string to a `CallerNumber`:
 * truncate → split URI / name-addr → withheld spellings → character scan → libphonenumber.
 */
import { parseDigits, supportedCountry } from './libphone.js';
import { MAX_RAW_LENGTH, stripUnsafe, truncateUnits } from './sanitize.js';
import { otherPlanRegions } from './shared-plans.js';
import { MAX_KEPT_DIGITS, scanNumber } from './scan.js';
import type { CallerNumber } from './types.js';
import { splitCallerId } from './uri.js';
import { isPlaceholderZeros, isWithheldToken } from './withheld.js';

export interface ParsedCallerId {
  number: CallerNumber;
  /** Display name found in a name-addr form (uncleaned), or null. */
  displayName: string | null;
}

/** Longest digit string worth handing to libphonenumber: `00` or a 3-digit IDD plus 15 E.164 digits. */
const MAX_NUMBER_DIGITS = 18;

/**
 * `rawNumber` may be any length; only its first `MAX_RAW_LENGTH` units are read. Longer values are `too-long`:
 * no PBX sends a legitimate caller ID that size.
 */
export function parseCallerId(rawNumber: string, defaultCountry: string): ParsedCallerId {
  const head = truncateUnits(rawNumber, MAX_RAW_LENGTH);
  const raw = stripUnsafe(head);
  const { candidate, displayName, verstat } = splitCallerId(head);
  if (rawNumber.length > MAX_RAW_LENGTH) {
    return { number: invalid(raw, 'too-long', asciiDigits(candidate), verstat), displayName };
  }
  if (isWithheldToken(candidate)) return { number: { kind: 'withheld', raw, verstat }, displayName };
  const scan = scanNumber(candidate);
  if (!scan.ok) return { number: invalid(raw, scan.reason, scan.digits, verstat), displayName };
  if (isPlaceholderZeros(scan.digits, scan.plus)) return { number: { kind: 'withheld', raw, verstat }, displayName };
  if (scan.digits.length > MAX_NUMBER_DIGITS) {
    return { number: invalid(raw, 'too-long-number', scan.digits.slice(0, MAX_KEPT_DIGITS), verstat), displayName };
  }
  const country = supportedCountry(defaultCountry);
  let parsed = parseDigits(scan.digits, scan.plus, country);
  // a national number of another region of the same numbering plan (see shared-plans.ts)
  if (!parsed.ok && !scan.plus && /^0[1-9]/.test(scan.digits)) {
    for (const region of otherPlanRegions(country)) {
      const other = parseDigits(scan.digits, false, region);
      if (other.ok) {
        parsed = other;
        break;
      }
    }
  }
  if (!parsed.ok) return { number: invalid(raw, parsed.reason, scan.digits, verstat), displayName };
  const number: CallerNumber = {
    kind: 'valid',
    e164: parsed.e164,
    country: parsed.country,
    type: parsed.type,
    raw,
    verstat,
  };
  return { number, displayName };
}

function invalid(
  raw: string,
  reason: Extract<CallerNumber, { kind: 'invalid' }>['reason'],
  digits: string,
  verstat: string | null,
): CallerNumber {
  return { kind: 'invalid', raw, reason, digits, verstat };
}

function asciiDigits(s: string): string {
  return s.replace(/[^0-9]/g, '').slice(0, MAX_KEPT_DIGITS);
}

/**
 * The uncached pipeline from one raw caller-ID string to a `CallerNumber`:
 * truncate → split URI / name-addr → withheld spellings → character scan → libphonenumber.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import { callingCodeOf, dialPrefixesOf, parseDigits, supportedCountry, validNational, type ParsedNumber } from './libphone.js';
import { MAX_RAW_LENGTH, showCallerId, truncateUnits } from './sanitize.js';
import { otherPlanRegions, sharedPlanNationalDigits } from './shared-plans.js';
import { MAX_KEPT_DIGITS, scanNumber } from './scan.js';
import type { CallerNumber, InvalidCaller } from './types.js';
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
  const raw = showCallerId(rawNumber);
  const { candidate, emptyUserPart, displayName, verstat } = splitCallerId(head);
  if (rawNumber.length > MAX_RAW_LENGTH) {
    return { number: invalid(raw, 'too-long', asciiDigits(candidate), verstat), displayName };
  }
  // Withheld is a caller who sent no number: a withheld spelling, or nothing where the number goes. `?x=1` or
  // `sip:;user=phone@h` sent text there with no number in it: that is invalid (no-digits), like `+` or `--`.
  const withheld = candidate.trim() === '' ? emptyUserPart : isWithheldToken(candidate);
  if (withheld) return { number: { kind: 'withheld', raw, verstat }, displayName };
  const scan = scanNumber(candidate);
  if (!scan.ok) return { number: invalid(raw, scan.reason, scan.digits, verstat), displayName };
  if (isPlaceholderZeros(scan.digits, scan.plus)) return { number: { kind: 'withheld', raw, verstat }, displayName };
  if (scan.digits.length > MAX_NUMBER_DIGITS) {
    return { number: invalid(raw, 'too-long-number', scan.digits.slice(0, MAX_KEPT_DIGITS), verstat), displayName };
  }
  const country = supportedCountry(defaultCountry);
  const parsed = parseInPlan(scan.digits, scan.plus, country);
  if (!parsed.ok) {
    const international = scan.plus ? undefined : nationalToInternational(scan.digits, country);
    const number: InvalidCaller = { kind: 'invalid', raw, reason: parsed.reason, digits: scan.digits, verstat };
    return { number: international === undefined ? number : { ...number, international }, displayName };
  }
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

/**
 * `parseDigits`, then, for a national number the default country finds invalid, the other regions of its shared
 * numbering plan (see shared-plans.ts). List prefixes in national form are resolved with it too (list-entry.ts),
 * so a prefix and the numbers it covers land under the same calling code.
 */
export function parseInPlan(digits: string, plus: boolean, country: CountryCode | undefined): ParsedNumber {
  const parsed = parseDigits(digits, plus, country);
  if (parsed.ok || plus) return parsed;
  const national = /^0[1-9]/.test(digits) ? digits : withoutTrunk(digits, country) ? `0${digits}` : null;
  if (national === null) return parsed;
  for (const region of otherPlanRegions(country)) {
    const other = validNational(national, region);
    if (other) return other;
  }
  return parsed;
}

/**
 * A national number whose trunk 0 the PBX or trunk dropped: `612345678` reads as +33612345678 in FR, so
 * `590123456` (Guadeloupe) and `692123456` (Réunion) must read as their `0…` forms do. Only the plan's exact
 * national length, so no other digit string is reinterpreted.
 */
function withoutTrunk(digits: string, country: CountryCode | undefined): boolean {
  return /^[1-9]/.test(digits) && digits.length === sharedPlanNationalDigits(country);
}

/** `0900123` → `49900123` for DE: the trunk prefix replaced by the calling code; undefined for any other form. */
function nationalToInternational(digits: string, country: CountryCode | undefined): string | undefined {
  if (country === undefined) return undefined;
  const { national, international } = dialPrefixesOf(country);
  if (national === undefined || !digits.startsWith(national) || digits.startsWith('00')) return undefined;
  if (international !== undefined && digits.startsWith(international)) return undefined;
  return callingCodeOf(country) + digits.slice(national.length);
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

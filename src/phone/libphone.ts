/**
 * With plan-matcher.ts (its fast path over the same metadata), the only file that talks to libphonenumber-js. `max`
 * metadata is required: the smaller sets cannot tell a mobile from a premium-rate number (`getType()` returns
 * undefined).
 */
import {
  Metadata,
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
  type CountryCode,
  type NumberType as LibNumberType,
  type PhoneNumber,
} from 'libphonenumber-js/max';
import { cannotBeValidNational, matchInternational, matchNational, type PlanMatch } from './plan-matcher.js';
import type { InvalidReason, NumberType } from './types.js';

export type ParsedNumber =
  | { ok: true; e164: string; country: string | null; type: NumberType }
  | { ok: false; reason: InvalidReason };

const TYPE_NAMES: Record<NonNullable<LibNumberType>, NumberType> = {
  MOBILE: 'mobile',
  FIXED_LINE: 'fixed-line',
  FIXED_LINE_OR_MOBILE: 'fixed-line-or-mobile',
  TOLL_FREE: 'toll-free',
  PREMIUM_RATE: 'premium-rate',
  SHARED_COST: 'shared-cost',
  VOIP: 'voip',
  PERSONAL_NUMBER: 'personal-number',
  PAGER: 'pager',
  UAN: 'uan',
  VOICEMAIL: 'voicemail',
};

const supported = new Map<string, CountryCode | undefined>();

/**
 * `fr` → `FR` when libphonenumber knows the region; undefined otherwise (national forms then cannot be parsed).
 * Remembered: it is asked for every new caller, with the one or two countries a configuration names.
 */
export function supportedCountry(country: string): CountryCode | undefined {
  if (typeof country !== 'string' || country.length > 8) return undefined;
  if (supported.has(country)) return supported.get(country);
  const upper = country.toUpperCase();
  const result = isSupportedCountry(upper) ? upper : undefined;
  if (supported.size < 64) supported.set(country, result);
  return result;
}

export function callingCodeOf(country: CountryCode): string {
  return getCountryCallingCode(country);
}

/** The public typings omit these `NumberingPlan` methods, which the runtime has (checked before each call). */
interface PlanExtras {
  nationalPrefix?: () => string | undefined;
  IDDPrefix?: () => string | undefined;
  defaultIDDPrefix?: () => string | undefined;
}
interface DialPrefixes {
  national: string | undefined;
  international: string | undefined;
}
const dialPrefixes = new Map<CountryCode, DialPrefixes>();

/**
 * The trunk prefix dialled before national numbers (`0` in FR, `1` in US, `8` in RU) and the international prefix
 * (`00` in FR, `011` in US, `810` in RU), each only when it is plain digits (some metadata holds a pattern).
 */
export function dialPrefixesOf(country: CountryCode): DialPrefixes {
  const known = dialPrefixes.get(country);
  if (known) return known;
  const metadata = new Metadata();
  metadata.selectNumberingPlan(country);
  const plan = metadata.numberingPlan as PlanExtras | undefined;
  const call = (f: (() => string | undefined) | undefined): string | undefined => (typeof f === 'function' ? f.call(plan) : undefined);
  const digitsOnly = (v: string | undefined): string | undefined => (v && /^\d+$/.test(v) ? v : undefined);
  const result = {
    national: digitsOnly(call(plan?.nationalPrefix)),
    international: digitsOnly(call(plan?.defaultIDDPrefix)) ?? digitsOnly(call(plan?.IDDPrefix)),
  };
  dialPrefixes.set(country, result);
  return result;
}

/**
 * Digits already validated by `scanNumber`. With `plus`, they are international. Without, they are tried as a
 * national number (trunk prefix, `00`/IDD forms — libphonenumber handles those per country) and, when that is not a
 * valid number, as international digits missing their `+` (`33612345678` from a PBX configured for FR).
 */
export function parseDigits(digits: string, plus: boolean, country: CountryCode | undefined): ParsedNumber {
  try {
    if (plus || country === undefined) {
      const fast = matchInternational(digits);
      if (fast) return fromMatch(fast);
      return fromParse(parsePhoneNumberFromString(`+${digits}`), `+${digits}`, undefined);
    }
    const national = validNational(digits, country);
    if (national) return national;
    if (!digits.startsWith('0')) {
      const international = validOrNull(parsePhoneNumberFromString(`+${digits}`));
      if (international) return international;
    }
    return { ok: false, reason: invalidReason(digits, country) };
  } catch {
    // libphonenumber-js documents no throw for these calls; this keeps "normalise never throws" true regardless.
    return { ok: false, reason: 'not-a-valid-number' };
  }
}

/**
 * `digits` read as a national number of `country` alone: the number when it is valid there, else null. No reason is
 * worked out for a refusal (a second parse): the shared plan's other regions are asked this, and their refusals
 * say nothing the default country's does not.
 */
export function validNational(digits: string, country: CountryCode): ParsedNumber | null {
  try {
    const fast = matchNational(digits, country);
    if (fast) return fromMatch(fast);
    if (cannotBeValidNational(digits, country)) return null;
    return validOrNull(parsePhoneNumberFromString(digits, country));
  } catch {
    return null; // as parseDigits: libphonenumber documents no throw, normalise never throws regardless
  }
}

function fromMatch(m: PlanMatch): ParsedNumber {
  return { ok: true, e164: m.e164, country: m.country, type: TYPE_NAMES[m.type] };
}

function fromParse(parsed: PhoneNumber | undefined, text: string, country: CountryCode | undefined): ParsedNumber {
  return validOrNull(parsed) ?? { ok: false, reason: invalidReason(text, country) };
}

/**
 * The number and its type, or null when it is not valid. With `max` metadata, isValid() is exactly "getType() is
 * defined" and runs the same pattern matching, so the type is asked first: a valid number (the common case) is
 * matched once, not twice. isValid() only decides for numbers without a type.
 */
function validOrNull(parsed: PhoneNumber | undefined): ParsedNumber | null {
  if (!parsed) return null;
  const libType = parsed.getType();
  if (!libType && !parsed.isValid()) return null;
  return {
    ok: true,
    e164: parsed.number,
    country: parsed.country ?? null,
    type: libType ? TYPE_NAMES[libType] : 'unknown',
  };
}

function invalidReason(text: string, country: CountryCode | undefined): InvalidReason {
  switch (validatePhoneNumberLength(text, country)) {
    case 'TOO_SHORT':
      return 'too-short';
    case 'TOO_LONG':
      return 'too-long-number';
    case 'INVALID_COUNTRY':
      return 'invalid-country';
    case 'NOT_A_NUMBER':
      return 'no-digits';
    default:
      return 'not-a-valid-number';
  }
}

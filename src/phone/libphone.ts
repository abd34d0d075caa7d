/**
 * The only file that talks to libphonenumber-js. `max` metadata is required: the smaller sets cannot tell a mobile
 * from a premium-rate number (`getType()` returns undefined).
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

/** `fr` → `FR` when libphonenumber knows the region; undefined otherwise (national forms then cannot be parsed). */
export function supportedCountry(country: string): CountryCode | undefined {
  if (typeof country !== 'string') return undefined;
  const upper = country.toUpperCase();
  return isSupportedCountry(upper) ? upper : undefined;
}

export function callingCodeOf(country: CountryCode): string {
  return getCountryCallingCode(country);
}

/** The public typings omit `nationalPrefix()`, which the runtime `NumberingPlan` has (checked at runtime below). */
interface PlanWithPrefix {
  nationalPrefix?: () => string | undefined;
}
const nationalPrefixes = new Map<CountryCode, string | undefined>();

/** The trunk prefix dialled before national numbers (`0` in FR, `1` in US, `8` in RU), when it is plain digits. */
export function nationalPrefixOf(country: CountryCode): string | undefined {
  if (nationalPrefixes.has(country)) return nationalPrefixes.get(country);
  const metadata = new Metadata();
  metadata.selectNumberingPlan(country);
  const plan = metadata.numberingPlan as PlanWithPrefix | undefined;
  const prefix = typeof plan?.nationalPrefix === 'function' ? plan.nationalPrefix() : undefined;
  const result = prefix && /^\d+$/.test(prefix) ? prefix : undefined;
  nationalPrefixes.set(country, result);
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
      return fromParse(parsePhoneNumberFromString(`+${digits}`), `+${digits}`, undefined);
    }
    const national = parsePhoneNumberFromString(digits, country);
    if (national?.isValid()) return valid(national);
    if (!digits.startsWith('0')) {
      const international = parsePhoneNumberFromString(`+${digits}`);
      if (international?.isValid()) return valid(international);
    }
    return { ok: false, reason: invalidReason(digits, country) };
  } catch {
    // libphonenumber-js documents no throw for these calls; this keeps "normalise never throws" true regardless.
    return { ok: false, reason: 'not-a-valid-number' };
  }
}

function fromParse(parsed: PhoneNumber | undefined, text: string, country: CountryCode | undefined): ParsedNumber {
  if (parsed?.isValid()) return valid(parsed);
  return { ok: false, reason: invalidReason(text, country) };
}

function valid(parsed: PhoneNumber): ParsedNumber {
  const libType = parsed.getType();
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

/** What libphonenumber-js `max` metadata says a number is, in our own stable spelling. */
export type NumberType =
  | 'mobile'
  | 'fixed-line'
  | 'fixed-line-or-mobile'
  | 'toll-free'
  | 'premium-rate'
  | 'shared-cost'
  | 'voip'
  | 'personal-number'
  | 'pager'
  | 'uan'
  | 'voicemail'
  | 'unknown';

export type InvalidReason =
  | 'not-a-string'
  | 'too-long'
  | 'no-digits'
  | 'bad-characters'
  | 'too-short'
  | 'too-long-number'
  | 'invalid-country'
  | 'not-a-valid-number';

/** A caller number that libphonenumber-js accepts as a real, dialable number. */
export interface ValidCaller {
  kind: 'valid';
  /** `+33612345678` */
  e164: string;
  /** ISO 3166 alpha-2 region, `null` for non-geographic numbers (e.g. +800). */
  country: string | null;
  type: NumberType;
  /**
   * The caller ID as the PBX handed it, for people to read: control, invisible and broken characters written as
   * escapes (`\u200b`), at most 256 characters, ending in `…` when cut (see `showCallerId`).
   */
  raw: string;
  /** STIR/SHAKEN verification status found in the caller ID (`;verstat=…`), if any. */
  verstat: string | null;
}

/** The caller withheld the number (anonymous, restricted, private, unavailable, empty…). */
export interface WithheldCaller {
  kind: 'withheld';
  /** As `ValidCaller.raw`. */
  raw: string;
  verstat: string | null;
}

/** Something that is not a usable number; `digits` keeps what digits it had (e.g. `112`). */
export interface InvalidCaller {
  kind: 'invalid';
  /** As `ValidCaller.raw`: its escapes often show why the caller ID is invalid (`06\u200b12345678`). */
  raw: string;
  reason: InvalidReason;
  digits: string;
  verstat: string | null;
  /**
   * Present when `digits` were a national number of the default country (its trunk prefix first): the same digits
   * with the trunk prefix replaced by its calling code (`0900123` on a German PBX → `49900123`). Packs match
   * invalid caller IDs on these too, so a pack for one country never takes another country's national digits.
   */
  international?: string;
}

export type CallerNumber = ValidCaller | WithheldCaller | InvalidCaller;

export interface NormalisedCaller {
  number: CallerNumber;
  /** Display name, trimmed to a sane length, control characters removed; '' when none. */
  name: string;
}

export interface NormaliseOptions {
  /** ISO 3166 alpha-2 region used for national numbers (`0162…` with `FR`). */
  defaultCountry: string;
}

/** A list entry typed by a user: an exact number or a prefix (`+33162*`, `0162*`). */
export type ListEntry = { kind: 'number'; e164: string } | { kind: 'prefix'; prefix: string };

/**
 * What a user types into `chut allow|block`, an import file or the web UI: an exact number in any accepted form, or a
 * prefix written with a trailing `*`. Prefixes are stored in international form (`+33162`) so they compare against
 * E.164 caller numbers with a plain `startsWith`.
 *
 * Prefix forms (default country FR): `+33162*`, `0033162*` (or the country's own IDD, `011` for US), `0162*` (the
 * country's trunk prefix replaced by its calling code), and `33162*` (bare digits: a country code without `+`).
 * In the French shared plan a national prefix takes the calling code its numbers are normalised under, as exact
 * numbers do: `0590*` → `+590590`, `0692*` → `+262692`, `0162*` from Réunion → `+33162`. One too short to tell
 * (`05*`: Bordeaux and Guadeloupe) keeps the default country's code (`+335`): write the `+` form for the others.
 * Caveat: in countries whose national numbers keep the leading 0 (Italy) or have no trunk prefix, write the `+` form.
 */
import { callingCodeOf, dialPrefixesOf, supportedCountry } from './libphone.js';
import type { CountryCode } from 'libphonenumber-js/max';
import { LruCache } from './lru.js';
import { parseCallerId, parseInPlan } from './parse-caller.js';
import { sharedPlanNationalDigits } from './shared-plans.js';
import type { ListEntry } from './types.js';

const MAX_ENTRY_LENGTH = 64;
const MAX_PREFIX_DIGITS = 15;
const SEPARATORS = /[\s.\-()/\u00a0\u202f]/g;

export function parseListEntry(raw: string, defaultCountry: string): ListEntry | { error: string } {
  if (typeof raw !== 'string') return { error: 'a list entry must be text' };
  const text = raw.trim();
  if (text.length === 0) return { error: 'empty entry: expected a phone number or a prefix such as +33162*' };
  if (text.length > MAX_ENTRY_LENGTH) return { error: `entry longer than ${MAX_ENTRY_LENGTH} characters` };
  if (text.endsWith('*')) return parsePrefix(text.slice(0, -1), defaultCountry);
  return parseExact(text, defaultCountry);
}

/** URI forms a number may be pasted in (from a PBX log), bare or after a display name, quoted or not
 * (`Alice <sip:…;user=phone>`); only they may carry `;parameters`. */
const URI_SCHEME = /(?:^|<)\s*(?:sips?|tel):/i;

function parseExact(text: string, defaultCountry: string): ListEntry | { error: string } {
  // The caller-ID parser drops `;anything` as URI parameters: `0612345678;spam` (a semicolon CSV read with the
  // wrong separator) would be taken as the number, its reason lost without a word.
  if (text.includes(';') && !URI_SCHEME.test(text)) return { error: `"${printable(text)}" is not a phone number (a ; is only allowed in a sip: or tel: URI)` };
  const { number } = parseCallerId(text, defaultCountry);
  if (number.kind === 'valid') return { kind: 'number', e164: number.e164 };
  if (number.kind === 'withheld') {
    return { error: `"${printable(text)}" is not a phone number (to act on withheld callers, use a rule)` };
  }
  return { error: `"${printable(text)}" is not a valid phone number (${number.reason}); for a prefix add a trailing *` };
}

/** `+33 (0)6…`: the trunk 0 written after the country code, to be dropped when dialled from abroad (as the caller-ID
 * parser drops it from an exact number). Kept, `+33 (0)6 12*` became +330612, which no caller carries. Not for the
 * codes whose numbers keep their 0 (Italy and San Marino: `+39 (0)6*` is Rome, +3906). */
const TRUNK_ZERO_AFTER_CODE = /^(\s*\+\s*(\d{1,3}))\s*\(\s*0\s*\)/;
const ZERO_KEPT_AFTER = new Set(['39', '378']);

function parsePrefix(body: string, defaultCountry: string): ListEntry | { error: string } {
  const compact = body.replace(TRUNK_ZERO_AFTER_CODE, (all, code: string, digits: string) => (ZERO_KEPT_AFTER.has(digits) ? all : code))
    .replace(SEPARATORS, '');
  const match = /^(\+?)(\d+)$/.exec(compact);
  if (!match) {
    return { error: `"${printable(body)}*" is not a prefix: expected digits before the *, e.g. +33162* or 0162*` };
  }
  const international = toInternational(match[1] === '+', match[2]!, defaultCountry);
  if ('error' in international) return international;
  const digits = international.digits;
  if (digits.length < 1 || digits.length > MAX_PREFIX_DIGITS) {
    return { error: `prefix "${printable(body)}*" must have 1 to ${MAX_PREFIX_DIGITS} digits after the country code +` };
  }
  if (digits.startsWith('0')) return { error: `prefix "${printable(body)}*" is not international: no country code starts with 0` };
  return { kind: 'prefix', prefix: `+${digits}` };
}

/** Digits after the `+` for a prefix written in any of the accepted forms. */
function toInternational(plus: boolean, digits: string, defaultCountry: string): { digits: string } | { error: string } {
  if (plus) return { digits };
  const country = supportedCountry(defaultCountry);
  const { national, international } = country === undefined ? NO_PREFIXES : dialPrefixesOf(country);
  // The country's own IDD first (`810` in RU would otherwise look like trunk `8`), then the near-universal `00`.
  if (international !== undefined && digits.startsWith(international)) return { digits: digits.slice(international.length) };
  if (digits.startsWith('00')) return { digits: digits.slice(2) };
  if (country !== undefined && national !== undefined && digits.startsWith(national)) {
    const rest = digits.slice(national.length);
    return { digits: (sharedPlanCallingCode(national, rest, country) ?? callingCodeOf(country)) + rest };
  }
  if (digits.startsWith('0')) {
    return { error: `cannot read the national prefix "${digits}*" without a valid default country; use the + form` };
  }
  return { digits };
}

const NO_PREFIXES = { national: undefined, international: undefined };

/**
 * In a shared numbering plan (French: FR, GP, GF, MQ, RE…), the calling code under which the numbers a national
 * prefix covers are normalised: `0590*` → 590, as the exact number `0590123456` → +590590123456 (parse-caller.ts).
 * Without it `0590*` became +33590, which no caller ever carries. Found by completing the prefix to full numbers
 * with every pair of the two next digits (then the second repeated: at most 100 parses, pure) and reading them as
 * the caller-ID parser does; undefined (the default country's code, as before) when the completions are of
 * several codes (`05*`: Bordeaux and Guadeloupe) or none is valid, or outside a shared plan.
 */
function sharedPlanCallingCode(trunk: string, rest: string, country: CountryCode): string | undefined {
  const length = sharedPlanNationalDigits(country);
  if (length === undefined || rest.length === 0 || rest.length > length) return undefined;
  // The region shows in the first digits (0590… Guadeloupe, 09475… overseas VoIP): a longer prefix whose first
  // STEM_DIGITS are of one region only is of that region, so an import of 5,000 0590xxxx* prefixes resolves ten
  // stems (milliseconds each), not 5,000 prefixes (20 s, and an API import's calls waiting meanwhile).
  if (rest.length > STEM_DIGITS) {
    const byStem = resolveCode(trunk, rest.slice(0, STEM_DIGITS), country, length);
    if (byStem !== undefined) return byStem;
  }
  return resolveCode(trunk, rest, country, length);
}

const STEM_DIGITS = 5;

function resolveCode(trunk: string, rest: string, country: CountryCode, length: number): string | undefined {
  const key = `${country}:${trunk}:${rest}`;
  // a memo: up to 100 parses is milliseconds, and an import or the web UI may send the same prefixes again
  const known = planCodes.get(key);
  if (known !== undefined) return known === '' ? undefined : known;
  const code = completionsCode(trunk, rest, country, length - rest.length);
  planCodes.set(key, code ?? '');
  return code;
}

const planCodes = new LruCache<string, string>(4096);

function completionsCode(trunk: string, rest: string, country: CountryCode, room: number): string | undefined {
  const codes = new Set<string>();
  for (let a = 0; a < 10; a++) {
    for (let b = 0; b < 10; b++) {
      const tail = `${a}${String(b).repeat(room)}`.slice(0, room);
      const nsn = rest + tail;
      const parsed = parseInPlan(trunk + nsn, false, country);
      // the prefix must be the start of the normalised number, or it would never match a caller either
      if (parsed.ok) codes.add(parsed.e164.endsWith(nsn) ? parsed.e164.slice(1, parsed.e164.length - nsn.length) : '');
      if (codes.size > 1) return undefined;
      if (room <= 1) break; // the second digit does not exist
    }
    if (room === 0) break;
  }
  const [only] = codes;
  return codes.size === 1 && only !== '' ? only : undefined;
}

/** Error messages echo the entry; keep them on one line and short. */
function printable(s: string): string {
  // as escapes, not `?`: the message must show what was typed (a terminal must not run it)
  return s.slice(0, MAX_ENTRY_LENGTH).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A prefix of 3 digits or fewer (`+3*`, `+33*`): it may stop every caller of a whole country code or more, so the
 * CLI and the API take it only when told they mean it (`--force`, `"force": true`).
 */
/** Why a broad prefix needs confirming, after the entry (`+33* has 3 digits…`); each edge adds how to confirm. */
export const BROAD_PREFIX_WHY = 'has 3 digits or fewer: it may cover a whole country code or more';

export function isBroadPrefix(entry: ListEntry): entry is Extract<ListEntry, { kind: 'prefix' }> {
  return entry.kind === 'prefix' && entry.prefix.length <= 4;
}

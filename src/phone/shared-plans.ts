/**
 * Regions that share one national numbering plan. ARCEP's plan covers metropolitan France and the overseas
 * departments: a national number (0…) names the same line wherever in it the subscriber is. From Paris, 0692 12 34
 * 56 is a Réunion mobile (+262 692…); from Réunion, 0162 00 00 00 is a metropolitan telemarketing line (+33 162…).
 * libphonenumber reads a national number in one region's terms only, so a number valid in another region of the
 * plan came out invalid (a relative calling from Réunion got the captcha, a telemarketer escaped fr-npv).
 * One region per calling code: BL and MF share GP's +590, YT shares RE's +262 (libphonenumber places the number
 * in the right one of them).
 */
import type { CountryCode } from 'libphonenumber-js/max';

const FRENCH_PLAN: readonly CountryCode[] = ['FR', 'GP', 'GF', 'MQ', 'RE'];
const FRENCH_PLAN_MEMBERS = new Set<string>([...FRENCH_PLAN, 'BL', 'MF', 'YT']);

/** Digits of a national significant number in the French plan (0 6 12 34 56 78 → 9 after the trunk 0). */
const FRENCH_PLAN_NSN_DIGITS = 9;

/** How many digits follow the trunk prefix in `country`'s shared plan; undefined outside a shared plan. */
export function sharedPlanNationalDigits(country: string | undefined): number | undefined {
  return country !== undefined && FRENCH_PLAN_MEMBERS.has(country) ? FRENCH_PLAN_NSN_DIGITS : undefined;
}

/** The other regions of `country`'s shared plan, in which to read a national number that `country` finds invalid. */
export function otherPlanRegions(country: string | undefined): readonly CountryCode[] {
  if (country === undefined || !FRENCH_PLAN_MEMBERS.has(country)) return [];
  return FRENCH_PLAN.filter((r) => r !== country);
}

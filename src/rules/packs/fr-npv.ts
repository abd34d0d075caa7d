import type { NumberPack } from './types.js';

/**
 * French numbers reserved for automated calling and telemarketing ("numéros polyvalents vérifiés", NPV).
 * Source: ARCEP décision n° 2022-1583 (plan de numérotation: numbers for "systèmes automatisés d'appel et de
 * démarchage"); since 1 January 2023 telemarketers calling from France must present one of these.
 * Metropolitan prefixes, written in national form:
 */
const METROPOLITAN = ['0162', '0163', '0270', '0271', '0377', '0378', '0424', '0425', '0568', '0569', '0948', '0949'];

/**
 * Overseas departments: 09 475 to 09 479. They may arrive under +33 or under the department's own country code:
 * +590 (Guadeloupe, Saint-Martin, Saint-Barthélemy), +594 (Guyane), +596 (Martinique), +262 (La Réunion, Mayotte).
 */
const OVERSEAS = ['09475', '09476', '09477', '09478', '09479'];
const OVERSEAS_CODES = ['+33', '+590', '+594', '+596', '+262'];

/** `0162` → `+33162`: drop the trunk 0, add the country code. */
const e164 = (code: string, national: string): string => code + national.slice(1);

/**
 * libphonenumber's metadata knows only parts of the overseas ranges (+596 9478…, +262 9475… are "not a valid
 * number"), so most of these callers arrive invalid, with their digits as sent: `596947812345` (the `+` is not a
 * digit) or `00596947812345`. They are matched on those digits, or fr-npv would miss them and a Saturday-night
 * campaign would take the `invalid` rule instead of the telemarketing ones.
 */
const overseasDigits = OVERSEAS_CODES.flatMap((code) => OVERSEAS.map((p) => e164(code, p).slice(1)));

export const FR_NPV: NumberPack = {
  kind: 'numbers',
  name: 'fr-npv',
  description: 'French telemarketing / automated-calling prefixes (ARCEP 2022-1583)',
  prefixes: [
    ...METROPOLITAN.map((p) => e164('+33', p)),
    ...OVERSEAS_CODES.flatMap((code) => OVERSEAS.map((p) => e164(code, p))),
  ],
  invalidDigitPrefixes: [...overseasDigits, ...overseasDigits.map((d) => `00${d}`)],
};

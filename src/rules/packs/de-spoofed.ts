import type { NumberPack } from './types.js';

/**
 * Caller IDs that a genuine call in Germany can never present, so seeing one means the number was spoofed.
 * Source: Telekommunikationsgesetz (TKG 2021) rules on calling-line identification, as applied by the
 * Bundesnetzagentur against Call-ID spoofing: the emergency numbers 110 and 112, premium-rate (0)900 numbers
 * and (0)137 mass-traffic ("Massenverkehr") numbers must not be transmitted as the caller's number.
 * Emergency numbers are not valid E.164 numbers, so they usually reach us as an invalid caller ID with the
 * digits `110`/`112` (or `49110`, `0049112`…); the others are valid `+49900…` / `+49137…` numbers. A malformed
 * `0900…`/`0137…` is matched through the caller's `international` digits, which exist only when the PBX's default
 * country is the one whose trunk prefix they start with (DE: `0900…` → `49900…`; FR: `33900…`, no match).
 */
export const DE_SPOOFED: NumberPack = {
  kind: 'numbers',
  name: 'de-spoofed',
  description: 'German caller IDs that can only be spoofed (110, 112, 0900…, 0137…)',
  prefixes: ['+49110', '+49112', '+49900', '+49137'],
  invalidDigits: ['110', '112'],
  invalidDigitPrefixes: ['49110', '49112', '49900', '49137', '0049110', '0049112', '0049900', '0049137'],
};

import { createRequire } from 'node:module';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { cannotBeValidNational, matchInternational, matchNational, type PlanMatch } from '../../../src/phone/plan-matcher.js';
import { prng } from '../../helpers/prng.js';

const examples = createRequire(import.meta.url)('libphonenumber-js/examples.mobile.json') as Record<string, string>;

const digit = (rand: () => number): string => String(Math.floor(rand() * 10));
const randomDigits = (rand: () => number, n: number): string => Array.from({ length: n }, () => digit(rand)).join('');

/** What libphonenumber itself says: the number, its country and type, or null when it is not a typed number. */
function library(text: string, country?: CountryCode): PlanMatch | null {
  const parsed = parsePhoneNumberFromString(text, country);
  const type = parsed?.getType();
  return parsed && type ? { e164: parsed.number, country: parsed.country as CountryCode, type } : null;
}

/** National significant numbers near real ones: the example mobile with its tail changed, and random ones. */
function candidates(country: CountryCode, rand: () => number): string[] {
  const example = examples[country] ?? '';
  const out: string[] = [];
  for (let i = 0; i < 30; i++) {
    const keep = Math.max(0, example.length - 1 - Math.floor(rand() * Math.min(6, example.length)));
    out.push(example.slice(0, keep) + randomDigits(rand, example.length - keep + (rand() < 0.2 ? Math.floor(rand() * 3) - 1 : 0)));
  }
  for (let i = 0; i < 10; i++) out.push(randomDigits(rand, 4 + Math.floor(rand() * 10)));
  return out.filter((n) => n.length > 0);
}

describe('plan matcher: the fast path agrees with libphonenumber', () => {
  it('every national form it answers, for every country, is what libphonenumber parses', () => {
    const rand = prng(20261129);
    let answered = 0;
    const countriesAnswered = new Set<string>();
    for (const country of getCountries()) {
      for (const nsn of candidates(country, rand)) {
        for (const prefix of ['0', '1', '8', '9', '06', '']) {
          const digits = prefix + nsn;
          const fast = matchNational(digits, country);
          if (fast === null) continue;
          answered++;
          countriesAnswered.add(country);
          expect({ digits, country, result: fast }).toEqual({ digits, country, result: library(digits, country) });
        }
      }
    }
    // the fast path must carry the numbers of many countries (those with a plain trunk prefix), or this proves nothing
    expect(countriesAnswered.size).toBeGreaterThan(80);
    expect(answered).toBeGreaterThan(2000);
  });

  it('every international form it answers is what libphonenumber parses', () => {
    const rand = prng(7);
    let answered = 0;
    for (const country of getCountries()) {
      const code = getCountryCallingCode(country);
      for (const nsn of candidates(country, rand)) {
        for (const digits of [code + nsn, code + '0' + nsn, nsn]) {
          const fast = matchInternational(digits);
          if (fast === null) continue;
          answered++;
          expect({ digits, result: fast }).toEqual({ digits, result: library(`+${digits}`) });
        }
      }
    }
    expect(answered).toBeGreaterThan(3000);
  });

  it('French numbers: every national and +33 spelling it answers matches, and it answers the common ones', () => {
    const rand = prng(33);
    let national = 0;
    let international = 0;
    const n = 5000;
    for (let i = 0; i < n; i++) {
      const nsn = String(1 + Math.floor(rand() * 9)) + randomDigits(rand, 8);
      const fastNational = matchNational(`0${nsn}`, 'FR');
      if (fastNational) {
        national++;
        expect(fastNational).toEqual(library(`0${nsn}`, 'FR'));
      } else {
        expect(library(`0${nsn}`, 'FR')).toBeNull(); // a French number it skips must be one libphonenumber rejects too
      }
      const fastIntl = matchInternational(`33${nsn}`);
      if (fastIntl) {
        international++;
        expect(fastIntl).toEqual(library(`+33${nsn}`));
      }
    }
    expect(national).toBeGreaterThan(n / 2);
    expect(international).toBe(national);
  });

  it('leaves to libphonenumber what it cannot decide alone', () => {
    expect(matchNational('0033612345678', 'FR')).toBeNull(); // IDD form
    expect(matchNational('33612345678', 'FR')).toBeNull(); // calling code without +
    expect(matchNational('612345678', 'FR')).toBeNull(); // no trunk prefix
    expect(matchInternational('590690001234')).toBeNull(); // +590 is shared by GP, BL and MF
    expect(matchInternational('12025550123')).toBeNull(); // +1: NANPA, many countries
    expect(matchInternational('330612345678')).toBeNull(); // a trunk prefix after the calling code
    expect(matchInternational('80012345678')).toBeNull(); // +800: non-geographic
    expect(matchInternational('0612345678')).toBeNull();
    expect(matchNational('0612345678', 'FR')).toEqual({ e164: '+33612345678', country: 'FR', type: 'MOBILE' });
    expect(matchInternational('33162123456')).toEqual({ e164: '+33162123456', country: 'FR', type: 'FIXED_LINE' });
  });

  it('refuses alone only national forms libphonenumber finds invalid, in every country, and refuses many', () => {
    const rand = prng(20261130);
    let refused = 0;
    const countriesRefusing = new Set<string>();
    for (const country of getCountries()) {
      const pool = [...candidates(country, rand), ...Array.from({ length: 20 }, () => randomDigits(rand, 2 + Math.floor(rand() * 14)))];
      for (const nsn of pool) {
        for (const prefix of ['0', '1', '8', '9', '00', '06', '']) {
          const digits = prefix + nsn;
          if (!cannotBeValidNational(digits, country)) continue;
          refused++;
          countriesRefusing.add(country);
          expect({ digits, country, valid: parsePhoneNumberFromString(digits, country)?.isValid() ?? false })
            .toEqual({ digits, country, valid: false });
        }
      }
    }
    expect(countriesRefusing.size).toBeGreaterThan(80);
    expect(refused).toBeGreaterThan(5000);
  });

  it("refuses the French plan's invalid national numbers, in each of its regions, and no valid one", () => {
    for (const region of ['FR', 'GP', 'GF', 'MQ', 'RE'] as const) {
      expect(cannotBeValidNational('0701234567', region), region).toBe(true); // 070: no line in the plan
      expect(cannotBeValidNational('0012345678', region), region).toBe(false); // IDD: libphonenumber decides
    }
    expect(cannotBeValidNational('0612345678', 'FR')).toBe(false);
    expect(cannotBeValidNational('0690001234', 'GP')).toBe(false); // a Guadeloupe mobile
    expect(cannotBeValidNational('0639012345', 'RE')).toBe(false); // Mayotte, which shares Réunion's +262
    expect(cannotBeValidNational('0590271234', 'GP')).toBe(false); // Saint-Barthélemy, on Guadeloupe's +590
  });
});

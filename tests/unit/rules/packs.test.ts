import { describe, it, expect } from 'vitest';
import { evaluate, parsePolicy } from '../../../src/rules/index.js';
import { easterSunday, isFrenchPublicHoliday } from '../../../src/rules/packs/fr-holidays.js';
import { parseCallerId } from '../../../src/phone/parse-caller.js';
import type { CallerNumber } from '../../../src/phone/types.js';
import { facts, invalid, oneRule, valid, withheld } from './facts.js';

const NOON = new Date('2026-11-25T11:00:00Z');
const inPack = (pack: string, caller: CallerNumber): boolean =>
  evaluate(facts({ caller }), parsePolicy(oneRule(`{ pack: ${pack} }`), 'test'), NOON).rule === 'r';

const NPV_NATIONAL = ['0162', '0163', '0270', '0271', '0377', '0378', '0424', '0425', '0568', '0569', '0948', '0949'];
const OVERSEAS = ['09475', '09476', '09477', '09478', '09479'];

describe('fr-npv pack (ARCEP telemarketing prefixes)', () => {
  it.each(NPV_NATIONAL)('matches the metropolitan prefix %s in +33 form', (p) => {
    expect(inPack('fr-npv', valid(`+33${p.slice(1)}123456`))).toBe(true);
  });

  it.each(OVERSEAS.flatMap((p) => ['+33', '+590', '+594', '+596', '+262'].map((cc) => `${cc}${p.slice(1)}1234`)))(
    'matches the overseas number %s', (e164) => {
      expect(inPack('fr-npv', valid(e164))).toBe(true);
    },
  );

  it.each(['+33161123456', '+33164123456', '+33612345678', '+33947412345', '+33947012345', '+590590123456', '+4916212345678', '+3316'])(
    'does not match %s', (e164) => {
      expect(inPack('fr-npv', valid(e164))).toBe(false);
    },
  );

  it('never matches withheld callers, nor invalid ones outside the overseas ranges', () => {
    expect(inPack('fr-npv', withheld())).toBe(false);
    expect(inPack('fr-npv', invalid('0162'))).toBe(false);
    expect(inPack('fr-npv', invalid('33162'))).toBe(false);
    expect(inPack('fr-npv', invalid('5909474123'))).toBe(false);
    expect(inPack('fr-npv', invalid('596947'))).toBe(false);
  });

  // libphonenumber calls most of the overseas NPV ranges invalid: a campaign from +596 9478… must still be NPV.
  it.each(OVERSEAS.flatMap((p) => ['590', '594', '596', '262'].flatMap((cc) => [`${cc}${p.slice(1)}12345`, `00${cc}${p.slice(1)}12345`])))(
    'matches the invalid overseas caller ID with digits %s', (digits) => {
      expect(inPack('fr-npv', invalid(digits, `+${digits}`))).toBe(true);
    },
  );

  it('names the pack and the digits when the caller ID is invalid', () => {
    const d = evaluate(facts({ caller: invalid('596947812345', '+596947812345') }), parsePolicy(oneRule('{ pack: fr-npv }'), 'test'), NOON);
    expect(d.reasons).toEqual(['caller "+596947812345" (invalid) is in pack fr-npv (digits 5969478…)']);
  });

  it('does not take invalid platform-like digits (09 37 – 09 39) either', () => {
    for (const digits of ['33937123', '33938123456789', '0033939123', '590937123456']) expect(inPack('fr-npv', invalid(digits))).toBe(false);
  });

  it('names the pack and the prefix in its reason', () => {
    const d = evaluate(facts({ caller: valid('+33162000000') }), parsePolicy(oneRule('{ pack: fr-npv }'), 'test'), NOON);
    expect(d.reasons).toEqual(['caller +33162000000 is in pack fr-npv (prefix +33162)']);
  });
});

describe('fr-platforms pack (delivery and ride-hailing numbers)', () => {
  const platforms = ['+33937123456', '+33938123456', '+33939123456'];

  it.each(platforms)('matches %s', (e164) => {
    expect(inPack('fr-platforms', valid(e164))).toBe(true);
  });

  it.each(platforms)('%s is never matched by fr-npv or de-spoofed', (e164) => {
    expect(inPack('fr-npv', valid(e164))).toBe(false);
    expect(inPack('de-spoofed', valid(e164))).toBe(false);
    expect(inPack('[fr-npv, de-spoofed]', valid(e164))).toBe(false);
  });

  it.each(['+33936123456', '+33940123456', '+33612345678'])('does not match %s', (e164) => {
    expect(inPack('fr-platforms', valid(e164))).toBe(false);
  });
});

describe('de-spoofed pack (German caller IDs that can only be spoofed)', () => {
  it.each<[string, CallerNumber]>([
    ['110 as invalid digits', invalid('110')],
    ['112 as invalid digits', invalid('112')],
    ['49112 as invalid digits', invalid('49112', '+49112')],
    ['0049110 as invalid digits', invalid('0049110')],
    ['+49110 as E.164', valid('+49110', 'unknown', 'DE')],
    ['premium +49900…', valid('+499001234567', 'premium-rate', 'DE')],
    ['mass-call +49137…', valid('+491371234567', 'premium-rate', 'DE')],
  ])('matches %s', (_label, caller) => {
    expect(inPack('de-spoofed', caller)).toBe(true);
  });

  it.each<[string, CallerNumber]>([
    ['a Berlin number', valid('+49301234567', 'fixed-line', 'DE')],
    ['French 0900… (not German)', valid('+33900123456', 'premium-rate')],
    ['invalid 1100', invalid('1100')],
    ['invalid 11', invalid('11')],
    ['withheld', withheld()],
  ])('does not match %s', (_label, caller) => {
    expect(inPack('de-spoofed', caller)).toBe(false);
  });

  it('explains a digits match', () => {
    const d = evaluate(facts({ caller: invalid('112') }), parsePolicy(oneRule('{ pack: de-spoofed }'), 'test'), NOON);
    expect(d.reasons).toEqual(['caller "112" (invalid) is in pack de-spoofed (digits 112)']);
  });

  // The same spoof written in German national form (0900…, 0137…) on a German PBX; the pack reads it through the
  // PBX's country, so a French PBX's invalid 0900… is not German and stays out.
  it.each([['0900123456', 'DE', true], ['013712345', 'DE', true], ['0900123', 'DE', true], ['0900123', 'FR', false], ['013712345', 'FR', false], ['0900123', 'AT', false]] as const)(
    'an invalid caller ID %s on a %s PBX: in de-spoofed %s', (raw, country, expected) => {
      const caller = parseCallerId(raw, country).number;
      expect(caller.kind).toBe('invalid');
      expect(inPack('de-spoofed', caller)).toBe(expected);
    },
  );

  it('names the national digits and the German prefix they stand for', () => {
    const caller = parseCallerId('0900123', 'DE').number;
    const d = evaluate(facts({ caller }), parsePolicy(oneRule('{ pack: de-spoofed }'), 'test'), NOON);
    expect(d.reasons).toEqual(['caller "0900123" (invalid) is in pack de-spoofed (digits 0900123 (49900…))']);
  });
});

describe('French public holidays (used by fr-legal-hours)', () => {
  it.each([[2024, 3, 31], [2025, 4, 20], [2026, 4, 5], [2027, 3, 28]])('Easter %i is %i/%i', (year, month, day) => {
    expect(easterSunday(year)).toEqual([month, day]);
  });

  it.each([
    [2026, 1, 1, true], [2026, 4, 6, true], [2026, 5, 1, true], [2026, 5, 8, true], [2026, 5, 14, true],
    [2026, 5, 25, true], [2026, 7, 14, true], [2026, 8, 15, true], [2026, 11, 1, true], [2026, 11, 11, true],
    [2026, 12, 25, true], [2026, 4, 5, false], [2026, 4, 7, false], [2026, 12, 26, false], [2026, 11, 27, false],
  ])('%i-%i-%i holiday: %s', (y, m, d, expected) => {
    expect(isFrenchPublicHoliday(y, m, d)).toBe(expected);
  });
});

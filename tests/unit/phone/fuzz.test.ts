import { describe, expect, it } from 'vitest';
import { normalise, normaliseDialled, parseListEntry } from '../../../src/phone/index.js';
import { prng } from '../../helpers/prng.js';

const TOKENS = ['sip:', 'sips:', 'tel:', '<', '>', '"', '\\', ';verstat=', 'TN-Validation-Passed', '@', '[::1]', '+', '00', '33', '0', '6', ' ', '%2B', '%00', '*', 'anonymous', '\r\n', '\u202e', '０', '😀', '\ud800'];

function randomInput(rand: () => number): string {
  const mode = rand();
  const length = mode < 0.02 ? 10_000 : Math.floor(rand() * 300);
  if (mode < 0.4) {
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = Math.floor(rand() * 256);
    return mode < 0.2 ? Buffer.from(bytes).toString('latin1') : new TextDecoder().decode(bytes);
  }
  if (mode < 0.55) return plausibleNumber(rand);
  let s = '';
  while (s.length < length / 4) s += TOKENS[Math.floor(rand() * TOKENS.length)];
  return s;
}

/** A French mobile in one of the PBX spellings, sometimes with one random character spliced in. */
function plausibleNumber(rand: () => number): string {
  let digits = '6';
  for (let i = 0; i < 8; i++) digits += String(Math.floor(rand() * 10));
  const forms = [`0${digits}`, `+33${digits}`, `0033${digits}`, `sip:+33${digits}@10.0.0.1;verstat=TN-Validation-Passed`, `"X" <tel:0${digits}>`];
  const s = forms[Math.floor(rand() * forms.length)]!;
  if (rand() < 0.5) return s;
  const at = Math.floor(rand() * s.length);
  return s.slice(0, at) + String.fromCharCode(Math.floor(rand() * 0x10000)) + s.slice(at);
}

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]/;

describe('phone: random byte strings', () => {
  it('normalise never throws and always returns a well-formed result', () => {
    const rand = prng(20261128);
    const kinds = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const input = randomInput(rand);
      const { number, name } = normalise(input, input, { defaultCountry: 'FR' });
      kinds.add(number.kind);
      expect(['valid', 'withheld', 'invalid']).toContain(number.kind);
      expect(number.raw.length).toBeLessThanOrEqual(256);
      expect(UNSAFE.test(number.raw)).toBe(false);
      expect(number.raw).not.toMatch(/[\p{C}\p{Zl}\p{Zp}]/u); // shown as escapes, never kept as they are
      expect(UNSAFE.test(name)).toBe(false);
      expect([...name].length).toBeLessThanOrEqual(64);
      expect(number.verstat === null || /^[A-Za-z0-9._-]{1,64}$/.test(number.verstat)).toBe(true);
      if (number.kind === 'valid') expect(number.e164).toMatch(/^\+[1-9]\d{1,14}$/);
      if (number.kind === 'invalid') expect(number.digits).toMatch(/^\d{0,32}$/);
      expect(normaliseDialled(input, 'FR')).toMatch(/^[+0-9*#]{0,32}$/);
      const entry = parseListEntry(input, 'FR');
      expect('error' in entry || entry.kind === 'number' || entry.kind === 'prefix').toBe(true);
    }
    // The generator must actually reach the interesting branches, or this test proves little.
    expect([...kinds].sort()).toEqual(['invalid', 'valid', 'withheld']);
  });
});

import { describe, expect, it } from 'vitest';
import { cleanName, normalise } from '../../../src/phone/index.js';

const FR = { defaultCountry: 'FR' };

describe('caller names', () => {
  const cases: Array<[string, unknown, string]> = [
    ['plain', 'Jean Dupont', 'Jean Dupont'],
    ['trimmed and collapsed', '  Jean \t  Dupont  ', 'Jean Dupont'],
    ['CRLF becomes a space, not a new log line', 'Jean\r\nX-Injected: yes', 'Jean X-Injected: yes'],
    ['NUL removed', 'Je\u0000an', 'Jean'],
    ['DEL and C1 removed', 'Je\u007fa\u0080n\u009f', 'Jean'],
    ['NEL (C1 line break) becomes a space', 'Jean\u0085Dupont', 'Jean Dupont'],
    ['RTL override removed', '\u202eevil\u202c name', 'evil name'],
    ['bidi isolates removed', '\u2066Bob\u2069', 'Bob'],
    ['zero-width characters removed', 'Ba\u200bn\u200dk\ufeff', 'Bank'],
    ['accents and scripts kept', 'Zoé Ærø 李', 'Zoé Ærø 李'],
    ['emoji kept', 'Pizza 🍕', 'Pizza 🍕'],
    ['only controls', '\u0000\u0001\u202e', ''],
    ['undefined', undefined, ''],
    ['null', null, ''],
    ['number', 42, ''],
    ['object', { name: 'x' }, ''],
  ];
  it.each(cases)('%s', (_what, raw, expected) => {
    expect(cleanName(raw)).toBe(expected);
    expect(normalise('0612345678', raw, FR).name).toBe(expected);
  });

  it('caps at 64 code points without splitting a surrogate pair', () => {
    const name = cleanName('a' + '😀'.repeat(100));
    expect([...name]).toHaveLength(64);
    expect(name).toBe('a' + '😀'.repeat(63));
    expect(/[\ud800-\udbff]$/.test(name)).toBe(false);
  });

  it('caps a 10 kB name', () => {
    expect(cleanName('x'.repeat(10_000))).toBe('x'.repeat(64));
  });

  it('drops a trailing space left by the cut', () => {
    expect(cleanName('a'.repeat(63) + ' b')).toBe('a'.repeat(63));
  });

  it('takes the display name from a name-addr caller ID when the PBX gave no name', () => {
    const raw = '"Jean \\"JD\\" Dupont\u202e" <sip:+33612345678@10.0.0.1>';
    expect(normalise(raw, '', FR).name).toBe('Jean "JD" Dupont');
    expect(normalise(raw, undefined, FR).name).toBe('Jean "JD" Dupont');
    expect(normalise('Marie <sip:0612345678@pbx>', '', FR).name).toBe('Marie');
    const tricky = normalise('"a<b> \\" c" <sip:0612345678@pbx>', '', FR);
    expect(tricky.name).toBe('a<b> " c');
    expect(tricky.number).toMatchObject({ kind: 'valid', e164: '+33612345678' });
  });

  it('prefers the name the PBX gave over the display name', () => {
    expect(normalise('"Spoofed" <sip:+33612345678@h>', 'Jean', FR).name).toBe('Jean');
  });
});

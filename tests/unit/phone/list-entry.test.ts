import { describe, expect, it } from 'vitest';
import { parseListEntry } from '../../../src/phone/index.js';

describe('parseListEntry: exact numbers', () => {
  const forms = ['0612345678', '06 12 34 56 78', '06.12.34.56.78', '+33612345678', '+33 6 12 34 56 78', '0033612345678', '33612345678', 'tel:+33612345678'];
  it.each(forms)('%s → +33612345678', (raw) => {
    expect(parseListEntry(raw, 'FR')).toEqual({ kind: 'number', e164: '+33612345678' });
  });

  it('uses the default country for national forms', () => {
    expect(parseListEntry('(202) 555-0123', 'US')).toEqual({ kind: 'number', e164: '+12025550123' });
  });
});

describe('parseListEntry: prefixes', () => {
  const prefixes: Array<[string, string, string]> = [
    ['0162*', 'FR', '+33162'],
    ['+33162*', 'FR', '+33162'],
    ['0033162*', 'FR', '+33162'],
    ['33162*', 'FR', '+33162'],
    ['01 62 *', 'FR', '+33162'],
    ['+33 1 62*', 'FR', '+33162'],
    ['0*', 'FR', '+33'],
    ['+1*', 'FR', '+1'],
    ['+49900*', 'FR', '+49900'],
    ['0900*', 'DE', '+49900'],
    ['1202*', 'US', '+1202'],
    ['011441*', 'US', '+441'],
    ['+590590*', 'FR', '+590590'],
    ['+123456789012345*', 'FR', '+123456789012345'],
    ['8495*', 'RU', '+7495'],
    ['81033162*', 'RU', '+33162'],
  ];
  it.each(prefixes)('%s with %s → %s', (raw, country, prefix) => {
    expect(parseListEntry(raw, country)).toEqual({ kind: 'prefix', prefix });
  });
});

describe('parseListEntry: national prefixes of the French shared numbering plan', () => {
  // A prefix must land under the calling code its numbers are normalised to, or it never matches a caller:
  // `chut block '0590*'` stored +33590 while Guadeloupe callers arrive as +590590….
  const shared: Array<[string, string, string, string]> = [
    ['0590*', 'FR', '+590590', '0590123456'],
    ['0690*', 'FR', '+590690', '0690123456'],
    ['0262*', 'FR', '+262262', '0262123456'],
    ['0692*', 'FR', '+262692', '0692123456'],
    ['0594*', 'MQ', '+594594', '0594123456'],
    ['0590 12*', 'FR', '+59059012', '0590123456'],
    ['0162*', 'RE', '+33162', '0162123456'],
    ['0612*', 'GP', '+33612', '0612345678'],
  ];
  it.each(shared)('%s with %s → %s, the prefix of %s', (raw, country, prefix, number) => {
    expect(parseListEntry(raw, country)).toEqual({ kind: 'prefix', prefix });
    const exact = parseListEntry(number, country);
    expect(exact).toHaveProperty('e164');
    expect((exact as { e164: string }).e164.startsWith(prefix)).toBe(true);
  });

  it("keeps the default country's code for a prefix too short to tell (05* is Bordeaux and Guadeloupe)", () => {
    expect(parseListEntry('05*', 'FR')).toEqual({ kind: 'prefix', prefix: '+335' });
    expect(parseListEntry('06*', 'FR')).toEqual({ kind: 'prefix', prefix: '+336' });
    expect(parseListEntry('0*', 'FR')).toEqual({ kind: 'prefix', prefix: '+33' });
  });

  it('leaves other countries as they were', () => {
    expect(parseListEntry('0590*', 'DE')).toEqual({ kind: 'prefix', prefix: '+49590' });
  });
});

describe('parseListEntry: errors', () => {
  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['   ', /empty/],
    ['*', /not a prefix/],
    ['+*', /not a prefix/],
    ['00*', /1 to 15 digits/],
    ['01a62*', /not a prefix/],
    ['0162**', /not a prefix/],
    ['+1234567890123456*', /1 to 15 digits/],
    ['+0*', /no country code starts with 0/],
    ['000*', /no country code starts with 0/],
    ['abc', /not a valid phone number/],
    ['112', /not a valid phone number \(too-short\)/],
    ['0612345678abc', /bad-characters/],
    ['anonymous', /not a phone number/],
    ['1'.repeat(65), /longer than 64/],
    ['06\r\n12', /"06\\u000d\\u000a12"/],
  ];
  it.each(bad)('%j', (raw, message) => {
    const result = parseListEntry(raw, 'FR');
    expect(result).toHaveProperty('error');
    expect((result as { error: string }).error).toMatch(message);
  });

  it('refuses a trunk-prefixed prefix without a usable default country', () => {
    expect(parseListEntry('0162*', 'XX')).toEqual({ error: expect.stringMatching(/use the \+ form/) });
    expect(parseListEntry('+33162*', 'XX')).toEqual({ kind: 'prefix', prefix: '+33162' });
  });

  it('refuses a ; outside a sip:/tel: URI (a semicolon file read with the wrong separator), takes URI parameters', () => {
    expect(parseListEntry('0612345678;foo', 'FR')).toEqual({ error: expect.stringMatching(/only allowed in a sip: or tel: URI/) });
    expect(parseListEntry('tel:+33612345678;verstat=TN-Validation-Passed', 'FR')).toEqual({ kind: 'number', e164: '+33612345678' });
    expect(parseListEntry('"Jean" <sip:+33612345678@192.0.2.1;user=phone>', 'FR')).toEqual({ kind: 'number', e164: '+33612345678' });
    expect(parseListEntry('Alice <sip:0612345678@pbx;user=phone>', 'FR')).toEqual({ kind: 'number', e164: '+33612345678' });
  });

  it('shows control characters it quotes as escapes, so the message tells what was typed and a terminal runs nothing', () => {
    const result = parseListEntry('06\u001b[2J12', 'FR') as { error: string };
    expect(result.error).toContain('06\\u001b[2J12');
    expect(result.error).not.toMatch(/[\u0000-\u001f]/);
  });

  it('does not throw on non-string input', () => {
    expect(parseListEntry(42 as never, 'FR')).toEqual({ error: 'a list entry must be text' });
  });
});

describe('a prefix written with the trunk 0 in brackets after the country code', () => {
  it('drops the (0), as the exact number does: +33 (0)6 12* is +33612*, which callers carry', () => {
    expect(parseListEntry('+33 (0)6 12*', 'FR')).toEqual({ kind: 'prefix', prefix: '+33612' });
    expect(parseListEntry('+44(0)20 7*', 'FR')).toEqual({ kind: 'prefix', prefix: '+44207' });
    // Italian numbers keep their 0: +39 (0)6* is Rome, +3906
    expect(parseListEntry('+39 (0)6*', 'FR')).toEqual({ kind: 'prefix', prefix: '+3906' });
    expect(parseListEntry('+33 (0)6 12 34 56 78', 'FR')).toEqual({ kind: 'number', e164: '+33612345678' });
  });
});

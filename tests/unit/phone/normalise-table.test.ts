import { describe, expect, it } from 'vitest';
import { normalise, type CallerNumber, type InvalidReason, type NumberType } from '../../../src/phone/index.js';

const FR = { defaultCountry: 'FR' };

function valid(raw: string, e164: string, type: NumberType, country: string | null = 'FR', verstat: string | null = null): CallerNumber {
  return { kind: 'valid', e164, country, type, raw, verstat };
}
function withheld(raw: string, verstat: string | null = null): CallerNumber {
  return { kind: 'withheld', raw, verstat };
}
function invalid(raw: string, reason: InvalidReason, digits: string, verstat: string | null = null): CallerNumber {
  return { kind: 'invalid', raw, reason, digits, verstat };
}

const MOBILE = '+33612345678';
const TEN_KB = '0612345678' + ' '.repeat(10_000);

// [what, raw number as the PBX hands it, exact expected result with default country FR]
const TABLE: Array<[string, string, CallerNumber]> = [
  // Accepted forms
  ['national with trunk prefix', '0162000000', valid('0162000000', '+33162000000', 'fixed-line')],
  ['national mobile', '0612345678', valid('0612345678', MOBILE, 'mobile')],
  // one national plan for metropolitan France and the overseas departments: 0692 is a Réunion mobile from Paris too
  ['overseas national mobile (Réunion)', '0692123456', valid('0692123456', '+262692123456', 'mobile', 'RE')],
  ['overseas national fixed line (Saint-Barthélemy)', '0590271234', valid('0590271234', '+590590271234', 'fixed-line', 'BL')],
  ['+ international with spaces', '+33 6 12 34 56 78', valid('+33 6 12 34 56 78', MOBILE, 'mobile')],
  ['00 international', '0033612345678', valid('0033612345678', MOBILE, 'mobile')],
  ['country code without +', '33612345678', valid('33612345678', MOBILE, 'mobile')],
  ['foreign country code without +', '4915112345678', valid('4915112345678', '+4915112345678', 'mobile', 'DE')],
  ['dots', '06.12.34.56.78', valid('06.12.34.56.78', MOBILE, 'mobile')],
  ['dashes and parentheses', '(06) 12-34-56-78', valid('(06) 12-34-56-78', MOBILE, 'mobile')],
  ['narrow no-break spaces', '06\u202f12\u202f34\u202f56\u202f78', valid('06\u202f12\u202f34\u202f56\u202f78', MOBILE, 'mobile')],
  ['+33 (0) form', '+33 (0)6 12 34 56 78', valid('+33 (0)6 12 34 56 78', MOBILE, 'mobile')],
  ['sip URI with IPv4 host and user=phone', 'sip:+33612345678@10.0.0.1;user=phone', valid('sip:+33612345678@10.0.0.1;user=phone', MOBILE, 'mobile')],
  ['sips URI with [v6] host and port', 'sips:0612345678@[2001:db8::1]:5061', valid('sips:0612345678@[2001:db8::1]:5061', MOBILE, 'mobile')],
  ['upper-case scheme', 'SIP:0612345678@pbx.example', valid('SIP:0612345678@pbx.example', MOBILE, 'mobile')],
  ['sip URI with password', 'sip:0612345678:secret@pbx', valid('sip:0612345678:secret@pbx', MOBILE, 'mobile')],
  ['percent-encoded +', 'sip:%2B33612345678@h', valid('sip:%2B33612345678@h', MOBILE, 'mobile')],
  ['tel URI', 'tel:+33612345678', valid('tel:+33612345678', MOBILE, 'mobile')],
  [
    'tel URI with verstat',
    'tel:+33612345678;verstat=TN-Validation-Passed',
    valid('tel:+33612345678;verstat=TN-Validation-Passed', MOBILE, 'mobile', 'FR', 'TN-Validation-Passed'),
  ],
  [
    'user-part verstat in a sip URI',
    'sip:+33612345678;verstat=TN-Validation-Failed@host;user=phone',
    valid('sip:+33612345678;verstat=TN-Validation-Failed@host;user=phone', MOBILE, 'mobile', 'FR', 'TN-Validation-Failed'),
  ],
  ['name-addr form', '"Jean" <sip:+33612345678@host>;tag=1', valid('"Jean" <sip:+33612345678@host>;tag=1', MOBILE, 'mobile')],
  ['angle brackets around a bare number', '<0612345678>', valid('<0612345678>', MOBILE, 'mobile')],
  ['bare number with @host', '0612345678@192.0.2.1', valid('0612345678@192.0.2.1', MOBILE, 'mobile')],
  ['bare number with ;ext', '0612345678;ext=12', valid('0612345678;ext=12', MOBILE, 'mobile')],
  ['US number from FR', '+1 202 555 0123', valid('+1 202 555 0123', '+12025550123', 'fixed-line-or-mobile', 'US')],
  ['non-geographic +800', '+80012345678', valid('+80012345678', '+80012345678', 'toll-free', null)],
  // Withheld spellings
  ['empty', '', withheld('')],
  ['blank', '   ', withheld('   ')],
  ['anonymous', 'anonymous', withheld('anonymous')],
  ['Anonymous', 'Anonymous', withheld('Anonymous')],
  ['ANONYMOUS padded', '  ANONYMOUS ', withheld('  ANONYMOUS ')],
  ['restricted', 'Restricted', withheld('Restricted')],
  ['private', 'PRIVATE', withheld('PRIVATE')],
  ['private number', 'Private_Number', withheld('Private_Number')],
  ['unavailable', 'unavailable', withheld('unavailable')],
  ['unknown', 'Unknown', withheld('Unknown')],
  ['withheld', 'withheld', withheld('withheld')],
  ['asterisk placeholder', 'asterisk', withheld('asterisk')],
  ['CLASS private code', 'P', withheld('P')],
  ['CLASS out-of-area code', 'O', withheld('O')],
  ['quoted', '"anonymous"', withheld('"anonymous"')],
  ['RFC 3323 URI', 'sip:anonymous@anonymous.invalid', withheld('sip:anonymous@anonymous.invalid')],
  ['name-addr anonymous', '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=9', withheld('"Anonymous" <sip:anonymous@anonymous.invalid>;tag=9')],
  ['tel without digits', 'tel:', withheld('tel:')],
  ['sip URI without user part', 'sip:pbx.example', withheld('sip:pbx.example')],
  ['empty brackets', '<>', withheld('<>')],
  ['sip URI with an empty user part', 'sip:@host;user=phone', withheld('sip:@host;user=phone')],
  ['name-addr with an empty user part', '"Anonymous" <sip:@anonymous.invalid>;tag=9', withheld('"Anonymous" <sip:@anonymous.invalid>;tag=9')],
  ['name-addr with empty brackets', '"Jean" <>', withheld('"Jean" <>')],
  ["Asterisk's <unknown>", '<unknown>', withheld('<unknown>')],
  ['FreeSWITCH default 0000000000', '0000000000', withheld('0000000000')],
  ['withheld, a bidi control in the name shown', '"Anon\u202e" <sip:anonymous@anonymous.invalid>', withheld('"Anon\\u202e" <sip:anonymous@anonymous.invalid>')],
  ['withheld with verstat', 'sip:anonymous@anonymous.invalid;verstat=No-TN-Validation', withheld('sip:anonymous@anonymous.invalid;verstat=No-TN-Validation', 'No-TN-Validation')],
  // Invalid, keeping the digits
  ['emergency short number', '112', invalid('112', 'too-short', '112')],
  ['police short number', '17', invalid('17', 'too-short', '17')],
  ['short in a sip URI', 'sip:112@host', invalid('sip:112@host', 'too-short', '112')],
  ['unassigned range', '+33090000000', invalid('+33090000000', 'not-a-valid-number', '33090000000')],
  ['unknown country code', '+999123456', invalid('+999123456', 'invalid-country', '999123456')],
  ['plus zeros', '+0000', invalid('+0000', 'invalid-country', '0000')],
  ['too many digits', '1234567890123456789012', invalid('1234567890123456789012', 'too-long-number', '1234567890123456789012')],
  ['plus only', '+', invalid('+', 'no-digits', '')],
  ['separators only', '-- ..', invalid('-- ..', 'no-digits', '')],
  // Text where the number goes, but no number in it: not withheld (that is a caller who sent none)
  ['parameters only', '?x=1', invalid('?x=1', 'no-digits', '')],
  ['parameters only, padded', ' ?x=1 ', invalid(' ?x=1 ', 'no-digits', '')],
  ['a ; parameter only', ';x=1', invalid(';x=1', 'no-digits', '')],
  ['parameters only in brackets', '<?x=1>', invalid('<?x=1>', 'no-digits', '')],
  ['sip user part of parameters only', 'sip:;user=phone@host', invalid('sip:;user=phone@host', 'no-digits', '')],
  ['tel URI of parameters only', 'tel:;phone-context=+33', invalid('tel:;phone-context=+33', 'no-digits', '')],
  ['sip URI with a password and no user', 'sip::secret@host', invalid('sip::secret@host', 'no-digits', '')],
  ['percent-encoded space', 'sip:%20@host', invalid('sip:%20@host', 'no-digits', '')],
  [
    'a verstat and no number',
    'sip:;verstat=TN-Validation-Passed@host',
    invalid('sip:;verstat=TN-Validation-Passed@host', 'no-digits', '', 'TN-Validation-Passed'),
  ],
  // Garbage
  ['letters', 'call me maybe', invalid('call me maybe', 'bad-characters', '')],
  ['trailing letters', '0612345678abc', invalid('0612345678abc', 'bad-characters', '0612345678')],
  ['vanity number', '1-800-FLOWERS', invalid('1-800-FLOWERS', 'bad-characters', '1800')],
  ['star code', '*31#0612345678', invalid('*31#0612345678', 'bad-characters', '310612345678')],
  ['double plus', '++33612345678', invalid('++33612345678', 'bad-characters', '33612345678')],
  ['plus in the middle', '06+12345678', invalid('06+12345678', 'bad-characters', '0612345678')],
  ['CRLF header injection', '0612345678\r\nX-Evil: 1', invalid('0612345678\\u000d\\u000aX-Evil: 1', 'bad-characters', '06123456781')],
  ['NUL byte', '0612\u00005678', invalid('0612\\u00005678', 'bad-characters', '06125678')],
  ['tab', '06\t12345678', invalid('06\\u000912345678', 'bad-characters', '0612345678')],
  ['DEL and C1', '06\u007f12\u008534', invalid('06\\u007f12\\u008534', 'bad-characters', '061234')],
  ['bidi override in number', '\u202e0612345678', invalid('\\u202e0612345678', 'bad-characters', '0612345678')],
  ['zero-width space', '06\u200b12345678', invalid('06\\u200b12345678', 'bad-characters', '0612345678')],
  ['zero-width space at the end', '+33 6 12 34 56 78\u200b', invalid('+33 6 12 34 56 78\\u200b', 'bad-characters', '33612345678')],
  ['tag character (outside the BMP)', '0612345678\u{e0041}', invalid('0612345678\\u{e0041}', 'bad-characters', '0612345678')],
  ['soft hyphen', '06\u00ad12345678', invalid('06\\u00ad12345678', 'bad-characters', '0612345678')],
  ['fullwidth digits (rejected, not NFKC-mapped)', '０６１２３４５６７８', invalid('０６１２３４５６７８', 'bad-characters', '')],
  ['Arabic-Indic digits', '٠٦١٢٣٤٥٦٧٨', invalid('٠٦١٢٣٤٥٦٧٨', 'bad-characters', '')],
  ['mixed look-alike digit', '06123456７8', invalid('06123456７8', 'bad-characters', '061234568')],
  ['emoji', '06😀12345678', invalid('06😀12345678', 'bad-characters', '0612345678')],
  ['lone surrogate', '06\ud83d12345678', invalid('06\\ud83d12345678', 'bad-characters', '0612345678')],
  ['percent-encoded NUL', 'sip:06%0012345678@h', invalid('sip:06%0012345678@h', 'bad-characters', '0612345678')],
  // cut at 256 characters, and saying so
  ['10 kB string', TEN_KB, invalid(`${TEN_KB.slice(0, 255)}…`, 'too-long', '0612345678')],
  ['128 zero-width spaces (768 characters once shown)', '\u200b'.repeat(128), invalid(`${'\\u200b'.repeat(42)}…`, 'bad-characters', '')],
];

describe('normalise: hostile-input table (default country FR)', () => {
  it.each(TABLE)('%s', (_what, raw, expected) => {
    expect(normalise(raw, '', FR).number).toEqual(expected);
  });

  it('gives the same answer on a cache hit as on the first parse', () => {
    for (const [, raw, expected] of TABLE) {
      expect(normalise(raw, '', FR).number).toEqual(expected);
      expect(normalise(raw, '', FR).number).toEqual(expected);
    }
  });
});

describe('normalise: non-string inputs never throw', () => {
  const cases: Array<[string, unknown, CallerNumber]> = [
    ['undefined (no caller ID at all)', undefined, withheld('')],
    ['null', null, withheld('')],
    ['number', 33612345678, invalid('33612345678', 'not-a-string', '')],
    ['NaN', Number.NaN, invalid('NaN', 'not-a-string', '')],
    ['object', { toString: () => { throw new Error('boom'); } }, invalid('', 'not-a-string', '')],
    ['array', ['0612345678'], invalid('', 'not-a-string', '')],
    ['symbol', Symbol('x'), invalid('', 'not-a-string', '')],
    ['boolean', true, invalid('true', 'not-a-string', '')],
  ];
  it.each(cases)('%s', (_what, raw, expected) => {
    expect(normalise(raw, undefined, FR)).toEqual({ number: expected, name: '' });
  });

  it('survives a missing or garbage default country', () => {
    expect(normalise('+33612345678', '', { defaultCountry: 'XX' }).number).toEqual(valid('+33612345678', MOBILE, 'mobile'));
    expect(normalise('0612345678', '', { defaultCountry: 'XX' }).number.kind).toBe('invalid');
    expect(normalise('33612345678', '', { defaultCountry: '' }).number).toEqual(valid('33612345678', MOBILE, 'mobile'));
    expect(normalise('0612345678', '', undefined as never).number.kind).toBe('invalid');
    expect(normalise('0612345678', '', { defaultCountry: 'fr' }).number).toEqual(valid('0612345678', MOBILE, 'mobile'));
  });
});

describe('normalise: default country decides national forms', () => {
  it('reads a 10-digit US number with US, and prefers the national reading', () => {
    expect(normalise('2025550123', '', { defaultCountry: 'US' }).number).toEqual(
      valid('2025550123', '+12025550123', 'fixed-line-or-mobile', 'US'),
    );
    expect(normalise('011 33 6 12 34 56 78', '', { defaultCountry: 'US' }).number).toEqual(
      valid('011 33 6 12 34 56 78', MOBILE, 'mobile'),
    );
  });
});

describe('normalise: number types from max metadata', () => {
  const types: Array<[string, string, NumberType, string]> = [
    ['French mobile', '+33612345678', 'mobile', 'FR'],
    ['French geographic (NPV range)', '+33162000000', 'fixed-line', 'FR'],
    ['French premium rate', '+33899123456', 'premium-rate', 'FR'],
    ['French toll-free', '+33800123456', 'toll-free', 'FR'],
    ['French shared cost', '+33810123456', 'shared-cost', 'FR'],
    ['French VoIP 09', '+33948000000', 'voip', 'FR'],
    ['German premium 0900', '+499001234567', 'premium-rate', 'DE'],
    ['German mobile', '+4915112345678', 'mobile', 'DE'],
    ['UK personal number', '+447012345678', 'personal-number', 'GB'],
  ];
  it.each(types)('%s', (_what, raw, type, country) => {
    expect(normalise(raw, '', FR).number).toEqual(valid(raw, raw, type, country));
  });
});

// A trunk that drops the leading 0 gives 612345678 (+33612345678); an overseas number in the same form must not be
// invalid (and so challenged as a forged caller ID) while its 0-prefixed form is valid.
describe('normalise: national numbers of the French plan without their trunk 0', () => {
  const cases: Array<[string, string, string]> = [
    ['590123456', 'FR', '+590590123456'],
    ['692123456', 'FR', '+262692123456'],
    ['696123456', 'FR', '+596696123456'],
    ['162000000', 'GP', '+33162000000'],
    ['612345678', 'FR', '+33612345678'],
  ];
  it.each(cases)('%s with %s → %s, as its 0 form', (raw, country, e164) => {
    const number = normalise(raw, '', { defaultCountry: country }).number;
    expect(number).toMatchObject({ kind: 'valid', e164 });
    expect(normalise(`0${raw}`, '', { defaultCountry: country }).number).toMatchObject({ kind: 'valid', e164 });
  });

  it('reads only the 9-digit national length that way, and only in a shared plan', () => {
    expect(normalise('59012345', '', FR).number.kind).toBe('invalid');
    expect(normalise('5901234567', '', FR).number.kind).toBe('invalid');
    expect(normalise('590123456', '', { defaultCountry: 'DE' }).number).not.toMatchObject({ e164: '+590590123456' });
  });
});

describe('normalise: verstat extraction', () => {
  it('keeps the STIR/SHAKEN status wherever the parameter sits, case-insensitively', () => {
    const passed = normalise('<sip:+33612345678@h;user=phone;VerStat=TN-Validation-Passed>;tag=x', '', FR).number;
    expect(passed.verstat).toBe('TN-Validation-Passed');
    expect(passed.kind).toBe('valid');
    expect(normalise('tel:+33612345678;verstat=No-TN-Validation', '', FR).number.verstat).toBe('No-TN-Validation');
    expect(normalise('0612345678', '', FR).number.verstat).toBeNull();
  });

  // The display name and the user part are the caller's own text: a forged `verstat=TN-Validation-Passed` there
  // must not defeat a failed STIR/SHAKEN check (the shipped stir-shaken-failed rule).
  it('never reads a verstat from the display name', () => {
    expect(normalise('"Bob;verstat=TN-Validation-Passed;" <sip:+33612345678;verstat=TN-Validation-Failed@carrier;user=phone>', '', FR).number.verstat)
      .toBe('TN-Validation-Failed');
    expect(normalise('"Bob;verstat=TN-Validation-Passed;" <sip:+33612345678@carrier;user=phone>', '', FR).number.verstat).toBeNull();
    expect(normalise('"Bob;verstat=TN-Validation-Passed;" <sip:+33612345678@carrier', '', FR).number.verstat).toBeNull();
  });

  it('takes the least trusted of several verstat parameters (Failed, then No-TN-Validation, then Passed)', () => {
    const cases: Array<[string, string]> = [
      ['+33612345678;verstat=TN-Validation-Passed;verstat=TN-Validation-Failed', 'TN-Validation-Failed'],
      ['sip:+33612345678;verstat=TN-Validation-Passed@carrier;verstat=No-TN-Validation', 'No-TN-Validation'],
      ['<sip:+33612345678;verstat=No-TN-Validation@h;verstat=tn-validation-failed>', 'tn-validation-failed'],
      ['tel:+33612345678;verstat=TN-Validation-Passed;verstat=TN-Validation-Passed', 'TN-Validation-Passed'],
    ];
    for (const [raw, verstat] of cases) expect(normalise(raw, '', FR).number.verstat, raw).toBe(verstat);
  });

  it('does not take junk as a verstat value', () => {
    for (const raw of ['tel:+33612345678;verstat=Passed!!', 'tel:+33612345678;verstat="x"', 'tel:+33612345678;verstat=']) {
      const number = normalise(raw, '', FR).number;
      expect(number).toEqual(valid(raw, MOBILE, 'mobile'));
    }
    expect(normalise(`tel:+33612345678;verstat=${'A'.repeat(65)}`, '', FR).number.verstat).toBeNull();
  });

  it('keeps the verstat of an invalid number so rules can still see a failed attestation', () => {
    expect(normalise('tel:112;verstat=TN-Validation-Failed', '', FR).number).toEqual(
      invalid('tel:112;verstat=TN-Validation-Failed', 'too-short', '112', 'TN-Validation-Failed'),
    );
  });
});

describe('overseas departments share the French national numbering plan', () => {
  it('reads a metropolitan national number from Réunion, Guadeloupe or Mayotte as the +33 line it is', () => {
    for (const defaultCountry of ['RE', 'GP', 'MQ', 'GF', 'YT']) {
      expect(normalise('0162000000', '', { defaultCountry }).number, defaultCountry).toMatchObject({ kind: 'valid', e164: '+33162000000', country: 'FR' });
      expect(normalise('0937000000', '', { defaultCountry }).number, defaultCountry).toMatchObject({ kind: 'valid', e164: '+33937000000' });
    }
    // the region's own numbers keep their own reading, and other countries are not touched
    expect(normalise('0692123456', '', { defaultCountry: 'RE' }).number).toMatchObject({ e164: '+262692123456' });
    expect(normalise('0692123456', '', { defaultCountry: 'DE' }).number).toMatchObject({ e164: '+49692123456' }); // Frankfurt
  });
});

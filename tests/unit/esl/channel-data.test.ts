/**
 * The dial plan's own `playback_terminators`, which chut writes back with `set` after a captcha (channel-data.ts): only
 * values mod_dptools' on_dtmf understands (DTMF keys, `none`, `any`) and `set` cannot expand (no `$`, no space).
 */
import { describe, expect, it } from 'vitest';
import { inboundCallFrom, playbackTerminatorsFrom } from '../../../src/esl/channel-data.js';

const from = (v: string): string | null => playbackTerminatorsFrom({ variable_playback_terminators: v });

describe('playbackTerminatorsFrom', () => {
  it('keeps DTMF keys and the words on_dtmf reads, any case', () => {
    for (const v of ['#', '*', '123*#', 'ABCD', 'none', 'NONE', 'any', 'Any']) expect(from(v)).toBe(v);
  });

  it('refuses what it would not write back (unset instead)', () => {
    for (const v of ['', 'anyway', 'any ', 'none,any', '${x}', '$1', '# *', 'x', '1'.repeat(17)]) expect(from(v)).toBeNull();
    expect(playbackTerminatorsFrom({})).toBeNull();
  });
});

/**
 * The STIR/SHAKEN result FreeSWITCH leaves in `sip_P-Asserted-Identity` (the whole header, display name included) when
 * the carrier verified the call and chut.xml has no `sip_verstat` of its own. The display name is the caller's text
 * and the far end writes the user part: as for any caller ID (src/phone/uri.ts), a verstat counts only in a URI, and of
 * several the least trusted.
 */
describe('the verstat of a P-Asserted-Identity', () => {
  const base = { 'Unique-ID': 'aad4a0a1-6460-4301-af97-118ec520c3bf', 'Caller-Caller-ID-Number': '+33612345678', 'Caller-Destination-Number': '1000' };
  const verstatOf = (pai: string): string | null | undefined => inboundCallFrom({ ...base, 'variable_sip_P-Asserted-Identity': pai }, 1)?.verstat;

  it('reads the carrier\'s parameter in the URI, as before', () => {
    expect(verstatOf('<sip:+33612345678@192.0.2.10;verstat=TN-Validation-Passed>')).toBe('TN-Validation-Passed');
    expect(verstatOf('"Jean" <sip:+33612345678;verstat=TN-Validation-Failed@carrier.example;user=phone>')).toBe('TN-Validation-Failed');
    expect(verstatOf('<sip:+33612345678@carrier.example;user=phone>, <tel:+33612345678;verstat=No-TN-Validation>')).toBe('No-TN-Validation');
    expect(verstatOf('<sip:+33612345678@carrier.example>')).toBeNull();
  });

  it('a failed verification cannot be hidden by a Passed the caller wrote in the display name', () => {
    expect(verstatOf('"Bob;verstat=TN-Validation-Passed" <sip:+33612345678;verstat=TN-Validation-Failed@carrier.example;user=phone>'))
      .toBe('TN-Validation-Failed');
  });

  it('nor by a Passed written ahead of the carrier\'s parameter: the least trusted counts', () => {
    expect(verstatOf('<sip:+33612345678;verstat=TN-Validation-Passed;verstat=TN-Validation-Failed@carrier.example;user=phone>'))
      .toBe('TN-Validation-Failed');
  });

  it('a verstat only in the display name is none (a forged Failed would spare the caller an auto-block)', () => {
    expect(verstatOf('"x;verstat=TN-Validation-Failed" <sip:+33612345678@carrier.example;user=phone>')).toBeNull();
    expect(verstatOf('"a \\" ;verstat=TN-Validation-Passed" <sip:+33612345678@carrier.example>')).toBeNull();
  });
});

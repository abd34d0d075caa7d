/**
 * The dial plan's own `playback_terminators`, which chut writes back with `set` after a captcha (channel-data.ts): only
 * values mod_dptools' on_dtmf understands (DTMF keys, `none`, `any`) and `set` cannot expand (no `$`, no space).
 */
import { describe, expect, it } from 'vitest';
import { playbackTerminatorsFrom } from '../../../src/esl/channel-data.js';

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

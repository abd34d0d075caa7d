/** The demo's table prints times in Paris time; an instant in a reason is printed the same way, not in UTC ISO. */
import { describe, expect, it } from 'vitest';
import { inParisTime } from '../../../src/cli/demo/paris-time.js';

describe('instants in the demo\'s reasons', () => {
  it('are written in Paris time, winter or summer, to the minute', () => {
    expect(inParisTime('caller +33163000002 is trusted until 2026-12-24T09:33:00.000Z (passed a captcha)'))
      .toBe('caller +33163000002 is trusted until 2026-12-24 10:33 (passed a captcha)');
    expect(inParisTime('not trusted (trust expired 2026-07-30T08:33:59Z)')).toBe('not trusted (trust expired 2026-07-30 10:33)');
    // Paris midnight is the next day's 00:00, not 24:00
    expect(inParisTime('until 2026-11-24T23:00:00.000Z')).toBe('until 2026-11-25 00:00');
  });

  it('leaves the rest of the text as it is', () => {
    expect(inParisTime('5 calls from block 33145678 within 10m (limit 5)')).toBe('5 calls from block 33145678 within 10m (limit 5)');
  });
});

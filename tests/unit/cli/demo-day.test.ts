/** The demo replays a working Tuesday in the past, so its routes never change and reports can find its calls. */
import { describe, expect, it } from 'vitest';
import { demoDay, demoTime } from '../../../src/cli/demo/scenario.js';

describe('the demo day', () => {
  it('is the latest Tuesday before today, in Paris', () => {
    expect(demoDay(Date.parse('2026-11-29T12:00:00Z'))).toEqual({ y: 2026, m: 11, d: 24, offsetHours: 1 });
    // on a Tuesday, the previous one (today's calls would be in the future)
    expect(demoDay(Date.parse('2026-11-24T09:00:00Z'))).toMatchObject({ y: 2026, m: 11, d: 17 });
    // Tuesday 00:30 in Paris is still Monday in UTC: Paris's calendar counts
    expect(demoDay(Date.parse('2026-11-23T23:30:00Z'))).toMatchObject({ y: 2026, m: 11, d: 17 });
  });

  it('skips a Tuesday that is a French public holiday (the legal-hours rules would route differently)', () => {
    expect(demoDay(Date.parse('2025-11-12T12:00:00Z'))).toMatchObject({ y: 2025, m: 11, d: 4 }); // 11 November 2025
  });

  it('places the scripted times in Paris time, summer or winter', () => {
    const winter = demoDay(Date.parse('2026-11-29T12:00:00Z'));
    expect(new Date(demoTime('10:30', winter)).toISOString()).toBe('2026-11-24T09:30:00.000Z');
    const summer = demoDay(Date.parse('2026-07-02T12:00:00Z'));
    expect(summer).toEqual({ y: 2026, m: 6, d: 30, offsetHours: 2 });
    expect(new Date(demoTime('21:30', summer)).toISOString()).toBe('2026-06-30T19:30:00.000Z');
  });
});

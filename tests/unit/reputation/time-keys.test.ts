/** The hour and day a counter key names (stats:h:…, stats:d:…, top:…): the UTC hour and day of the time, whatever
 * time was asked for before it (the latest one is kept between calls). */
import { describe, expect, it } from 'vitest';
import { dayKey, hourKey } from '../../../src/reputation/keys.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('hourKey and dayKey', () => {
  it('name the UTC hour and day of each time, in any order, across hour, day and year ends and before 1970', () => {
    const times = [
      Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1, 0, 0, 0, 0), Date.UTC(2026, 11, 31, 23, 0, 0, 0),
      Date.UTC(2026, 11, 31, 22, 59, 59, 999), Date.UTC(2027, 0, 1, 0, 0, 0, 0), 0, -1, Date.UTC(1969, 6, 20, 20, 17),
      Date.UTC(2024, 1, 29, 12), 8.64e15, -8.64e15,
    ];
    // twice over, so each time follows others of the same and of other hours and days
    for (const t of [...times, ...times.reverse()]) {
      expect([hourKey(t), dayKey(t)]).toEqual([iso(t).slice(0, 13), iso(t).slice(0, 10)]);
    }
  });

  it('every millisecond of an hour names that hour, the next one the next hour', () => {
    const start = Date.UTC(2026, 2, 29, 0); // Europe's clocks change that night: keys are UTC, untouched by it
    for (const t of [start, start + 1, start + 3_599_999]) expect(hourKey(t)).toBe('2026-03-29T00');
    expect(hourKey(start + 3_600_000)).toBe('2026-03-29T01');
    expect(dayKey(start + 86_399_999)).toBe('2026-03-29');
    expect(dayKey(start + 86_400_000)).toBe('2026-03-30');
  });

  it('refuse a time no Date can hold, as before', () => {
    hourKey(8.64e15);
    dayKey(8.64e15); // the latest valid hour and day: a time just past them is not taken for them
    for (const t of [8.64e15 + 1, Number.NaN, Infinity, -8.64e15 - 1]) {
      expect(() => hourKey(t)).toThrow(RangeError);
      expect(() => dayKey(t)).toThrow(RangeError);
    }
  });
});

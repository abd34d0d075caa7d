import { describe, expect, it } from 'vitest';
import { cleanWindows, emptyLookup } from '../../../src/reputation/empty.js';

describe('cleanWindows', () => {
  it('keeps finite positive whole seconds, once each', () => {
    expect(cleanWindows([60, 60.9, -5, 0, Number.NaN, Infinity, 3600, 0.5])).toEqual([60, 3600]);
    expect(cleanWindows(undefined as unknown as number[])).toEqual([]);
  });

  it("hands the policy's already clean list back without copying it", () => {
    const windows = [60, 600, 3600];
    expect(cleanWindows(windows)).toBe(windows);
    expect(cleanWindows([60, 60])).toEqual([60]);
  });

  it('gives a caller nobody knows zero calls in every window', () => {
    expect(emptyLookup([600, 60, 600]).recentCalls).toEqual({ number: { 60: 0, 600: 0 }, block: { 60: 0, 600: 0 } });
  });
});

import { describe, expect, it } from 'vitest';
import { backToBack, callsInProgress, exponentialMs } from '../../bench/traffic.js';

describe('benchmark traffic model', () => {
  it('draws exponential holding times with the asked mean', () => {
    expect(exponentialMs(50, () => 0)).toBe(0);
    expect(exponentialMs(50, () => 0.5)).toBeCloseTo(50 * Math.LN2, 9);
    let seed = 1;
    const lcg = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const draws = Array.from({ length: 20_000 }, () => exponentialMs(50, lcg));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(47);
    expect(mean).toBeLessThan(53);
    expect(new Set(draws.map((d) => Math.round(d))).size).toBeGreaterThan(100); // not one fixed hold
  });

  it('keeps at most `channels` calls up, places every call once and hangs each up', async () => {
    let up = 0;
    let peak = 0;
    const hungUp: number[] = [];
    const run = await callsInProgress({
      channels: 5, meanHoldMs: 2, total: 40,
      arrive: async (i) => {
        up++;
        peak = Math.max(peak, up);
        return i * 10;
      },
      hangUp: async (i, result) => {
        expect(result).toBe(i * 10);
        hungUp.push(i);
        up--;
      },
    });
    expect(run.samples).toHaveLength(40);
    expect(peak).toBeLessThanOrEqual(5);
    expect(hungUp.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('back to back keeps exactly `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const run = await backToBack(8, 100, async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
    });
    expect(run.samples).toHaveLength(100);
    expect(peak).toBe(8);
  });
});

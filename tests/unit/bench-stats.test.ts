import { describe, expect, it } from 'vitest';
import { percentile, shareOver, summarise } from '../../bench/stats.js';

describe('benchmark statistics', () => {
  it('reads percentiles as the smallest sample at or above the rank (nearest rank)', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100 ms
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(summarise([...samples].reverse())).toMatchObject({ n: 100, p50: 50, p99: 99, max: 100 });
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });

  it('counts the share of calls slower than a bound, which is what "p99 under 1 ms" asks', () => {
    const samples = [...Array.from({ length: 990 }, () => 0.5), ...Array.from({ length: 10 }, () => 1.5)];
    expect(shareOver(samples, 1)).toBe(0.01);
    expect(shareOver(samples, 2)).toBe(0);
    expect(shareOver([1, 1, 1], 1)).toBe(0); // exactly at the bound is not over it
    expect(Number.isNaN(shareOver([], 1))).toBe(true);
  });
});

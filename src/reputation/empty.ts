import type { LookupResult } from './types.js';
import { windowCounts } from './window-counts.js';

/** Usable sliding windows: finite, positive, whole seconds, deduplicated. */
export function cleanWindows(windowsSec: number[]): number[] {
  return [...new Set((windowsSec ?? []).filter((w) => Number.isFinite(w) && w > 0).map((w) => Math.floor(w)))].filter((w) => w > 0);
}

export function zeroCounts(windowsSec: number[]): Record<string, number> {
  return windowCounts(cleanWindows(windowsSec), () => 0);
}

/** The facts of a caller the store knows nothing about (and of every withheld/invalid caller). */
export function emptyLookup(windowsSec: number[]): LookupResult {
  return {
    listed: null, score: 0, trustedUntil: null, reports: 0,
    captcha: { passed: 0, failed: 0, hungUp: 0 },
    recentCalls: { number: zeroCounts(windowsSec), block: zeroCounts(windowsSec) },
    firstSeen: null, lastSeen: null,
  };
}

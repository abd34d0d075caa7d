import type { LookupResult } from './types.js';
import { windowCounts } from './window-counts.js';

/**
 * Usable sliding windows: finite, positive, whole seconds, deduplicated. The policy's own list (asked for on every
 * call) already is: it comes back as is, without allocating. Treat the result as read-only.
 */
export function cleanWindows(windowsSec: readonly number[]): readonly number[] {
  if (!Array.isArray(windowsSec)) return [];
  if (isClean(windowsSec)) return windowsSec;
  return [...new Set(windowsSec.filter((w) => Number.isFinite(w) && w > 0).map((w) => Math.floor(w)))].filter((w) => w > 0);
}

function isClean(windowsSec: readonly number[]): boolean {
  for (let i = 0; i < windowsSec.length; i++) {
    const w = windowsSec[i];
    if (!Number.isSafeInteger(w) || (w as number) <= 0 || windowsSec.indexOf(w as number) !== i) return false;
  }
  return true;
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

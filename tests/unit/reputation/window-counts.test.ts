import { Session } from 'node:inspector/promises';
import { describe, expect, it } from 'vitest';
import { windowCounts } from '../../../src/reputation/window-counts.js';

/** Bytes allocated per call of `fn`, from V8's sampling heap profiler (collected objects included). */
async function bytesPerCall(fn: () => unknown, calls = 20_000): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.startSampling', { samplingInterval: 128, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    let sink: unknown;
    for (let i = 0; i < calls; i++) sink = fn();
    const { profile } = await session.post('HeapProfiler.stopSampling');
    expect(sink).toBeDefined();
    let total = 0;
    const walk = (n: { selfSize: number; children: unknown[] }): void => {
      total += n.selfSize;
      for (const c of n.children) walk(c as typeof n);
    };
    walk(profile.head as unknown as { selfSize: number; children: unknown[] });
    return total / calls;
  } finally {
    session.disconnect();
  }
}

describe('windowCounts', () => {
  it('keys counts by window seconds, in order, like a plain object', () => {
    const c = windowCounts([600, 60, 3600], (w) => w / 60);
    expect(c).toEqual({ 600: 10, 60: 1, 3600: 60 });
    expect(Object.keys(c)).toEqual(['60', '600', '3600']);
    expect(JSON.stringify(c)).toBe('{"60":1,"600":10,"3600":60}');
    expect(windowCounts([], () => 1)).toEqual({});
  });

  it('costs a small object per call, not a 600-slot array (a ten-minute window is index 600 to V8)', async () => {
    const plain = await bytesPerCall(() => Object.fromEntries([['600', 1]]));
    const ours = await bytesPerCall(() => windowCounts([600], () => 1));
    expect(plain).toBeGreaterThan(4000); // what this module avoids (if V8 changes, the next line still holds)
    expect(ours).toBeLessThan(1000);
  });
});

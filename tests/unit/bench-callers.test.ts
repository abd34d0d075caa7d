import { describe, expect, it } from 'vitest';
import { benchCall, knownCallerPool, randomCaller } from '../../bench/callers.js';
import { normalise } from '../../src/phone/index.js';

function lcg(seed: number): () => number {
  return () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
}

const validShare = (numbers: string[]): number =>
  numbers.filter((n) => normalise(n, '', { defaultCountry: 'FR' }).number.kind === 'valid').length / numbers.length;

describe('benchmark callers', () => {
  it('new callers are mostly valid French numbers, each one different', () => {
    const random = lcg(1);
    const numbers = Array.from({ length: 5000 }, (_, i) => randomCaller(i, random));
    expect(new Set(numbers).size).toBeGreaterThan(4990);
    const share = validShare(numbers);
    expect(share).toBeGreaterThan(0.8);
    expect(share).toBeLessThan(1); // some invalid ones, as a spoofing campaign sends
  });

  it('known callers are a fixed pool drawn like new callers: same mix of valid and invalid numbers', () => {
    const known = knownCallerPool(2000, lcg(7));
    const numbers = Array.from({ length: 6000 }, (_, i) => known(i));
    expect(new Set(numbers).size).toBe(2000);
    expect(known(1)).toBe(known(2001));
    const random = lcg(11);
    const fresh = Array.from({ length: 2000 }, (_, i) => randomCaller(i, random));
    expect(Math.abs(validShare(numbers.slice(0, 2000)) - validShare(fresh))).toBeLessThan(0.04);
  });

  it('builds an inbound call the screener accepts', () => {
    const c = benchCall(3, () => '0612345678');
    expect(c).toMatchObject({ callId: 'bench-3', callerNumber: '0612345678', dialled: '0100000000' });
  });
});

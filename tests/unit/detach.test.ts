import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { detach } from '../../src/detach.js';
import { createNormaliser } from '../../src/phone/normalise.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Heap growth (bytes) while a value cut from each of 100 frames of 100 kB is handed to `keep` and the frames
 * are dropped. `line(i)` is the frame's repeated content; the value is its text after `: `.
 */
function retained(line: (i: number) => string, keep: (value: string) => unknown): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept: unknown[] = [];
  for (let i = 0; i < 100; i++) {
    // a fresh frame each time (not a constant V8 could share), like a Buffer decoded off a socket
    const text = line(i);
    const frame = Buffer.alloc(100_000, text).toString('latin1');
    kept.push(keep(frame.slice(text.indexOf(': ') + 2, text.length - 1)));
  }
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  expect(kept).toHaveLength(100);
  return grown;
}

const uuidLine = (i: number) => `Unique-ID: ${i}-0000-4000-8000-${String(i).padStart(12, '0')}\n`;

describe('detach', () => {
  it('returns an equal string', () => {
    expect(detach('')).toBe('');
    expect(detach('abc')).toBe('abc');
    const long = 'f3a1c2d4-0000-4000-8000-1234567890ab';
    expect(detach(long)).toBe(long);
    expect(detach('é☎️ unicode and more than 13 chars')).toBe('é☎️ unicode and more than 13 chars');
  });

  it('keeps no reference to the frame a value was cut from', () => {
    // Without detach, each kept 36-character id pins its whole 100 kB frame (V8 sliced strings): ~10 MB.
    expect(retained(uuidLine, (id) => id)).toBeGreaterThan(5_000_000);
    expect(retained(uuidLine, detach)).toBeLessThan(500_000);
  });
});

describe('the caller-ID cache', () => {
  it('does not pin the PBX frames the numbers were cut from', () => {
    const normaliser = createNormaliser();
    const numberLine = (i: number) => `Caller-Caller-ID-Number: sip:+336123456${String(i).padStart(2, '0')}@192.0.2.1\n`;
    // 100 different numbers cached; the frames they came from must be collectable
    expect(retained(numberLine, (raw) => normaliser.normalise(raw, '', { defaultCountry: 'FR' }).number.kind)).toBeLessThan(1_000_000);
    expect(normaliser.cacheSize()).toBe(100);
  });
});

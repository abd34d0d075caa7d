/** Feeds bytes to an ESL FrameParser as TCP might cut them, for the framing tests. */
import { expect } from 'vitest';
import { FrameParser, type EslFrame } from '../../../src/esl/frame.js';

/** Feeds `data` in chunks of the sizes `nextSize` gives; checks nothing is left over. */
export function parseChunked(data: Buffer, nextSize: () => number, parser = new FrameParser()): EslFrame[] {
  const frames: EslFrame[] = [];
  for (let i = 0; i < data.length;) {
    const size = Math.max(1, nextSize());
    frames.push(...parser.push(data.subarray(i, i + size)));
    i += size;
  }
  expect(parser.buffered).toBe(0);
  return frames;
}

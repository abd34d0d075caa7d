/**
 * The ESL frame parser fed in pieces: whatever the chunking, it returns exactly the frames it returns for the
 * whole stream, refuses what it refused, and copies each received byte a bounded number of times (it used to
 * re-concatenate everything buffered on every chunk, O(n²) for a big frame arriving in small pieces).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bodyDropped, EslProtocolError, FrameParser, MAX_CALL_FRAME_BYTES, MAX_FRAME_BYTES, type EslFrame } from '../../../src/esl/frame.js';
import { apiResponse, disconnectNotice, plainEvent, reply } from '../../../src/sim/esl/frames.js';
import { prng as seeded } from '../../helpers/prng.js';
import { parseChunked } from './parse-chunked.js';
import { DIR } from './transcript.js';


const whole = (data: Buffer): EslFrame[] => parseChunked(data, () => data.length);
const bytewise = (data: Buffer): EslFrame[] => parseChunked(data, () => 1);
/** Mostly small chunks, sometimes large ones, as a slow or busy TCP peer delivers them. */
const randomly = (seed: number) => (data: Buffer): EslFrame[] => {
  const random = seeded(seed);
  return parseChunked(data, () => (random() < 0.8 ? 1 + Math.floor(random() * 16) : 1 + Math.floor(random() * 8192)));
};

/** Feeds `data` in `size`-byte chunks and returns the error thrown (and after how many bytes), or null. */
function refusal(data: Buffer, size: number, parser = new FrameParser()): { error: unknown; after: number } | null {
  for (let i = 0; i < data.length; i += size) {
    try {
      parser.push(data.subarray(i, i + size));
    } catch (error) {
      return { error, after: Math.min(i + size, data.length) };
    }
  }
  return null;
}

const streams = readdirSync(DIR).filter((f) => f.endsWith('.s2c.raw'));

describe('ESL frame parser, input in pieces', () => {
  for (const name of streams) {
    it(`${name}: 1-byte and random chunks give the frames of the whole stream`, () => {
      const data = readFileSync(join(DIR, name));
      const expected = whole(data);
      expect(bytewise(data)).toEqual(expected);
      for (const seed of [1, 2, 3]) expect(randomly(seed)(data)).toEqual(expected);
    });
  }

  it('frames with bodies: UTF-8 split mid-character, a body holding blank lines, empty bodies, stray newlines', () => {
    const body = 'Zoë → ☎ 100%\n\nContent-Type: not/a-frame\n\n';
    const stream = Buffer.from([
      'Content-Type: auth/request\n\n',
      apiResponse(body),
      '\n\n',
      reply('+OK accepted'),
      plainEvent([['Event-Name', 'CUSTOM'], ['Caller-Caller-ID-Name', 'Zoë "x"']]),
      apiResponse(''),
      disconnectNotice(null),
    ].join(''));
    const expected = whole(stream);
    expect(expected.map((f) => f.headers['Content-Type'])).toEqual(
      ['auth/request', 'api/response', 'command/reply', 'text/event-plain', 'api/response', 'text/disconnect-notice']);
    expect(expected[1]?.body).toBe(body);
    expect(expected[4]?.body).toBe('');
    expect(bytewise(stream)).toEqual(expected);
    for (const seed of [4, 5, 6, 7]) expect(randomly(seed)(stream)).toEqual(expected);
  });

  it('a body of exactly 4 MiB, in 1 KiB pieces, arrives whole', () => {
    const body = 'x'.repeat(4 * 1024 * 1024);
    const frames = parseChunked(Buffer.from(apiResponse(body)), () => 1024);
    expect(frames).toHaveLength(1);
    expect(frames[0]?.body.length).toBe(body.length);
  });

  it('a per-call socket keeps bodies up to 256 KiB only (2,000 of them may be read at once): a larger one is skipped', () => {
    const call = new FrameParser(MAX_CALL_FRAME_BYTES);
    expect(call.push(Buffer.from(apiResponse('y'.repeat(MAX_CALL_FRAME_BYTES))))[0]?.body.length).toBe(MAX_CALL_FRAME_BYTES);
    // One byte more: the body goes by unread (never buffered) and the frame still comes, so later replies stay matched.
    const big = Buffer.from(apiResponse('z'.repeat(MAX_CALL_FRAME_BYTES + 1)) + reply('+OK'));
    const frames = parseChunked(big, () => 4096, new FrameParser(MAX_CALL_FRAME_BYTES));
    expect(frames.map((f) => [f.headers['Content-Type'], f.body, f.trimmed])).toEqual([['api/response', '', 1], ['command/reply', '', 0]]);
    expect(bodyDropped(frames[0] as EslFrame)).toBe(true);
    expect(bodyDropped(frames[1] as EslFrame)).toBe(false);
  });

  it('still refuses a body past MAX_FRAME_BYTES, a bad Content-Length, garbage and a header-less frame, in any chunking', () => {
    const refused = [
      `Content-Type: api/response\nContent-Length: ${MAX_FRAME_BYTES + 1}\n\n`,
      'Content-Length: banana\n\n',
      'Content-Length: 12345678901\n\n',
      '\u0000\u00ff garbage\n\n',
      'Reply-Text: +OK\n\n',
      `${'N'.repeat(1025)}: too long a name\nContent-Type: command/reply\n\n`,
    ];
    for (const text of refused) {
      for (const size of [1, 3, text.length]) expect(refusal(Buffer.from(text), size)?.error).toBeInstanceOf(EslProtocolError);
    }
    // The name cap is 1024: one byte less than the refused name above is still a header.
    const [frame] = whole(Buffer.from(`${'N'.repeat(1024)}: ok\nContent-Type: command/reply\n\n`));
    expect(frame?.headers['N'.repeat(1024)]).toBe('ok');
  });

  it('refuses a header block without end at the byte that takes it past the ceiling, not before, in any chunking', () => {
    // The ceiling is MAX_FRAME_BYTES (128 MiB); 64 KiB here. The bytes before it are not held: they are one endless line.
    const ceiling = (): FrameParser => new FrameParser(undefined, 65_536);
    const endless = Buffer.alloc(70_000, 0x41);
    for (const size of [1, 1000, 4096, endless.length]) {
      const result = refusal(endless, size, ceiling());
      expect(result?.error).toBeInstanceOf(EslProtocolError);
      expect((result?.error as Error).message).toBe('header block too large');
      expect(result?.after).toBe(size === 1 ? 65_537 : Math.ceil(65_537 / size) * size);
    }
    // Leading blank lines are skipped before the count starts.
    expect(refusal(Buffer.concat([Buffer.alloc(10, 0x0a), Buffer.alloc(65_536, 0x41)]), 1, ceiling())).toBeNull();
  });
});

describe('ESL frame parser copying', () => {
  afterEach(() => vi.restoreAllMocks());

  /** Bytes copied through Buffer.concat and Buffer#copy while `run` runs (the two ways a parser copies). */
  function bytesCopiedBy(run: () => void): number {
    const concat = vi.spyOn(Buffer, 'concat');
    const copy = vi.spyOn(Buffer.prototype, 'copy');
    run();
    const concatenated = concat.mock.results.reduce((sum, r) => sum + (r.value as Buffer).length, 0);
    const copied = copy.mock.results.reduce((sum, r) => sum + (r.value as number), 0);
    return concatenated + copied;
  }

  it('a 256 KiB frame in 256-byte pieces is copied a bounded number of times (linear), not once per piece', () => {
    const frame = Buffer.from(apiResponse('y'.repeat(256 * 1024)));
    let frames: EslFrame[] = [];
    const copied = bytesCopiedBy(() => { frames = parseChunked(frame, () => 256); });
    expect(frames[0]?.body.length).toBe(256 * 1024);
    // Re-concatenating per piece copied ~frame²/(2·256) bytes here (about 128 MiB).
    expect(copied).toBeLessThanOrEqual(3 * frame.length);
  });

  it('whole frames in whole chunks are parsed in place, without copying', () => {
    const stream = readFileSync(join(DIR, 'esl-outbound-session.s2c.raw'));
    expect(bytesCopiedBy(() => whole(stream))).toBe(0);
  });
});

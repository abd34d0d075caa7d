/**
 * Seeded mutation fuzzing of the Event Socket framing (frame.ts) and of what chut reads from its frames
 * (channel-data.ts, bound.ts, pickup.ts, monitor.ts), with the frames a real FreeSWITCH 1.10 sent
 * (tests/fixtures/freeswitch: each S->C record of the annotated transcripts). Mutations: flipped bytes, cuts, lines
 * duplicated or removed, CR/LF/NUL, invalid UTF-8, a wrong, missing, doubled or absurd Content-Length, header names
 * and values swapped, and frames grown past the caps with their Content-Length kept right (one huge line, thousands of
 * lines, a huge body).
 *
 * What must hold for every case, whatever the chunking: nothing but EslProtocolError escapes the parser (ESL cannot
 * resynchronise: a protocol error ends the connection, and FreeSWITCH's dial plan rings the call); the same frames come
 * out of the stream in one piece and in pieces, a refused stream's frames before the refusal included (the error carries
 * those of its own read, which the connection hands over before it ends); what the parser holds stays under one bound
 * set by its cap, never by the input; every frame is what chut can read safely; and when the garbage ends on a frame
 * boundary, the next good frame is read exactly as a fresh parser reads it (no state leaks from one frame into the next).
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { boundTargetFrom } from '../../../src/esl/bound.js';
import { featureCodeFrom, inboundCallFrom, playbackTerminatorsFrom } from '../../../src/esl/channel-data.js';
import {
  bodyDropped, eventOf, EslProtocolError, FrameParser, isNeededHeader, MAX_CALL_FRAME_BYTES, MAX_LINE_BYTES, NEEDED_ALLOWANCE,
  type EslFrame,
} from '../../../src/esl/frame.js';
import { enrichmentFrom } from '../../../src/esl/monitor.js';
import { dialledFor, PickupLog } from '../../../src/esl/pickup.js';
import { prng } from '../../helpers/prng.js';
import {
  BYTE_MUTATIONS, chunks, int, mutate, pick, replaceName, replaceValue, wrongContentLength, type Mutation, type Rand,
} from '../../helpers/mutate.js';
import { DIR, transcriptRecords } from './transcript.js';

/** Each recorded stream's frames (the S->C records of its transcript). */
const RECORDED = readdirSync(DIR).filter((f) => f.endsWith('.s2c.raw')).map(transcriptRecords).filter((frames) => frames.length > 0);
const connectReply = RECORDED.flat().find((f) => f.includes('Socket-Mode: async\nControl: full\n')) as Buffer;

/** Parsers as chut runs them (a per-call socket, the inbound monitor), and with a small cap and ceiling, with and without
 * chut's header filter, so that the caps and MAX_FRAME_BYTES are reached by inputs of a few megabytes. */
const PARSERS: ReadonlyArray<{ name: string; cap: number; make(): FrameParser }> = [
  { name: 'per-call', cap: MAX_CALL_FRAME_BYTES, make: () => new FrameParser(MAX_CALL_FRAME_BYTES, undefined, isNeededHeader) },
  { name: 'monitor', cap: 4 * 1024 * 1024, make: () => new FrameParser(undefined, undefined, isNeededHeader) },
  { name: 'small', cap: 16 * 1024, make: () => new FrameParser(16 * 1024, 2 * 1024 * 1024, isNeededHeader) },
  { name: 'small, every header', cap: 16 * 1024, make: () => new FrameParser(16 * 1024, 2 * 1024 * 1024) },
];

/** The most a parser may hold, whatever comes: its frame's headers and an event's (each within the cap and the
 * allowance for the headers chut reads), and the bytes waiting for the rest of a line or a body. */
const bound = (cap: number): number => 2 * (cap + NEEDED_ALLOWANCE) + 2 * MAX_LINE_BYTES;

/** A frame's header block and body, split at the first blank line. */
function split(frame: Buffer): { head: string; body: Buffer } | null {
  const blank = frame.indexOf('\n\n');
  return blank < 0 ? null : { head: frame.subarray(0, blank + 1).toString('latin1'), body: frame.subarray(blank + 2) };
}

/** Rebuilds a frame with its Content-Length right for `body` (a frame without one gets none unless it has a body). */
function frameOf(head: string, body: Buffer): Buffer {
  const rest = head.split('\n').filter((l) => l !== '' && !l.startsWith('Content-Length:'));
  const length = body.length > 0 || head.includes('Content-Length:') ? [`Content-Length: ${body.length}`] : [];
  return Buffer.concat([Buffer.from([...length, ...rest].join('\n') + '\n\n', 'latin1'), body]);
}

const SIZES = [1000, MAX_LINE_BYTES + 1, 20_000, 80_000, MAX_CALL_FRAME_BYTES + 1, 700_000];

/** Frames grown past the caps, their Content-Length kept right: what a caller padding its INVITE gets FreeSWITCH to send. */
const grown: Mutation[] = [
  {
    name: 'huge-header-line',
    apply(frame, rand) {
      const parts = split(frame);
      if (!parts) return frame;
      const name = pick(rand, ['variable_sip_h_X-Pad', 'Caller-Caller-ID-Name', 'variable_chut_pad', 'X']);
      return frameOf(`${parts.head}${name}: ${pick(rand, ['%20', 'A', 'é'.repeat(2)]).repeat(pick(rand, SIZES) / 3)}\n`, parts.body);
    },
  },
  {
    name: 'many-header-lines',
    apply(frame, rand) {
      const parts = split(frame);
      if (!parts) return frame;
      const count = pick(rand, [10, 300, 3000, 9000]);
      // X- headers (dropped past the cap), or variables chut reads (kept past it, up to the allowance)
      const name = pick(rand, ['variable_sip_h_X-F', 'variable_chut_f']);
      const lines = Array.from({ length: count }, (_, i) => `${name}${i}: ${'y'.repeat(80)}\n`).join('');
      return frameOf(`${parts.head}${lines}`, parts.body);
    },
  },
  {
    name: 'huge-body',
    apply(frame, rand) {
      const parts = split(frame);
      if (!parts) return frame;
      const size = pick(rand, SIZES);
      // an event's body is header lines: a huge one, or many; any other body just grows
      const extra = parts.head.includes('text/event-plain')
        ? (rand() < 0.5 ? `variable_sip_h_X-Pad: ${'%20'.repeat(size / 3)}\n` : `variable_x: ${'z'.repeat(60)}\n`.repeat(size / 74))
        : 'b'.repeat(size);
      const blank = parts.body.indexOf('\n\n');
      const at = blank < 0 ? parts.body.length : blank + 1;
      return frameOf(parts.head, Buffer.concat([parts.body.subarray(0, at), Buffer.from(extra), parts.body.subarray(at)]));
    },
  },
];

const MUTATIONS: Mutation[] = [
  ...BYTE_MUTATIONS,
  wrongContentLength, wrongContentLength,
  replaceName(['Content-Length', 'Content-Type', 'Unique-ID', 'Caller-Caller-ID-Number', 'Event-Name', 'Reply-Text', '__proto__',
    'constructor', '_body', 'variable_chut_bound', 'variable_chut_feature', 'Caller-Destination-Number', 'X Y', '']),
  replaceValue(['', 'text/event-plain', 'text/event-json', 'api/response', 'command/reply', 'text/disconnect-notice', '%', '%E2%8',
    '%FF%FE', '%00', '%0A%0A', '${x}', '../..', 'spam', 'allow', '10', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_EXECUTE_COMPLETE',
    '{"Event-Name": 1}', '[]', 'null', '-ERR', '+OK', 'a'.repeat(70)]),
];

/** Garbage: 1 to 4 consecutive recorded frames, some grown past the caps, then mutated as bytes. */
function garbage(rand: Rand): { bytes: Buffer; applied: string[] } {
  const stream = pick(rand, RECORDED);
  const from = int(rand, 0, stream.length - 1);
  const applied: string[] = [];
  const frames = stream.slice(from, from + int(rand, 1, 4)).map((f) => {
    if (rand() >= 0.3) return f;
    const m = pick(rand, grown);
    applied.push(m.name);
    return m.apply(f, rand);
  });
  const out = mutate(Buffer.concat(frames), rand, MUTATIONS, 2);
  return { bytes: out.bytes, applied: [...applied, ...out.applied] };
}

/** What chut could not read safely in a frame, or null (the checks of every reader chut runs on it). */
function unreadable(frame: EslFrame, cap: number, filtered: boolean): string | null {
  const event = eventOf(frame);
  bodyDropped(frame);
  if (frame.body.length > cap) return `a body of ${frame.body.length}`;
  for (const headers of event ? [frame.headers, event] : [frame.headers]) {
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value !== 'string') return `header ${name} is no text`;
      if (filtered && name !== '_body' && !isNeededHeader(name) && headers === frame.headers) return `kept ${name}`;
    }
    const call = inboundCallFrom(headers, 0);
    if (call && (!/^[A-Za-z0-9-]{1,64}$/.test(call.callId) || call.callerNumber.length > 256 || call.callerName.length > 256
      || call.dialled.length > 256 || (call.verstat?.length ?? 0) > 64)) return 'channel data';
    playbackTerminatorsFrom(headers);
    featureCodeFrom(headers);
    boundTargetFrom(headers);
    dialledFor(headers);
    new PickupLog().answered(headers, () => true);
    const enrichment = enrichmentFrom(headers, { atMicros: 1, by: null });
    if (enrichment.hangupCause !== null && !/^[\w+@.:-]{1,64}$/.test(enrichment.hangupCause)) return 'hangup cause';
  }
  return null;
}

type Fed = { frames: EslFrame[]; refused: unknown; parser: FrameParser };

/** Feeds the pieces to `parser` until it refuses (the connection then ends, once it has the frames read before the
 * refusal); fails when it holds more than `most`. */
function feed(parser: FrameParser, pieces: readonly Buffer[], most: number): Fed {
  const frames: EslFrame[] = [];
  for (const piece of pieces) {
    try {
      frames.push(...parser.push(piece));
    } catch (refused) {
      if (refused instanceof EslProtocolError) frames.push(...refused.frames);
      return { frames, refused, parser };
    }
    if (parser.held > most) throw new Error(`holds ${parser.held} bytes, over ${most}`);
  }
  return { frames, refused: null, parser };
}

const GOOD = Buffer.concat([connectReply, Buffer.from('Content-Type: command/reply\nReply-Text: +OK Events Enabled\n\n')]);

/** One seeded case; returns how it ended. Any failure, an unexpected throw included, names the seed and the mutations. */
function fuzzCase(seed: number): 'refused' | 'refused after frames' | 'resynchronised' | 'mid-frame' {
  const rand = prng(seed);
  const { bytes, applied } = garbage(rand);
  const kind = pick(rand, PARSERS);
  const where = `seed ${seed}, ${kind.name} parser (${applied.join(', ')})`;
  try {
    const most = bound(kind.cap);
    const inPieces = feed(kind.make(), chunks(bytes, rand), most);
    const whole = feed(kind.make(), [bytes], most);
    for (const fed of [inPieces, whole]) if (fed.refused !== null) expect(fed.refused).toBeInstanceOf(EslProtocolError);
    expect(inPieces.refused === null, 'refused whatever the chunking').toBe(whole.refused === null);
    expect(inPieces.frames, 'the same frames whatever the chunking (before a refusal too)').toEqual(whole.frames);
    const filtered = kind.name !== 'small, every header';
    for (const frame of inPieces.frames) expect(unreadable(frame, kind.cap, filtered)).toBeNull();
    if (inPieces.refused !== null) return whole.frames.length > 0 ? 'refused after frames' : 'refused';

    const parser = inPieces.parser;
    const atBoundary = parser.held === 0 && parser.partialHeaders === null;
    const after = feed(parser, chunks(GOOD, rand), most);
    if (after.refused !== null) {
      expect(after.refused).toBeInstanceOf(EslProtocolError);
      expect(atBoundary, 'a good frame on a frame boundary is never refused').toBe(false);
      return 'refused';
    }
    if (!atBoundary) return 'mid-frame';
    expect(after.frames, 'the good frames after the garbage').toEqual(feed(kind.make(), [GOOD], most).frames);
    return 'resynchronised';
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
}

describe('ESL framing: mutated recorded frames', () => {
  it('the good frames used after the garbage: the recorded connect reply with its channel data, then a reply', () => {
    const frames = new FrameParser(MAX_CALL_FRAME_BYTES, undefined, isNeededHeader).push(GOOD);
    expect(frames.map((f) => f.headers['Content-Type'])).toEqual(['command/reply', 'command/reply']);
    expect(inboundCallFrom(frames[0]?.headers ?? {}, 0)).toMatchObject({ callerNumber: '+33162000000', dialled: '1000' });
  });

  it('1,000 seeded cases: only EslProtocolError, the same frames in any chunking (refused or not), bounded, readable, resynchronised on a boundary', () => {
    const BASE = 0x45_53_4c; // 'ESL'
    const ends = { refused: 0, 'refused after frames': 0, resynchronised: 0, 'mid-frame': 0 };
    for (let i = 0; i < 1000; i++) ends[fuzzCase(BASE + i)]++;
    // The generator must reach every ending, and mostly streams that are read, or this test proves little.
    expect(ends.refused + ends['refused after frames']).toBeGreaterThan(100);
    expect(ends['refused after frames']).toBeGreaterThan(100);
    expect(ends['mid-frame']).toBeGreaterThan(100);
    expect(ends.resynchronised).toBeGreaterThan(200);
  });
});

/**
 * chut's own ESL connections keep only the headers chut reads (isNeededHeader): a FreeSWITCH event carries a few
 * hundred variables, and decoding and storing them all was most of the parser's time on the call path. These tests
 * hold the two promises that makes: nothing chut reads is lost (same values as a parser that keeps everything, in any
 * chunking), and every header the ESL code reads is one the filter keeps.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameParser, isNeededHeader, MAX_CALL_FRAME_BYTES, type EslFrame } from '../../../src/esl/frame.js';
import { connectReply, plainEvent, reply } from '../../../src/sim/esl/frames.js';
import { prng } from '../../helpers/prng.js';
import { parseChunked } from './parse-chunked.js';
import { DIR } from './transcript.js';

const SRC = join(import.meta.dirname, '../../../src/esl');

const keeping = (): FrameParser => new FrameParser(MAX_CALL_FRAME_BYTES, undefined, isNeededHeader);

/** What a keep-everything parser's frame looks like once filtered: the frame chut's connections should get. */
function filtered(frame: EslFrame): EslFrame {
  const only = (headers: Record<string, string>) =>
    Object.fromEntries(Object.entries(headers).filter(([name]) => name === '_body' || isNeededHeader(name)));
  const out: EslFrame = { headers: only(frame.headers), body: frame.body, trimmed: frame.trimmed };
  if (frame.event) out.event = only(frame.event);
  return out;
}

/** Plain objects (the parser builds null-prototype ones) so that toEqual compares values only. */
const plain = (frames: EslFrame[]): unknown => JSON.parse(JSON.stringify(frames));

describe('ESL parser keeping only the headers chut reads', () => {
  for (const name of readdirSync(DIR).filter((f) => f.endsWith('.s2c.raw'))) {
    it(`${name}: the values of every header chut reads, and nothing else, in any chunking`, () => {
      const data = readFileSync(join(DIR, name));
      const everything = parseChunked(data, () => data.length, new FrameParser(MAX_CALL_FRAME_BYTES));
      const expected = plain(everything.map(filtered));
      expect(plain(parseChunked(data, () => data.length, keeping()))).toEqual(expected);
      expect(plain(parseChunked(data, () => 1, keeping()))).toEqual(expected);
      const random = prng(name.length);
      expect(plain(parseChunked(data, () => 1 + Math.floor(random() * 3000), keeping()))).toEqual(expected);
    });
  }

  it('drops the rest of a real channel: the connect reply keeps the caller, not the codec list', () => {
    const data = readFileSync(join(DIR, 'esl-outbound-session-sip.s2c.raw'));
    const [connect] = parseChunked(data, () => data.length, keeping());
    expect(connect?.headers['Caller-Caller-ID-Number']).toBeTruthy();
    expect(connect?.headers['Unique-ID']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(connect?.headers ?? {}).length).toBeLessThan(30);
    expect(connect?.headers['variable_sip_user_agent']).toBeUndefined();
  });

  it('events that are not ASCII, use CRLF, or hold stray blank lines read the same as through the byte path', () => {
    const stream = Buffer.from([
      plainEvent([['Event-Name', 'CHANNEL_EXECUTE_COMPLETE'], ['Application-Response', 'Zoë ☎'], ['X-Junk', 'é'.repeat(100)]]),
      reply('+OK').replace(/\n/g, '\r\n').replace(/\r\n\r\n$/, '\r\n\n'),
      '\n\n',
      plainEvent([['Event-Name', 'CHANNEL_HANGUP'], ['Unique-ID', 'a'.repeat(36)], ['variable_chut_digits_1', '1234']]),
    ].join(''));
    const expected = plain(parseChunked(stream, () => stream.length, new FrameParser()).map(filtered));
    for (const size of [1, 5, 64, stream.length]) expect(plain(parseChunked(stream, () => size, keeping()))).toEqual(expected);
    const frames = parseChunked(stream, () => stream.length, keeping());
    expect(frames.map((f) => f.event?.['Event-Name'] ?? f.headers['Reply-Text'])).toEqual(['CHANNEL_EXECUTE_COMPLETE', '+OK', 'CHANNEL_HANGUP']);
    expect(frames[0]?.event?.['Application-Response']).toBe('Zoë ☎');
    expect(frames[0]?.event?.['X-Junk']).toBeUndefined();
    expect(frames[2]?.event?.['variable_chut_digits_1']).toBe('1234');
  });

  it('a padded INVITE shows in `trimmed` as with a parser keeping everything (chut warns of it), in any chunking', () => {
    // FreeSWITCH copies each X- header of the INVITE into the channel data: 3,000 of them of ~100 bytes pass the cap.
    const padding: Array<[string, string]> = Array.from({ length: 3000 }, (_, i) => [`variable_sip_h_X-Pad-${i}`, 'p'.repeat(80)]);
    const caller: Array<[string, string]> = [['Unique-ID', 'b'.repeat(36)], ['Caller-Caller-ID-Number', '+33162000000'], ['Caller-Destination-Number', '1000']];
    const stream = Buffer.from(connectReply([...padding, ...caller]) + plainEvent([['Event-Name', 'CHANNEL_EXECUTE'], ...padding, ['Application', 'answer']]));
    const everything = parseChunked(stream, () => stream.length, new FrameParser(MAX_CALL_FRAME_BYTES));
    expect(everything[0]?.trimmed).toBeGreaterThan(500);
    expect(everything[1]?.trimmed).toBeGreaterThan(500);
    const expected = plain(everything.map(filtered));
    for (const size of [1, 1400, 65_536, stream.length]) {
      const frames = parseChunked(stream, () => size, keeping());
      expect(plain(frames)).toEqual(expected);
      expect(frames[0]?.headers['Caller-Caller-ID-Number']).toBe('+33162000000');
      expect(frames[1]?.event?.['Application']).toBe('answer');
    }
  });

  it('an event\'s own body is kept or skipped whatever the chunking (it used to switch to kept half-way, losing bytes)', () => {
    // Event headers close to a 3,000-byte cap: the 10-byte body does not fit and is skipped, in every chunking.
    const headers = `Event-Name: BACKGROUND_JOB\nX-Fill: ${'f'.repeat(2950)}\nContent-Length: 10\n\n0123456789`;
    const stream = Buffer.from(`Content-Length: ${headers.length}\nContent-Type: text/event-plain\n\n${headers}${reply('+OK')}`);
    for (const parser of [() => new FrameParser(3000), () => new FrameParser(3000, undefined, isNeededHeader)]) {
      const whole = parseChunked(stream, () => stream.length, parser());
      expect(whole[0]?.event?._body).toBeUndefined();
      expect(whole[0]?.trimmed).toBe(1);
      for (const size of [1, 7, 100]) expect(plain(parseChunked(stream, () => size, parser()))).toEqual(plain(whole));
    }
    // Within the cap, it is kept whole.
    const small = Buffer.from('Content-Length: 57\nContent-Type: text/event-plain\n\nEvent-Name: BACKGROUND_JOB\nContent-Length: 10\n\n0123456789');
    for (const size of [1, 7, small.length]) expect(parseChunked(small, () => size, keeping())[0]?.event?._body).toBe('0123456789');
  });

  it('keeps every header the ESL code reads (a header read but not kept would always be missing)', () => {
    const read = new Set<string>();
    for (const file of readdirSync(SRC).filter((f) => f.endsWith('.ts'))) {
      const source = readFileSync(join(SRC, file), 'utf8');
      // `data['Unique-ID']`, `event['Event-Name']`, `has('Caller-Caller-ID-Number')`…
      for (const m of source.matchAll(/\['([A-Za-z][A-Za-z0-9_-]*)'\]|\bhas\('([A-Za-z][A-Za-z0-9_-]*)'\)/g)) read.add((m[1] ?? m[2]) as string);
    }
    // The scan must see the headers it guards (it would pass vacuously on a renamed variable otherwise).
    expect(read.size).toBeGreaterThan(30);
    expect(read).toContain('Caller-Caller-ID-Number');
    expect(read).toContain('Application-Response');
    expect([...read].filter((name) => !isNeededHeader(name))).toEqual([]);
    // call-control.ts reads the captcha's digits as `variable_${name}`, name = chut_digits_<n>.
    expect(readFileSync(join(SRC, 'call-control.ts'), 'utf8')).toContain('`chut_digits_${');
    expect(isNeededHeader('variable_chut_digits_12')).toBe(true);
  });
});

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
import { plainEvent, reply } from '../../../src/sim/esl/frames.js';
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

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameParser, EslProtocolError, eventOf, parsePlainEvent, urlDecode, urlEncode, type EslFrame } from '../../../src/esl/frame.js';
import { DIR, transcriptRecords } from './transcript.js';

const streams = readdirSync(DIR).filter((f) => f.endsWith('.s2c.raw'));

function parseAll(data: Buffer, chunk: number): EslFrame[] {
  const parser = new FrameParser();
  const frames: EslFrame[] = [];
  for (let i = 0; i < data.length; i += chunk) frames.push(...parser.push(data.subarray(i, i + chunk)));
  expect(parser.buffered).toBe(0);
  return frames;
}

describe('ESL frame parser against the recorded FreeSWITCH streams', () => {
  it('finds the recorded streams', () => {
    expect(streams.length).toBeGreaterThanOrEqual(10);
  });

  for (const name of streams) {
    it(`${name}: one frame per recorded S->C record, whatever the chunking`, () => {
      const data = readFileSync(join(DIR, name));
      const records = transcriptRecords(name);
      const whole = parseAll(data, data.length || 1);
      expect(whole).toHaveLength(records.length);
      expect(parseAll(data, 7)).toEqual(whole);
      records.forEach((record, i) => {
        const [frame] = parseAll(record, record.length);
        expect(frame).toEqual(whole[i]);
        expect(frame?.trimmed).toBe(0);
        const length = frame?.headers['Content-Length'];
        const body = record.subarray(record.indexOf('\n\n') + 2).toString('utf8');
        if (length === undefined) expect(frame?.body).toBe('');
        // A plain event's body is read line by line as it arrives: the event is the one its whole body gives.
        else if (frame?.headers['Content-Type'] === 'text/event-plain') expect(frame.event).toEqual(parsePlainEvent(body));
        else expect(Buffer.byteLength(frame?.body ?? '')).toBe(Number(length));
      });
    });
  }

  it('reads the outbound connect reply: channel data and reply headers in one block, no body', () => {
    const [connect] = parseAll(readFileSync(join(DIR, 'esl-outbound-session.s2c.raw')), 4096);
    expect(connect?.headers['Content-Type']).toBe('command/reply');
    expect(connect?.headers['Content-Length']).toBeUndefined();
    expect(connect?.headers['Reply-Text']).toBe('+OK\n');
    expect(connect?.headers['Event-Name']).toBe('CHANNEL_DATA');
    expect(connect?.headers['Caller-Caller-ID-Number']).toBe('+33162000000');
    expect(connect?.headers['Caller-Caller-ID-Name']).toBe('TELEMARKETING');
    expect(connect?.headers['Caller-Destination-Number']).toBe('1000');
    expect(connect?.headers['variable_current_application_data']).toBe('127.0.0.1:8084 async full');
    expect(connect?.body).toBe('');
  });

  it('decodes plain events, DTMF digits, api bodies and disconnect notices of the session', () => {
    const frames = parseAll(readFileSync(join(DIR, 'esl-outbound-session.s2c.raw')), 1000);
    const events = frames.map(eventOf).filter((e) => e !== null);
    expect(events.filter((e) => e['Event-Name'] === 'DTMF').map((e) => e['DTMF-Digit']).join('')).toBe('1234#');
    const pagd = events.find((e) => e['Event-Name'] === 'CHANNEL_EXECUTE_COMPLETE' && e.Application === 'play_and_get_digits');
    expect(pagd?.variable_cg_digits).toBe('1234');
    expect(pagd?.['Application-Data']).toBe('1 5 1 7000 # tone_stream://%(200,0,800) silence_stream://250 cg_digits \\d+ 3000');
    expect(frames.find((f) => f.headers['Content-Type'] === 'api/response')?.body).toBe('allowed_1234');
    const notices = frames.filter((f) => f.headers['Content-Type'] === 'text/disconnect-notice');
    expect(notices.map((f) => f.headers['Content-Disposition'])).toEqual(['linger', 'disconnect']);
    expect(notices[1]?.body).toContain('Disconnected, goodbye.');
  });

  it('reads json events with the same values as the plain stream of the same call', () => {
    const plain = parseAll(readFileSync(join(DIR, 'esl-inbound-events-plain.s2c.raw')), 65536).map(eventOf).filter((e) => e !== null);
    const json = parseAll(readFileSync(join(DIR, 'esl-inbound-events-json.s2c.raw')), 65536).map(eventOf).filter((e) => e !== null);
    expect(json.map((e) => e['Event-Name'])).toEqual(plain.map((e) => e['Event-Name']));
    const number = (list: Array<Record<string, string>>) => list.find((e) => e['Caller-Caller-ID-Number'])?.['Caller-Caller-ID-Number'];
    expect(number(json)).toBe('+33162000000');
    expect(number(plain)).toBe('+33162000000');
  });

  it('reads a connect reply carrying a caller\'s long SIP X- header (FreeSWITCH passes it on as variable_sip_h_X-…)', () => {
    // a caller controls these names: refusing the block would close the socket and let the call ring unscreened
    const name = `variable_sip_h_X-${'A'.repeat(300)}`;
    const raw = `Content-Type: command/reply\nReply-Text: %2BOK\nCaller-Caller-ID-Number: 0612345678\n${name}: x\n\n`;
    const frames = new FrameParser().push(Buffer.from(raw));
    expect(frames).toHaveLength(1);
    expect(frames[0]?.headers['Caller-Caller-ID-Number']).toBe('0612345678');
    expect(frames[0]?.headers[name]).toBe('x');
  });

  it('refuses streams that are not ESL instead of buffering them forever', () => {
    expect(() => new FrameParser().push(Buffer.from('Content-Length: banana\n\n'))).toThrow(EslProtocolError);
    // A header block that never ends is refused at the parser's ceiling (MAX_FRAME_BYTES; 1 MiB here), held back or not.
    expect(() => new FrameParser(undefined, 1 << 20).push(Buffer.alloc((1 << 20) + 1, 0x41))).toThrow(EslProtocolError);
    expect(() => new FrameParser().push(Buffer.from('\u0000\u00ff garbage\n\n'))).toThrow(EslProtocolError);
  });

  it('a refusal quotes what the PBX sent with its invisible characters shown, so a log line cannot be reordered by it', () => {
    const refusal = (bytes: string): string => {
      try {
        new FrameParser().push(Buffer.from(bytes));
      } catch (err) {
        return (err as Error).message;
      }
      return 'not refused';
    };
    expect(refusal('evil\u202e line\n\n')).toBe('not a header line: "evil\\u202e line"');
    expect(refusal('Content-Type: api/response\nContent-Length: 1\u200b\n\n')).toBe('bad Content-Length "1\\u200b"');
  });

  it('a read holding good frames then a stream that is not ESL: the error carries the good frames, whatever came before', () => {
    // the connection hands them over before it ends: a connect reply read with garbage still gets its call screened
    const good = Buffer.concat([transcriptRecords('esl-outbound-session.s2c.raw')[0] as Buffer, Buffer.from('Content-Type: api/response\nContent-Length: 2\n\nok')]);
    const expected = new FrameParser().push(good);
    expect(expected).toHaveLength(2);
    const garbage = ['not a header line\n\n', 'Content-Length: banana\n\n', 'Reply-Text: +OK\n\n', `X: ${'a'.repeat(1 << 20)}`];
    for (const [i, bad] of garbage.entries()) {
      for (const cut of [0, 40, good.length]) {
        // the good frames' first bytes in an earlier read (held back), or none, or both frames
        const parser = new FrameParser(undefined, 1 << 20);
        const before = parser.push(good.subarray(0, cut));
        let refused: unknown = null;
        try {
          parser.push(Buffer.concat([good.subarray(cut), Buffer.from(bad)]));
        } catch (err) {
          refused = err;
        }
        expect(refused, `case ${i}, cut at ${cut}`).toBeInstanceOf(EslProtocolError);
        expect([...before, ...(refused as EslProtocolError).frames], `case ${i}, cut at ${cut}`).toEqual(expected);
      }
    }
  });

  it('url-encodes like FreeSWITCH and decodes back, tolerating bad escapes', () => {
    expect(urlEncode('+33162000000')).toBe('%2B33162000000');
    expect(urlEncode('Sat, 28 Nov')).toBe('Sat,%2028%20Nov');
    expect(urlEncode('a\n\nb')).toBe('a%0A%0Ab');
    expect(urlDecode(urlEncode('Zoë "x" <y> 100% #'))).toBe('Zoë "x" <y> 100% #');
    expect(urlDecode('50%ZZ')).toBe('50%ZZ');
  });
});

/**
 * Frames as large as a caller makes them. FreeSWITCH copies the INVITE's X-/P- headers and the From display name into
 * channel variables, url-encoded (up to 3 bytes per byte), with no limit, into the `connect` reply (one header block) and
 * into every event of the call. The parser used to refuse a header block past 64 KiB (and only when the bytes came in
 * small enough pieces) and an event body past 256 KiB: the socket closed, the call rang unscreened and nothing was
 * recorded. Now what is kept has one cap whatever the chunking, the headers chut reads survive it, and memory stays
 * bounded however much comes.
 */
import { describe, expect, it } from 'vitest';
import { boundTargetFrom } from '../../../src/esl/bound.js';
import { featureCodeFrom, inboundCallFrom } from '../../../src/esl/channel-data.js';
import {
  eventOf, FrameParser, MAX_CALL_FRAME_BYTES, MAX_LINE_BYTES, NEEDED_ALLOWANCE, parseHeaderLines, parsePlainEvent, type EslFrame,
} from '../../../src/esl/frame.js';
import { enrichmentFrom } from '../../../src/esl/monitor.js';
import { apiResponse, connectReply, plainEvent, reply } from '../../../src/sim/esl/frames.js';
import { prng } from '../../helpers/prng.js';
import { parseChunked } from './parse-chunked.js';
import { transcriptRecords } from './transcript.js';

const calls = (): FrameParser => new FrameParser(MAX_CALL_FRAME_BYTES);

const parseInChunks = (data: Buffer, nextSize: () => number, parser = calls()): EslFrame[] => parseChunked(data, nextSize, parser);

/** FreeSWITCH's url-encoding of `n` spaces. */
const spaces = (n: number): string => '%20'.repeat(n);
/** A caller's padding: one X- header over MAX_LINE_BYTES, and many ordinary ones (together past the 256 KiB cap). */
const padding = (): string => [
  `variable_sip_h_X-Pad: ${spaces(20_000)}`,
  ...Array.from({ length: 2200 }, (_, i) => `variable_sip_h_X-Filler-${i}: ${'A'.repeat(100)}`),
].join('\n');

/** Inserts header lines after the first line of a header block (a `connect` reply, or a plain event's body). */
function insertAfterFirstLine(block: string, lines: string): string {
  const at = block.indexOf('\n') + 1;
  return `${block.slice(0, at)}${lines}\n${block.slice(at)}`;
}

/** A recorded plain event frame with `lines` added to its body (Content-Length recomputed). */
function padEvent(record: Buffer, lines: string): Buffer {
  const text = record.toString('utf8');
  const body = insertAfterFirstLine(text.slice(text.indexOf('\n\n') + 2), lines);
  return Buffer.from(`Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-plain\n\n${body}`);
}

describe('ESL frames past the caps', () => {
  /** A call's stream from a caller who padded its INVITE: the connect reply, huge events, a huge api reply, small frames. */
  function paddedStream(): Buffer {
    const name = `ROBO${' '.repeat(10_000)}`;
    const filler = Array.from({ length: 400 }, (_, i) => [`variable_filler_${i}`, 'x'.repeat(200)] as [string, string]);
    const channel: Array<[string, string]> = [['Unique-ID', 'u-1'], ['Caller-Caller-ID-Number', '+33612345678'],
      ['Caller-Caller-ID-Name', name], ['Caller-Destination-Number', '1000'], ['variable_sip_h_X-Pad', ' '.repeat(40_000)],
      ...filler, ['variable_sip_from_display', name], ['variable_chut_bound', '10']];
    const event = (extra: Array<[string, string]>) => plainEvent([['Event-Name', 'CHANNEL_EXECUTE_COMPLETE'], ...channel, ...extra]);
    return Buffer.from([
      connectReply(channel),
      reply('+OK Events Enabled'),
      event([['Application', 'playback'], ['Application-Response', 'FILE PLAYED'], ['Application-UUID', 'app-1']]),
      apiResponse('+OK Deleted: 1'),
      apiResponse('y'.repeat(MAX_CALL_FRAME_BYTES + 10)),
      event([['Application', 'play_and_get_digits'], ['variable_chut_digits_1', '4721'], ['Application-UUID', 'app-2']]),
      // an event with a body of its own
      `Content-Length: 43\nContent-Type: text/event-plain\n\nEvent-Name: CUSTOM\nContent-Length: 5\n\nhello`,
      reply('+OK'),
    ].join(''));
  }

  it('gives the same frames whatever the chunk size, and keeps what chut reads', () => {
    const stream = paddedStream();
    const whole = parseInChunks(stream, () => stream.length);
    expect(whole.map((f) => f.headers['Content-Type'])).toEqual(['command/reply', 'command/reply', 'text/event-plain', 'api/response',
      'api/response', 'text/event-plain', 'text/event-plain', 'command/reply']);
    const [connect, , played, deleted, huge, digits] = whole as [EslFrame, EslFrame, EslFrame, EslFrame, EslFrame, EslFrame];
    expect(connect.trimmed).toBeGreaterThan(0);
    expect(connect.headers).toMatchObject({ 'Reply-Text': '+OK\n', 'Unique-ID': 'u-1', 'Caller-Caller-ID-Number': '+33612345678',
      'Caller-Destination-Number': '1000', variable_chut_bound: '10' });
    expect(connect.headers['Caller-Caller-ID-Name']?.trim()).toBe('ROBO');
    expect(connect.headers['variable_sip_h_X-Pad']).toBeUndefined();
    expect(eventOf(played)).toMatchObject({ 'Event-Name': 'CHANNEL_EXECUTE_COMPLETE', Application: 'playback', 'Application-Response': 'FILE PLAYED',
      'Application-UUID': 'app-1', 'Unique-ID': 'u-1' });
    expect(played.trimmed).toBeGreaterThan(0);
    expect(deleted.body).toBe('+OK Deleted: 1');
    expect([huge.body, huge.trimmed]).toEqual(['', 1]);
    expect(eventOf(digits)).toMatchObject({ variable_chut_digits_1: '4721', 'Application-UUID': 'app-2' });
    expect(eventOf(whole[6] as EslFrame)).toEqual({ 'Event-Name': 'CUSTOM', 'Content-Length': '5', _body: 'hello' });

    expect(played.headers['Content-Length']).toMatch(/^\d{6}$/); // an event over the 256 KiB cap
    expect(Number(played.headers['Content-Length'])).toBeGreaterThan(MAX_CALL_FRAME_BYTES);
    const sizes = [1, 3, 7, 100, 1000, MAX_LINE_BYTES - 1, MAX_LINE_BYTES, MAX_LINE_BYTES + 1, 16_384, 65_535, 65_536, 65_537,
      MAX_CALL_FRAME_BYTES, MAX_CALL_FRAME_BYTES + 1, 1_000_000];
    for (const size of sizes) expect(parseInChunks(stream, () => size), `chunks of ${size}`).toEqual(whole);
    for (const seed of [1, 2, 3]) {
      const random = prng(seed);
      expect(parseInChunks(stream, () => (random() < 0.5 ? 1 + Math.floor(random() * 64) : 1 + Math.floor(random() * 100_000))), `seed ${seed}`)
        .toEqual(whole);
    }
  });

  it('one cap, whatever the chunking: a 90 KB connect reply reads the same in one piece and in pieces of any size', () => {
    // It used to parse whole and in 64 KiB pieces, and fail in 16 KiB ones (the 64 KiB check ran only on a block
    // still incomplete at the end of a piece).
    const reply = Buffer.from(`Event-Name: CHANNEL_DATA\nUnique-ID: u1\nvariable_sip_h_X-Pad: ${spaces(30_000)}\n`
      + 'Caller-Caller-ID-Number: %2B33612345678\nContent-Type: command/reply\nReply-Text: %2BOK%0A\n\n');
    for (const parser of [() => new FrameParser(), calls]) {
      const whole = parseInChunks(reply, () => reply.length, parser());
      for (let size = 1; size <= reply.length; size = Math.ceil(size * 1.7)) {
        expect(parseInChunks(reply, () => size, parser()), `chunks of ${size}`).toEqual(whole);
      }
      for (const size of [16_384, 65_536]) expect(parseInChunks(reply, () => size, parser()), `chunks of ${size}`).toEqual(whole);
      // The padding line is over MAX_LINE_BYTES: dropped, and the frame says so.
      expect(whole).toEqual([{ headers: { 'Event-Name': 'CHANNEL_DATA', 'Unique-ID': 'u1', 'Caller-Caller-ID-Number': '+33612345678',
        'Content-Type': 'command/reply', 'Reply-Text': '+OK\n' }, body: '', trimmed: 1 }]);
    }
  });

  it('does not grow with the stream: a 4 MiB header line, 2 MiB of header lines and a 6 MiB event hold a bounded amount', () => {
    const pad = `variable_sip_h_X-Pad: ${'%20'.repeat(4 * 1024 * 1024 / 3)}\n`;
    const filler = Array.from({ length: 20_000 }, (_, i) => `variable_sip_h_X-F${i}: ${'B'.repeat(90)}\n`).join('');
    const connect = `Event-Name: CHANNEL_DATA\nUnique-ID: u-2\n${pad}${filler}Caller-Caller-ID-Number: %2B33612345678\n`
      + 'Caller-Destination-Number: 1000\nContent-Type: command/reply\nReply-Text: %2BOK%0A\n\n';
    const body = `Event-Name: CHANNEL_HANGUP\nUnique-ID: u-2\n${pad}${filler}Hangup-Cause: NORMAL_CLEARING\n\n`;
    const stream = Buffer.from(`${connect}Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-plain\n\n${body}`);
    expect(stream.length).toBeGreaterThan(12 * 1024 * 1024);
    const bound = MAX_CALL_FRAME_BYTES + NEEDED_ALLOWANCE + 2 * MAX_LINE_BYTES + 1024;
    const parser = calls();
    const frames: EslFrame[] = [];
    let most = 0;
    for (let i = 0; i < stream.length; i += 65_536) {
      frames.push(...parser.push(stream.subarray(i, i + 65_536)));
      most = Math.max(most, parser.held);
    }
    expect(most).toBeLessThanOrEqual(bound);
    expect(frames).toHaveLength(2);
    expect(frames[0]?.headers).toMatchObject({ 'Unique-ID': 'u-2', 'Caller-Caller-ID-Number': '+33612345678', 'Content-Type': 'command/reply' });
    expect(eventOf(frames[1] as EslFrame)).toMatchObject({ 'Event-Name': 'CHANNEL_HANGUP', 'Unique-ID': 'u-2', 'Hangup-Cause': 'NORMAL_CLEARING' });
  });

  it('changes nothing chut reads: the recorded frames, padded, give the call, the bound, the app results and the enrichment they gave', () => {
    const [recordedConnect] = transcriptRecords('esl-outbound-session-sip.s2c.raw');
    // The display name in all its copies (30,000 characters, UTF-8 and url-encoded), a PAI with its verstat, and padding.
    const phones = encodeURIComponent('☎'.repeat(10_000));
    const connectText = insertAfterFirstLine((recordedConnect as Buffer).toString('utf8'), [
      padding(), 'variable_chut_bound: 10',
      `variable_sip_P-Asserted-Identity: %3Csip%3A%2B33162000000%40192.0.2.2%3Bverstat%3DTN-Validation-Failed%3E${spaces(20_000)}`,
    ].join('\n')).replace(/^(Caller-Caller-ID-Name|Channel-Caller-ID-Name|variable_sip_from_display): TELEMARKETING$/gm, `$1: ${phones}`);
    const [padded] = parseInChunks(Buffer.from(connectText), () => 4096);
    expect(padded?.trimmed).toBeGreaterThan(0);
    // What the same block gives read whole, without any cap (the parser before caps, minus its refusal)
    const unbounded = parseHeaderLines(connectText.slice(0, connectText.indexOf('\n\n')));
    const call = inboundCallFrom(padded?.headers ?? {}, 0);
    expect(call).toEqual(inboundCallFrom(unbounded, 0));
    expect(call).toMatchObject({ callerNumber: '+33162000000', callerName: '☎'.repeat(256), dialled: '1000', verstat: 'TN-Validation-Failed' });
    expect(boundTargetFrom(padded?.headers ?? {})).toEqual(boundTargetFrom(unbounded));
    expect(featureCodeFrom(padded?.headers ?? {})).toEqual(featureCodeFrom(unbounded));

    const fields = ['Event-Name', 'Unique-ID', 'Application', 'Application-UUID', 'Application-Response', 'Answer-State', 'variable_chut_digits_1',
      'Caller-Destination-Number', 'Caller-Channel-Answered-Time', 'Event-Date-Timestamp', 'Caller-Channel-Hangup-Time'];
    const pick = (e: Record<string, string> | null) => Object.fromEntries(fields.map((k) => [k, e?.[k]]));
    for (const name of ['esl-outbound-session.s2c.raw', 'esl-inbound-events-plain.s2c.raw']) {
      const read = /^Event-Name: (CHANNEL_EXECUTE_COMPLETE|CHANNEL_ANSWER|CHANNEL_HANGUP|CHANNEL_HANGUP_COMPLETE|DTMF)$/m;
      for (const recorded of transcriptRecords(name).filter((r) => r.toString('utf8').includes('Content-Type: text/event-plain')
        && read.test(r.toString('utf8')))) {
        // The recording harness named its digits variable cg_digits; chut's are chut_digits_<n>.
        const record = Buffer.from(recorded.toString('utf8').replaceAll('variable_cg_digits:', 'variable_chut_digits_1:'));
        const text = record.toString('utf8');
        const plain = parsePlainEvent(text.slice(text.indexOf('\n\n') + 2));
        const [frame] = parseInChunks(padEvent(record, padding()), () => 65_536);
        const event = eventOf(frame as EslFrame);
        expect(frame?.trimmed).toBeGreaterThan(0);
        expect(pick(event)).toEqual(pick(plain));
        if (plain['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE') expect(enrichmentFrom(event ?? {}, null)).toEqual(enrichmentFrom(plain, null));
      }
    }
  });

  it('a reply cut short still tells what came whole: its complete lines only', () => {
    const text = insertAfterFirstLine((transcriptRecords('esl-outbound-session.s2c.raw')[0] as Buffer).toString('utf8'), padding());
    const parser = calls();
    // The connection ends in the middle of the padding, inside the huge X- header.
    expect(parser.push(Buffer.from(text.slice(0, text.indexOf('variable_sip_h_X-Pad') + 50_000)))).toEqual([]);
    expect(parser.partialHeaders).toMatchObject({ 'Event-Name': 'CHANNEL_DATA' });
    expect(parser.partialHeaders?.['variable_sip_h_X-Pad']).toBeUndefined();
    const cut = calls();
    cut.push(Buffer.from(text.slice(0, text.indexOf('Caller-Caller-ID-Number') + 30)));
    expect(cut.partialHeaders).toMatchObject({ 'Unique-ID': 'aad4a0a1-6460-4301-af97-118ec520c3bf' });
    expect(cut.partialHeaders?.['Caller-Caller-ID-Number']).toBeUndefined();
  });
});

/**
 * Seeded mutation fuzzing of chut's AMI edge (packet-reader.ts + events.ts) with the packets a real Asterisk 22 sent
 * (tests/fixtures/asterisk/*.rx.raw): flipped bytes, cuts, lines duplicated or removed, huge values, packets of too
 * many lines, CR/LF/NUL, invalid UTF-8 (decoded as the client's socket does), forged header names and values.
 *
 * What must hold for every case, whatever the chunking: nothing but AmiProtocolError escapes the reader, and it
 * refuses a stream exactly when a line is longer than MAX_LINE_CHARS or a packet longer than MAX_PACKET_LINES (so
 * what it holds stays bounded; a refusal ends the connection, and the next one starts with a fresh reader); the same
 * packets come out in one piece and in pieces, a refused stream's packets before the refusal included (the error
 * carries those of its own read, which the client hands over before it drops the connection); every packet maps to a
 * well-formed event or to nothing; and once the garbage is followed by a blank line (AMI's packet end), the next good
 * packet, a ChutQuery, is read exactly as a fresh reader reads it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { describe, expect, it } from 'vitest';
import { AmiProtocolError, MAX_LINE_CHARS, MAX_PACKET_CHARS, MAX_PACKET_LINES, PacketReader, type AmiPacket } from '../../../src/ami/packet-reader.js';
import { toAmiEvent, type AmiEvent } from '../../../src/ami/events.js';
import { chutEncode } from '../../../src/sim/ami/channel.js';
import { prng } from '../../helpers/prng.js';
import {
  BYTE_MUTATIONS, chunks, hugeValue, int, mutate, pick, repeatLine, replaceName, replaceValue, type Rand,
} from '../../helpers/mutate.js';

const DIR = new URL('../../fixtures/asterisk/', import.meta.url);
const BANNER = 'Asterisk Call Manager/11.0.0\r\n';
const END = '\r\n\r\n';

/** Each recorded stream's packets, each with its blank line. */
const RECORDED = readdirSync(DIR).filter((f) => f.endsWith('.rx.raw')).map((name) => {
  const text = readFileSync(new URL(name, DIR), 'latin1');
  expect(text.startsWith(BANNER)).toBe(true);
  return text.slice(BANNER.length).split(END).slice(0, -1).map((p) => p + END);
});

const recordedQuery = RECORDED.flat().find((p) => p.includes('UserEvent: ChutQuery\r\n')) as string;
/** The recorded ChutQuery with the headers the shipped chut-ami.conf adds (base64 of `_<value>`), so that decoding
 * them is fuzzed too. */
const QUERY = recordedQuery.slice(0, -2) + [
  'ChutVersion: 2', `ChutCaller: ${chutEncode('+33162000000')}`, `ChutName: ${chutEncode('TELEMARKETING')}`,
  `ChutDialled: ${chutEncode('0100000000')}`, `ChutVerstat: ${chutEncode('TN-Validation-Passed')}`, 'ChutWaitMs: 1500',
].map((l) => `${l}\r\n`).join('') + '\r\n';

const VALUES = [
  '', ' ', 'ChutQuery', 'ChutCaptcha', 'ChutRouted', 'ChutReport', 'UserEvent', 'Hangup', 'Newexten', 'DialEnd', 'FullyBooted',
  'Stasis', 'stasis', 'chut,inbound', '__proto__', 'constructor', 'toString', '../../etc', '1.1', 'X'.repeat(65), 'Xw==',
  chutEncode('\r\nAction: Ping'), chutEncode('\u202e+33612345678'), chutEncode('x'.repeat(3100)), '!!!', '====', 'QQ',
  '99999999999999999999', '-1', '1e3', '0x10', '6', '2', '2.0', '0150', '150', 'passed', 'prompt-failed', 'ring', 'reject',
  'spam', 'allow', 'NAME=value', '=', 'a=b=c', 'Error', 'Success', 'chut-1',
];
const NAMES = [
  'Event', 'UserEvent', 'Uniqueid', 'Channel', 'Context', 'Exten', 'ChutCaller', 'ChutName', 'ChutDialled', 'ChutVersion',
  'ChutWaitMs', 'ChutOutcome', 'ChutRoute', 'ChutKind', 'ChutTarget', 'Variable', 'ChanVariable', 'Application', 'AppData',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'ActionID', 'Response', 'Cause', 'ChannelState', 'Event ', ' ',
  'E v e n t', '',
];
const MUTATIONS = [
  ...BYTE_MUTATIONS,
  hugeValue([1000, 20_000, MAX_LINE_CHARS - 200, MAX_LINE_CHARS + 10, 200_000]),
  repeatLine([10, 500, MAX_PACKET_LINES - 40, MAX_PACKET_LINES + 10, 3000]),
  replaceValue(VALUES),
  replaceName(NAMES),
];

/** Garbage: 1 to 4 consecutive recorded packets, mutated; with the banner before them now and then. */
function garbage(rand: Rand): { bytes: Buffer; applied: string[] } {
  const stream = rand() < 0.2 ? [QUERY] : pick(rand, RECORDED);
  const from = int(rand, 0, stream.length - 1);
  const original = Buffer.from(stream.slice(from, from + int(rand, 1, 4)).join(''), 'latin1');
  const out = mutate(original, rand, MUTATIONS);
  return rand() < 0.2 ? { bytes: Buffer.concat([Buffer.from(BANNER), out.bytes]), applied: ['banner', ...out.applied] } : out;
}

/** The bounds the reader promises, checked on the text itself: a line (without its CR) over MAX_LINE_CHARS, a line not
 * ended over MAX_LINE_CHARS + 1 (its CR may be waiting for the LF), or a packet of more than MAX_PACKET_LINES lines or
 * MAX_PACKET_CHARS characters. */
function breaksBounds(text: string): boolean {
  const all = text.split('\n');
  const tail = all.pop() as string;
  let run = 0;
  let chars = 0;
  for (const [i, raw] of all.entries()) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length > MAX_LINE_CHARS) return true;
    if (i === 0 && line.startsWith('Asterisk Call Manager')) continue;
    run = line === '' ? 0 : run + 1;
    chars = line === '' ? 0 : chars + line.length;
    if (run > MAX_PACKET_LINES || chars > MAX_PACKET_CHARS) return true;
  }
  return tail.length > MAX_LINE_CHARS + 1;
}

type Fed = { packets: AmiPacket[]; refused: unknown };

/** Feeds the decoded pieces to a fresh reader until it refuses (the client then drops the connection, once it has the
 * packets read before the refusal). */
function feed(pieces: readonly string[]): Fed {
  const reader = new PacketReader();
  const packets: AmiPacket[] = [];
  for (const piece of pieces) {
    try {
      packets.push(...reader.push(piece));
    } catch (refused) {
      if (refused instanceof AmiProtocolError) packets.push(...refused.packets);
      return { packets, refused };
    }
  }
  return { packets, refused: null };
}

const UNIQUEID = /^[0-9A-Za-z._-]{1,64}$/;

/** What is wrong with a packet and its event, or null: values are text (`Variable`s an object of text), an event's
 * fields are plain values, its Uniqueid one chut may use, a query's wait and version numbers chut can act on. */
function malformed(packet: AmiPacket, ev: AmiEvent | null): string | null {
  for (const [key, value] of Object.entries(packet)) {
    const ok = typeof value === 'string'
      || (Array.isArray(value) && value.every((v) => typeof v === 'string'))
      || ((key === 'variable' || key === 'chanvariable') && typeof value === 'object' && value !== null
        && Object.values(value).every((v) => typeof v === 'string'));
    if (!ok) return `packet key ${key}`;
  }
  if (ev === null) return null;
  for (const [field, value] of Object.entries(ev)) {
    if (!['string', 'number', 'boolean'].includes(typeof value) && value !== null) return `event field ${field}`;
  }
  if ('uniqueid' in ev && !UNIQUEID.test(ev.uniqueid)) return 'uniqueid';
  if (ev.type === 'chut-query') {
    if (ev.channel === '') return 'empty channel';
    if (ev.waitMs % 100 !== 0 || ev.waitMs < 100 || ev.waitMs > 100_000) return `waitMs ${ev.waitMs}`;
    if (!Number.isInteger(ev.version) || ev.version < 1) return `version ${ev.version}`;
  }
  return null;
}

const goodQuery = new PacketReader().push(QUERY);
const goodEvent = toAmiEvent(goodQuery[0] as AmiPacket);

/** One seeded case (see the top of the file); returns the refusal's message (numbers as N, and whether packets came
 * before it), or null when the stream was read. Any failure, an unexpected throw included, names the seed and the
 * mutations. */
function fuzzCase(seed: number): string | null {
  const rand = prng(seed);
  const { bytes, applied } = garbage(rand);
  const where = `seed ${seed} (${applied.join(', ')})`;
  try {
    const input = Buffer.concat([bytes, Buffer.from(END + QUERY)]);
    // As the client's socket decodes (setEncoding('utf8')): a sequence split across reads is joined, invalid bytes
    // become U+FFFD.
    const decoder = new StringDecoder('utf8');
    const pieces = chunks(input, rand).map((c) => decoder.write(c));
    const text = pieces.join('');

    const inPieces = feed(pieces);
    const whole = feed([text]);
    expect(inPieces.refused !== null, 'refused exactly past the bounds').toBe(breaksBounds(text));
    if (inPieces.refused !== null || whole.refused !== null) {
      expect(inPieces.refused).toBeInstanceOf(AmiProtocolError);
      expect(whole.refused).toBeInstanceOf(AmiProtocolError);
    }
    expect(inPieces.packets, 'the same packets whatever the chunking (before a refusal too)').toEqual(whole.packets);
    for (const packet of inPieces.packets) expect(malformed(packet, toAmiEvent(packet))).toBeNull();
    if (inPieces.refused !== null) {
      return `${(inPieces.refused as Error).message.replace(/\d[\d,]*/g, 'N')}${whole.packets.length > 0 ? ', after packets' : ''}`;
    }
    // resynchronised at the blank line: the ChutQuery after the garbage is read as if it came alone
    expect(inPieces.packets.at(-1)).toEqual(goodQuery[0]);
    expect(toAmiEvent(inPieces.packets.at(-1) as AmiPacket)).toEqual(goodEvent);
    return null;
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
}

describe('AMI edge: mutated recorded packets', () => {
  it('the good packet used after the garbage is the screened ChutQuery', () => {
    expect(goodQuery).toHaveLength(1);
    expect(goodEvent).toMatchObject({
      type: 'chut-query', callerNumber: '+33162000000', callerName: 'TELEMARKETING', dialled: '0100000000',
      verstat: 'TN-Validation-Passed', waitMs: 1500, version: 2,
    });
  });

  it('3,000 seeded cases: only AmiProtocolError, exactly past the bounds, the same packets in any chunking (refused or not), well-formed events, then the next packet read whole', () => {
    const BASE = 0x41_4d_49; // 'AMI'
    const refusals = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const refusal = fuzzCase(BASE + i);
      if (refusal !== null) refusals.add(refusal);
    }
    // The generator must reach both kinds of refusal, with and without packets before them, or this test proves little.
    expect([...refusals].sort()).toEqual([
      'a line longer than N characters', 'a line longer than N characters, after packets',
      'a packet of more than N lines', 'a packet of more than N lines, after packets',
    ]);
  });

  it('header names like __proto__ stay keys of their packet: nothing reaches Object.prototype', () => {
    const before = Object.getOwnPropertyNames(Object.prototype);
    const rand = prng(7);
    const forged = [replaceName(['__proto__', 'constructor', 'prototype']), replaceValue(['__proto__=1', 'uniqueid=1.1', 'polluted'])];
    for (let i = 0; i < 500; i++) {
      const text = mutate(Buffer.from(QUERY), rand, forged, 4).bytes.toString('utf8');
      for (const packet of new PacketReader().push(text)) toAmiEvent(packet);
    }
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(before);
    expect(({} as Record<string, unknown>).uniqueid).toBeUndefined();
  });
});

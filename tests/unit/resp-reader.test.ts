/**
 * The RESP reader of the test proxy (tests/helpers/resp-reader.ts): it must find every command and reply, wherever
 * the chunks are cut, or the proxy stops early or waits forever.
 */
import { describe, expect, it } from 'vitest';
import { RespReader } from '../helpers/resp-reader.js';

/** What a client sends, as ioredis does, and an inline command. */
const COMMANDS = [
  '*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n',
  '*1\r\n$5\r\nmulti\r\n',
  '*4\r\n$4\r\nhset\r\n$5\r\nlb:12\r\n$4\r\n3456\r\n$0\r\n\r\n',
  '*1\r\n$4\r\nexec\r\n',
  '*3\r\n$7\r\nevalsha\r\n$6\r\nAb\r\n1x\r\n$1\r\n0\r\n',
  'PING now\r\n',
];
const WORDS = [['hello', '3'], ['multi'], ['hset', 'lb:12'], ['exec'], ['evalsha', 'Ab\r\n1x'], ['ping', 'now']];

/** What Redis 7 answers under RESP3: HELLO's map, a MULTI block, nulls, an attribute before its value, a push. */
const REPLIES = [
  '%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n',
  '+OK\r\n',
  '+QUEUED\r\n',
  '*3\r\n:1\r\n*3\r\n$1\r\na\r\n+b\r\n_\r\n%0\r\n',
  '$-1\r\n',
  '*-1\r\n',
  '-ERR wrong\r\n',
  '!5\r\nERR x\r\n',
  '=7\r\ntxt:abc\r\n',
  ',1.5\r\n',
  '#t\r\n',
  '(12345678901234567890\r\n',
  '~1\r\n:7\r\n',
  '|1\r\n+ttl\r\n:3\r\n:42\r\n',
  '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n',
];

/** Every value `bytes` holds, read in chunks cut at `cuts`: where it ends in the stream, its words, whether a push. */
function readAll(side: 'commands' | 'replies', bytes: Buffer, cuts: number[]) {
  const reader = new RespReader(side);
  const values: { end: number; words: string[]; push: boolean }[] = [];
  const bounds = [0, ...cuts, bytes.length];
  for (let i = 1; i < bounds.length; i += 1) {
    const from = bounds[i - 1] as number;
    for (const v of reader.feed(bytes.subarray(from, bounds[i]))) values.push({ ...v, end: from + v.end });
  }
  return values;
}

const ends = (parts: string[]) => parts.map((_, i) => Buffer.byteLength(parts.slice(0, i + 1).join(''), 'latin1'));

describe('the test proxy\'s RESP reader', () => {
  it('finds each command, its name and first argument, however the stream is cut', () => {
    const bytes = Buffer.from(COMMANDS.join(''), 'latin1');
    const expected = ends(COMMANDS).map((end, i) => ({ end, words: WORDS[i], push: false }));
    expect(readAll('commands', bytes, [])).toEqual(expected);
    for (let cut = 1; cut < bytes.length; cut += 1) expect(readAll('commands', bytes, [cut]), `cut at ${cut}`).toEqual(expected);
    expect(readAll('commands', bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))).toEqual(expected);
  });

  it('finds each reply, nested values and an attribute included in it, and tells a push from a reply', () => {
    const bytes = Buffer.from(REPLIES.join(''), 'latin1');
    const expected = ends(REPLIES).map((end, i) => ({ end, words: [], push: i === REPLIES.length - 1 }));
    expect(readAll('replies', bytes, [])).toEqual(expected);
    for (let cut = 1; cut < bytes.length; cut += 1) expect(readAll('replies', bytes, [cut]), `cut at ${cut}`).toEqual(expected);
    expect(readAll('replies', bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))).toEqual(expected);
  });

  it('refuses what is not RESP rather than miscount', () => {
    expect(() => new RespReader('replies').feed(Buffer.from('hello\r\n'))).toThrow(/not RESP/);
    expect(() => new RespReader('replies').feed(Buffer.from('$?\r\n'))).toThrow(/not RESP/);
    expect(() => new RespReader('replies').feed(Buffer.from('+OK\n'))).toThrow(/not RESP/);
  });
});

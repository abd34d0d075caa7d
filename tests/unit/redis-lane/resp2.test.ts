/** The call path lane's RESP2: what it writes is what Redis reads, and replies are read wherever the chunks are cut. */
import { describe, expect, it } from 'vitest';
import { Command, ReplyError } from 'ioredis';
import { encodeCommand, readReply, RespProtocolError } from '../../../src/redis-lane/resp2.js';
import { RespReader } from '../../helpers/resp-reader.js';

/** Every reply in `wire`, read as the lane reads them: from the unread bytes each time a chunk comes. */
function readAll(wire: Buffer, chunkSize: number): unknown[] {
  const out: unknown[] = [];
  let unread = Buffer.alloc(0);
  for (let i = 0; i < wire.length; i += chunkSize) {
    unread = Buffer.concat([unread, wire.subarray(i, i + chunkSize)]);
    let at = 0;
    for (let r = readReply(unread, at); r; r = readReply(unread, at)) {
      out.push(r.value);
      at = r.end;
    }
    unread = unread.subarray(at);
  }
  expect(unread.length).toBe(0);
  return out;
}

describe('encodeCommand', () => {
  it('writes each argument as a bulk string of its length in bytes, numbers in decimal', () => {
    expect(encodeCommand(['EVALSHA', 'ab', 2, -1.5])).toBe('*4\r\n$7\r\nEVALSHA\r\n$2\r\nab\r\n$1\r\n2\r\n$4\r\n-1.5\r\n');
    // a multi-byte character counts its bytes; CR, LF and a space inside a value are data, not framing
    expect(encodeCommand(['é €', 'a\r\nPING'])).toBe('*2\r\n$6\r\né €\r\n$7\r\na\r\nPING\r\n');
  });

  it('writes what ioredis writes for the same arguments, those a typed caller never passes included', () => {
    const args = ['a'.repeat(40), 2, 'k', 'é', '', null, undefined, 0, -0, 1.5, -7, NaN, Infinity, 2 ** 53 + 2, 1e21, -1e22];
    const ioredis = new Command('evalsha', args as Array<string | number>).toWritable(undefined as never);
    expect(encodeCommand(['evalsha', ...args] as Array<string | number>)).toBe(ioredis);
  });

  it('is read back by an independent RESP reader as the same words', () => {
    const reader = new RespReader('commands');
    const values = reader.feed(Buffer.from(encodeCommand(['EVALSHA', 'x\r\ny', 'z'])));
    expect(values.map((v) => v.words)).toEqual([['evalsha', 'x\r\ny']]);
  });
});

describe('readReply', () => {
  const wire = Buffer.from([
    '+OK\r\n',
    ':42\r\n', ':-7\r\n',
    '$5\r\nhé\r\n\r\n'.replace('$5', `$${Buffer.byteLength('hé\r\n')}`),
    '$0\r\n\r\n', '$-1\r\n', '*-1\r\n', '*0\r\n',
    '*3\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n*1\r\n*1\r\n:2\r\n',
    '-NOSCRIPT No matching script. Please use EVAL.\r\n',
  ].join(''));
  const expected = ['OK', 42, -7, 'hé\r\n', '', null, null, [], ['a', [1, null], [[2]]], 'error'];

  it.each([1, 2, 3, 7, 64, wire.length])('reads every reply whatever the chunk size (%i bytes)', (size) => {
    const got = readAll(wire, size);
    expect(got.map((v) => (v instanceof Error ? 'error' : v))).toEqual(expected);
    const err = got.at(-1);
    expect(err).toBeInstanceOf(ReplyError);
    expect((err as Error).message).toBe('NOSCRIPT No matching script. Please use EVAL.');
  });

  it('says a reply is not complete yet (null), never a wrong value', () => {
    for (const part of ['', '$', '$3\r', '$3\r\nab', '$3\r\nabc\r', '*2\r\n:1\r\n', ':12']) {
      expect(readReply(Buffer.from(part), 0)).toBeNull();
    }
  });

  it.each([
    ['an unknown type', '?5\r\n'],
    ['RESP3 on a RESP2 connection', '_\r\n'],
    ['a bare LF', '+OK\n:1\r\n'],
    ['a length that is not a number', '$x\r\n'],
    ['a negative length below -1', '$-2\r\n'],
    ['a bulk string not ended by CRLF', '$2\r\nabcd\r\n'],
    ['an integer with a plus sign', ':+1\r\n'],
    ['arrays nested too deep', `${'*1\r\n'.repeat(9)}:1\r\n`],
    ['an array longer than any reply', '*99999999\r\n'],
  ])('refuses %s as a protocol error', (_, text) => {
    expect(() => readReply(Buffer.from(text), 0)).toThrow(RespProtocolError);
  });

  it('refuses a reply line that never ends once it is past any reply size', () => {
    expect(() => readReply(Buffer.alloc((1 << 20) + 2, 0x2b), 0)).toThrow(RespProtocolError);
  });

  it('names its protocol error as ioredis names its parser error (chut classes it as a Redis connection error)', () => {
    expect(new RespProtocolError('x').name).toBe('ParserError');
  });
});

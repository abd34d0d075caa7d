/**
 * RESP2, the part the call path's lane needs: a command written as an array of bulk strings (length-prefixed, so any
 * byte of a key or value is sent as it is, never interpreted), and the replies Redis sends to EVALSHA, AUTH and SELECT
 * read back into the values ioredis gives for them (strings, integers, null, arrays; an error as a ReplyError).
 */
import { ReplyError } from 'ioredis';

/** `*2\r\n$4\r\nPING\r\n…`: each argument as a bulk string, in the text ioredis gives it (argText). */
export function encodeCommand(args: ReadonlyArray<string | number>): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) {
    const text = argText(arg);
    out += `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
  }
  return out;
}

/** As ioredis writes an argument (its utils toArg): null and undefined as '', an integer past 2^53 in all its digits
 * (1e21 as 1000000000000000000000, not "1e+21"), anything else as String() has it. Whichever way a command goes, Redis
 * reads the same words. */
function argText(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg === null || arg === undefined) return '';
  if (typeof arg === 'number' && Number.isInteger(arg) && !Number.isSafeInteger(arg)) return BigInt(arg).toString();
  return String(arg);
}

/** Bytes that are not RESP2 from a server: the lane's connection cannot be trusted after them. */
export class RespProtocolError extends Error {
  // named as ioredis's parser names its own (redis-errors.ts reads the name): an error of the Redis connection
  override readonly name = 'ParserError';
}

export interface ReadReply {
  /** The reply; an error reply is a ReplyError value (rejected by the caller, not thrown here). */
  value: unknown;
  /** Offset just past it. */
  end: number;
}

/** Deeper than any reply chut's scripts give: a deeper one is refused rather than read recursively without bound. */
const MAX_DEPTH = 8;
/** Longer than any reply chut's scripts give (the lookup's: well under 4 KiB). */
const MAX_LENGTH = 1 << 20;

const CR = 0x0d;

/** The reply that starts at `at`, or null when `buf` ends before it does. Throws RespProtocolError on anything else. */
export function readReply(buf: Buffer, at: number, depth = 0): ReadReply | null {
  if (at >= buf.length) return null;
  const cr = buf.indexOf(CR, at);
  if (cr < 0 || cr + 1 >= buf.length) {
    if (buf.length - at > MAX_LENGTH) throw new RespProtocolError('a reply line longer than 1 MiB');
    return null;
  }
  // the first LF must be the one after the CR: a line holds neither
  if (buf[cr + 1] !== 0x0a || buf.indexOf(0x0a, at) !== cr + 1) throw new RespProtocolError('a reply line not ended by CRLF');
  const type = buf[at];
  const line = buf.toString('latin1', at + 1, cr);
  const next = cr + 2;
  switch (type) {
    case 0x2b: // +
      return { value: buf.toString('utf8', at + 1, cr), end: next };
    case 0x2d: // -
      return { value: new ReplyError(buf.toString('utf8', at + 1, cr)), end: next };
    case 0x3a: // :
      return { value: count(line, 'an integer', true), end: next };
    case 0x24: { // $
      const length = count(line, 'a bulk string length');
      if (length < 0) return { value: null, end: next };
      if (next + length + 2 > buf.length) return null;
      if (buf[next + length] !== CR || buf[next + length + 1] !== 0x0a) throw new RespProtocolError('a bulk string not ended by CRLF');
      return { value: buf.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case 0x2a: { // *
      const length = count(line, 'an array length');
      if (length < 0) return { value: null, end: next };
      if (depth >= MAX_DEPTH) throw new RespProtocolError(`arrays nested deeper than ${MAX_DEPTH}`);
      const items: unknown[] = [];
      let end = next;
      for (let i = 0; i < length; i++) {
        const item = readReply(buf, end, depth + 1);
        if (!item) return null;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new RespProtocolError(`a reply of unknown type ${JSON.stringify(String.fromCharCode(type ?? 0))}`);
  }
}

/** A length (-1: null; nothing below) or an integer reply, as written: digits only, no sign but a leading minus. */
function count(line: string, what: string, anyInteger = false): number {
  if (!/^-?[0-9]{1,19}$/.test(line)) throw new RespProtocolError(`${what} that is not a number`);
  const n = Number(line);
  if (!anyInteger && (n < -1 || n > MAX_LENGTH)) throw new RespProtocolError(`${what} out of range (${line})`);
  return n;
}

/**
 * Event Socket framing: a header block (`Name: value` lines), an empty line, then `Content-Length` bytes of
 * body when that header is present. Works on bytes (Content-Length counts bytes, values may be UTF-8).
 * Header order is never relied on (events put Content-Length first, replies Content-Type first).
 */

export interface EslFrame {
  /** Header names as sent; values url-decoded. */
  headers: Record<string, string>;
  /** Body (UTF-8), '' when the frame has no Content-Length. */
  body: string;
}

export class EslProtocolError extends Error {
  override readonly name = 'EslProtocolError';
}

/** A header block larger than this is not ESL (the biggest recorded CHANNEL_DATA is ~4 KB). */
const MAX_HEADER_BYTES = 64 * 1024;
/** Bodies larger than this are refused (recorded events are ~4 KB; `show channels` can be larger). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** A per-call (outbound) socket's largest frame: its events carry one channel's variables (a few KB to tens of KB),
 * its api replies a user's XML. Capped well below the inbound monitor's, because up to esl.maxConcurrent of them
 * buffer at once: 2,000 peers each streaming a 4 MiB body held over a gigabyte. */
export const MAX_CALL_FRAME_BYTES = 256 * 1024;

/** Decodes %XX escapes; an invalid escape leaves the value as sent rather than throwing. */
export function urlDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

/** Encodes a value the way FreeSWITCH does in plain events (names are never encoded): `,` and `/` stay. */
export function urlEncode(value: string): string {
  if (/^[A-Za-z0-9\-_.!~*'(),/]*$/.test(value)) return value;
  try {
    return encodeURIComponent(value).replace(/%2C/g, ',').replace(/%2F/g, '/');
  } catch {
    // Lone surrogates: encode the UTF-8 bytes Node would write.
    return Array.from(Buffer.from(value, 'utf8'), (b) => (/[A-Za-z0-9\-_.!~*'(),/]/.test(String.fromCharCode(b)) && b < 0x80
      ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  }
}

/** A header line: a printable name without `:` or spaces, `: `, a value (possibly empty). */
const HEADER_LINE = /^([\x21-\x39\x3b-\x7e]{1,1024}):(?: (.*))?$/;

/** Parses `Name: value` lines (values url-decoded). With `strict`, a line that is not a header is an error
 * (garbage on the wire must end the connection, not shift every later reply). */
export function parseHeaderLines(text: string, strict = false): Record<string, string> {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = HEADER_LINE.exec(line);
    if (!m) {
      if (strict) throw new EslProtocolError(`not a header line: ${JSON.stringify(line.slice(0, 40))}`);
      continue;
    }
    headers[m[1] as string] = urlDecode(m[2] ?? '');
  }
  return headers;
}

/** A store this large is released once drained, so one big `api` reply does not pin memory for the connection's life. */
const KEEP_CAPACITY = 64 * 1024;

/**
 * The bytes received but not parsed yet, in one contiguous region that grows geometrically. Appending copies
 * only the new chunk (amortised): re-concatenating everything buffered on every chunk made a 4 MB frame that
 * arrives in small pieces cost O(n²) copying.
 */
class InputBuffer {
  private store: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;

  get length(): number {
    return this.end - this.start;
  }

  view(): Buffer {
    return this.store.subarray(this.start, this.end);
  }

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.end + chunk.length > this.store.length) this.makeRoom(chunk.length);
    chunk.copy(this.store, this.end);
    this.end += chunk.length;
  }

  consume(bytes: number): void {
    this.start += bytes;
    if (this.start < this.end) return;
    this.start = 0;
    this.end = 0;
    if (this.store.length > KEEP_CAPACITY) this.store = Buffer.alloc(0);
  }

  /** Compacts when the live bytes fit in half the store, else doubles it: every byte is moved O(1) times. */
  private makeRoom(extra: number): void {
    const live = this.length;
    if (live + extra <= this.store.length / 2) {
      this.store.copy(this.store, 0, this.start, this.end);
    } else {
      const bigger = Buffer.allocUnsafe(Math.max(4096, live + extra, this.store.length * 2));
      this.store.copy(bigger, 0, this.start, this.end);
      this.store = bigger;
    }
    this.start = 0;
    this.end = live;
  }
}

/** Incremental parser: push bytes, get complete frames. Throws EslProtocolError on a stream that is not ESL. */
export class FrameParser {
  private readonly input = new InputBuffer();

  /** `maxBodyBytes`: the largest Content-Length taken (a larger one is a protocol error: the connection ends). */
  constructor(private readonly maxBodyBytes = MAX_BODY_BYTES) {}

  private pending: Record<string, string> | null = null;
  private bodyLength = 0;
  /** Bytes of the current header block already searched for its `\n\n`: each byte is searched once. */
  private searched = 0;

  push(chunk: Buffer): EslFrame[] {
    const frames: EslFrame[] = [];
    if (this.input.length === 0) {
      // The usual case (whole frames per chunk): parse the chunk in place, keep only an incomplete tail.
      const used = this.parse(chunk, frames);
      this.input.append(chunk.subarray(used));
    } else {
      this.input.append(chunk);
      this.input.consume(this.parse(this.input.view(), frames));
    }
    return frames;
  }

  /** Bytes held back waiting for the rest of a frame. */
  get buffered(): number {
    return this.input.length;
  }

  /** Appends the complete frames found in `bytes` to `frames`; returns how many bytes they used. */
  private parse(bytes: Buffer, frames: EslFrame[]): number {
    let at = 0;
    for (;;) {
      if (!this.pending) {
        const headerEnd = this.findHeaderEnd(bytes, at);
        if (headerEnd.end < 0) return headerEnd.start;
        at = this.startFrame(bytes, headerEnd.start, headerEnd.end, frames);
        if (!this.pending) continue;
      }
      if (bytes.length - at < this.bodyLength) return at;
      frames.push({ headers: this.pending, body: bytes.toString('utf8', at, at + this.bodyLength) });
      at += this.bodyLength;
      this.pending = null;
    }
  }

  /** Where the header block starting at or after `from` begins and where its `\n\n` is (-1: not yet). */
  private findHeaderEnd(bytes: Buffer, from: number): { start: number; end: number } {
    let start = from;
    // Stray blank lines between frames are tolerated.
    if (this.searched === 0) while (start < bytes.length && bytes[start] === 0x0a) start++;
    // One byte back: the `\n\n` may straddle the previous chunk and this one.
    const end = bytes.indexOf('\n\n', start + Math.max(0, this.searched - 1));
    if (end >= 0) {
      this.searched = 0;
      return { start, end };
    }
    this.searched = bytes.length - start;
    if (this.searched > MAX_HEADER_BYTES) throw new EslProtocolError('header block too large');
    return { start, end: -1 };
  }

  /** Parses the header block [start, end); a frame without body is pushed at once. Returns where its body starts. */
  private startFrame(bytes: Buffer, start: number, end: number, frames: EslFrame[]): number {
    const headers = parseHeaderLines(bytes.toString('utf8', start, end), true);
    if (!headers['Content-Type'] && !headers['Content-Length']) throw new EslProtocolError('frame without Content-Type');
    const length = headers['Content-Length'];
    if (length === undefined) {
      frames.push({ headers, body: '' });
    } else {
      if (!/^\d{1,10}$/.test(length) || Number(length) > this.maxBodyBytes) throw new EslProtocolError(`bad Content-Length ${JSON.stringify(length.slice(0, 20))}`);
      this.pending = headers;
      this.bodyLength = Number(length);
    }
    return end + 2;
  }
}

/** The headers of a `text/event-plain` frame's body (values url-decoded); `_body` when the event has one. */
export function parsePlainEvent(body: string): Record<string, string> {
  const end = body.indexOf('\n\n');
  const headers = parseHeaderLines(end >= 0 ? body.slice(0, end) : body);
  const inner = headers['Content-Length'];
  if (end >= 0 && inner !== undefined) headers._body = body.slice(end + 2, end + 2 + Number(inner));
  return headers;
}

/** The event carried by a frame (plain or json), or null when the frame is not an event. */
export function eventOf(frame: EslFrame): Record<string, string> | null {
  const type = frame.headers['Content-Type'];
  if (type === 'text/event-plain') return parsePlainEvent(frame.body);
  if (type === 'text/event-json') {
    try {
      const parsed: unknown = JSON.parse(frame.body);
      if (typeof parsed !== 'object' || parsed === null) return null;
      const out: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
      return out;
    } catch {
      return null;
    }
  }
  return null;
}

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

/** Incremental parser: push bytes, get complete frames. Throws EslProtocolError on a stream that is not ESL. */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);
  private pending: Record<string, string> | null = null;
  private bodyLength = 0;

  push(chunk: Buffer): EslFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: EslFrame[] = [];
    for (;;) {
      const frame = this.next();
      if (!frame) break;
      frames.push(frame);
    }
    return frames;
  }

  /** Bytes held back waiting for the rest of a frame. */
  get buffered(): number {
    return this.buf.length;
  }

  private next(): EslFrame | null {
    if (!this.pending) {
      // Stray blank lines between frames are tolerated.
      let start = 0;
      while (start < this.buf.length && this.buf[start] === 0x0a) start++;
      if (start) this.buf = this.buf.subarray(start);
      const end = this.buf.indexOf('\n\n');
      if (end < 0) {
        if (this.buf.length > MAX_HEADER_BYTES) throw new EslProtocolError('header block too large');
        return null;
      }
      const headers = parseHeaderLines(this.buf.subarray(0, end).toString('utf8'), true);
      if (!headers['Content-Type'] && !headers['Content-Length']) throw new EslProtocolError('frame without Content-Type');
      this.buf = this.buf.subarray(end + 2);
      const length = headers['Content-Length'];
      if (length === undefined) return { headers, body: '' };
      if (!/^\d{1,10}$/.test(length) || Number(length) > MAX_BODY_BYTES) throw new EslProtocolError(`bad Content-Length ${JSON.stringify(length.slice(0, 20))}`);
      this.pending = headers;
      this.bodyLength = Number(length);
    }
    if (this.buf.length < this.bodyLength) return null;
    const frame = { headers: this.pending, body: this.buf.subarray(0, this.bodyLength).toString('utf8') };
    this.buf = this.buf.subarray(this.bodyLength);
    this.pending = null;
    return frame;
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

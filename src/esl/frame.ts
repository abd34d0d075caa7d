/**
 * Event Socket framing: a header block (`Name: value` lines), an empty line, then `Content-Length` bytes of
 * body when that header is present. Works on bytes (Content-Length counts bytes, values may be UTF-8).
 * Header order is never relied on (events put Content-Length first, replies Content-Type first).
 *
 * A frame's size is the caller's to choose: FreeSWITCH copies every X-/P- header of the INVITE into a channel
 * variable (mod_sofia, sofia_glue_set_extra_headers), and the From display name into several more, and
 * `switch_event_serialize` writes every variable, url-encoded (up to three bytes per byte), with no limit: into the
 * `connect` reply (one header block) and into every event of the call (a `text/event-plain` body). sofia-sip takes
 * SIP messages up to 2 MiB by default. So what is held of a frame has one cap in bytes, whatever the chunking: an event
 * body within the cap is read once whole, a longer one (and a header block) line by line as it arrives, and:
 * - a header line longer than MAX_LINE_BYTES is cut: only its first MAX_LINE_BYTES bytes are read (the rest is
 *   skipped as it arrives); a header chut reads keeps that prefix (every check chut makes is on far shorter values),
 *   any other is dropped;
 * - past the cap (the constructor's, per header block), lines are dropped, except the headers chut reads (which may
 *   take NEEDED_ALLOWANCE more);
 * - a plain event's body is always read as header lines, as above; any other body over the cap is skipped as it
 *   arrives (bodyDropped);
 * - only a frame past MAX_FRAME_BYTES (far beyond anything FreeSWITCH writes), a line that is not a header or a bad
 *   Content-Length is refused (EslProtocolError: the connection ends).
 * A frame that lost anything says so in `trimmed`.
 *
 * chut's own connections keep only the headers chut reads (`isNeededHeader`): a FreeSWITCH event carries a few hundred
 * variables and chut reads a handful, and decoding and storing the rest was most of the parser's time on the call path.
 */
import { isAscii } from 'node:buffer';
import { quoteShown } from '../show-invisible.js';


export interface EslFrame {
  /** Header names as sent; values url-decoded. */
  headers: Record<string, string>;
  /** Body (UTF-8): '' when the frame has no Content-Length, for a `text/event-plain` frame (read into `event`), and
   * when the body was over the cap (skipped: see bodyDropped). */
  body: string;
  /** A `text/event-plain` frame's event: its headers (values url-decoded), and `_body` when the event has a body. */
  event?: Record<string, string>;
  /** Header lines dropped or cut, and bodies skipped, because they were over the caps: 0 when the frame is whole. */
  trimmed: number;
}

/** A stream that is not ESL (see the top of this file): the connection ends. `frames`: the complete frames the same
 * push() read before the error, which the caller handles first, as it would had the error come in its next read (a
 * connect reply read in one piece with garbage still has its call screened). */
export class EslProtocolError extends Error {
  override readonly name = 'EslProtocolError';
  constructor(message: string, readonly frames: readonly EslFrame[] = []) {
    super(message);
  }
}

/** The longest header line read whole (the longest recorded one is ~400 bytes, a channel's SDP a few KB). */
export const MAX_LINE_BYTES = 8 * 1024;
/** What is kept of one frame by default (the inbound monitor: `show channels` or an event can be large). */
const MAX_KEPT_BYTES = 4 * 1024 * 1024;
/** A per-call (outbound) socket's cap on what is kept of one frame: its events carry one channel's variables (a few KB
 * to tens of KB; more only when the caller pads its INVITE), its api replies a user's XML. Well below the inbound
 * monitor's, because up to esl.maxConcurrent of them are read at once. */
export const MAX_CALL_FRAME_BYTES = 256 * 1024;
/** Past the cap, the headers chut reads may still keep this much (so that Content-Type, Reply-Text and the caller's
 * fields survive a block full of padding). */
export const NEEDED_ALLOWANCE = 64 * 1024;
/** No header block or body may be longer: a stream that never ends a frame is not ESL. From a 2 MiB INVITE (sofia-sip's
 * default maximum), url-encoding and the display name's handful of copies give FreeSWITCH well under half of it. */
export const MAX_FRAME_BYTES = 128 * 1024 * 1024;

/**
 * The headers chut reads (channel-data.ts, bound.ts, call-control.ts, connection.ts, monitor.ts, pickup.ts), and every
 * `variable_chut_*` (chut.xml's variables and the captcha's digits). A frame over the caps keeps these.
 */
const NEEDED_HEADERS = new Set([
  // framing, replies, notices
  'Content-Type', 'Content-Length', 'Content-Disposition', 'Reply-Text', 'Event-Name',
  // the channel and its caller
  'Unique-ID', 'Channel-Unique-ID', 'Caller-Unique-ID', 'Answer-State', 'Caller-Context',
  'Caller-Caller-ID-Number', 'Caller-Caller-ID-Name', 'Channel-Caller-ID-Number', 'Channel-Caller-ID-Name',
  'Caller-Destination-Number', 'Channel-Destination-Number',
  'variable_sip_from_user', 'variable_sip_from_display', 'variable_sip_verstat', 'variable_sip_P-Asserted-Identity',
  // the channel's own setting chut changes for the captcha and puts back (call-control.ts)
  'variable_playback_terminators',
  // applications chut runs
  'Application', 'Application-UUID', 'Application-Response',
  // the inbound monitor: a dialled leg's answer and the call it was dialled for (pickup.ts), the screened leg's hang-up
  'variable_originator', 'variable_ent_originate_aleg_uuid', 'variable_cc_member_session_uuid', 'variable_fifo_bridge_uuid',
  'Caller-Channel-Answered-Time', 'Event-Date-Timestamp',
  'Hangup-Cause', 'variable_hangup_cause', 'Caller-Channel-Hangup-Time', 'variable_end_uepoch',
]);

/** Whether chut reads this header (it then survives a frame over the caps; chut's connections keep only these). */
export function isNeededHeader(name: string): boolean {
  return NEEDED_HEADERS.has(name) || name.startsWith('variable_chut_');
}

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

/** Characters a value may not hold (besides LF, which ends the line): what `.` does not match in a JS regex. */
const LINE_TERMINATOR = /[\r\u2028\u2029]/;

/**
 * A header line: a printable name (1 to 1024 characters, no `:` or space), `:`, then nothing or a space and the value
 * (as /^([\x21-\x39\x3b-\x7e]{1,1024}):(?: (.*))?$/ would split it, several times faster). Null when it is not one.
 */
function splitHeaderLine(line: string): [string, string] | null {
  const colon = line.indexOf(':');
  if (colon < 1 || colon > 1024) return null;
  for (let i = 0; i < colon; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return null;
  }
  const name = line.slice(0, colon);
  if (colon + 1 === line.length) return [name, ''];
  if (line.charCodeAt(colon + 1) !== 0x20) return null;
  const value = line.slice(colon + 2);
  return LINE_TERMINATOR.test(value) ? null : [name, value];
}

/** Parses `Name: value` lines (values url-decoded). With `strict`, a line that is not a header is an error
 * (garbage on the wire must end the connection, not shift every later reply). */
export function parseHeaderLines(text: string, strict = false): Record<string, string> {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const raw of text.split('\n')) {
    const line = raw.charCodeAt(raw.length - 1) === 0x0d ? raw.slice(0, -1) : raw;
    const header = splitHeaderLine(line);
    if (!header) {
      if (strict) throw new EslProtocolError(`not a header line: ${quoteShown(line, 40)}`);
      continue;
    }
    headers[header[0]] = urlDecode(header[1]);
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

/** An encoded value cut at MAX_LINE_BYTES must not end inside an escape (`%E2%8`) or a UTF-8 sequence (`%E2%82`):
 * urlDecode would then fall back to decoding every escape byte by byte. */
function cutEscapes(value: string): string {
  let end = value.length;
  const partial = /%[0-9A-Fa-f]?$/.exec(value);
  if (partial) end = partial.index;
  // The escapes at the end: walk back to the last lead byte and drop its sequence when it is incomplete.
  for (let at = end - 3, continuation = 0; at >= 0 && continuation < 4 && value[at] === '%'; at -= 3) {
    const byte = parseInt(value.slice(at + 1, at + 3), 16);
    if (Number.isNaN(byte) || byte < 0x80) break;
    if (byte < 0xc0) { continuation++; continue; }
    const needs = byte >= 0xf0 ? 3 : byte >= 0xe0 ? 2 : 1;
    if (continuation < needs) end = at;
    break;
  }
  return value.slice(0, end);
}

/** Which headers a parser keeps. */
export type KeepHeader = (name: string) => boolean;

const keepAll: KeepHeader = () => true;

/** One header block read line by line: a frame's own headers, or a plain event's. */
class HeaderBlock {
  readonly headers: Record<string, string> = Object.create(null) as Record<string, string>;
  /** Bytes of the header lines a parser keeping every header keeps: what the caps count, so that a block is trimmed
   * alike whichever headers this parser keeps (a padded INVITE must show in `trimmed` on chut's connections too). */
  counted = 0;
  /** Bytes of the lines this parser kept (what it holds). */
  kept = 0;
  /** Lines dropped or cut. */
  trimmed = 0;
  /** Lines read (blank lines before the first one are stray and skipped). */
  lines = 0;
  /** Bytes of the block so far. */
  size = 0;

  constructor(private readonly cap: number, private readonly strict: boolean, private readonly keep: KeepHeader) {}

  /** A complete line (without its LF): `text` is its first MAX_LINE_BYTES bytes when `cut`, else all of it. */
  add(text: string, length: number, cut: boolean): void {
    this.lines++;
    const bytes = Math.min(length, MAX_LINE_BYTES);
    if (!this.strict) {
      // An event's line this parser does not keep is only counted, not checked (a line that is not a header is
      // skipped in an event anyway).
      const colon = text.indexOf(':');
      if (colon > 0) {
        const name = text.slice(0, colon);
        if (!this.keep(name)) {
          this.count(name, bytes, cut);
          return;
        }
      }
    }
    const line = !cut && text.charCodeAt(text.length - 1) === 0x0d ? text.slice(0, -1) : text;
    const header = splitHeaderLine(line);
    if (!header) {
      // With `strict`, garbage on the wire ends the connection instead of shifting every later reply.
      if (this.strict) throw new EslProtocolError(`not a header line: ${quoteShown(line, 40)}`);
      return;
    }
    const name = header[0];
    if (!this.count(name, bytes, cut) || !this.keep(name)) return;
    this.headers[name] = urlDecode(cut ? cutEscapes(header[1]) : header[1]);
    this.kept += bytes;
  }

  /** Counts a header line against the caps; false when it is dropped for being over them (see the top of the file). */
  private count(name: string, bytes: number, cut: boolean): boolean {
    if (cut || this.counted + bytes > this.cap) {
      if (!isNeededHeader(name) || this.counted + bytes > this.cap + NEEDED_ALLOWANCE) {
        this.trimmed++;
        return false;
      }
      if (cut) this.trimmed++;
    }
    this.counted += bytes;
    return true;
  }
}

/** Where the parser is in the current frame. */
type Stage =
  /** Reading the frame's header block. */
  | 'head'
  /** Waiting for a body of `left` bytes (at most the cap), kept whole. */
  | 'body'
  /** Skipping `left` bytes: a body over the cap, or an event's own body that is not kept. */
  | 'skip'
  /** Reading a `text/event-plain` body's header lines (`left` bytes of body to come): once whole when the body is
   * within the cap, else line by line as they arrive. */
  | 'event'
  /** After the event's blank line: its own body (`left` bytes), kept whole (the cap allows it). */
  | 'event-body';

/**
 * Incremental parser: push bytes, get complete frames. Throws EslProtocolError on a stream that is not ESL (see the
 * top of this file), carrying the frames the chunk completed before it; a parser that threw is not fed again. Each
 * byte is searched for a line end once, whatever the chunking.
 */
export class FrameParser {
  private readonly input = new InputBuffer();
  private stage: Stage = 'head';
  private block: HeaderBlock;
  private event: HeaderBlock | null = null;
  /** Body bytes of the current frame still to come (stages after 'head'). */
  private left = 0;
  /** Bodies skipped in the current frame. */
  private skipped = 0;
  /** Bytes of the line in progress already searched for its LF (the line waits in the input). */
  private scanned = 0;
  /** The line in progress once it outgrew MAX_LINE_BYTES: its first bytes, and its length so far (the rest is skipped). */
  private long: { head: Buffer; length: number } | null = null;

  /**
   * `cap`: what is kept of one frame, in bytes (MAX_CALL_FRAME_BYTES on a per-call socket); `maxFrameBytes`: the
   * longest header block or body taken at all (a longer one is a protocol error: the connection ends); `keep`: which
   * headers are kept (chut's connections: isNeededHeader).
   */
  constructor(
    private readonly cap = MAX_KEPT_BYTES,
    private readonly maxFrameBytes = MAX_FRAME_BYTES,
    private readonly keep: KeepHeader = keepAll,
  ) {
    this.block = new HeaderBlock(cap, true, keep);
  }

  push(chunk: Buffer): EslFrame[] {
    const frames: EslFrame[] = [];
    try {
      if (this.input.length === 0) {
        // The usual case (whole frames per chunk): parse the chunk in place, keep only an incomplete tail.
        const used = this.parse(chunk, frames);
        this.input.append(chunk.subarray(used));
      } else {
        this.input.append(chunk);
        this.input.consume(this.parse(this.input.view(), frames));
      }
    } catch (err) {
      // The frames completed before the error are the caller's all the same, whatever the chunking.
      if (err instanceof EslProtocolError) throw new EslProtocolError(err.message, frames);
      throw err;
    }
    return frames;
  }

  /** Bytes of input held back waiting for the rest of a line or of a body. */
  get buffered(): number {
    return this.input.length;
  }

  /** Everything held for the frame in progress: input held back, the cut line's first bytes, the headers kept. */
  get held(): number {
    return this.input.length + (this.long?.head.length ?? 0) + this.block.kept + (this.event?.kept ?? 0);
  }

  /** The headers of the frame in progress read so far (complete lines only), or null before its first line: what a
   * frame cut short (the connection closed, a protocol error, a timeout) still said. */
  get partialHeaders(): Record<string, string> | null {
    return this.block.lines > 0 ? this.block.headers : null;
  }

  /** Appends the complete frames found in `bytes` to `frames`; returns how many bytes were used. */
  private parse(bytes: Buffer, frames: EslFrame[]): number {
    let at = 0;
    for (;;) {
      switch (this.stage) {
        case 'head': {
          let read = { at, done: false };
          // A whole block at the start of the input (the usual case) is decoded at once: a native call per line cost
          // more than the rest of its parsing. Tried once per block, so no byte is searched twice more.
          if (this.block.lines === 0 && this.scanned === 0 && this.long === null) {
            const blank = bytes.indexOf('\n\n', at, 'latin1');
            if (blank >= 0) read = this.readWholeLines(bytes, at, blank + 2, this.block);
          }
          if (!read.done) read = this.readLines(bytes, read.at, bytes.length, false, this.block);
          at = read.at;
          if (!read.done) return at;
          this.startFrame(frames);
          break;
        }
        case 'body': {
          if (bytes.length - at < this.left) return at;
          const end = at + this.left;
          this.finish(frames, bytes.toString('utf8', at, end));
          at = end;
          break;
        }
        case 'skip': {
          const n = Math.min(this.left, bytes.length - at);
          at += n;
          this.left -= n;
          if (this.left > 0) return at;
          this.finish(frames, '');
          break;
        }
        case 'event': {
          const event = this.event as HeaderBlock;
          // Within the cap, the body is read once whole (see readWholeLines).
          if (this.left <= this.cap && event.lines === 0 && bytes.length - at < this.left) return at;
          const end = Math.min(bytes.length, at + this.left);
          const read = event.lines === 0 && end - at === this.left
            ? this.readWholeLines(bytes, at, end, event)
            : this.readLines(bytes, at, end, end - at === this.left, event);
          this.left -= read.at - at;
          at = read.at;
          if (read.done) this.startEventBody(event);
          else if (this.left === 0) this.finish(frames, '');
          else return at;
          break;
        }
        case 'event-body': {
          if (bytes.length - at < this.left) return at;
          const event = this.event as HeaderBlock;
          event.headers._body = bytes.toString('utf8', at, at + this.left).slice(0, Number(event.headers['Content-Length']));
          at += this.left;
          this.left = 0;
          this.finish(frames, '');
          break;
        }
      }
    }
  }

  /**
   * Reads the lines of bytes[at, end) into `block` until its blank line (`done`). Stops at `end`, or before a line
   * whose LF has not come yet (it waits in the input, unless it outgrew MAX_LINE_BYTES). `final`: `end` is where the
   * lines end (an event body's last byte), so a last line without LF is complete.
   */
  private readLines(bytes: Buffer, at: number, end: number, final: boolean, block: HeaderBlock): { at: number; done: boolean } {
    for (;;) {
      if (this.long) {
        const lf = lineEnd(bytes, at, end);
        if (lf < 0 && !final) {
          this.long.length += end - at;
          this.grow(block, end - at);
          return { at: end, done: false };
        }
        const stop = lf < 0 ? end : lf;
        this.long.length += stop - at;
        this.grow(block, stop - at + (lf < 0 ? 0 : 1));
        block.add(this.long.head.toString('utf8'), this.long.length, true);
        this.long = null;
        at = lf < 0 ? end : lf + 1;
        continue;
      }
      if (at >= end) return { at, done: false };
      const lf = lineEnd(bytes, at + this.scanned, end);
      if (lf < 0 && !final) {
        const pending = end - at;
        if (pending > MAX_LINE_BYTES) {
          this.long = { head: Buffer.from(bytes.subarray(at, at + MAX_LINE_BYTES)), length: pending };
          this.scanned = 0;
          this.grow(block, pending);
          return { at: end, done: false };
        }
        this.scanned = pending;
        return { at, done: false };
      }
      this.scanned = 0;
      const stop = lf < 0 ? end : lf;
      const next = lf < 0 ? end : lf + 1;
      const text = stop === at ? '' : bytes.toString('utf8', at, Math.min(stop, at + MAX_LINE_BYTES));
      const ended = this.takeLine(block, text, stop - at, next - at);
      at = next;
      if (ended) return { at, done: true };
    }
  }

  /**
   * readLines for lines known to be complete (bytes[at, end) ends with an LF, or is a whole event body). An ASCII
   * region within the cap (FreeSWITCH url-encodes every value) is decoded in one call and cut into lines as a string;
   * anything else goes through readLines.
   */
  private readWholeLines(bytes: Buffer, at: number, end: number, block: HeaderBlock): { at: number; done: boolean } {
    if (this.long !== null || this.scanned !== 0 || end - at > this.cap || !isAscii(bytes.subarray(at, end))) {
      return this.readLines(bytes, at, end, true, block);
    }
    const text = bytes.toString('latin1', at, end);
    let pos = 0;
    while (pos < text.length) {
      const lf = text.indexOf('\n', pos);
      const stop = lf < 0 ? text.length : lf;
      const next = lf < 0 ? text.length : lf + 1;
      const ended = this.takeLine(block, text.slice(pos, Math.min(stop, pos + MAX_LINE_BYTES)), stop - pos, next - pos);
      pos = next;
      if (ended) return { at: at + pos, done: true };
    }
    return { at: end, done: false };
  }

  /**
   * One complete line into `block`: `length` bytes (`consumed` with its LF), `text` its first MAX_LINE_BYTES bytes.
   * True when it is the block's blank line; blank lines before a block's first line are stray and skipped.
   */
  private takeLine(block: HeaderBlock, text: string, length: number, consumed: number): boolean {
    if (length === 0 && block.lines === 0) return false;
    this.grow(block, consumed);
    if (length === 0) return true;
    block.add(text, length, length > MAX_LINE_BYTES);
    return false;
  }

  /** The event's headers are read: its own body (the rest of the frame's) is kept when it has a Content-Length and the
   * cap allows it, decided once (whatever the chunking), else skipped. */
  private startEventBody(event: HeaderBlock): void {
    const inner = event.headers['Content-Length'];
    if (inner !== undefined && event.counted + this.left <= this.cap) {
      this.stage = 'event-body';
      return;
    }
    if (inner !== undefined) this.skipped++;
    this.stage = 'skip';
  }

  /** Counts bytes of a header block against MAX_FRAME_BYTES. */
  private grow(block: HeaderBlock, bytes: number): void {
    block.size += bytes;
    if (block.size > this.maxFrameBytes) throw new EslProtocolError('header block too large');
  }

  /** The frame's header block is complete: a frame without body is pushed at once, else its body is awaited. */
  private startFrame(frames: EslFrame[]): void {
    const headers = this.block.headers;
    if (!headers['Content-Type'] && !headers['Content-Length']) throw new EslProtocolError('frame without Content-Type');
    const length = headers['Content-Length'];
    if (length === undefined) {
      this.finish(frames, '');
      return;
    }
    if (!/^\d{1,10}$/.test(length) || Number(length) > this.maxFrameBytes) throw new EslProtocolError(`bad Content-Length ${quoteShown(length, 20)}`);
    this.left = Number(length);
    if (headers['Content-Type'] === 'text/event-plain') {
      this.event = new HeaderBlock(this.cap, false, this.keep);
      this.stage = 'event';
    } else if (this.left <= this.cap) {
      this.stage = 'body';
    } else {
      this.skipped++;
      this.stage = 'skip';
    }
  }

  private finish(frames: EslFrame[], body: string): void {
    const frame: EslFrame = { headers: this.block.headers, body, trimmed: this.block.trimmed + this.skipped };
    if (this.event) {
      frame.event = this.event.headers;
      frame.trimmed += this.event.trimmed;
    }
    frames.push(frame);
    this.block = new HeaderBlock(this.cap, true, this.keep);
    this.event = null;
    this.stage = 'head';
    this.left = 0;
    this.skipped = 0;
  }
}

/** The first LF in bytes[from, end), or -1. */
function lineEnd(bytes: Buffer, from: number, end: number): number {
  if (from >= end) return -1;
  const at = bytes.indexOf(0x0a, from);
  return at >= 0 && at < end ? at : -1;
}

/** Whether a frame's body was over the cap and skipped (an `api/response` whose text chut never saw). */
export function bodyDropped(frame: EslFrame): boolean {
  return frame.event === undefined && frame.body === '' && Number(frame.headers['Content-Length'] ?? '0') > 0;
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
  if (type === 'text/event-plain') return frame.event ?? parsePlainEvent(frame.body);
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

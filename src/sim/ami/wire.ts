/**
 * AMI wire format, as recorded from Asterisk 22 (tests/fixtures/asterisk): a banner line, then packets of
 * `Name: Value\r\n` lines, each packet ended by an empty line. Header order and repeated names are kept
 * (a channel UserEvent repeats `Uniqueid`). Used by the simulator in both directions; chut itself reads AMI
 * with its own reader (src/ami/packet-reader.ts).
 */
export const BANNER = 'Asterisk Call Manager/11.0.0\r\n';

export type Header = readonly [name: string, value: string];
export type Packet = Header[];

export function serialize(packet: readonly Header[]): string {
  let out = '';
  for (const [name, value] of packet) out += `${name}: ${value}\r\n`;
  return `${out}\r\n`;
}

/** Case-insensitive lookup of the first header with this name (Asterisk compares names that way). */
export function header(packet: readonly Header[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of packet) if (n.toLowerCase() === lower) return v;
  return undefined;
}

export interface PacketReaderOptions {
  /** Skip a first line starting with `Asterisk Call Manager/` (client side). */
  banner?: boolean;
  /** Bytes a single packet may take before it is dropped as malformed. */
  maxPacketBytes?: number;
}

/**
 * Incremental reader: push chunks, get whole packets. Lines end in CRLF (a bare LF is tolerated). A line
 * without `: ` is kept as a header with an empty value (Asterisk's own parser does the same for `Key:`).
 * A packet that grows past `maxPacketBytes` without ending is discarded, up to its end.
 */
export class PacketReader {
  private buffer = '';
  private lines: Header[] = [];
  private size = 0;
  private skipping = false;
  private expectBanner: boolean;
  private readonly max: number;
  /** Packets dropped because they were too large. */
  dropped = 0;

  constructor(opts: PacketReaderOptions = {}) {
    this.expectBanner = opts.banner ?? false;
    this.max = opts.maxPacketBytes ?? 64 * 1024;
  }

  push(chunk: string): Packet[] {
    this.buffer += chunk;
    const out: Packet[] = [];
    let start = 0;
    for (let nl = this.buffer.indexOf('\n', start); nl !== -1; nl = this.buffer.indexOf('\n', start)) {
      const end = nl > start && this.buffer.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      const line = this.buffer.slice(start, end);
      start = nl + 1;
      const packet = this.line(line);
      if (packet) out.push(packet);
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length > this.max) {
      this.buffer = '';
      this.startSkipping();
    }
    return out;
  }

  private line(line: string): Packet | null {
    if (this.expectBanner) {
      this.expectBanner = false;
      if (line.startsWith('Asterisk Call Manager/')) return null;
    }
    if (line === '') {
      const packet = this.lines;
      const skipped = this.skipping;
      this.lines = [];
      this.size = 0;
      this.skipping = false;
      return packet.length && !skipped ? packet : null;
    }
    if (this.skipping) return null;
    this.size += line.length + 2;
    if (this.size > this.max) {
      this.startSkipping();
      return null;
    }
    const colon = line.indexOf(': ');
    if (colon === -1) this.lines.push(line.endsWith(':') ? [line.slice(0, -1), ''] : [line, '']);
    else this.lines.push([line.slice(0, colon), line.slice(colon + 2)]);
    return null;
  }

  private startSkipping(): void {
    if (!this.skipping) this.dropped += 1;
    this.skipping = true;
    this.lines = [];
    this.size = 0;
  }
}

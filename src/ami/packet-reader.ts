/**
 * AMI's wire format, as recorded in tests/fixtures/asterisk: a greeting line (`Asterisk Call Manager/x.y`), then
 * packets of `Key: value` lines ending with a blank line. Parsed here, bounded: a peer that sends an endless line or
 * an endless packet is a protocol error (the connection is dropped and retried), never a process that freezes or
 * runs out of memory. (asterisk-manager's reader re-joined every pending line on every chunk, and its event
 * dispatch threw on a repeated `UserEvent:` and looped for ever on an event named `rawevent`.)
 *
 * Packets keep the shape chut's edge (events.ts) reads: keys lower-cased without spaces, a repeated key becomes an
 * array in arrival order, `Variable`/`ChanVariable` lines (`NAME=value`) become an object.
 */
import { groupedDigits } from '../plural.js';

export type AmiValue = string | string[] | Record<string, string>;
export type AmiPacket = Record<string, AmiValue | undefined>;

/** Longest line taken (AMI lines are headers; a channel variable may be long, not this long). */
export const MAX_LINE_CHARS = 64 * 1024;
/** Most lines in one packet (a CoreShowChannels entry or a Newexten has a few dozen). */
export const MAX_PACKET_LINES = 1000;
/** Most characters in one packet's lines (CR/LF not counted): the two bounds above alone let one packet hold 64M
 * characters; Asterisk's largest, an event with every channel variable, holds a few kilobytes. */
export const MAX_PACKET_CHARS = 1024 * 1024;

/** A line not ended yet may hold one character more: the CR whose LF is still to come. */
const MAX_PENDING_CHARS = MAX_LINE_CHARS + 1;

/** A line or a packet past the bounds: the connection is dropped. `packets`: the packets the same push() completed
 * before it, which the client handles first, as it would had the error come in its next read (a ChutQuery read in one
 * piece with the garbage is still screened). */
export class AmiProtocolError extends Error {
  override readonly name = 'AmiProtocolError';
  constructor(message: string, readonly packets: readonly AmiPacket[] = []) {
    super(message);
  }
}

const LINE_TOO_LONG = `a line longer than ${groupedDigits(MAX_LINE_CHARS)} characters`;

function toPacket(lines: readonly string[]): AmiPacket {
  const packet: AmiPacket = Object.create(null) as AmiPacket;
  for (const line of lines) {
    const at = line.indexOf(': ');
    const key = (at === -1 ? line : line.slice(0, at)).replace(/\s/g, '').toLowerCase();
    const value = at === -1 ? '' : line.slice(at + 2);
    const current = packet[key];
    if (key === 'variable' || key === 'chanvariable') {
      const vars = typeof current === 'object' && !Array.isArray(current) ? current : (Object.create(null) as Record<string, string>);
      const eq = value.indexOf('=');
      vars[eq === -1 ? value : value.slice(0, eq)] = eq === -1 ? '' : value.slice(eq + 1);
      packet[key] = vars;
    } else if (current === undefined) packet[key] = value;
    else if (Array.isArray(current)) current.push(value);
    else if (typeof current === 'string') packet[key] = [current, value];
  }
  return packet;
}

/** One connection's reader: feed it chunks, get whole packets. */
export class PacketReader {
  /** The line begun and not ended yet, as the chunks it came in: joined once its end comes, so a long line that
   * arrives in many small chunks is copied and searched once, not once per chunk (quadratic). */
  private pending: string[] = [];
  private pendingChars = 0;
  private lines: string[] = [];
  private packetChars = 0;
  private greeted = false;

  /** The packets this chunk completes; throws AmiProtocolError on an overlong line or packet, carrying the packets the
   * chunk completed before it (a reader that threw is not fed again). */
  push(chunk: string): AmiPacket[] {
    let nl = chunk.indexOf('\n');
    if (nl === -1) {
      if (chunk !== '') this.pending.push(chunk);
      this.pendingChars += chunk.length;
      if (this.pendingChars > MAX_PENDING_CHARS) throw new AmiProtocolError(LINE_TOO_LONG);
      return [];
    }
    const text = this.pending.join('') + chunk;
    nl += this.pendingChars;
    const packets: AmiPacket[] = [];
    let start = 0;
    for (; nl !== -1; nl = text.indexOf('\n', start)) {
      const line = text.charCodeAt(nl - 1) === 13 && nl > start ? text.slice(start, nl - 1) : text.slice(start, nl);
      start = nl + 1;
      if (line.length > MAX_LINE_CHARS) throw new AmiProtocolError(LINE_TOO_LONG, packets);
      if (!this.greeted) {
        this.greeted = true;
        if (line.startsWith('Asterisk Call Manager')) continue;
      }
      if (line === '') {
        if (this.lines.length > 0) packets.push(toPacket(this.lines));
        this.lines = [];
        this.packetChars = 0;
        continue;
      }
      this.lines.push(line);
      this.packetChars += line.length;
      if (this.lines.length > MAX_PACKET_LINES) throw new AmiProtocolError(`a packet of more than ${groupedDigits(MAX_PACKET_LINES)} lines`, packets);
      if (this.packetChars > MAX_PACKET_CHARS) throw new AmiProtocolError(`a packet of more than ${groupedDigits(MAX_PACKET_CHARS)} characters`, packets);
    }
    const rest = text.slice(start);
    this.pending = rest === '' ? [] : [rest];
    this.pendingChars = rest.length;
    if (rest.length > MAX_PENDING_CHARS) throw new AmiProtocolError(LINE_TOO_LONG, packets);
    return packets;
  }
}

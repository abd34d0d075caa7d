/**
 * Where each value of a RESP stream ends, read in chunks cut anywhere: what a proxy needs to tell commands and replies
 * apart without decoding them. RESP2 and RESP3 (ioredis speaks RESP3 by default): simple lines (`+ - : _ , # (`),
 * blobs (`$ ! =`, `$-1` null), aggregates (`* ~ >` of n values, `% |` of 2n, `*-1` null). An attribute (`|`) is part
 * of the value that follows it; a push (`>`) is a value, flagged, since it answers no command. Streamed (`?`) lengths,
 * which Redis never sends, are refused, as is anything else that is not RESP.
 */

export interface RespValue {
  /** Offset just past the value in the chunk where it ended. */
  end: number;
  /** A command's name and first argument (`commands` reader; the name lower-cased); empty for a reply. */
  words: string[];
  /** A push (`>`): out of band, no command's reply. */
  push: boolean;
}

/** An aggregate being read. */
interface Open {
  /** Values still to come in it. */
  left: number;
  attribute: boolean;
}

const CR = 0x0d;
const LF = 0x0a;
/** Types read in one line, with a length first, with a count first (of values; of pairs). */
const LINE_TYPES = '+-:_,#(';
const BLOB_TYPES = '$!=';
const COUNTED_TYPES = '*~>';
const PAIRED_TYPES = '%|';

export class RespReader {
  /** Aggregates being read, innermost last. */
  private readonly open: Open[] = [];
  /** The part read so far of a header line (latin1: one char per byte). */
  private line = '';
  /** Bytes of the blob being read still to come, its CRLF included (0: reading a header line). */
  private blobLeft = 0;
  /** The blob being read, when it is one of the command's words. */
  private blob: Buffer[] | null = null;
  private words: string[] = [];
  private push = false;

  /** `commands`: what a client sends (arrays of blobs, or inline commands); `replies`: what Redis sends. */
  constructor(private readonly side: 'commands' | 'replies') {}

  /** The values that end in `chunk`, in order. */
  feed(chunk: Buffer): RespValue[] {
    const ended: RespValue[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.blobLeft > 0) {
        const take = Math.min(this.blobLeft, chunk.length - at);
        this.blob?.push(chunk.subarray(at, at + take));
        at += take;
        this.blobLeft -= take;
        if (this.blobLeft === 0) this.blobEnded(at, ended);
        continue;
      }
      const lf = chunk.indexOf(LF, at);
      if (lf === -1) {
        this.line += chunk.toString('latin1', at);
        break;
      }
      const line = this.line + chunk.toString('latin1', at, lf + 1);
      this.line = '';
      at = lf + 1;
      if (line.charCodeAt(line.length - 2) !== CR) throw new Error(`not RESP: a line without CR: ${JSON.stringify(line)}`);
      this.header(line.slice(0, -2), at, ended);
    }
    return ended;
  }

  private header(line: string, at: number, ended: RespValue[]): void {
    const type = line[0] ?? '';
    if (this.side === 'commands' && this.open.length === 0 && type !== '*') {
      // an inline command (`PING\r\n`); Redis ignores an empty line
      const words = line.trim().split(/\s+/).filter((w) => w !== '');
      if (words.length > 0) ended.push({ end: at, words: [(words[0] as string).toLowerCase(), ...words.slice(1, 2)], push: false });
      return;
    }
    if (LINE_TYPES.includes(type)) return this.valueEnded(at, ended);
    const n = /^-?\d+$/.test(line.slice(1)) ? Number(line.slice(1)) : NaN;
    if (!(n >= -1) || (n === -1 && type !== '$' && type !== '*')) throw new Error(`not RESP (or streamed): ${JSON.stringify(line)}`);
    if (n === -1) return this.valueEnded(at, ended);
    if (BLOB_TYPES.includes(type)) {
      this.blobLeft = n + 2;
      // a command's name and first argument: the first two blobs of its array
      this.blob = this.side === 'commands' && this.open.length === 1 && this.words.length < 2 ? [] : null;
      return;
    }
    const paired = PAIRED_TYPES.includes(type);
    if (!paired && !COUNTED_TYPES.includes(type)) throw new Error(`not RESP: ${JSON.stringify(line)}`);
    if (type === '>' && this.open.length === 0) this.push = true;
    this.open.push({ left: paired ? 2 * n : n, attribute: type === '|' });
    if (n === 0) this.aggregateEnded(at, ended);
  }

  private blobEnded(at: number, ended: RespValue[]): void {
    if (this.blob) {
      const text = Buffer.concat(this.blob).toString('latin1').slice(0, -2);
      this.words.push(this.words.length === 0 ? text.toLowerCase() : text);
      this.blob = null;
    }
    this.valueEnded(at, ended);
  }

  /** A value ended: one fewer to come in the aggregate around it, which may end with it. */
  private valueEnded(at: number, ended: RespValue[]): void {
    const around = this.open.at(-1);
    if (!around) {
      ended.push({ end: at, words: this.words, push: this.push });
      this.words = [];
      this.push = false;
      return;
    }
    around.left -= 1;
    if (around.left === 0) this.aggregateEnded(at, ended);
  }

  private aggregateEnded(at: number, ended: RespValue[]): void {
    const done = this.open.pop() as Open;
    // an attribute is no value of its own: the one it describes comes next, in its place
    if (!done.attribute) this.valueEnded(at, ended);
  }
}

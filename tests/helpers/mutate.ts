/**
 * Seeded mutations of recorded protocol bytes, for the fuzz tests (tests/unit/{ami,esl,ari}/fuzz-*.test.ts,
 * tests/protocol/*-fuzz.test.ts): what a broken PBX, a flaky link or a caller's padded values can put on the wire.
 * Every choice comes from `rand` (a prng from prng.ts), so a failing case is replayed from its seed alone.
 */

export type Rand = () => number;

/** Garbage is cut to this: past every bound the parsers have, yet small enough for a test to handle as one string
 * (a huge value then repeated thousands of times would make hundreds of megabytes). */
export const MAX_MUTATED_BYTES = 8 * 1024 * 1024;

/** A whole number in [min, max]. */
export function int(rand: Rand, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}

export function pick<T>(rand: Rand, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

/** Byte sequences that are not UTF-8: a stray continuation or 0xff, a lead byte without its continuation, an
 * overlong `/`, a UTF-16 surrogate half, a 5-byte form, a code point past U+10FFFF. */
export const INVALID_UTF8: readonly Buffer[] = [
  [0xff], [0x80], [0xc3], [0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80],
].map((b) => Buffer.from(b));

/** Line ends, NULs and other controls, and the Unicode line separators a JavaScript regex also treats as line ends. */
export const CONTROLS: readonly string[] = ['\r', '\n', '\0', '\r\n', '\n\n', '\r\n\r\n', '\r\r', '\x1b', '\x7f', '\u2028', '\ufeff'];

export interface Mutation {
  name: string;
  apply(bytes: Buffer, rand: Rand): Buffer;
}

/** Where each line starts, and the offset just past its LF (the last line may have none). */
function lines(bytes: Buffer): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  for (let start = 0; start < bytes.length;) {
    const lf = bytes.indexOf(0x0a, start);
    const end = lf < 0 ? bytes.length : lf + 1;
    out.push({ start, end });
    start = end;
  }
  return out;
}

function insert(bytes: Buffer, at: number, what: Buffer): Buffer {
  return Buffer.concat([bytes.subarray(0, at), what, bytes.subarray(at)]);
}

/** A line with a `Name: value` shape, or null. */
function headerLine(bytes: Buffer, rand: Rand): { start: number; end: number; valueEnd: number } | null {
  const candidates = lines(bytes).filter(({ start, end }) => bytes.subarray(start, end).includes(': '));
  if (candidates.length === 0) return null;
  const line = pick(rand, candidates);
  let valueEnd = line.end;
  if (bytes[valueEnd - 1] === 0x0a) valueEnd--;
  if (bytes[valueEnd - 1] === 0x0d) valueEnd--;
  return { ...line, valueEnd };
}

export const flipByte: Mutation = {
  name: 'flip-byte',
  apply(bytes, rand) {
    if (bytes.length === 0) return bytes;
    const out = Buffer.from(bytes);
    const at = int(rand, 0, out.length - 1);
    out[at] = rand() < 0.5 ? (out[at] as number) ^ (1 << int(rand, 0, 7)) : int(rand, 0, 255);
    return out;
  },
};

export const truncate: Mutation = {
  name: 'truncate',
  apply: (bytes, rand) => bytes.subarray(0, int(rand, 0, bytes.length)),
};

export const cutSpan: Mutation = {
  name: 'cut-span',
  apply(bytes, rand) {
    const from = int(rand, 0, bytes.length);
    const to = Math.min(bytes.length, from + int(rand, 1, 64));
    return Buffer.concat([bytes.subarray(0, from), bytes.subarray(to)]);
  },
};

export const insertControl: Mutation = {
  name: 'insert-control',
  apply: (bytes, rand) => insert(bytes, int(rand, 0, bytes.length), Buffer.from(pick(rand, CONTROLS))),
};

export const insertInvalidUtf8: Mutation = {
  name: 'insert-invalid-utf8',
  apply: (bytes, rand) => insert(bytes, int(rand, 0, bytes.length), pick(rand, INVALID_UTF8)),
};

export const duplicateLine: Mutation = {
  name: 'duplicate-line',
  apply(bytes, rand) {
    const all = lines(bytes);
    if (all.length === 0) return bytes;
    const line = pick(rand, all);
    const copy = bytes.subarray(line.start, line.end);
    return insert(bytes, line.end, Buffer.concat(Array.from({ length: int(rand, 1, 3) }, () => copy)));
  },
};

export const removeLine: Mutation = {
  name: 'remove-line',
  apply(bytes, rand) {
    const all = lines(bytes);
    if (all.length === 0) return bytes;
    const line = pick(rand, all);
    return Buffer.concat([bytes.subarray(0, line.start), bytes.subarray(line.end)]);
  },
};

/** A header's value grown by one of `sizes` bytes (printable, or multi-byte UTF-8 now and then). */
export function hugeValue(sizes: readonly number[]): Mutation {
  return {
    name: 'huge-value',
    apply(bytes, rand) {
      const line = headerLine(bytes, rand);
      if (!line) return bytes;
      const size = pick(rand, sizes);
      const fill = rand() < 0.8 ? Buffer.alloc(size, pick(rand, ['x', '%', ' ', 'A'])) : Buffer.from('é'.repeat(Math.ceil(size / 2)));
      return insert(bytes, line.valueEnd, fill);
    },
  };
}

/** One line repeated `counts` times in place: a block with far more lines than any real one. */
export function repeatLine(counts: readonly number[]): Mutation {
  return {
    name: 'repeat-line',
    apply(bytes, rand) {
      const line = headerLine(bytes, rand);
      if (!line) return bytes;
      const copy = bytes.subarray(line.start, line.end);
      const count = Math.min(pick(rand, counts), Math.ceil(MAX_MUTATED_BYTES / copy.length)); // see MAX_MUTATED_BYTES
      return insert(bytes, line.end, Buffer.concat(Array.from({ length: count }, () => copy)));
    },
  };
}

/** A header's value replaced by one of `values`. */
export function replaceValue(values: readonly string[]): Mutation {
  return {
    name: 'replace-value',
    apply(bytes, rand) {
      const line = headerLine(bytes, rand);
      if (!line) return bytes;
      const colon = bytes.indexOf(': ', line.start);
      return Buffer.concat([bytes.subarray(0, colon + 2), Buffer.from(pick(rand, values)), bytes.subarray(line.valueEnd)]);
    },
  };
}

/** A header's name replaced by one of `names` (its value kept). */
export function replaceName(names: readonly string[]): Mutation {
  return {
    name: 'replace-name',
    apply(bytes, rand) {
      const line = headerLine(bytes, rand);
      if (!line) return bytes;
      const colon = bytes.indexOf(': ', line.start);
      return Buffer.concat([bytes.subarray(0, line.start), Buffer.from(pick(rand, names)), bytes.subarray(colon)]);
    },
  };
}

/** Characters a reader cannot see (a bidi override, a zero-width space, ESC, DEL, a BOM, NUL), raw and url-encoded (ESL
 * values are decoded), for the checks that such a character never reaches a log line unescaped. */
export const INVISIBLE_IN_VALUES: readonly string[] = ['\u202e', '\u200b', '\x1b[31m', '\x7f', '\ufeff', '\0', '%E2%80%AE', '%E2%80%8B', '%1B', '%7F', '%00'];

/** One of INVISIBLE_IN_VALUES inserted somewhere in a header's value. */
export const invisibleInValue: Mutation = {
  name: 'invisible-in-value',
  apply(bytes, rand) {
    const line = headerLine(bytes, rand);
    if (!line) return bytes;
    const valueStart = bytes.indexOf(': ', line.start) + 2;
    return insert(bytes, int(rand, valueStart, Math.max(valueStart, line.valueEnd)), Buffer.from(pick(rand, INVISIBLE_IN_VALUES)));
  },
};

/** A `Content-Length` (ESL: a frame's or its event's) replaced by a wrong, absurd or malformed one, doubled or removed. */
export const wrongContentLength: Mutation = {
  name: 'wrong-content-length',
  apply(bytes, rand) {
    const found = [...bytes.toString('latin1').matchAll(/Content-Length: (\d*)\r?\n/g)];
    if (found.length === 0) return bytes;
    const m = pick(rand, found);
    const n = Number(m[1]);
    const value = pick(rand, [
      String(n + int(rand, 1, 20)), String(Math.max(0, n - int(rand, 1, 20))), '0', '', '-1', '+5', ' 5', '5 ', '0x10', '1e3',
      '99999999999', String(128 * 1024 * 1024 + 1), '5000000', String(256 * 1024 + 1), '١٢', 'NaN',
    ]);
    const how = pick(rand, ['replace', 'double', 'remove']);
    const replacement = how === 'replace' ? `Content-Length: ${value}\n` : how === 'double' ? `${m[0]}Content-Length: ${value}\n` : '';
    return Buffer.concat([bytes.subarray(0, m.index), Buffer.from(replacement, 'latin1'), bytes.subarray(m.index + m[0].length)]);
  },
};

/** The byte-level mutations every text protocol gets. */
export const BYTE_MUTATIONS: readonly Mutation[] = [flipByte, truncate, cutSpan, insertControl, insertInvalidUtf8, duplicateLine, removeLine];

/** `bytes` with 1 to `most` mutations drawn from `mutations`; `applied` names them, in order, for a failure message. */
export function mutate(bytes: Buffer, rand: Rand, mutations: readonly Mutation[], most = 3): { bytes: Buffer; applied: string[] } {
  const applied: string[] = [];
  let out = bytes;
  for (let n = int(rand, 1, most); n > 0; n--) {
    const m = pick(rand, mutations);
    out = m.apply(out, rand);
    if (out.length > MAX_MUTATED_BYTES) out = out.subarray(0, MAX_MUTATED_BYTES);
    applied.push(m.name);
  }
  return { bytes: out, applied };
}

/** Cuts `bytes` into pieces as TCP may deliver them: mostly small, now and then large. */
export function chunks(bytes: Buffer, rand: Rand): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length;) {
    const size = rand() < 0.7 ? int(rand, 1, 64) : int(rand, 65, 65_536);
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

/**
 * Seeded mutations of an HTTP/1.1 request, for tests/protocol/http-fuzz.test.ts: what a broken client, a scanner or an
 * attacker puts on the wire. The request line (method, target: %-escapes, dot segments, NUL, overlong; version), the
 * headers (Content-Length doubled or wrong, Transfer-Encoding chunked with bad chunk sizes, huge or many headers, bad
 * Authorization, Content-Type, Expect, Host) and the framing (bare LF, bytes flipped in the head, garbage after the
 * body). The body's own mutations are in mutate-api-body.ts. Every choice comes from `rand`: a seed replays a case.
 */
import { BYTE_MUTATIONS, int, pick, type Rand } from './mutate.js';
import { prng } from './prng.js';

export interface HttpRequest {
  method: string;
  target: string;
  version: string;
  /** In order, names as sent (a name may repeat). */
  headers: Array<[string, string]>;
  body: Buffer;
  /** Bytes appended to the serialised request as they are (after the body): garbage, a second request. */
  trailing?: Buffer;
  /** Line ends of the head: CRLF, or a bare LF or CR a sloppy client writes. */
  eol?: string;
  /** A byte-level edit of the serialised head (request line and headers, up to the blank line). */
  headEdit?: (head: Buffer) => Buffer;
}

export interface RequestMutation {
  name: string;
  apply(req: HttpRequest, rand: Rand): HttpRequest;
}

export function header(req: HttpRequest, name: string): string | undefined {
  return req.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

export function withHeader(req: HttpRequest, name: string, value: string | null): HttpRequest {
  const at = req.headers.findIndex(([n]) => n.toLowerCase() === name.toLowerCase());
  const headers = req.headers.filter((_, i) => i !== at);
  if (value !== null) headers.splice(at < 0 ? headers.length : at, 0, [name, value]);
  return { ...req, headers };
}

/** The body replaced, its Content-Length (when it has one, or a body) following it. */
export function withBody(req: HttpRequest, body: Buffer): HttpRequest {
  const sized = header(req, 'content-length') !== undefined || body.length > 0;
  return sized ? withHeader({ ...req, body }, 'Content-Length', String(body.length)) : { ...req, body };
}

/** The request as bytes: the head in latin1 (one byte a character, as a client writing raw bytes sends it), the body as
 * it is. */
export function serialise(req: HttpRequest): Buffer {
  const eol = req.eol ?? '\r\n';
  const lines = [`${req.method} ${req.target} ${req.version}`.trimEnd(), ...req.headers.map(([n, v]) => `${n}: ${v}`)];
  let head: Buffer = Buffer.from(`${lines.join(eol)}${eol}${eol}`, 'latin1');
  if (req.headEdit) head = req.headEdit(head);
  return Buffer.concat([head, req.body, req.trailing ?? Buffer.alloc(0)]);
}

/** Whether the serialised head ends (a blank line): without one the server can only wait, or refuse at the end. */
export function headComplete(bytes: Buffer): boolean {
  return bytes.includes('\r\n\r\n') || bytes.includes('\n\n');
}

// ---- the request line ----------------------------------------------------------------------------------------------

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'get', 'Put', 'PUTT', 'M-SEARCH',
  'PROPFIND', 'SEARCH', 'QUERY', 'PURGE', '', 'G ET', 'GET\0', 'X'.repeat(300), 'PRI'];

export const replaceMethod: RequestMutation = {
  name: 'method',
  apply: (req, rand) => ({ ...req, method: pick(rand, METHODS) }),
};

/** Inserted anywhere in the path: dot segments plain and %-escaped, encoded slashes, broken escapes, overlong UTF-8, NUL. */
const PATH_PIECES = ['/.', '/..', '/%2e', '/%2e%2e', '/%2E%2e/', '//', '/./', '/../../', '/%2f', '%2F', '/%5c', '\\', ';', ';x=1',
  '%00', '\0', '%', '%Z', '%ZZ', '%C0%AF', '%ED%A0%80', '%F0%9F%98%80', '%E2%80%AE', '%E2%80%8B', '%u002e', '*', '#frag', '?', '&',
  ' ', '\t', '\xe9', '\xc3\xa9', '%20', '+', '%2B', '%0d%0a', '%252e', '~', '@', ':'];

const TARGETS = ['*', '', 'x', '/\0', '/%', '//api/stats', '/api/../api/stats', '/api/./stats', '/api/lists/block/', '/api/lists//x',
  '/api/lists/block/%2A', '/api/lists/grey/0612345678', '/api/reports/', '/API/STATS', '/api/stats/', '/api/export.csv',
  '/api/numbers/%2B%2B%2B', '/api/lists/block/' + '6'.repeat(129), '/healthz?x=1', '/%61pi/export', '/api/import/',
  'http://127.0.0.1/api/stats', 'http://evil.example/api/export', '/api/lists/block/0612345678/extra'];

const QUERIES = ['limit=1&limit=2', 'since=', 'since=99999d', 'since=1970-01-01', 'since=2999-01-01', 'since=24h&since=7d',
  'action=hung-up', 'limit=0', 'limit=501', 'limit=1e2', 'limit=-1', 'limit=%00', 'before=0-0', 'before=x', 'format=ftc',
  'format=xls', 'list=both', 'onInvalid=skip', 'force=yes', 'force=true', '__proto__=x', 'constructor[prototype][x]=1', 'a[]=1',
  'dialled=%00', 'name=%E2%80%AE', 'kind=allow', 'x', '=', '&&&', '%', 'since=' + '9'.repeat(5000)];

function percentEncodeOne(path: string, rand: Rand): string {
  if (path.length === 0) return path;
  const at = int(rand, 0, path.length - 1);
  const hex = path.charCodeAt(at).toString(16).padStart(2, '0');
  return `${path.slice(0, at)}%${rand() < 0.5 ? hex.toUpperCase() : hex}${path.slice(at + 1)}`;
}

export const mutateTarget: RequestMutation = {
  name: 'target',
  apply(req, rand) {
    const [path = '', query] = splitOnce(req.target, '?');
    const how = pick(rand, ['encode', 'encode', 'piece', 'piece', 'replace', 'query', 'query', 'overlong', 'case', 'absolute']);
    let target: string;
    if (how === 'encode') target = join(percentEncodeOne(path, rand), query);
    else if (how === 'piece') {
      const at = int(rand, 0, path.length);
      target = join(`${path.slice(0, at)}${pick(rand, PATH_PIECES)}${path.slice(at)}`, query);
    } else if (how === 'replace') target = pick(rand, TARGETS);
    else if (how === 'query') target = join(path, rand() < 0.5 && query ? `${query}&${pick(rand, QUERIES)}` : pick(rand, QUERIES));
    else if (how === 'overlong') target = `${path}${pick(rand, ['6'.repeat(100), 'a'.repeat(4000), '/x'.repeat(7000), 'b'.repeat(17_000)])}${query ? `?${query}` : ''}`;
    else if (how === 'case') target = req.target.toUpperCase();
    else target = `${pick(rand, ['http://127.0.0.1', 'http://evil.example', 'https://localhost:1'])}${req.target}`;
    return { ...req, target };
  },
};

const VERSIONS = ['HTTP/1.0', 'HTTP/1.2', 'HTTP/2.0', 'HTTP/0.9', 'http/1.1', 'HTTP/11', 'HTTP/1.1\0', '', 'HTTP/1.1 extra', 'HTTP/9.9'];

export const replaceVersion: RequestMutation = {
  name: 'version',
  apply: (req, rand) => ({ ...req, version: pick(rand, VERSIONS) }),
};

// ---- headers -------------------------------------------------------------------------------------------------------

const LENGTHS = (n: number, rand: Rand): string[] => [
  String(n + int(rand, 1, 20)), String(Math.max(0, n - int(rand, 1, 20))), '0', '', '-1', '+5', ' 5', '0x10', '1e3',
  '99999999999', String(21 * 1024 * 1024), '5000000', '١٢', 'NaN', `${n}, ${n}`, `${n},${n + 1}`,
];

export const wrongContentLength: RequestMutation = {
  name: 'content-length',
  apply(req, rand) {
    const n = req.body.length;
    const value = pick(rand, LENGTHS(n, rand));
    const how = pick(rand, ['replace', 'replace', 'double-same', 'double-other', 'remove']);
    if (how === 'replace') return withHeader(req, 'Content-Length', value);
    if (how === 'remove') return withHeader(req, 'Content-Length', null);
    return { ...req, headers: [...req.headers, ['Content-Length', how === 'double-same' ? String(n) : value]] };
  },
};

/** Chunk-size lines a broken or hostile client writes instead of the body's hex length. */
const BAD_SIZES = (n: number): string[] => ['zz', '-1', 'ffffffffffffffffff', (n + 5).toString(16), Math.max(0, n - 1).toString(16),
  `0x${n.toString(16)}`, ` ${n.toString(16)}`, `${n.toString(16)} `, `${n.toString(16)};ext=${'a'.repeat(20_000)}`, '', `${n.toString(16)}\0`];
const TRANSFER_ENCODINGS = ['chunked', 'chunked', 'Chunked', 'chunked, chunked', 'gzip, chunked', 'chunked, gzip', 'identity', 'xchunked', ' chunked'];

export const chunkedBody: RequestMutation = {
  name: 'chunked',
  apply(req, rand) {
    const n = req.body.length;
    const size = rand() < 0.4 ? n.toString(16) : pick(rand, BAD_SIZES(n));
    const end = pick(rand, ['0\r\n\r\n', '0\r\n\r\n', '', '0\r\n', '0\r\nX-Trailer: 1\r\n\r\n', '1\r\n']);
    const data = n === 0 ? '' : `${size}\r\n${req.body.toString('latin1')}${rand() < 0.9 ? '\r\n' : ''}`;
    const keepLength = rand() < 0.3; // both framings at once: a smuggling attempt
    const chunked = withHeader({ ...req, body: Buffer.from(`${data}${end}`, 'latin1') }, 'Transfer-Encoding', pick(rand, TRANSFER_ENCODINGS));
    return keepLength ? chunked : withHeader(chunked, 'Content-Length', null);
  },
};

export const hugeHeader: RequestMutation = {
  name: 'huge-header',
  apply(req, rand) {
    const how = pick(rand, ['value', 'value', 'many', 'name']);
    if (how === 'value') return { ...req, headers: [...req.headers, ['X-Pad', 'a'.repeat(pick(rand, [8_000, 16 * 1024 + 1, 65_000]))]] };
    if (how === 'name') return { ...req, headers: [...req.headers, ['X'.repeat(pick(rand, [300, 20_000])), 'x']] };
    const count = pick(rand, [200, 2500]);
    return { ...req, headers: [...req.headers, ...Array.from({ length: count }, (_, i): [string, string] => [`X-H${i}`, 'v'])] };
  },
};

/** Authorization values that are not the token, or the token in a form that may or may not be taken. */
export function badAuthorization(token: string): RequestMutation {
  const values = ['Bearer', 'Bearer ', `Bearer  ${token}`, `bearer ${token}`, `Basic ${Buffer.from(`chut:${token}`).toString('base64')}`, token,
    `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Bearer ${token.toUpperCase()}`, `Bearer ${token} extra`, `Bearer \t${token}`,
    `Bearer ${token}\0`, `Bearer ${'x'.repeat(10_000)}`, 'Bearer \xe9\xe9', `Bearer ${token}, Bearer ${token}`, 'Bearer null', 'Bearer undefined', ''];
  return {
    name: 'authorization',
    apply(req, rand) {
      const how = pick(rand, ['replace', 'replace', 'replace', 'double', 'remove']);
      if (how === 'remove') return withHeader(req, 'Authorization', null);
      if (how === 'double') return { ...req, headers: [...req.headers, ['Authorization', pick(rand, values)]] };
      return withHeader(req, 'Authorization', pick(rand, values));
    },
  };
}

const CONTENT_TYPES = ['', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'text/plain', 'text/csv',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json\0', 'APPLICATION/JSON', 'application/json;',
  'application/jsonx', 'application/merge-patch+json', 'text/csv; charset=utf-16le', 'text/csv; charset="iso-8859-1"', 'text/csv; charset=',
  'text/csv; charset=ebcdic', 'text/csv;charset=utf-8;charset=latin1', 'TEXT/CSV', 'text/csvx', '*/*', '\xe9', 'application/json, text/csv'];

export const badContentType: RequestMutation = {
  name: 'content-type',
  apply: (req, rand) => withHeader(req, 'Content-Type', rand() < 0.15 ? null : pick(rand, CONTENT_TYPES)),
};

const EXPECTS = ['100-continue', '100-Continue', 'bogus', '', '200-ok', '100-continue, bogus', '100-continue\0'];

export const expectHeader: RequestMutation = {
  name: 'expect',
  apply: (req, rand) => withHeader(req, 'Expect', pick(rand, EXPECTS)),
};

const HOSTS = ['', 'evil.example', 'localhost:1', '[::1]', '127.0.0.1', 'localhost.', 'LOCALHOST', 'a'.repeat(300), 'x y', 'localhost\0',
  '[::1', 'localhost@evil.example', '127.0.0.1:99999'];

export const hostHeader: RequestMutation = {
  name: 'host',
  apply(req, rand) {
    const how = pick(rand, ['replace', 'replace', 'remove', 'double']);
    if (how === 'remove') return withHeader(req, 'Host', null);
    if (how === 'double') return { ...req, headers: [...req.headers, ['Host', pick(rand, HOSTS)]] };
    return withHeader(req, 'Host', pick(rand, HOSTS));
  },
};

/** Headers a client may add that the API does not expect: upgrades, encodings, ranges, forwarding, names of Object's own. */
const EXTRA_HEADERS: ReadonlyArray<Array<[string, string]>> = [
  [['Connection', 'Upgrade'], ['Upgrade', 'websocket']], [['Connection', 'Upgrade, HTTP2-Settings'], ['Upgrade', 'h2c']],
  [['Content-Encoding', 'gzip']], [['Transfer-Encoding', 'gzip']], [['X-Forwarded-For', '10.0.0.1']], [['Accept', 'text/csv']],
  [['Range', 'bytes=0-10']], [['If-None-Match', '*']], [['Origin', 'http://evil.example']], [['__proto__', 'x']], [['constructor', 'x']],
  [['Connection', 'close']], [['Connection', 'keep-alive']], [['Content-Length', '0'], ['Transfer-Encoding', 'chunked']],
  [['Bad Name', 'x']], [['NoColon', '']], [['X-Nul', 'a\0b']], [['X-Cr', 'a\rb']], [['', 'empty name']], [['X-Latin1', '\xe9\xff']],
];

export const extraHeaders: RequestMutation = {
  name: 'extra-headers',
  apply: (req, rand) => ({ ...req, headers: [...req.headers, ...pick(rand, EXTRA_HEADERS)] }),
};

/** A header line folded onto the next (obsolete line folding), or written without its colon. */
export const headerSyntax: RequestMutation = {
  name: 'header-syntax',
  apply(req, rand) {
    if (req.headers.length === 0) return req;
    const at = int(rand, 0, req.headers.length - 1);
    const [name, value] = req.headers[at] as [string, string];
    const broken: [string, string] = pick(rand, [
      [`${name} `, value], [name, `${value}\r\n folded`], [`${name}\0`, value], [` ${name}`, value], [name.replace(/-/g, '_'), value],
    ]);
    return { ...req, headers: req.headers.map((h, i) => (i === at ? broken : h)) };
  },
};

// ---- framing -------------------------------------------------------------------------------------------------------

export const lineEnds: RequestMutation = {
  name: 'line-ends',
  apply: (req, rand) => ({ ...req, eol: pick(rand, ['\n', '\r', '\n\r', '\r\r\n']) }),
};

/** One of the byte-level mutations (flipped byte, cut span, control character, invalid UTF-8, line doubled or removed,
 * truncation) on the serialised head. */
export const headBytes: RequestMutation = {
  name: 'head-bytes',
  apply(req, rand) {
    const byteMutation = pick(rand, BYTE_MUTATIONS);
    // applied at each serialisation, the same each time: its choices from a PRNG of its own, seeded from `rand`
    const seed = Math.floor(rand() * 2 ** 32);
    return { ...req, headEdit: (head) => byteMutation.apply(head, prng(seed)) };
  },
};

export function garbageAfter(extraRequest: Buffer): RequestMutation {
  return {
    name: 'garbage-after',
    apply: (req, rand) => ({ ...req, trailing: pick(rand, [Buffer.from('x'), Buffer.from('\r\n\r\n'), Buffer.from('\0\0\0'), extraRequest,
      Buffer.from('GET /api/stats HTTP/1.1\r\n\r\n'), Buffer.alloc(70_000, 'a')]) }),
  };
}

function splitOnce(text: string, sep: string): [string, string | undefined] {
  const at = text.indexOf(sep);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function join(path: string, query: string | undefined): string {
  return query === undefined ? path : `${path}?${query}`;
}

/**
 * Seeded mutations of the bodies chut's HTTP API accepts, for tests/protocol/http-fuzz.test.ts: the JSON of a list edit
 * or a report (a field of another type, out of range, with invisible characters, removed, added, `__proto__` and
 * `constructor` keys, duplicate keys, deep nesting, JSON that is not quite JSON) and the CSV of an import (lines that
 * are no number, prefixes too broad, formulas, broken quotes, a huge line, bytes that are not UTF-8). Every choice
 * comes from `rand`: a seed replays a case. (mutate-json.ts does the same for ARI's events.)
 */
import { BYTE_MUTATIONS, int, mutate, pick, type Rand } from './mutate.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The fields of the API's JSON bodies: a list edit's reason, expires and force, a report's kind. */
export type ApiField = 'reason' | 'expires' | 'force' | 'kind';

/** Values of the type each of the API's own fields takes, odd in content (or right, now and then): they pass the
 * schema's type check, so that the routes' own parsing and the store's writes get them. */
const TYPED_VALUES: Record<ApiField, ReadonlyArray<Json>> = {
  reason: ['', ' ', 'x'.repeat(200), 'x'.repeat(201), 'é'.repeat(200), '=cmd|"/c calc"!A1', '\u202e\u0000\r\n', 'a\u2028b', '\ud800', '☎ maman',
    '+33612345678', '__proto__', '@SUM(1)', '-1+1', 'a\tb;c,d"e', '\u00a0'],
  expires: ['', '0d', '-1d', '30x', '1d', '99999999d', '1e3d', 'Infinityd', 'NaNd', '2020-01-01', '9999-12-31', '10000-01-01', '2026-02-30',
    '2099-01-01T25:00', '2099-01-01T00:00+99:00', 'P30D', ' 30d', '30d ', '३०d', 'x'.repeat(41), '2099-01-01T00:00:00.000000001Z', '1h', '2099-12-31',
    '30d', '365d', '2099-01-01T00:00+05:30', '2099-06-30T23:59:59Z', '7d', '2w'],
  force: [true, false],
  kind: ['spam', 'allow', 'SPAM', '', 'block', 'spam\u200b'],
};
/** Values of another type than the field takes. */
const WRONG_TYPES: Record<ApiField, ReadonlyArray<Json>> = {
  reason: [null, 1, true, [], {}], expires: [null, 30, true], force: ['true', 1, 0, null, 'yes', [true], { value: true }],
  kind: [null, 1, ['spam'], { kind: 'spam' }],
};
const ANY_VALUES: ReadonlyArray<Json> = [null, true, 0, -1, 1.5, 2 ** 53 + 1, '', 'x', 'x'.repeat(5000), [], ['a'], {}, { a: { b: {} } }];
const KEYS = ['reason', 'expires', 'force', 'kind', 'list', 'entry', 'number', 'extra', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  'reason ', 'Reason', '', '\u0000'];

/** JSON that a parser may take or refuse: what a hand-written or broken client sends. */
function textLevel(text: string, rand: Rand): { text: string; applied: string } {
  const depth = pick(rand, [100, 5000, 30_000]);
  const choices: Array<[string, () => string]> = [
    ['__proto__', () => text.replace(/^\{/, '{"__proto__":{"force":true,"kind":"allow"},')],
    ['constructor-prototype', () => text.replace(/^\{/, '{"constructor":{"prototype":{"force":true}},')],
    ['duplicate-key', () => text.replace(/\}$/, `${text === '{}' ? '' : ','}"force":false,"force":true,"kind":"spam","kind":"allow"}`)],
    [`nested-${depth}`, () => text.replace(/^\{/, `{"deep":${'['.repeat(depth)}${']'.repeat(depth)},`)],
    ['bom', () => `\ufeff${text}`],
    ['trailing-garbage', () => `${text}${pick(rand, [' x', '{}', ',', '\0', ']'])}`],
    ['truncated', () => text.slice(0, int(rand, 0, Math.max(0, text.length - 1)))],
    ['not-an-object', () => pick(rand, ['', 'null', '[]', '"x"', '0', 'true', '  ', '{', '}', 'NaN', "{'force':true}", '{"force":1e999}',
      '{"reason":"\\ud800"}', '{"reason":"\\u0000"}', '{/* c */}', '{"force":true,}'])],
  ];
  const [applied, fn] = pick(rand, choices);
  return { text: fn(), applied };
}

/**
 * A JSON body with one to three of its fields changed (or the text mangled), as the bytes a client sends. Half the time
 * only `fields`, the route's own, each given a value of its type (`typed`): a body the schema takes, for the route to
 * parse and the store to write; otherwise anything, which the schema or the JSON parser mostly refuses.
 */
export function mutateJsonBody(body: string, fields: readonly ApiField[], rand: Rand): { bytes: Buffer; applied: string[] } {
  const root = (JSON.parse(body) ?? {}) as { [key: string]: Json };
  const applied: string[] = [];
  const typed = fields.length > 0 && rand() < 0.5;
  for (let n = int(rand, 1, 3); n > 0; n--) {
    const keys = Object.keys(root);
    if (typed) {
      const key = pick(rand, fields);
      applied.push(`typed:${key}`);
      if (rand() < 0.2) delete root[key];
      else root[key] = pick(rand, TYPED_VALUES[key]);
      continue;
    }
    const op = pick(rand, ['field', 'field', 'any', 'remove', 'add']);
    const key = keys.length > 0 && op !== 'add' ? pick(rand, keys) : pick(rand, KEYS);
    applied.push(`${op}:${key}`);
    const own = Object.hasOwn(TYPED_VALUES, key) ? key as ApiField : null;
    if (op === 'remove') delete root[key];
    else root[key] = pick(rand, op === 'field' && own ? [...TYPED_VALUES[own], ...WRONG_TYPES[own]] : ANY_VALUES);
  }
  let text = JSON.stringify(root);
  if (!typed && rand() < 0.35) {
    const mangled = textLevel(text, rand);
    text = mangled.text;
    applied.push(mangled.applied);
  }
  let bytes: Buffer = Buffer.from(text, 'utf8');
  if (!typed && rand() < 0.15) {
    const m = mutate(bytes, rand, BYTE_MUTATIONS, 2);
    bytes = m.bytes;
    applied.push(...m.applied);
  }
  return { bytes, applied };
}

/** Lines an import file may hold that a good one does not. */
const CSV_LINES = ['0162', '+33*', '+33162*', '0162000020;reason;extra;cols', '"unbalanced,quote', '"0162000021","quoted"',
  '=HYPERLINK("http://evil.example")', '0162000022,"multi\nline"', 'number,reason', '\ufeffnumber,reason', '', ',', ';;;', '\t0162000023',
  '0162000024\tx', 'é', '\0', 'not a number,x', '0'.repeat(47), `+${'9'.repeat(30)}`, '0162000025,\u202e\u200b', '+33612345678,=1+1',
  `+33612345699,${'x'.repeat(70_000)}`, 'block,number,+33162000026,r,api,1700000000000,', 'allow,prefix,+3*,r,api,0,',
  'block,number,+33162000027,r,api,99999999999999999,1', 'list,kind,entry,reason,source,added_at,expires_at',
  '2025550143,2025-03-02 13:45:01,2025-03-01,Springfield,IL,217,Imposters,Y', '2025550199,2025-02-30,,,,,,'];

/** An import file with lines added, repeated, or its bytes mangled (invalid UTF-8, controls, cut). */
export function mutateCsvBody(body: Buffer, rand: Rand): { bytes: Buffer; applied: string[] } {
  const applied: string[] = [];
  let text = body.toString('latin1');
  for (let n = int(rand, 1, 3); n > 0; n--) {
    const op = pick(rand, ['line', 'line', 'line', 'repeat', 'separator', 'crlf', 'bytes']);
    applied.push(`csv-${op}`);
    const lines = text.split('\n');
    if (op === 'line') {
      lines.splice(int(rand, 0, lines.length), 0, Buffer.from(pick(rand, CSV_LINES), 'utf8').toString('latin1'));
      text = lines.join('\n');
    } else if (op === 'repeat') {
      const line = pick(rand, lines);
      lines.push(...Array.from({ length: pick(rand, [50, 5000]) }, () => line));
      text = lines.join('\n');
    } else if (op === 'separator') text = text.replace(/,/g, pick(rand, [';', '\t', '|', ',,']));
    else if (op === 'crlf') text = text.replace(/\n/g, pick(rand, ['\r\n', '\r', '\n\n']));
    else text = mutate(Buffer.from(text, 'latin1'), rand, BYTE_MUTATIONS, 2).bytes.toString('latin1');
  }
  return { bytes: Buffer.from(text, 'latin1'), applied };
}

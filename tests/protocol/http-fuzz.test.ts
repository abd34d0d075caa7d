/**
 * Mutated HTTP requests against chut's API on real sockets (loopback), each on a connection of its own: the valid
 * requests of every route (reads, list edits, reports, imports in each format, export, metrics, health, the dashboard),
 * their request line, headers, framing and JSON or CSV bodies mutated with a seeded PRNG (tests/helpers/mutate-http.ts,
 * mutate-api-body.ts). Two servers share one store: one with a token (requests sent with it, without it, or with a
 * wrong one), one without (it answers reads from this machine and refuses writes).
 *
 * The store is the real Redis one (a key prefix of this file's, removed after it): a list edit is one atomic script and
 * an import all or nothing there, and a value the routes let through to Redis by mistake would come back as a Redis
 * error, a 5xx. Redis stays healthy throughout, so no answer may be a 5xx at all. The clocks are pinned, so that
 * a number's score, which decays with time, reads the same before and after a request.
 *
 * Checked for every request (tests/helpers/http-answer-checks.ts and runCase below): the server answers it, or closes
 * the connection of a client that shut its side first, never hangs; never a 5xx; every 4xx is the documented JSON
 * `{error, message}` with the security headers; no answer carries a stack trace, the API token or the Redis URL or its
 * password, nor does any log line, and nothing is logged as an error; without the token no data route answers 2xx;
 * and the store (the exported lists, and the facts of every number involved) after any request not answered 2xx, or
 * not authorised to write, is the store before it. After every batch, good requests still work (each import and export
 * slot free again). First, one request of each kind (DIRECTED) gets those checks and the answer it must get; then
 * seeded random batches. A failure names the seed, or the directed case, that replays it.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStore } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createHttpServer, createMetrics, type HttpServer } from '../../src/http/index.js';
import { createLogger } from '../../src/logger.js';
import { normalise } from '../../src/phone/index.js';
import { formatExport } from '../../src/reputation/index.js';
import type { ListRecord, ReputationStore } from '../../src/reputation/types.js';
import { parsePolicy } from '../../src/rules/index.js';
import { createScreeningService } from '../../src/screening/service.js';
import { answerProblems, tokenlessAnswerProblems } from '../helpers/http-answer-checks.js';
import { exchange, type Exchange } from '../helpers/http-exchange.js';
import { mutateCsvBody, mutateJsonBody, type ApiField } from '../helpers/mutate-api-body.js';
import {
  badAuthorization, badContentType, chunkedBody, expectHeader, extraHeaders, garbageAfter, headBytes, headComplete, headerSyntax, hostHeader,
  hugeHeader, lineEnds, mutateTarget, replaceMethod, replaceVersion, serialise, withBody, withHeader, wrongContentLength,
  type HttpRequest, type RequestMutation,
} from '../helpers/mutate-http.js';
import { int, pick } from '../helpers/mutate.js';
import { LIST_POLICY } from '../helpers/policy.js';
import { processFaults } from '../helpers/process-faults.js';
import { prng } from '../helpers/prng.js';
import { useTestRedis } from '../helpers/redis.js';
import { TEST_DEADLINE_MS } from '../helpers/test-deadline.js';

const TOKEN = 'fuzz-token-6f1c2d9e0b7a4c3d';
/** The default user of the test Redis takes any password (`nopass`): one it must never see sent back. */
const REDIS_PASSWORD = 'redis-pass-5a8e13f07c';
/** Short body limits (the defaults are a minute and more): a request whose body never ends is answered 408 quickly. */
const LIMITS = { bodyMs: 300, importStallMs: 300, importMs: 3000 };
/** How long an exchange may take before it counts as a hang (the slowest answer is a 408 after LIMITS.importMs). */
const WAIT_MS = 6000;
const BATCHES = 12;
const PER_BATCH = 50;
const SEED = 0x4f7700;

/** Numbers the valid reports name: their facts (score, reports) are part of the store compared before and after each
 * request, with those of the number a mutated path names; the lists are compared whole, as exported. */
const REPORTED = ['+33612345679', '+33612345680', '+33612345681'];

const redis = useTestRedis();
const faults = processFaults();
const logLines: string[] = [];
let now = 0;
let store: ReputationStore;
let screening: ReturnType<typeof createScreeningService>;
let withToken: HttpServer;
let tokenless: HttpServer;
let redisUrl = '';
let redisPassword = '';
let withTokenExports = 0;
let chutFile = '';

/** The test Redis's URL with a password in it, unless it has one already: a secret to look for in every answer. */
function urlWithPassword(url: string): { url: string; password: string } {
  const u = new URL(url);
  if (u.password) return { url, password: decodeURIComponent(u.password) };
  u.username = 'default';
  u.password = REDIS_PASSWORD;
  return { url: u.toString(), password: REDIS_PASSWORD };
}
/** Store operations started and not yet ended (the screener's included): a request whose client hung up may go on. */
let storeOperations = 0;

/** The store, its operations counted while they run. */
function counted(target: ReputationStore): ReputationStore {
  return new Proxy(target, {
    get(t, name, receiver) {
      const value = Reflect.get(t, name, receiver) as unknown;
      if (typeof value !== 'function' || name === 'exportLists') return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(t, args);
        if (!(result instanceof Promise)) return result;
        storeOperations++;
        return result.finally(() => { storeOperations--; });
      };
    },
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Until the store has been idle twice in a row, a little apart (a route awaits between its store operations). */
async function storeIdle(): Promise<void> {
  for (let idle = 0, waited = 0; idle < 2; waited++) {
    if (waited > 300) throw new Error('the store never went idle');
    await pause(20);
    idle = storeOperations === 0 ? idle + 1 : 0;
  }
}

/** Once a request's client left before its answer, the server may still be working on it (reading an import's file,
 * writing): the store's snapshot once it has stopped changing, the store idle and the same 100 ms later. */
async function settledSnapshot(extra: string | null): Promise<string> {
  let last = '';
  for (let tries = 0; tries < 20; tries++) {
    await storeIdle();
    const now = await storeSnapshot(extra);
    if (now === last) return now;
    last = now;
    await pause(100);
  }
  throw new Error('the store never stopped changing');
}

beforeAll(async () => {
  now = Date.now();
  const clock = () => now;
  ({ url: redisUrl, password: redisPassword } = urlWithPassword(redis.url));
  const config = parseConfig({ store: 'redis', redis: { url: redisUrl, prefix: redis.prefix('http-fuzz') }, http: { port: 0, token: TOKEN }, screening: { deadlineMs: TEST_DEADLINE_MS } });
  const logger = createLogger('debug', new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } }));
  const built = buildStore(config, logger);
  expect(await built.ready).toBe(true);
  store = counted(built.store);
  const metrics = createMetrics();
  screening = createScreeningService({ store, policy: parsePolicy(LIST_POLICY, 'test'), config, logger, observers: [metrics], clock });
  const deps = { screening, store, logger, adapters: [], clock, requestLimits: LIMITS };
  withToken = await createHttpServer({ ...deps, config, metrics });
  withTokenExports = config.http.maxConcurrentExports;
  tokenless = await createHttpServer({ ...deps, config: { ...config, http: { ...config.http, token: null } }, metrics: createMetrics() });
  const records: ListRecord[] = [
    { list: 'block', entry: { kind: 'number', e164: '+33162000026' }, reason: 'restored', source: 'api', addedAt: now - 1000, expiresAt: null },
    { list: 'allow', entry: { kind: 'prefix', prefix: '+3361234569' }, reason: 'famille, "proche"', source: 'cli', addedAt: now - 1000, expiresAt: now + 86_400_000 },
  ];
  for await (const line of formatExport(records)) chutFile += line;
});

afterAll(async () => {
  await withToken?.close();
  await tokenless?.close();
  await screening?.stop(1000);
  await store?.close();
});

// ---- the valid requests, one per route and body format ----------------------------------------------------------------

type Credential = 'token' | 'none' | 'wrong';
interface Template {
  name: string;
  method: string;
  target: string;
  body?: { type: string; text: string | Buffer; kind: 'json' | 'csv'; fields?: readonly ApiField[] };
}

const LIST_FIELDS: readonly ApiField[] = ['reason', 'expires', 'force'];

const TEMPLATES: readonly Template[] = [
  { name: 'stats', method: 'GET', target: '/api/stats?since=24h' },
  { name: 'calls', method: 'GET', target: '/api/calls?limit=5&action=reject' },
  { name: 'number', method: 'GET', target: '/api/numbers/0612345678?dialled=0100000000&name=Bob' },
  { name: 'export', method: 'GET', target: '/api/export' },
  { name: 'metrics', method: 'GET', target: '/metrics' },
  { name: 'healthz', method: 'GET', target: '/healthz' },
  { name: 'dashboard', method: 'GET', target: '/' },
  { name: 'block', method: 'PUT', target: '/api/lists/block/0162000001', body: json({ reason: 'NPV', expires: '30d' }, LIST_FIELDS) },
  { name: 'allow', method: 'PUT', target: '/api/lists/allow/%2B33612345678', body: json({ reason: 'Maman', expires: '2099-01-01T00:00:00Z', force: false }, LIST_FIELDS) },
  { name: 'block-prefix', method: 'PUT', target: '/api/lists/block/0162*', body: json({ reason: 'prefix' }, LIST_FIELDS) },
  { name: 'block-broad', method: 'PUT', target: '/api/lists/block/%2B331*', body: json({ force: true, reason: 'whole region' }, LIST_FIELDS) },
  { name: 'unlist', method: 'DELETE', target: '/api/lists/block/0162000001' },
  { name: 'unlist-body', method: 'DELETE', target: '/api/lists/allow/%2B33612345678', body: json({}) },
  { name: 'report-spam', method: 'POST', target: '/api/reports/0612345679', body: json({ kind: 'spam' }, ['kind']) },
  { name: 'report-allow', method: 'POST', target: '/api/reports/%2B33612345680', body: json({ kind: 'allow' }, ['kind']) },
  { name: 'report-default', method: 'POST', target: '/api/reports/0612345681', body: json({}, ['kind']) },
  { name: 'import-csv', method: 'POST', target: '/api/import?format=csv&list=block', body: csv('text/csv', 'number,reason\n0162000010,robot\n+33162000011,"NPV, again"\n') },
  { name: 'import-latin1', method: 'POST', target: '/api/import?list=allow&onInvalid=skip', body: csv('text/csv; charset=iso-8859-1', Buffer.from('0612345690;Andr\xe9\n', 'latin1')) },
  { name: 'import-ftc', method: 'POST', target: '/api/import?format=ftc&list=block', body: csv('text/csv', 'Company_Phone_Number,Created_Date,Violation_Date,Consumer_City,Consumer_State,Consumer_Area_Code,Subject,Recorded_Message_Or_Robocall\n2025550143,2025-03-02 13:45:01,2025-03-01,Springfield,IL,217,Imposters,Y\n') },
  { name: 'import-chut', method: 'POST', target: '/api/import?format=chut', body: { type: 'text/csv', text: '', kind: 'csv' } },
];

/** `fields`: those the route takes (a DELETE takes none). */
/** The templates as drawn: the routes that change something twice as often as the others. */
const WEIGHTED: readonly Template[] = TEMPLATES.flatMap((t) => (t.method === 'GET' ? [t] : [t, t]));

function json(value: unknown, fields: readonly ApiField[] = []): Template['body'] {
  return { type: 'application/json', text: JSON.stringify(value), kind: 'json', fields };
}

function csv(type: string, text: string | Buffer): Template['body'] {
  return { type, text, kind: 'csv' };
}

function build(t: Template, server: HttpServer, credential: Credential): HttpRequest {
  const headers: Array<[string, string]> = [['Host', new URL(server.url).host]];
  if (credential === 'token') headers.push(['Authorization', `Bearer ${TOKEN}`]);
  if (credential === 'wrong') headers.push(['Authorization', 'Bearer not-the-token-0000000000']);
  const req: HttpRequest = { method: t.method, target: t.target, version: 'HTTP/1.1', headers, body: Buffer.alloc(0) };
  if (!t.body) return req;
  const body = t.name === 'import-chut' ? chutFile : t.body.text;
  return withBody(withHeader(req, 'Content-Type', t.body.type), Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));
}

const GOOD_STATS = (host: string): Buffer => Buffer.from(`GET /api/stats HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`, 'latin1');

function protocolMutations(host: string): RequestMutation[] {
  return [replaceMethod, mutateTarget, mutateTarget, mutateTarget, replaceVersion, wrongContentLength, wrongContentLength, chunkedBody,
    chunkedBody, hugeHeader, badAuthorization(TOKEN), badAuthorization(TOKEN), badContentType, badContentType, expectHeader, hostHeader,
    extraHeaders, headerSyntax, lineEnds, headBytes, headBytes, garbageAfter(GOOD_STATS(host))];
}

interface Case {
  /** What replays it: `seed 0x…`, or a directed case's name. */
  label: string;
  server: 'token' | 'tokenless';
  template: Template;
  applied: string[];
  bytes: Buffer;
  method: string;
  halfClose: boolean;
}

/** One case: a valid request of a random route, its body mutated or not, then protocol mutations (none, mostly, for a
 * mutated body; one or two otherwise). */
function fuzzCase(seed: number): Case {
  const rand = prng(seed);
  const onTokenless = rand() < 0.15;
  const server = onTokenless ? tokenless : withToken;
  const credential: Credential = onTokenless ? 'none' : pick(rand, ['token', 'token', 'token', 'token', 'token', 'token', 'none', 'wrong']);
  const template = pick(rand, WEIGHTED);
  let req = build(template, server, credential);
  const applied = [template.name, credential];
  const mutatesBody = rand() < (template.body ? 0.7 : 0.3);
  if (mutatesBody) {
    if (template.body?.kind === 'json') {
      const m = mutateJsonBody(template.body.text as string, template.body.fields ?? [], rand);
      req = withBody(req, m.bytes);
      applied.push(...m.applied);
    } else if (template.body?.kind === 'csv') {
      const m = mutateCsvBody(req.body, rand);
      req = withBody(req, m.bytes);
      applied.push(...m.applied);
    } else {
      req = withBody(withHeader(req, 'Content-Type', 'application/json'), Buffer.from('{"list":"block"}'));
      applied.push('body-on-a-bodiless-route');
    }
  }
  const mutations = protocolMutations(new URL(server.url).host);
  // a mutated body is mostly sent as it is, for the route to read it
  for (let n = mutatesBody ? (rand() < 0.6 ? 0 : int(rand, 1, 2)) : int(rand, 1, 2); n > 0; n--) {
    const m = pick(rand, mutations);
    req = m.apply(req, rand);
    applied.push(m.name);
  }
  const bytes = serialise(req);
  // Without a blank line ending the head the server can only wait: say we are done, as a client that gives up does.
  // Now and then a whole request too: Node then takes the client as gone, and the request may or may not be answered.
  const halfClose = !headComplete(bytes) || rand() < 0.06;
  return { label: `seed 0x${seed.toString(16)}`, server: onTokenless ? 'tokenless' : 'token', template, applied, bytes, method: req.method, halfClose };
}

// ---- one case: its exchange, and what must hold around it ----------------------------------------------------------

const WRITE_METHODS = new Set(['PUT', 'POST', 'DELETE']);

/** The number a request's path names, normalised (its facts join the store's snapshot), or null. */
function numberInPath(c: Case): string | null {
  const line = c.bytes.subarray(0, Math.max(0, c.bytes.indexOf('\n'))).toString('latin1');
  const path = (line.split(' ')[1] ?? '').split('?')[0] ?? '';
  let last = path.slice(path.lastIndexOf('/') + 1);
  try {
    last = decodeURIComponent(last);
  } catch {
    // sent undecodable: the router refuses it as it is
  }
  const caller = normalise(last, '', { defaultCountry: 'FR' });
  return caller.number.kind === 'valid' ? caller.number.e164 : null;
}

/** What a user would notice of the store: the lists as exported, and the facts of the numbers in play. */
async function storeSnapshot(extra: string | null): Promise<string> {
  let lists = '';
  for await (const line of formatExport(store.exportLists())) lists += line;
  const facts = await Promise.all([...new Set([...REPORTED, ...(extra ? [extra] : [])])].map(async (n) => {
    const { facts: f } = await screening.explain(n);
    return [n, f && { listed: f.listed, score: f.score, reports: f.reports, trustedUntil: f.trustedUntil, captcha: f.captcha }];
  }));
  return JSON.stringify({ lists, facts });
}

function describeCase(c: Case, ex: Exchange | null): string {
  const sent = c.bytes.toString('latin1');
  const shown = sent.length > 600 ? `${sent.slice(0, 600)}… (${sent.length} bytes)` : sent;
  return `${c.label} [${c.applied.join(', ')}] on the ${c.server} server, ${c.halfClose ? 'half-closed' : 'kept open'}\n` +
    `sent: ${JSON.stringify(shown)}\n` + (ex ? `received (${ex.ended}): ${JSON.stringify(ex.text.slice(0, 600))}` : '');
}

/** Problems grouped by what went wrong (the first line, numbers left out), with the first case of each and a count. */
function byKind(problems: string[]): Record<string, string> {
  const groups: Record<string, { first: string; count: number }> = {};
  for (const p of problems) {
    const kind = (p.split('\n')[0] ?? '').replace(/\d+/g, 'N').slice(0, 80);
    const g = (groups[kind] ??= { first: p, count: 0 });
    g.count++;
  }
  return Object.fromEntries(Object.entries(groups).map(([kind, g]) => [kind, `${g.count}×, first: ${g.first.slice(0, 1500)}`]));
}

async function runCase(c: Case, seen: Map<number, number>, expected: (ex: Exchange) => string[] = () => []): Promise<string[]> {
  const inPath = numberInPath(c);
  const before = await storeSnapshot(inPath);
  const logsBefore = logLines.length;
  const url = c.server === 'token' ? withToken.url : tokenless.url;
  const ex = await exchange(url, c.bytes, { halfClose: c.halfClose, method: c.method, waitMs: WAIT_MS });
  const problems = expected(ex);
  if (ex.ended === 'timeout') problems.push(`no end within ${WAIT_MS} ms`);
  if (ex.answers.length === 0 && !c.halfClose) problems.push('closed without an answer');
  // the token in the request line or the body (a mutation may move it there): an answer quoting what was sent may hold it
  const tokenSentElsewhere = c.bytes.toString('latin1').replace(/^Authorization:.*$/gim, '').includes(TOKEN);
  const secrets: Array<[string, string]> = [['the Redis URL', redisUrl], ['the Redis password', redisPassword]];
  if (!tokenSentElsewhere) secrets.push(['the API token', TOKEN]);
  for (const a of ex.answers) {
    seen.set(a.status, (seen.get(a.status) ?? 0) + 1);
    problems.push(...answerProblems(a, c.method, secrets));
    if (c.server === 'token' && !c.bytes.includes(TOKEN)) problems.push(...tokenlessAnswerProblems(a, c.method));
  }
  // a write may be applied when it was answered 2xx, or when its client hung up before any answer (whole or not at all)
  const mayApply = c.server === 'token' && c.bytes.includes(TOKEN) && WRITE_METHODS.has(c.method) &&
    (ex.answers.some((a) => a.status >= 200 && a.status < 300) || (c.halfClose && ex.answers.length === 0));
  // a request whose head was whole, its client gone first, may still be at work: its effects are awaited (the next
  // case's snapshot must not catch them); a head never whole ran no route
  const after = c.halfClose && headComplete(c.bytes) ? await settledSnapshot(inPath) : await storeSnapshot(inPath);
  if (!mayApply && after !== before) problems.push('the store changed, though the request was refused or not authorised');
  for (const line of logLines.slice(logsBefore)) {
    if (!tokenSentElsewhere && line.includes(TOKEN)) problems.push(`a log line holds the token: ${line.slice(0, 300)}`);
    if (line.includes(redisPassword)) problems.push(`a log line holds the Redis password: ${line.slice(0, 300)}`);
    if (/"level":(?:50|60)/.test(line)) problems.push(`an error logged: ${line.slice(0, 300)}`);
  }
  return problems.map((p) => `${p}\n  ${describeCase(c, ex)}`);
}

// ---- good requests, after each batch --------------------------------------------------------------------------------

async function api(path: string, init: RequestInit = {}, server = withToken): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...init.headers } });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // CSV, metrics
  }
  return { status: res.status, body, text };
}

async function goodRequestsWork(batch: number): Promise<void> {
  const where = `after batch ${batch}`;
  const number = `+3361299${String(batch).padStart(4, '0')}`;
  const enc = encodeURIComponent(number);
  const put = await api(`/api/lists/block/${enc}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'good', expires: '7d' }) });
  expect(put.status, `${where}: ${put.text}`).toBe(200);
  const explained = await api(`/api/numbers/${enc}`);
  expect(explained.body, where).toMatchObject({ facts: { listed: { list: 'block', entry: number } } });
  const report = await api(`/api/reports/${enc}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"kind":"spam"}' });
  expect(report.status, `${where}: ${report.text}`).toBe(200);
  expect((await api(`/api/lists/block/${enc}`, { method: 'DELETE' })).status, where).toBe(200);
  // the one import slot (http.maxConcurrentImports): one a refused import kept would make this a 429
  const imported = await api('/api/import?format=csv&list=allow', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `${number},good import\n` });
  expect(imported.status, `${where}: ${imported.text}`).toBe(200);
  expect(imported.body, where).toMatchObject({ imported: 1 });
  // as many exports at once as http.maxConcurrentExports allows: a slot a refused request kept would make one a 429
  const exports = await Promise.all(Array.from({ length: withTokenExports }, () => api('/api/export')));
  expect(exports.map((e) => e.status), where).toEqual(exports.map(() => 200));
  expect(exports[0]?.text, where).toContain(`allow,number,${number},good import,`);
  expect((await api(`/api/lists/allow/${enc}`, { method: 'DELETE' })).status, where).toBe(200);
  expect((await api('/api/stats?since=24h')).status, where).toBe(200);
  expect((await api('/healthz')).status, where).toBe(200);
  // the token-less server: reads from this machine, writes refused
  expect((await api('/api/stats', {}, tokenless)).status, where).toBe(200);
  expect((await api(`/api/lists/block/${enc}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' }, tokenless)).status, where).toBe(403);
}

// ---- one request of each kind, with the answer it must get ------------------------------------------------------------

interface Directed {
  name: string;
  template: string;
  edit?: (req: HttpRequest) => HttpRequest;
  credential?: Credential;
  tokenless?: true;
  status: number;
  error?: string;
}

const chunked = (size: (n: number) => string, last = '0\r\n\r\n') => (req: HttpRequest): HttpRequest =>
  withHeader(withHeader({ ...req, body: Buffer.from(`${size(req.body.length)}\r\n${req.body.toString('latin1')}\r\n${last}`, 'latin1') },
    'Content-Length', null), 'Transfer-Encoding', 'chunked');
const target = (t: string) => (req: HttpRequest): HttpRequest => ({ ...req, target: t });
const jsonBody = (text: string) => (req: HttpRequest): HttpRequest => withBody(req, Buffer.from(text, 'utf8'));
const csvBody = (bytes: Buffer, type = 'text/csv') => (req: HttpRequest): HttpRequest => withHeader(withBody(req, bytes), 'Content-Type', type);
const addHeader = (name: string, value: string) => (req: HttpRequest): HttpRequest => ({ ...req, headers: [...req.headers, [name, value]] });

/** What the random batches may or may not draw, drawn every time: each of the request's parts this file mutates. */
const DIRECTED: readonly Directed[] = [
  { name: 'Content-Length twice, two values', template: 'block', edit: addHeader('Content-Length', '3'), status: 400 },
  { name: 'Content-Length twice, the same value', template: 'block', edit: (r) => addHeader('Content-Length', String(r.body.length))(r), status: 400 },
  { name: 'Content-Length not a number', template: 'block', edit: (r) => withHeader(r, 'Content-Length', '0x10'), status: 400 },
  { name: 'a body shorter than its Content-Length', template: 'block', edit: (r) => withHeader(r, 'Content-Length', String(r.body.length + 10)), status: 408 },
  { name: 'chunked, a chunk size that is no hex', template: 'block', edit: chunked(() => 'zz'), status: 400 },
  { name: 'chunked, a negative chunk size', template: 'report-spam', edit: chunked(() => '-1'), status: 400 },
  { name: 'chunked, a chunk size past 64 bits', template: 'block', edit: chunked(() => 'ffffffffffffffffff'), status: 400 },
  { name: 'chunked, a chunk size past its data', template: 'block', edit: chunked((n) => (n + 5).toString(16)), status: 408 },
  { name: 'chunked, no last chunk', template: 'import-csv', edit: chunked((n) => n.toString(16), ''), status: 408 },
  { name: 'chunked, a 20 KB chunk extension', template: 'block', edit: chunked((n) => `${n.toString(16)};x=${'a'.repeat(20_000)}`), status: 413 },
  { name: 'chunked and a Content-Length', template: 'block', edit: (r) => addHeader('Content-Length', '5')(chunked((n) => n.toString(16))(r)), status: 400 },
  { name: 'a list edit declared over 64 KiB', template: 'block', edit: (r) => withHeader(r, 'Content-Length', '70000'), status: 413, error: 'too-large' },
  { name: 'an import declared over 20 MiB', template: 'import-csv', edit: (r) => withHeader(r, 'Content-Length', String(21 * 1024 * 1024)), status: 413 },
  { name: 'a path parameter of 129 characters', template: 'block', edit: target(`/api/lists/block/${'6'.repeat(129)}`), status: 414, error: 'too-large' },
  { name: 'headers over 16 KiB', template: 'stats', edit: addHeader('X-Pad', 'a'.repeat(17_000)), status: 431, error: 'too-large' },
  { name: '2,500 headers', template: 'stats', edit: (r) => ({ ...r, headers: [...r.headers, ...Array.from({ length: 2500 }, (_, i): [string, string] => [`X-${i}`, '1'])] }), status: 431 },
  { name: 'an expectation other than 100-continue', template: 'block', edit: addHeader('Expect', 'bogus'), status: 417, error: 'expectation-failed' },
  { name: 'Expect: 100-continue with a wrong token', template: 'import-csv', credential: 'wrong', edit: addHeader('Expect', '100-continue'), status: 401 },
  { name: 'HTTP/1.1 without Host', template: 'block', edit: (r) => withHeader(r, 'Host', null), status: 400, error: 'bad-request' },
  { name: 'a NUL in the path', template: 'number', edit: target('/api/numbers/06\u000012345678'), status: 400 },
  { name: 'a %-escaped NUL in an entry', template: 'block', edit: target('/api/lists/block/06%0012345678'), status: 400, error: 'bad-request' },
  { name: 'a broken %-escape', template: 'block', edit: target('/api/lists/block/06%ZZ'), status: 400, error: 'bad-request' },
  { name: 'overlong UTF-8 for a slash', template: 'unlist', edit: target('/api/lists/block/%C0%AF..%C0%AFetc'), status: 400 },
  { name: 'dot segments as the entry', template: 'unlist', edit: target('/api/lists/block/%2e%2e'), status: 400 },
  { name: 'dot segments out of the API', template: 'export', edit: target('/api/../api/export'), status: 404 },
  { name: 'a method no route takes', template: 'block', edit: (r) => ({ ...r, method: 'PUTT' }), status: 400 },
  { name: 'a method the route does not take', template: 'stats', edit: (r) => ({ ...r, method: 'DELETE' }), status: 405, error: 'method-not-allowed' },
  { name: 'no token', template: 'block', credential: 'none', status: 401, error: 'unauthorized' },
  { name: 'a wrong token', template: 'import-csv', credential: 'wrong', status: 401, error: 'unauthorized' },
  { name: 'the token as Basic credentials', template: 'unlist', edit: (r) => withHeader(r, 'Authorization', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`), status: 401 },
  { name: 'the token and one character more', template: 'report-spam', edit: (r) => withHeader(r, 'Authorization', `Bearer ${TOKEN}x`), status: 401 },
  { name: 'the token twice', template: 'block', edit: (r) => withHeader(r, 'Authorization', `Bearer ${TOKEN} ${TOKEN}`), status: 401 },
  { name: '__proto__ in a JSON body', template: 'block-broad', edit: (r) => jsonBody('{"__proto__":{"force":true}}')(target('/api/lists/block/%2B33*')(r)), status: 400 },
  { name: 'constructor.prototype in a JSON body', template: 'block-broad', edit: (r) => jsonBody('{"constructor":{"prototype":{"force":true}}}')(target('/api/lists/block/%2B33*')(r)), status: 400 },
  { name: 'a boolean sent as text', template: 'block-broad', edit: jsonBody('{"force":"true"}'), status: 400, error: 'bad-request' },
  { name: 'a report of another kind', template: 'report-spam', edit: jsonBody('{"kind":"block"}'), status: 400 },
  { name: 'JSON cut short', template: 'allow', edit: jsonBody('{"reason":"Ma'), status: 400 },
  { name: 'JSON nested 30,000 deep', template: 'allow', edit: jsonBody(`{"reason":${'['.repeat(30_000)}${']'.repeat(30_000)}}`), status: 400 },
  { name: 'a list edit sent as text/csv', template: 'block', edit: (r) => withHeader(r, 'Content-Type', 'text/csv'), status: 415 },
  { name: 'an import sent as text/plain', template: 'import-csv', edit: (r) => withHeader(r, 'Content-Type', 'text/plain'), status: 415, error: 'unsupported-media-type' },
  { name: 'an import in UTF-16', template: 'import-csv', edit: (r) => withHeader(r, 'Content-Type', 'text/csv; charset=utf-16le'), status: 415 },
  { name: 'an import with a line that is no number', template: 'import-csv', edit: csvBody(Buffer.from('0162000012,ok\nnot a number,x\n')), status: 400 },
  { name: 'an import that is not UTF-8', template: 'import-csv', edit: csvBody(Buffer.from('0162000013,Andr\xe9\n', 'latin1')), status: 400 },
  { name: 'an import of a whole country without force', template: 'import-csv', edit: csvBody(Buffer.from('+33*,everyone\n')), status: 400 },
  { name: 'a calls page asked twice for its limit', template: 'calls', edit: target('/api/calls?limit=1&limit=2'), status: 400 },
  { name: 'a report asked with a query parameter', template: 'report-spam', edit: target('/api/reports/0612345679?kind=allow'), status: 400 },
  { name: 'a write without a token configured', template: 'block', tokenless: true, status: 403, error: 'writes-disabled' },
  { name: 'a read addressed to another host, no token configured', template: 'stats', tokenless: true, edit: (r) => withHeader(r, 'Host', 'evil.example'), status: 403, error: 'forbidden-host' },
];

function directedCase(d: Directed): Case {
  const template = TEMPLATES.find((t) => t.name === d.template);
  if (!template) throw new Error(`no template ${d.template}`);
  const server = d.tokenless ? tokenless : withToken;
  const req = (d.edit ?? ((r) => r))(build(template, server, d.tokenless ? 'none' : d.credential ?? 'token'));
  const bytes = serialise(req);
  return { label: d.name, server: d.tokenless ? 'tokenless' : 'token', template, applied: [template.name], bytes, method: req.method, halfClose: false };
}

describe('HTTP API: mutated requests on real sockets', () => {
  it('one request of each kind: the answer it must get, and every check the random ones get', { timeout: 60_000 }, async () => {
    const problems: string[] = [];
    for (const d of DIRECTED) {
      const c = directedCase(d);
      problems.push(...(await runCase(c, new Map(), (ex) => {
        const first = ex.answers[0];
        if (first?.status !== d.status) return [`answered ${first?.status ?? 'nothing'}, not ${d.status}`];
        if (d.error && c.method !== 'HEAD' && (JSON.parse(first.body) as { error?: string }).error !== d.error) return [`error ${first.body}, not ${d.error}`];
        if (d.credential === 'wrong' && ex.text.includes('100 Continue')) return ['asked for the body of a request it refuses'];
        return [];
      })));
    }
    expect(byKind(problems), `${problems.length} problems`).toEqual({});
    await goodRequestsWork(BATCHES); // a number of its own, past the batches' numbers
  });

  it(`${BATCHES} batches of ${PER_BATCH}: no crash, no 5xx, documented errors, no leak, nothing applied by a refused request, good requests still work`, { timeout: 120_000 }, async () => {
    const seen = new Map<number, number>();
    const problems: string[] = [];
    for (let batch = 0; batch < BATCHES; batch++) {
      for (let i = 0; i < PER_BATCH; i++) problems.push(...(await runCase(fuzzCase(SEED + batch * PER_BATCH + i), seen)));
      await goodRequestsWork(batch);
    }
    expect(byKind(problems), `${problems.length} problems`).toEqual({});
    expect(faults).toEqual([]);
    // the server runs in this process: a `__proto__` or `constructor.prototype` body let through would show here
    expect(Object.keys(Object.prototype)).toEqual([]);
    // the mutations reach many paths (a harness fault that made every request the same 400 would not)
    expect([...seen.keys()].length, JSON.stringify([...seen])).toBeGreaterThanOrEqual(8);
  });
});

/**
 * The HTTP API against the real Redis: a chut started through startChut (HTTP on port 0, with a token),
 * calls seeded through the real screener, every route's happy path and bad input.
 */
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChut, type RunningChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createHttpServer, type HttpServer } from '../../src/http/index.js';
import { createLogger, silentLogger } from '../../src/logger.js';
import { createMemoryStore, createRedisStore } from '../../src/reputation/index.js';
import type { ReputationStore } from '../../src/reputation/types.js';
import { parsePolicy } from '../../src/rules/index.js';
import { createAriSimulator } from '../../src/sim/ari/index.js';
import type { InboundCall, PbxAdapter } from '../../src/screening/types.js';
import { FakeControl, type ScriptStep } from '../helpers/fake-control.js';
import { untilHealthy } from '../helpers/healthy.js';
import { LIST_POLICY } from '../helpers/policy.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { TEST_DEADLINE_MS } from '../helpers/test-deadline.js';

const TOKEN = 'test-token-0123456789abcdef';
const POLICY = LIST_POLICY;

const BLOCKED = '+33162000001';
const FRIEND = '+33612345678';
let redisUrl: string;
const prefix = uniquePrefix('http');
let chut: RunningChut;
let base: string;
let seq = 0;

function call(callerNumber: string, callerName = 'Caller'): InboundCall {
  return { pbx: 'asterisk-ari', callId: `http-${++seq}`, callerNumber, callerName, dialled: '+33100000000', receivedAt: Date.now() };
}

async function place(number: string, script: ScriptStep[] = []): Promise<string> {
  const result = await chut.screening.handleCall(call(number), new FakeControl(script));
  return result.finalRoute;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies: the assertions check their shape
type Json = any;

async function api(path: string, init: RequestInit & { token?: string | null } = {}): Promise<{ status: number; body: Json; text: string; headers: Headers }> {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  const res = await fetch(`${base}${path}`, { ...init, headers });
  const text = await res.text();
  let body: Json;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, body, text, headers: res.headers };
}

const json = (value: unknown): RequestInit => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
const csv = (lines: string[]): RequestInit => ({ method: 'POST', headers: { 'content-type': 'text/csv' }, body: lines.join('\n') + '\n' });

beforeAll(async () => {
  redisUrl = await testRedisUrl();
  const config = parseConfig({ store: 'redis', redis: { url: redisUrl, prefix }, http: { enabled: true, port: 0, token: TOKEN }, screening: { deadlineMs: TEST_DEADLINE_MS } });
  chut = await startChut({ config, policy: parsePolicy(POLICY, 'test'), logger: silentLogger(), http: true });
  base = chut.httpUrl as string;
  await untilHealthy(base);
  // Seed: the blocked number calls twice, a friend once, a withheld caller passes the captcha once.
  const put = await api(`/api/lists/block/${encodeURIComponent(BLOCKED)}`, { method: 'PUT', ...json({ reason: 'seed' }) });
  expect(put.status).toBe(200);
  expect(await place(BLOCKED)).toBe('reject');
  expect(await place(BLOCKED)).toBe('reject');
  expect(await place(FRIEND)).toBe('ring');
  expect(await place('anonymous', ['echo'])).toBe('ring');
});

afterAll(async () => {
  await chut?.stop();
  await removeKeys(redisUrl, prefix);
});

describe('authentication', () => {
  it('refuses API routes without a token or with a wrong one, with a JSON error', async () => {
    const none = await api('/api/stats', { token: null });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: 'unauthorized' });
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await api('/api/stats', { token: 'not-the-token-at-all-xx' });
    expect(wrong.status).toBe(401);
    expect((await api('/metrics', { token: null })).status).toBe(401);
    expect((await api(`/api/lists/block/${FRIEND}`, { method: 'PUT', token: null, ...json({}) })).status).toBe(401);
  });

  it('leaves /healthz and the dashboard files open, with a CSP', async () => {
    const health = await api('/healthz', { token: null });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', store: { ready: true }, adapters: [] });
    const page = await api('/', { token: null });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<canvas id="chart-today"');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const chartJs = await api('/vendor/chart.umd.js', { token: null });
    expect(chartJs.status).toBe(200);
    expect(chartJs.text.length).toBeGreaterThan(100_000);
  });
});

describe('hardening headers', () => {
  it('deny the browser features the page never uses, and cross-origin openers and embedders, on every kind of answer', async () => {
    const answers = {
      page: await api('/', { token: null }),
      script: await api('/app.js', { token: null }),
      health: await api('/healthz', { token: null }),
      stats: await api('/api/stats'),
      unauthorized: await api('/api/stats', { token: null }),
      notFound: await api('/api/nothing-here'),
      badUrl: await api('/api/numbers/%ZZ'),
    };
    for (const [what, res] of Object.entries(answers)) {
      const policy = res.headers.get('permissions-policy') ?? '';
      for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb']) {
        expect(policy.split(', '), `${what}: ${feature}`).toContain(`${feature}=()`);
      }
      expect(res.headers.get('cross-origin-opener-policy'), what).toBe('same-origin');
      expect(res.headers.get('cross-origin-resource-policy'), what).toBe('same-origin');
    }
    expect(answers.page.status).toBe(200);
    expect(answers.stats.status).toBe(200);
  });
});

describe('stats and calls', () => {
  it('counts the seeded calls by route and rule', async () => {
    const { status, body } = await api('/api/stats?since=24h');
    expect(status).toBe(200);
    expect(body.total).toBe(4);
    expect(body.byRoute).toMatchObject({ reject: 2, ring: 2 });
    expect(body.byRule).toMatchObject({ blocklisted: 2, withheld: 1, default: 1 });
    expect(body.captcha.passed).toBe(1);
    expect(body.topCallers.reject[0]).toEqual({ caller: BLOCKED, calls: 2 });
  });

  it('pages the call records, newest first, and filters by action', async () => {
    const first = await api('/api/calls?limit=3');
    expect(first.status).toBe(200);
    expect(first.body.calls).toHaveLength(3);
    expect(first.body.next).not.toBeNull();
    const second = await api(`/api/calls?limit=3&before=${first.body.next}`);
    expect(second.body.calls).toHaveLength(1);
    const all = [...first.body.calls, ...second.body.calls];
    expect(new Set(all.map((c: { callId: string }) => c.callId)).size).toBe(4);
    expect(all.map((c: { time: number }) => c.time)).toEqual([...all.map((c: { time: number }) => c.time)].sort((a, b) => b - a));
    const rejects = await api('/api/calls?action=reject&since=1h');
    expect(rejects.body.calls.map((c: { caller: string }) => c.caller)).toEqual([BLOCKED, BLOCKED]);
  });

  it('refuses an action filter that is no action, naming the four, instead of an empty page that says nothing is left', async () => {
    // `rejected`, `blocked` or a route (`hung-up`) matched no record: {calls: [], next: null}, read as "no such call"
    for (const action of ['rejected', 'hung-up']) {
      const { status, body } = await api(`/api/calls?action=${action}`);
      expect([status, body.error]).toEqual([400, 'bad-request']);
      expect(body.message).toBe('querystring/action must be one of: ring, captcha, voicemail, reject');
    }
    // every enumerated value says its choices, in a body or a query string
    expect((await api('/api/import?format=xls', csv(['+33170000031']))).body.message).toBe('querystring/format must be one of: auto, csv, ftc, chut');
    expect((await api(`/api/reports/${FRIEND}`, { method: 'POST', ...json({ kind: 'bad' }) })).body.message).toBe('body/kind must be one of: spam, allow');
  });

  it('takes a since a little after the server\'s time (a client clock ahead, just past its midnight): an empty period, not a 400', async () => {
    // the next UTC hour (at most an hour away) has not begun on the server: nothing to count in it yet
    const nextHour = Math.floor(Date.now() / 3_600_000) * 3_600_000 + 3_600_000;
    const stats = await api(`/api/stats?since=${encodeURIComponent(new Date(nextHour).toISOString())}`);
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ total: 0, byRoute: {}, byHour: {}, topCallers: {}, since: nextHour });
    const soon = new Date(Date.now() + 90_000).toISOString();
    const calls = await api(`/api/calls?since=${encodeURIComponent(soon)}`);
    expect(calls.status).toBe(200);
    expect(calls.body).toEqual({ calls: [], next: null });
    // more than an hour ahead is a mistake, and the answer gives the server's time
    const far = await api(`/api/stats?since=${encodeURIComponent(new Date(Date.now() + 2 * 3_600_000).toISOString())}`);
    expect(far.status).toBe(400);
    expect(far.body.message).toMatch(/is more than an hour after the server's time \(\d{4}-\d\d-\d\dT[\d:.]+Z\)/);
  });

  it.each([
    '/api/stats?since=yesterday',
    '/api/stats?since=2999-01-01',
    '/api/calls?limit=0',
    '/api/calls?limit=many',
    '/api/calls?before=not-an-id',
    // longer than a stream id can be: refused at the edge, not passed to Redis (a 503 would set off store alerts)
    '/api/calls?before=99999999999999999999-99999999999999999999',
    '/api/calls?action=%3Cscript%3E',
  ])('answers 400 with a JSON error for %s', async (path) => {
    const { status, body } = await api(path);
    expect(status).toBe(400);
    expect(body.error).toBe('bad-request');
    expect(typeof body.message).toBe('string');
  });
});

describe('numbers', () => {
  it('explains a number the way chut lookup does', async () => {
    const { status, body } = await api(`/api/numbers/${encodeURIComponent('01 62 00 00 01')}`);
    expect(status).toBe(200);
    expect(body.decision).toMatchObject({ action: 'reject', rule: 'blocklisted' });
    expect(body.listEntries).toEqual([expect.objectContaining({ list: 'block', reason: 'seed', source: 'api' })]);
    expect(body.facts.lastSeen).toBeGreaterThan(0);
  });

  it('answers 400 on an unparseable number', async () => {
    const { status, body } = await api('/api/numbers/hello%20world');
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'bad-request' });
    expect(body.message).toMatch(/not a valid phone number/);
  });

  // The dashboard's Explain: parameters with no number were explained as a withheld caller
  it('answers 400 no-digits on text with no number in it, not a withheld caller', async () => {
    const { status, body } = await api(`/api/numbers/${encodeURIComponent('?x=1')}`);
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'bad-request', message: '"?x=1" is not a valid phone number (no-digits)' });
  });
});

describe('refusals quote what was sent, invisible characters shown', () => {
  it.each([
    ['a zero-width space', '+33612345678\u200b', '"+33612345678\\u200b"'],
    ['a right-to-left override', '+33612\u202e345678', '"+33612\\u202e345678"'],
    ['a first-strong isolate', '\u2068+33612345678', '"\\u2068+33612345678"'],
  ])('a number with %s: the 400 message escapes it, on every route that takes a number', async (_what, number, shown) => {
    const path = encodeURIComponent(number);
    const lookup = await api(`/api/numbers/${path}`);
    const report = await api(`/api/reports/${path}`, { method: 'POST' });
    const block = await api(`/api/lists/block/${path}`, { method: 'PUT', ...json({}) });
    for (const res of [lookup, report, block]) {
      expect([res.status, res.body.error]).toEqual([400, 'bad-request']);
      expect(res.body.message).toContain(shown);
      expect(res.body.message).not.toMatch(/[\u200b\u202e\u2068]/);
    }
    expect(lookup.body.message).toBe(`${shown} is not a valid phone number (bad-characters)`);
  });
});

describe('lists', () => {
  const TARGET = '+33699000001';

  it('blocks a number with a reason and an expiry; the next call is rejected; unblocking lets it ring', async () => {
    const put = await api(`/api/lists/block/${encodeURIComponent('06 99 00 00 01')}`, { method: 'PUT', ...json({ reason: 'pushy', expires: '30d' }) });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ list: 'block', entry: TARGET, record: { reason: 'pushy', source: 'api' } });
    expect(put.body.record.expiresAt).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect((await chut.screening.screen(call(TARGET))).action).toBe('reject');
    // a DELETE takes no body fields: one that sends some is refused, and nothing is removed
    const withBody = await api(`/api/lists/block/${encodeURIComponent(TARGET)}`, { method: 'DELETE', ...json({ list: 'allow' }) });
    expect([withBody.status, withBody.body.error]).toEqual([400, 'bad-request']);
    expect((await chut.screening.screen(call(TARGET))).action).toBe('reject');
    const del = await api(`/api/lists/block/${encodeURIComponent(TARGET)}`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await chut.screening.screen(call(TARGET))).action).toBe('ring');
    const again = await api(`/api/lists/block/${encodeURIComponent(TARGET)}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(again.body.error).toBe('not-found');
  });

  it('takes prefixes, and allowing a blocked number moves it to the allow list', async () => {
    const prefix = await api(`/api/lists/block/${encodeURIComponent('0163*')}`, { method: 'PUT', ...json({}) });
    expect(prefix.status).toBe(200);
    expect(prefix.body.entry).toBe('+33163*');
    expect((await chut.screening.screen(call('+33163123456'))).action).toBe('reject');
    const allow = await api(`/api/lists/allow/${encodeURIComponent(BLOCKED)}`, { method: 'PUT' });
    expect(allow.status).toBe(200);
    expect(allow.body.removedFrom).toBe('block');
    expect((await chut.screening.screen(call(BLOCKED))).action).toBe('ring');
    await api(`/api/lists/block/${encodeURIComponent(BLOCKED)}`, { method: 'PUT', ...json({ reason: 'seed' }) });
    await api(`/api/lists/block/${encodeURIComponent('+33163*')}`, { method: 'DELETE' });
  });

  it('takes a prefix as broad as a country code only with "force": true, as the CLI wants --force', async () => {
    const broad = await api(`/api/lists/block/${encodeURIComponent('0*')}`, { method: 'PUT', ...json({}) });
    expect(broad.status).toBe(400);
    expect(broad.body).toMatchObject({ error: 'bad-request', needsForce: true });
    expect(broad.body.message).toMatch(/^\+33\* has 3 digits or fewer/);
    expect((await chut.screening.screen(call(FRIEND))).action).toBe('ring'); // nothing applied
    const forced = await api(`/api/lists/block/${encodeURIComponent('+33*')}`, { method: 'PUT', ...json({ force: true }) });
    expect([forced.status, forced.body.entry]).toEqual([200, '+33*']);
    expect((await api(`/api/lists/block/${encodeURIComponent('+33*')}`, { method: 'DELETE' })).status).toBe(200);
  });

  it.each([
    ['a word as entry', '/api/lists/block/hello', { reason: 'x' }],
    ['an unknown list', `/api/lists/grey/${TARGET}`, {}],
    ['a past expiry', `/api/lists/block/${TARGET}`, { expires: '2001-01-01' }],
    ['a nonsense expiry', `/api/lists/block/${TARGET}`, { expires: 'soon' }],
    ['an unknown body field', `/api/lists/block/${TARGET}`, { reason: 'x', admin: true }],
    ['a reason too long', `/api/lists/block/${TARGET}`, { reason: 'x'.repeat(201) }],
  ])('refuses %s with 400 and applies nothing', async (_what, path, body) => {
    const res = await api(path, { method: 'PUT', ...json(body) });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('bad-request');
    expect((await api(`/api/numbers/${encodeURIComponent(TARGET)}`)).body.listEntries).toEqual([]);
  });

  it.each([
    ['a number as reason', { reason: 1 }, 'reason', 'string'],
    ['true as reason', { reason: true }, 'reason', 'string'],
    ['"true" as force', { force: 'true' }, 'force', 'boolean'],
    ['1 as force', { force: 1 }, 'force', 'boolean'],
  ])('takes the body as typed: refuses %s with 400 naming the field, applies nothing', async (_what, body, field, type) => {
    // +1* is broad: only a real `"force": true` may take it (a coerced one did, blocking every NANP caller).
    const broad = `/api/lists/block/${encodeURIComponent('+1*')}`;
    try {
      const res = await api(broad, { method: 'PUT', ...json(body) });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'bad-request', message: `body/${field} must be ${type}` });
      expect((await chut.screening.screen(call('+12025550123'))).action).toBe('ring');
    } finally {
      await api(broad, { method: 'DELETE' }); // a failing run must not leave a whole country blocked for the next tests
    }
  });

  it('still takes a body of the right types, and query strings still read numbers and booleans from text', async () => {
    const put = await api(`/api/lists/allow/${encodeURIComponent(TARGET)}`, { method: 'PUT', ...json({ reason: '1', force: false }) });
    expect([put.status, put.body.record?.reason]).toEqual([200, '1']);
    expect((await api(`/api/lists/allow/${encodeURIComponent(TARGET)}`, { method: 'DELETE' })).status).toBe(200);
    const calls = await api('/api/calls?limit=2');
    expect([calls.status, calls.body.calls?.length]).toEqual([200, 2]);
    // ?force=true is text in the URL: the import's boolean still reads it (an unreadable one is refused).
    const forced = await api('/api/import?format=csv&list=allow&force=true', csv(['+33170000041,ok']));
    expect([forced.status, forced.body.imported]).toEqual([200, 1]);
    expect((await api('/api/import?format=csv&list=allow&force=maybe', csv(['+33170000042,ok']))).status).toBe(400);
    expect((await api(`/api/lists/allow/${encodeURIComponent('+33170000041')}`, { method: 'DELETE' })).status).toBe(200);
  });

  it('refuses a body that is not JSON', async () => {
    const res = await api(`/api/lists/block/${TARGET}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{reason:' });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('bad-request');
  });
});

describe('spam reports', () => {
  it('raises the score and counts the report', async () => {
    const number = '+33611223344';
    const res = await api(`/api/reports/${encodeURIComponent(number)}`, { method: 'POST' });
    expect(res.status).toBe(200);
    const x = (await api(`/api/numbers/${encodeURIComponent(number)}`)).body;
    expect(x.facts.reports).toBe(1);
    expect(x.facts.score).toBeCloseTo(chut.config.reputation.deltas.spamReport, 0);
    // the answer says what the report did, as GET /api/numbers has it: score up, one report, on the block list
    // (reputation.blockOnReport); the first two fields are the ones it always had
    expect(res.body).toEqual({
      number, kind: 'spam',
      before: { score: 0, reports: 0, list: null },
      after: { score: x.facts.score, reports: 1, list: 'block' },
    });
  });

  it('says when a report was counted already: the same report again within minutes changes nothing', async () => {
    const number = '+33611223345';
    const first = await api(`/api/reports/${encodeURIComponent(number)}`, { method: 'POST' });
    const again = await api(`/api/reports/${encodeURIComponent(number)}`, { method: 'POST' });
    expect(again.status).toBe(200);
    expect(again.body.before).toEqual(first.body.after);
    expect(again.body.after).toMatchObject({ reports: 1, list: 'block' });
    expect(again.body.after.score).toBeCloseTo(first.body.after.score, 3);
  });

  it('a report made, but the number not read back afterwards: 200 all the same, with after null (the report stands)', async () => {
    const number = '+33611223347';
    let explained = 0;
    // the store goes away between the report and the reading back: the second explain fails
    const screening = { ...chut.screening, explain: (raw: string) => (++explained === 2 ? Promise.reject(new Error('Connection is closed.')) : chut.screening.explain(raw)) };
    const config = parseConfig({ store: 'redis', redis: { url: redisUrl, prefix }, http: { port: 0, token: TOKEN } });
    const server = await createHttpServer({ config, screening, store: chut.store, logger: silentLogger(), metrics: chut.metrics, adapters: [] });
    try {
      const res = await fetch(`${server.url}/api/reports/${encodeURIComponent(number)}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ number, kind: 'spam', before: { score: 0, reports: 0, list: null }, after: null });
      expect((await api(`/api/numbers/${encodeURIComponent(number)}`)).body.facts.reports).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('an allow report: the reports taken back, the score down to 0, the number on the allow list', async () => {
    const number = '+33611223346';
    await api(`/api/reports/${encodeURIComponent(number)}`, { method: 'POST' });
    const res = await api(`/api/reports/${encodeURIComponent(number)}`, { method: 'POST', ...json({ kind: 'allow' }) });
    expect(res.body).toMatchObject({ number, kind: 'allow', before: { reports: 1, list: 'block' }, after: { score: 0, reports: 0, list: 'allow' } });
  });

  it('a spam report on an allowlisted number takes it off the allowlist: the next call no longer rings', async () => {
    const number = '+33611223366';
    expect((await api(`/api/reports/${encodeURIComponent(number)}`, { method: 'POST', ...json({ kind: 'allow' }) })).status).toBe(200);
    expect((await api(`/api/numbers/${encodeURIComponent(number)}`)).body.decision.rule).toBe('allowlisted');
    expect((await api(`/api/reports/${encodeURIComponent(number)}`, { method: 'POST' })).status).toBe(200);
    const x = (await api(`/api/numbers/${encodeURIComponent(number)}`)).body;
    expect(x.listEntries.map((e: { list: string }) => e.list)).toEqual(['block']);
    expect(x.decision.rule).toBe('blocklisted');
  });

  it('refuses an invalid number or kind', async () => {
    expect((await api('/api/reports/12', { method: 'POST' })).status).toBe(400);
    expect((await api(`/api/reports/${FRIEND}`, { method: 'POST', ...json({ kind: 'bad' }) })).status).toBe(400);
  });

  it('refuses query parameters a write route does not take, instead of ignoring them and doing something else', async () => {
    const number = '+33611223355';
    const asQuery = await api(`/api/reports/${encodeURIComponent(number)}?kind=allow`, { method: 'POST' });
    expect(asQuery.status).toBe(400);
    expect(asQuery.body.error).toBe('bad-request');
    const put = await api(`/api/lists/block/${encodeURIComponent(number)}?expires=1d`, { method: 'PUT', ...json({}) });
    expect(put.status).toBe(400);
    expect((await api(`/api/lists/block/${encodeURIComponent(number)}?x=1`, { method: 'DELETE' })).status).toBe(400);
    expect((await api('/api/export?foo=1')).status).toBe(400);
    // the 400 names what it refused (ajv's own message said only "must NOT have additional properties")
    expect((await api('/api/calls?limit=1&foo=1')).body).toEqual({ error: 'bad-request', message: 'querystring: unknown parameter "foo"' });
    expect((await api(`/api/lists/block/${encodeURIComponent(number)}`, { method: 'PUT', ...json({ reason: 'x', colour: 'red' }) })).body)
      .toEqual({ error: 'bad-request', message: 'body: unknown field "colour"' });
    const facts = (await api(`/api/numbers/${encodeURIComponent(number)}`)).body;
    expect([facts.listEntries, facts.facts.reports]).toEqual([[], 0]); // nothing applied
  });

  it('answers URLs the router refuses (broken %-escape, 10 kB parameter) with the same JSON errors and headers, echoing nothing', async () => {
    const bad = await api('/api/numbers/%ZZ');
    expect([bad.status, bad.body.error]).toEqual([400, 'bad-request']);
    expect(bad.headers.get('x-content-type-options')).toBe('nosniff');
    const long = await api(`/api/numbers/${'1'.repeat(10_000)}`);
    expect([long.status, long.body.error]).toEqual([414, 'too-large']);
    expect(long.text.length).toBeLessThan(200);
    expect((await api('/healthz')).status).toBe(200);
  });

  it('answers 415 unsupported-media-type for a body it cannot read, and keeps API answers out of caches', async () => {
    const xml = await api(`/api/reports/${FRIEND}`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<kind>spam</kind>' });
    expect(xml.status).toBe(415);
    expect(xml.body.error).toBe('unsupported-media-type');
    expect((await api('/api/stats')).headers.get('cache-control')).toBe('no-store');
  });
});

describe('caching', () => {
  it('keeps every answer of an API route out of caches, however its URL is spelt', async () => {
    // the router decodes %61 to a: these reach /api/export and /api/calls, and must not be cached either
    for (const path of ['/api/export', '/%61pi/export', '/%61pi/calls', '/api/%63alls?limit=1', '/%61pi/stats?since=1h']) {
      const res = await api(path);
      expect([res.status, res.headers.get('cache-control')], path).toEqual([200, 'no-store']);
    }
    for (const path of ['/%61pi/nothing-here', '/metrics', '/healthz']) expect((await api(path)).headers.get('cache-control'), path).toBe('no-store');
    expect((await api('/%61pi/export', { token: null })).headers.get('cache-control')).toBe('no-store'); // the 401
    // the dashboard's files hold no data and keep their own caching
    expect((await api('/', { token: null })).headers.get('cache-control')).toBe('no-cache');
    expect((await api('/app.js', { token: null })).headers.get('cache-control')).toBe('max-age=300');
  });
});

describe('wrong method on a route that exists', () => {
  it('answers 405 with Allow listing the path\'s methods, in the JSON error shape and with the usual headers', async () => {
    const del = await api('/api/stats', { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, HEAD');
    expect(del.body).toEqual({ error: 'method-not-allowed', message: 'DELETE is not allowed on /api/stats: use GET, HEAD' });
    expect(del.headers.get('cache-control')).toBe('no-store');
    expect(del.headers.get('x-content-type-options')).toBe('nosniff');
    const post = await api('/api/calls?limit=5', { method: 'POST', ...json({}) });
    expect([post.status, post.headers.get('allow'), post.body.error]).toEqual([405, 'GET, HEAD', 'method-not-allowed']);
    const read = await api(`/api/lists/block/${encodeURIComponent(FRIEND)}`);
    expect([read.status, read.headers.get('allow')]).toEqual([405, 'PUT, DELETE']);
    const put = await api(`/api/reports/${encodeURIComponent(FRIEND)}`, { method: 'PUT', ...json({ kind: 'spam' }) });
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await api('/', { method: 'POST' })).headers.get('allow')).toBe('GET, HEAD');
    expect((await chut.screening.screen(call(FRIEND))).action).toBe('ring'); // nothing applied
  });

  it('keeps 404 for a path no method has, and says nothing about the routes to a caller without the token', async () => {
    const unknown = await api('/api/nothing-here', { method: 'DELETE' });
    expect([unknown.status, unknown.body.error, unknown.headers.get('allow')]).toEqual([404, 'not-found', null]);
    expect((await api('/api/lists/block', { method: 'PUT', ...json({}) })).status).toBe(404);
    const stranger = await api('/api/stats', { method: 'DELETE', token: null });
    expect([stranger.status, stranger.headers.get('allow')]).toEqual([401, null]);
  });
});

describe('import and export', () => {

  it('imports a CSV into a list and exports it back', async () => {
    const res = await api('/api/import?format=csv&list=block', csv(['number,reason', '+33170000001,robot', '0170000002,robot 2', '+33170000001,again']));
    expect(res.status).toBe(200);
    expect(res.body.imported).toBe(2);
    expect(res.body.stats.skippedWhy).toEqual({ duplicate: 1 });
    expect(res.body.stats.taken).toBe(2);
    expect((await chut.screening.screen(call('+33170000002'))).action).toBe('reject');
    const out = await api('/api/export');
    expect(out.status).toBe(200);
    expect(out.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(out.text).toContain('+33170000001');
    expect(out.text).toContain('+33170000002');
    expect(out.text).toContain(BLOCKED);
    // The export goes back in as it came out (format chut names each line's list).
    const back = await api('/api/import?format=chut', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: out.text });
    expect(back.status).toBe(200);
    expect(back.body.stats.skipped).toBe(0);
    expect(back.body.imported).toBe(out.text.trim().split('\n').length - 1);
  });

  it('restores an export holding an entry whose expiry has passed: that line is counted as skipped, the rest imported, as chut import does', async () => {
    const expired = { kind: 'number' as const, e164: '+33170000071' };
    const day = 86_400_000;
    // an entry put on the list for a day, two days ago: an export still lists it until it is removed
    await chut.store.importList([{ list: 'block' as const, entry: expired, reason: 'short', source: 'api', addedAt: Date.now() - 2 * day, expiresAt: Date.now() - day }]);
    try {
      const out = await api('/api/export');
      expect(out.text).toContain(expired.e164);
      const lines = out.text.trim().split('\n').length - 1;
      const back = await api('/api/import?format=chut', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: out.text });
      expect(back.status).toBe(200);
      expect(back.body).toMatchObject({ imported: lines - 1, stats: { taken: lines - 1, skipped: 1, skippedWhy: { 'already expired': 1 } } });
      // a real error still refuses the whole file, the expired line aside
      const bad = await api('/api/import?format=chut', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `${out.text}allow,number,not-a-number,,api,2026-01-01T00:00:00.000Z,\n` });
      expect([bad.status, bad.body.message]).toEqual([400, expect.stringMatching(/^1 line cannot be imported \(1 × invalid number\)/)]);
      const twoBad = await api('/api/import?format=chut', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `${out.text}allow,number,not-a-number,,api,2026-01-01T00:00:00.000Z,\nallow,number,nor-this,,api,2026-01-01T00:00:00.000Z,\n` });
      expect([twoBad.status, twoBad.body.message]).toEqual([400, expect.stringMatching(/^2 lines cannot be imported \(2 × invalid number\)/)]);
    } finally {
      await chut.store.removeListEntry(expired);
    }
  });

  it('keeps an allowlisted number on the allowlist (allow wins) and reports it, as chut import does', async () => {
    expect((await api(`/api/lists/allow/${encodeURIComponent('+33170000061')}`, { method: 'PUT', ...json({ reason: 'friend' }) })).status).toBe(200);
    const res = await api('/api/import?format=csv&list=block', csv(['+33170000061,spoofed', '+33170000062,robot']));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ imported: 2, overlap: { keptOnAllowlist: 1, alsoOnBlocklist: 0 } });
    expect((await chut.screening.screen(call('+33170000061'))).rule).toBe('allowlisted');
    const mirror = await api('/api/import?format=csv&list=allow', csv(['+33170000062,friend after all']));
    expect(mirror.body.overlap).toEqual({ keptOnAllowlist: 0, alsoOnBlocklist: 1 });
    for (const list of ['allow', 'block']) await api(`/api/lists/${list}/${encodeURIComponent('+33170000061')}`, { method: 'DELETE' });
    for (const list of ['allow', 'block']) await api(`/api/lists/${list}/${encodeURIComponent('+33170000062')}`, { method: 'DELETE' });
  });

  it('rejects a file with a bad line whole: 400 with the count, nothing applied', async () => {
    const res = await api('/api/import?format=csv&list=block', csv(['+33170000011,ok', 'not a number,bad', '+33170000012,ok']));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('bad-request');
    expect(res.body.message).toMatch(/^1 line/);
    expect(res.body.stats.skipped).toBe(1);
    for (const n of ['+33170000011', '+33170000012']) {
      expect((await api(`/api/numbers/${n}`)).body.listEntries).toEqual([]);
    }
  });

  it('imports the readable lines when asked to skip the others', async () => {
    const res = await api('/api/import?format=csv&list=allow&onInvalid=skip', csv(['+33170000021,ok', 'garbage,bad']));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ imported: 1, stats: { taken: 1, skipped: 1 } });
  });

  it('refuses a binary file, saying why', async () => {
    const res = await api('/api/import', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: '\u0000\u0001\u0002PK'.repeat(50) });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/cannot be read.*binary/);
  });

  it('refuses a body that is not UTF-8 instead of importing U+FFFD for each accent; takes a declared ISO-8859-1', async () => {
    const latin1 = Buffer.from('+33170000051,D\xe9marchage\n', 'latin1');
    const res = await api('/api/import?format=csv', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: latin1 });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/not UTF-8.*nothing was imported/);
    expect((await api('/api/numbers/+33170000051')).body.listEntries).toEqual([]);
    const declared = await api('/api/import?format=csv', { method: 'POST', headers: { 'content-type': 'text/csv; charset=ISO-8859-1' }, body: latin1 });
    expect(declared.status).toBe(200);
    expect((await api('/api/numbers/+33170000051')).body.listEntries[0].reason).toBe('Démarchage');
    const utf16 = await api('/api/import', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: Buffer.from('\ufeff+33170000052,x\n', 'utf16le') });
    expect([utf16.status, utf16.body.message]).toEqual([400, expect.stringMatching(/UTF-16/)]);
    const odd = await api('/api/import', { method: 'POST', headers: { 'content-type': 'text/csv; charset=ebcdic' }, body: '+33170000053,x\n' });
    expect([odd.status, odd.body.error]).toEqual([415, 'unsupported-media-type']);
  });

  it('reads only text/csv, strictly decoded: any other type is a 415 and imports nothing, whatever its charset', async () => {
    const latin1 = Buffer.from('+33170000081,D\xe9marchage\n', 'latin1');
    const bodies: Array<[string, string | typeof latin1]> = [
      ['text/plain; charset=iso-8859-1', latin1], // was read leniently: "D\ufffdmarchage"
      ['text/plain', '+33170000081,robot\n'],
      ['text/tab-separated-values', '+33170000081\trobot\n'], // was taken, then every line refused as an invalid number
      ['application/json', JSON.stringify('+33170000081,robot\n')],
      ['application/octet-stream', '+33170000081,robot\n'],
    ];
    for (const [type, body] of bodies) {
      const res = await api('/api/import?format=csv', { method: 'POST', headers: { 'content-type': type }, body });
      expect([res.status, res.body?.error], type).toEqual([415, 'unsupported-media-type']);
      expect(res.body.message, type).toMatch(/text\/csv/);
    }
    expect((await api('/api/numbers/+33170000081')).body.listEntries).toEqual([]);
    // the same bytes as text/csv: refused as not UTF-8, or read in the charset they declare
    const strict = await api('/api/import?format=csv', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: latin1 });
    expect([strict.status, strict.body.message]).toEqual([400, expect.stringMatching(/not UTF-8/)]);
    const declared = await api('/api/import?format=csv', { method: 'POST', headers: { 'content-type': 'Text/CSV; Charset=ISO-8859-1' }, body: latin1 });
    expect(declared.status).toBe(200);
    expect((await api('/api/numbers/+33170000081')).body.listEntries[0].reason).toBe('Démarchage');
    await api(`/api/lists/block/${encodeURIComponent('+33170000081')}`, { method: 'DELETE' });
  });

  it('reads up to 20 MiB on the import route only: every other route refuses a body past 64 KiB, CSV or not', async () => {
    // 100 KiB: the same line 500 times (the import takes it once, the rest are harmless duplicates)
    const big = `+33170000091,${'x'.repeat(190)}\n`.repeat(500);
    expect(big.length).toBeGreaterThan(64 * 1024);
    const path = `/api/lists/block/${encodeURIComponent('+33170000091')}`;
    // a CSV body is no type this route reads: refused without being read (was read whole, decoded, then a 400)
    const asCsv = await api(path, { method: 'PUT', headers: { 'content-type': 'text/csv' }, body: big });
    expect([asCsv.status, asCsv.body.error]).toEqual([415, 'unsupported-media-type']);
    for (const type of ['application/json', 'text/plain']) {
      const res = await api(path, { method: 'PUT', headers: { 'content-type': type }, body: JSON.stringify({ reason: big }) });
      expect([res.status, res.body.error], type).toEqual([413, 'too-large']);
    }
    const report = await api(`/api/reports/${encodeURIComponent('+33170000091')}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: big });
    expect(report.status).toBe(415);
    expect((await api('/api/numbers/+33170000091')).body.listEntries).toEqual([]);
    // the import itself still takes a file that large
    const imported = await api('/api/import?format=csv&list=block', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: big });
    expect([imported.status, imported.body.imported, imported.body.stats?.skippedWhy]).toEqual([200, 1, { duplicate: 499 }]);
    expect((await api(path, { method: 'DELETE' })).status).toBe(200);
  });

  it('refuses unknown formats and empty files', async () => {
    expect((await api('/api/import?format=xls', csv(['+33170000031']))).status).toBe(400);
    const empty = await api('/api/import?format=csv', csv([]));
    expect(empty.status).toBe(400);
  });
});

describe('metrics', () => {
  it('exposes the call counters after calls, in Prometheus text format', async () => {
    const { status, text, headers } = await api('/metrics');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text).toMatch(/^chut_calls_total\{pbx="asterisk-ari",action="reject",route="reject",rule="blocklisted"\} 2$/m);
    expect(text).toMatch(/^chut_captcha_outcomes_total\{outcome="passed"\} 1$/m);
    expect(text).toMatch(/^chut_decision_latency_seconds_count \d+$/m);
    expect(text).toContain('chut_process_resident_memory_bytes');
  });
});

describe('without a token', () => {
  let open: HttpServer;
  beforeAll(async () => {
    const config = parseConfig({ store: 'redis', redis: { url: redisUrl, prefix }, http: { port: 0 } });
    open = await createHttpServer({ config, screening: chut.screening, store: chut.store, logger: silentLogger(), metrics: chut.metrics, adapters: [] });
  });
  afterAll(() => open.close());

  it('serves the read routes and refuses writes, saying why', async () => {
    const stats = await fetch(`${open.url}/api/stats`);
    expect(stats.status).toBe(200);
    const put = await fetch(`${open.url}/api/lists/block/${FRIEND}`, { method: 'PUT' });
    expect(put.status).toBe(403);
    expect(await put.json()).toMatchObject({ error: 'writes-disabled', message: expect.stringMatching(/token/) });
  });

  it('answers a write method on a read route 405, not writes-disabled: there is no such write route', async () => {
    const del = await fetch(`${open.url}/api/stats`, { method: 'DELETE' });
    expect([del.status, del.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    expect(await del.json()).toMatchObject({ error: 'method-not-allowed' });
    expect((await fetch(`${open.url}/api/nothing-here`, { method: 'POST' })).status).toBe(404);
  });

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    const port = new URL(open.url).port;
    const status = (host: string) => new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/api/stats', headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    expect(await status('evil.example:80')).toBe(403);
    expect(await status(`localhost:${port}`)).toBe(200);
    expect(await status(`127.0.0.1:${port}`)).toBe(200);
  });

  /** This machine's first non-loopback IPv4 address: a client connecting from it is "on the network". */
  const lanAddress = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

  it.skipIf(!lanAddress)('bound to every address, it still answers no client on the network, whatever Host it claims', async () => {
    const config = parseConfig({ store: 'redis', redis: { url: redisUrl, prefix }, http: { host: '0.0.0.0', port: 0 } });
    const logs: string[] = [];
    const logger = createLogger('info', new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
    const wide = await createHttpServer({ config, screening: chut.screening, store: chut.store, logger, metrics: chut.metrics, adapters: [] });
    // and says so when it starts: behind a container's published port, the 403 would otherwise be a mystery
    expect(logs.join('')).toContain('listens beyond loopback without a token');
    try {
      const port = new URL(wide.url).port;
      const get = (from: string, host: string, path = '/api/export') => new Promise<{ status: number; body: string }>((resolve, reject) => {
        request({ host: from, localAddress: from, port, path, headers: { host } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => { body += String(c); });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject).end();
      });
      for (const host of ['localhost', `127.0.0.1:${port}`, `${lanAddress}:${port}`]) {
        const res = await get(lanAddress as string, host);
        expect(res.status, host).toBe(403);
        expect(JSON.parse(res.body)).toMatchObject({ error: 'token-required', message: expect.stringMatching(/own machine/) });
      }
      expect((await get(lanAddress as string, 'localhost', '/healthz')).status).toBe(200); // public, holds no data
      expect((await get('127.0.0.1', `localhost:${port}`)).status).toBe(200); // the same machine still reads
    } finally {
      await wide.close();
    }
  });
});

describe('health when Redis is unreachable', () => {
  let down: HttpServer;
  let deadStore: ReputationStore;
  beforeAll(async () => {
    const config = parseConfig({ http: { port: 0, token: TOKEN } });
    deadStore = createRedisStore({ url: 'redis://127.0.0.1:1', prefix: 'chuttest:dead:' });
    down = await createHttpServer({ config, screening: chut.screening, store: deadStore, logger: silentLogger(), metrics: chut.metrics, adapters: [] });
  });
  afterAll(async () => {
    await down.close();
    await deadStore.close().catch(() => undefined);
  });

  it('answers 503 naming the store', async () => {
    const res = await fetch(`${down.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'unavailable', store: { ready: false } });
  });

  it('an import past its time limit is stopped and undone before the 503, not left to finish after it', async () => {
    const config = parseConfig({ http: { port: 0, token: TOKEN } });
    const memory = createMemoryStore();
    let undone = false;
    // a store whose writes never end by themselves: only the abort ends them (Redis undoes what it wrote then)
    memory.importList = (_records, opts) => new Promise((_resolve, reject) => {
      opts?.signal?.addEventListener('abort', () => { undone = true; reject(opts.signal?.reason); }, { once: true });
    });
    const server = await createHttpServer({ config, screening: chut.screening, store: memory, logger: silentLogger(), metrics: chut.metrics, adapters: [], importTimeLimitMs: 300 });
    try {
      const res = await fetch(`${server.url}/api/import?format=csv&list=block`, {
        method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/csv' }, body: 'number,reason\n0612345678,x\n',
      });
      expect(res.status).toBe(503);
      // undone: nothing applied, the store too slow (not a bug of chut's, nor "may have been applied")
      expect(((await res.json()) as { error: string }).error).toBe('store-unavailable');
      expect(undone).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('says which PBX connection is down without the error text (public route: it names internal hosts)', async () => {
    const config = parseConfig({ http: { port: 0, token: TOKEN } });
    const ari: PbxAdapter = {
      name: 'asterisk-ari', start: async () => undefined, stop: async () => undefined,
      status: () => ({ state: 'reconnecting', since: 1, attempt: 3, lastError: 'connect ECONNREFUSED 10.0.0.5:8088' }),
    };
    const server = await createHttpServer({ config, screening: chut.screening, store: chut.store, logger: silentLogger(), metrics: chut.metrics, adapters: [ari] });
    try {
      const res = await fetch(`${server.url}/healthz`);
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(JSON.parse(text).adapters).toEqual([{ name: 'asterisk-ari', ready: false, state: 'reconnecting', since: 1, attempt: 3 }]);
      expect(text).not.toContain('10.0.0.5');
    } finally {
      await server.close();
    }
  });

  it('answers 503 store-unavailable on API routes instead of hanging or crashing', async () => {
    const res = await fetch(`${down.url}/api/stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'store-unavailable' });
  });
});

describe('health of the PBX connections', () => {
  it('answers 200 with the adapter ready, then 503 naming it when Asterisk goes away', async () => {
    const sim = createAriSimulator();
    await sim.start();
    const config = parseConfig({ ...sim.chutConfig(), store: 'redis', redis: { url: redisUrl, prefix }, http: { port: 0, token: TOKEN } });
    const withPbx = await startChut({ config, policy: parsePolicy(POLICY, 'test'), logger: silentLogger(), http: true });
    try {
      await sim.waitForChut(10_000);
      await untilHealthy(withPbx.httpUrl as string);
      const up = await (await fetch(`${withPbx.httpUrl}/healthz`)).json();
      expect(up).toMatchObject({ status: 'ok', adapters: [{ name: withPbx.adapters[0]?.name, ready: true, state: 'ready' }] });
      sim.faults.refuseUpgrades = true;
      sim.faults.dropWebSockets();
      let res: Response | null = null;
      for (let i = 0; i < 50 && res?.status !== 503; i++) {
        await new Promise((r) => setTimeout(r, 100));
        res = await fetch(`${withPbx.httpUrl}/healthz`);
      }
      expect(res?.status).toBe(503);
      const body = await (res as Response).json();
      expect(body.store.ready).toBe(true);
      expect(body.adapters[0].ready).toBe(false);
      expect(body.adapters[0].state).not.toBe('ready');
      const metrics = await (await fetch(`${withPbx.httpUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
      expect(metrics).toMatch(new RegExp(`^chut_pbx_connection_up\\{adapter="${withPbx.adapters[0]?.name}"\\} 0$`, 'm'));
    } finally {
      await withPbx.stop();
      await sim.stop();
    }
  });
});

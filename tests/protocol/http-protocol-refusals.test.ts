/**
 * What HTTP fuzzing (http-fuzz.test.ts) found, one case each, on raw sockets: requests refused before any route runs
 * (an expectation other than 100-continue, an HTTP/1.1 request without Host, a URL the router cannot read) are answered
 * in the documented `{error, message}` JSON with the headers every answer carries; a body refused unread neither
 * hangs its client nor its connection; and a malformed request after a good one on the same connection (pipelined, or
 * garbage after a body) does not take the good one's answer.
 *
 * The in-memory store: these are framing and answer-shape questions, which Redis takes no part in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createHttpServer, createMetrics, type HttpServer } from '../../src/http/index.js';
import { silentLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/reputation/index.js';
import type { ListRecord, ReputationStore } from '../../src/reputation/types.js';
import type { ScreeningService } from '../../src/screening/types.js';
import { exchange, parseAnswers, type ExchangeAnswer } from '../helpers/http-exchange.js';
import { RawClient } from '../helpers/raw-http.js';
import { until } from '../helpers/until.js';

const TOKEN = 'refusals-token-0123456789abcdef';
const AUTH = `Authorization: Bearer ${TOKEN}\r\n`;

/** A store whose export waits `pauseMs` between its entries: an answer that is still being sent. */
function slowExport(store: ReputationStore, pauseMs: number): ReputationStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name !== 'exportLists') return Reflect.get(target, name, receiver) as unknown;
      return async function* exportLists(): AsyncIterable<ListRecord> {
        for await (const record of target.exportLists()) {
          yield record;
          await new Promise((resolve) => setTimeout(resolve, pauseMs));
        }
      };
    },
  });
}

function expectDocumentedError(a: ExchangeAnswer | undefined, status: number, error: string): void {
  expect(a?.status).toBe(status);
  expect(a?.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(JSON.parse(a?.body ?? '') as object).sort()).toEqual(['error', 'message']);
  expect(JSON.parse(a?.body ?? '')).toMatchObject({ error });
  expect(a?.headers['cache-control']).toBe('no-store');
  expect(a?.headers['x-content-type-options']).toBe('nosniff');
  expect(a?.headers['content-security-policy']).toContain("default-src 'none'");
  expect(a?.headers['cross-origin-resource-policy']).toBe('same-origin');
}

const store = createMemoryStore();
let http: HttpServer;
let host = '';
beforeAll(async () => {
  http = await createHttpServer({
    config: parseConfig({ http: { port: 0, token: TOKEN } }), screening: {} as ScreeningService, store: slowExport(store, 150),
    logger: silentLogger(), metrics: createMetrics(), adapters: [],
  });
  host = new URL(http.url).host;
});
afterAll(async () => { await http?.close(); });

async function send(text: string, method = 'GET') {
  return exchange(http.url, Buffer.from(text, 'latin1'), { halfClose: false, method, waitMs: 5000 });
}

describe('refused before any route runs', () => {
  it('an expectation other than 100-continue: 417 expectation-failed, in the documented JSON', async () => {
    for (const expectation of ['bogus', '', '200-ok']) {
      const ex = await send(`GET /api/stats HTTP/1.1\r\nHost: ${host}\r\n${AUTH}Expect: ${expectation}\r\n\r\n`);
      expectDocumentedError(ex.answers[0], 417, 'expectation-failed');
    }
  });

  it('an HTTP/1.1 request without Host: 400 bad-request, in the documented JSON; HTTP/1.0 needs none', async () => {
    const ex = await send(`GET /api/stats HTTP/1.1\r\n${AUTH}\r\n`);
    expectDocumentedError(ex.answers[0], 400, 'bad-request');
    expect(JSON.parse(ex.answers[0]?.body ?? '').message).toMatch(/Host/);
    const old = await send(`GET /api/stats HTTP/1.0\r\n${AUTH}\r\n`);
    expect(old.answers[0]?.status).toBe(200);
    // an empty Host is a Host (RFC 9110 §7.2 allows it), as Node's own check, now off, took it
    const empty = await send(`GET /api/stats HTTP/1.1\r\nHost:\r\n${AUTH}\r\n`);
    expect(empty.answers[0]?.status).toBe(200);
  });

  it('a URL the router refuses (a broken %-escape): 400 with no-store, as every API answer', async () => {
    const ex = await send(`GET /api/lis%C0%AFts/block HTTP/1.1\r\nHost: ${host}\r\n${AUTH}\r\n`);
    expectDocumentedError(ex.answers[0], 400, 'bad-request');
  });
});

describe('a body nobody reads', () => {
  it('refused without being read (415, 404): the answer, then the body is let through, and the connection serves the next request', async () => {
    const body = 'a'.repeat(400_000); // past what the socket buffers hold: the rest must be read, or the client waits
    for (const [method, path] of [['PUT', '/api/lists/block/0612345603'], ['POST', '/api/no-such-route']]) {
      const client = await RawClient.open(http.url);
      client.write(`${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n${AUTH}Content-Type: text/csv\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      client.write(`GET /api/stats HTTP/1.1\r\nHost: ${host}\r\n${AUTH}\r\n`);
      await until(() => parseAnswers(client.text(), 'GET').answers.length === 2, `${path}: the next request's answer`, 5000);
      expect(parseAnswers(client.text(), 'GET').answers.map((a) => a.status), path).toEqual([method === 'PUT' ? 415 : 404, 200]);
      client.socket.destroy();
    }
    expect(await store.getListEntry({ kind: 'number', e164: '+33612345603' })).toEqual([]);
  });
});

describe('a malformed request after a good one on the same connection', () => {
  it('garbage after a list edit\'s body: the edit gets its own answer (200, applied), then the connection closes', async () => {
    const body = '{"reason":"pipelined"}';
    const ex = await send(`PUT /api/lists/block/0612345601 HTTP/1.1\r\nHost: ${host}\r\n${AUTH}Content-Type: application/json\r\n` +
      `Content-Length: ${body.length}\r\n\r\n${body}x`, 'PUT');
    expect(ex.answers.map((a) => a.status)).toEqual([200]);
    expect(JSON.parse(ex.answers[0]?.body ?? '')).toMatchObject({ list: 'block', entry: '+33612345601' });
    expect(ex.ended).toBe('closed');
    expect(await store.getListEntry({ kind: 'number', e164: '+33612345601' })).toHaveLength(1);
  });

  it('a malformed request while an export is being sent: the export arrives whole, then the connection closes', async () => {
    for (let i = 0; i < 5; i++) {
      await store.addListEntry({ list: 'block', entry: { kind: 'number', e164: `+3361234570${i}` }, reason: 'slow', source: 'api', addedAt: 0, expiresAt: null });
    }
    const client = await RawClient.open(http.url);
    client.write(`GET /api/export HTTP/1.1\r\nHost: ${host}\r\n${AUTH}\r\n`);
    await client.firstStatusLine(); // the export is under way, its headers sent
    client.write('NOT HTTP AT ALL\r\n\r\n');
    await client.closed();
    const exported = client.text();
    for (let i = 0; i < 5; i++) expect(exported).toContain(`+3361234570${i}`);
    expect(exported).toMatch(/\r\n0\r\n\r\n$/); // the chunked answer's end: not cut
    expect(exported).not.toContain('HTTP/1.1 400');
  });

  it('a malformed body of the request itself (a bad chunk size) is still refused at once: 400, nothing applied', async () => {
    const ex = await send(`PUT /api/lists/block/0612345602 HTTP/1.1\r\nHost: ${host}\r\n${AUTH}Content-Type: application/json\r\n` +
      'Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', 'PUT');
    expectDocumentedError(ex.answers[0], 400, 'bad-request');
    expect(await store.getListEntry({ kind: 'number', e164: '+33612345602' })).toEqual([]);
  });
});

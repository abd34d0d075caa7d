/**
 * What HTTP fuzzing (http-fuzz.test.ts) found, one case each, on raw sockets: requests refused before any route runs
 * (an expectation other than 100-continue, an HTTP/1.1 request without Host, a URL the router cannot read) are answered
 * in the documented `{error, message}` JSON with the headers every answer carries.
 *
 * The in-memory store: these are framing and answer-shape questions, which Redis takes no part in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createHttpServer, createMetrics, type HttpServer } from '../../src/http/index.js';
import { silentLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/reputation/index.js';
import type { ScreeningService } from '../../src/screening/types.js';
import { exchange, type ExchangeAnswer } from '../helpers/http-exchange.js';

const TOKEN = 'refusals-token-0123456789abcdef';
const AUTH = `Authorization: Bearer ${TOKEN}\r\n`;

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
    config: parseConfig({ http: { port: 0, token: TOKEN } }), screening: {} as ScreeningService, store,
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
  });

  it('a URL the router refuses (a broken %-escape): 400 with no-store, as every API answer', async () => {
    const ex = await send(`GET /api/lis%C0%AFts/block HTTP/1.1\r\nHost: ${host}\r\n${AUTH}\r\n`);
    expectDocumentedError(ex.answers[0], 400, 'bad-request');
  });
});

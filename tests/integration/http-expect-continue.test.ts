/**
 * `Expect: 100-continue`, on raw sockets: a request chut refuses (bad token, writes disabled, every import slot taken,
 * a declared length over the limit, a content type the import does not read) gets its refusal as the first status
 * line, never `100 Continue`, so its client does not upload a body for nothing; the connection is then closed. A
 * request chut takes gets `100 Continue`, and its body is read and applied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createHttpServer, createMetrics, type HttpServer } from '../../src/http/index.js';
import { silentLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/reputation/index.js';
import type { ReputationStore } from '../../src/reputation/types.js';
import type { ScreeningService } from '../../src/screening/types.js';
import { RawClient } from '../helpers/raw-http.js';

const TOKEN = 'continue-token-0123456789abcdef';
const CSV = 'number,reason\n+33612771234,expected\n';

function importHead(url: string, o: { token?: string | null; length?: number; type?: string } = {}): string {
  const token = o.token === undefined ? TOKEN : o.token;
  return `POST /api/import?format=csv&list=block HTTP/1.1\r\nHost: ${new URL(url).host}\r\n` +
    (token === null ? '' : `Authorization: Bearer ${token}\r\n`) +
    `Content-Type: ${o.type ?? 'text/csv'}\r\nContent-Length: ${o.length ?? Buffer.byteLength(CSV)}\r\nExpect: 100-continue\r\n\r\n`;
}

describe('POST with Expect: 100-continue', () => {
  const clients: RawClient[] = [];
  let store: ReputationStore;
  let http: HttpServer;
  let tokenless: HttpServer;
  const server = (token: string | null) => createHttpServer({
    config: parseConfig({ http: { port: 0, token } }), screening: {} as ScreeningService, store,
    logger: silentLogger(), metrics: createMetrics(), adapters: [],
  });
  /** Sends `head` alone (no body) and returns the connection. */
  const send = async (url: string, head: string): Promise<RawClient> => {
    const c = await RawClient.open(url);
    clients.push(c);
    c.write(head);
    return c;
  };
  /** The refusal came first, and the connection is closed: the body is not waited for. */
  const expectRefusedFirst = async (c: RawClient, status: number, error: string): Promise<void> => {
    expect(await c.firstStatusLine()).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    const answer = await c.answer();
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({ error });
    await c.closed();
  };

  beforeAll(async () => {
    store = createMemoryStore();
    [http, tokenless] = await Promise.all([server(TOKEN), server(null)]);
  });
  afterAll(async () => {
    for (const c of clients) c.socket.destroy();
    await Promise.all([http?.close(), tokenless?.close()]);
  });

  it('answers a missing or wrong token with 401 instead of 100 Continue', async () => {
    await expectRefusedFirst(await send(http.url, importHead(http.url, { token: null })), 401, 'unauthorized');
    await expectRefusedFirst(await send(http.url, importHead(http.url, { token: 'wrong-token-0123456789abcdef' })), 401, 'unauthorized');
  });

  it('answers a write to a chut without a token with 403 instead of 100 Continue', async () => {
    await expectRefusedFirst(await send(tokenless.url, importHead(tokenless.url, { token: null })), 403, 'writes-disabled');
  });

  it('answers a declared Content-Length over the limit with 413, and a type the import does not read with 415, instead of 100 Continue', async () => {
    await expectRefusedFirst(await send(http.url, importHead(http.url, { length: 21 * 1024 * 1024 })), 413, 'too-large');
    await expectRefusedFirst(await send(http.url, importHead(http.url, { type: 'text/plain' })), 415, 'unsupported-media-type');
  });

  it('still answers 100 Continue to a request it takes, then reads the body and applies it', async () => {
    const c = await send(http.url, importHead(http.url));
    expect(await c.firstStatusLine()).toBe('HTTP/1.1 100 Continue');
    c.write(CSV);
    const answer = await c.answer();
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ imported: 1 });
    expect(await store.getListEntry({ kind: 'number', e164: '+33612771234' })).toHaveLength(1);
  });

  it('answers 429 instead of 100 Continue while every import slot is taken', async () => {
    // the first import is let in and holds its slot: it has its 100 Continue, and not yet sent its body
    const first = await send(http.url, importHead(http.url));
    await first.continued();
    try {
      await expectRefusedFirst(await send(http.url, importHead(http.url)), 429, 'import-in-progress');
      first.write(CSV);
      expect((await first.answer()).status).toBe(200);
    } finally {
      first.socket.destroy();
    }
  });
});

/**
 * An answer its client stops reading, on raw sockets: GET /api/export to a client that keeps its connection open but
 * reads no more is cut once nothing of it has gone out for the stall time (shortened here), which ends the store's
 * export read and leaves no connection behind, with one warning; a client that reads slowly, pausing for less than
 * that, and an answer slow to start (the store), are not cut. And at most http.maxConcurrentExports exports at once:
 * one more is refused, 429 with `Retry-After`, until one has ended, sent whole or cut.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createHttpServer, createMetrics, type HttpServer, type Metrics } from '../../src/http/index.js';
import { createLogger } from '../../src/logger.js';
import type { ListRecord, ReputationStore } from '../../src/reputation/types.js';
import type { ScreeningService } from '../../src/screening/types.js';
import { RawClient } from '../helpers/raw-http.js';
import { until } from '../helpers/until.js';

const TOKEN = 'stall-token-0123456789abcdef';
const STALL_MS = 500;

/** A store whose export yields `count` entries (300 bytes of CSV each; `state.count` may change it for the next
 * export), saying when its read has ended. */
function exportingStore(count: number, pingMs = 0) {
  const state = { count, yielded: 0, ended: false };
  const record = (i: number): ListRecord => ({
    list: 'block', entry: { kind: 'number', e164: `+3361${String(i % 10_000_000).padStart(7, '0')}` },
    reason: 'r'.repeat(250), source: 'api', addedAt: 0, expiresAt: null,
  });
  const store = {
    ping: () => new Promise<void>((r) => setTimeout(r, pingMs)),
    async *exportLists(): AsyncIterable<ListRecord> {
      try {
        for (let i = 0, n = state.count; i < n; i++) {
          state.yielded++;
          yield record(i);
        }
      } finally {
        state.ended = true;
      }
    },
  } as unknown as ReputationStore;
  return { store, state };
}

describe('an answer its client stops reading', () => {
  const lines: string[] = [];
  const warnings = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 40);
  const clients: RawClient[] = [];
  let http: HttpServer | undefined;
  const start = async (store: ReputationStore, over: { maxConcurrentExports?: number; metrics?: Metrics } = {}): Promise<HttpServer> => {
    http = await createHttpServer({
      config: parseConfig({ http: { port: 0, token: TOKEN, maxConcurrentExports: over.maxConcurrentExports } }), screening: {} as ScreeningService, store,
      logger: createLogger('info', { write: (s: string) => { lines.push(s); } }), metrics: over.metrics ?? createMetrics(), adapters: [],
      responseStallMs: STALL_MS,
      // closing waits this long for an answer in progress: long enough to tell one left behind
      closeGraceMs: 20_000,
    });
    return http;
  };
  const exportRequest = async (url: string): Promise<RawClient> => {
    const c = await RawClient.open(url);
    clients.push(c);
    c.write(`GET /api/export HTTP/1.1\r\nHost: ${new URL(url).host}\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`);
    return c;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await http?.close();
    http = undefined;
    lines.length = 0;
  });

  it('cuts an export whose client stopped reading: the store\'s read ends, no connection is left, one warning says so', async () => {
    const { store, state } = exportingStore(Number.POSITIVE_INFINITY);
    const server = await start(store);
    const c = await exportRequest(server.url);
    expect(await c.firstStatusLine()).toBe('HTTP/1.1 200 OK');
    c.socket.pause();

    await until(() => state.ended, 'the export\'s read to end', 10_000);
    // it went on until the connection was full, not past it
    const yielded = state.yielded;
    await new Promise((r) => setTimeout(r, 2 * STALL_MS));
    expect(state.yielded).toBe(yielded);

    const stalls = warnings();
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toMatchObject({ msg: 'answer abandoned: its client stopped reading it', method: 'GET', url: '/api/export', status: 200, stallMs: STALL_MS });
    expect(stalls[0]!.unsentBytes).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(TOKEN);

    // no answer in progress is left: closing does not wait out its 20 s grace for one
    const closing = Date.now();
    await server.close();
    http = undefined;
    expect(Date.now() - closing).toBeLessThan(5000);
  });

  it('sends the whole export to a client that reads slowly, pausing for less than the stall time, after a store slow to answer', async () => {
    const count = 40_000;
    const { store, state } = exportingStore(count, 2 * STALL_MS);
    const server = await start(store);
    const c = await exportRequest(server.url);
    // a pause of 0.6 × the stall time every 2 MB: the whole export takes several stall times
    let received = 0;
    let nextPause = 2 * 1024 * 1024;
    c.socket.on('data', (d: string) => {
      received += d.length;
      if (received < nextPause) return;
      nextPause += 2 * 1024 * 1024;
      c.socket.pause();
      setTimeout(() => c.socket.resume(), 0.6 * STALL_MS);
    });
    await c.closed();
    const text = c.text();
    expect(text.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    // the whole export: every entry, and the chunked encoding's last chunk
    expect(text.split('\nblock,number,').length - 1).toBe(count);
    expect(text.endsWith('\r\n0\r\n\r\n')).toBe(true);
    expect(state.ended).toBe(true);
    expect(warnings()).toHaveLength(0);
  });

  /** A paused client's export, once it has its first bytes. */
  const stalledExport = async (url: string): Promise<RawClient> => {
    const c = await exportRequest(url);
    expect(await c.firstStatusLine()).toBe('HTTP/1.1 200 OK');
    c.socket.pause();
    return c;
  };
  const exportAnswer = async (url: string) => {
    const c = await exportRequest(url);
    await c.closed();
    return { status: Number(c.text().split(' ')[1]), text: c.text() };
  };

  it('takes as many exports at once as http.maxConcurrentExports says, refuses the next with 429 and Retry-After, and takes one again once one has ended', async () => {
    const { store, state } = exportingStore(Number.POSITIVE_INFINITY);
    const metrics = createMetrics();
    const server = await start(store, { maxConcurrentExports: 2, metrics });
    await stalledExport(server.url);
    await stalledExport(server.url);
    state.count = 10;

    const c = await exportRequest(server.url);
    const refused = await c.answer();
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('10');
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(refused.body)).toEqual({
      error: 'export-in-progress',
      message: '2 exports are already in progress, the most chut runs at once (http.maxConcurrentExports); ask again once one has ended',
    });
    const sample = (await metrics.render()).split('\n').find((l) => l.startsWith('chut_api_exports_refused_total '));
    expect(sample).toBe('chut_api_exports_refused_total 1');

    // the stalled exports are cut, and their slots come back
    await until(() => warnings().length === 2, 'the stalled exports to be cut', 10_000);
    const again = await exportAnswer(server.url);
    expect(again.status).toBe(200);
    expect(again.text.split('\nblock,number,').length - 1).toBe(10);
  });

  it('gives an export\'s slot back once it has been sent whole', async () => {
    const { store } = exportingStore(10);
    const server = await start(store, { maxConcurrentExports: 1 });
    for (let i = 0; i < 3; i++) expect((await exportAnswer(server.url)).status).toBe(200);
  });
});

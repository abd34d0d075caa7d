/**
 * POST /api/import when its client hangs up, on raw sockets: before the file has arrived whole, nothing is imported
 * (however the connection ends, whatever the framing); once it has, the import is applied whole, and the log says so,
 * since nobody is left to read the answer.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createHttpServer, createMetrics, type HttpServer } from '../../src/http/index.js';
import { createLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/reputation/index.js';
import type { ReputationStore } from '../../src/reputation/types.js';
import type { ScreeningService } from '../../src/screening/types.js';
import { until } from '../helpers/until.js';

const TOKEN = 'hangup-token-0123456789abcdef';

/** A memory store whose importList waits, once entered, until `release()`: the import is held in the middle of its
 * writes for as long as a test needs. `fails`: it then fails as a Redis refusing the writes would, importing nothing. */
function heldStore(fails = false): { store: ReputationStore; entered: () => number; release: () => void } {
  const store = createMemoryStore();
  let entered = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => { release = r; });
  const held = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'importList') {
        return async (...args: Parameters<ReputationStore['importList']>) => {
          entered++;
          await gate;
          if (fails) throw new Error('OOM command not allowed when used memory > \'maxmemory\'.');
          return target.importList(...args);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: held, entered: () => entered, release: () => release() };
}

/** A CSV of `n` numbers from +3361288<first>. */
function csv(n: number, first: number): string {
  return `number,reason\n${Array.from({ length: n }, (_, i) => `+3361288${String(first + i).padStart(4, '0')},hung up`).join('\n')}\n`;
}

function head(url: string, framing: string): string {
  return `POST /api/import?format=csv&list=block HTTP/1.1\r\nHost: ${new URL(url).host}\r\nAuthorization: Bearer ${TOKEN}\r\n` +
    `Content-Type: text/csv\r\n${framing}\r\n\r\n`;
}

function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.on('error', (err) => { if (!socket.destroyed) reject(err); });
  });
}

describe('POST /api/import when its client hangs up', () => {
  const lines: string[] = [];
  const logs = (): Array<Record<string, unknown>> => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const logged = (msg: string): Array<Record<string, unknown>> => logs().filter((l) => String(l.msg).startsWith(msg));
  const held = heldStore();
  const failing = heldStore(true);
  let http: HttpServer;
  let failingHttp: HttpServer;
  const server = (store: ReputationStore) => createHttpServer({
    config: parseConfig({ http: { port: 0, token: TOKEN } }), screening: {} as ScreeningService, store,
    logger: createLogger('info', { write: (s: string) => { lines.push(s); } }), metrics: createMetrics(), adapters: [],
  });
  beforeAll(async () => {
    [http, failingHttp] = await Promise.all([server(held.store), server(failing.store)]);
  });
  afterAll(async () => {
    held.release();
    failing.release();
    await Promise.all([http?.close(), failingHttp?.close()]);
  });

  async function expectNothingImported(first: number, n: number): Promise<void> {
    for (const i of [0, Math.floor(n / 2) - 1, n - 1]) {
      expect(await held.store.getListEntry({ kind: 'number', e164: `+3361288${String(first + i).padStart(4, '0')}` })).toEqual([]);
    }
  }

  // Every line sent before the hang-up is a whole, valid CSV line: applying the part that arrived would import them.
  const cases: Array<[string, (url: string, text: string) => string, (s: Socket) => void]> = [
    ['Content-Length, connection reset', (url, text) => head(url, `Content-Length: ${Buffer.byteLength(text)}`) + text.slice(0, text.lastIndexOf('\n', text.length / 2) + 1), (s) => s.resetAndDestroy()],
    ['Content-Length, connection closed (a killed curl)', (url, text) => head(url, `Content-Length: ${Buffer.byteLength(text)}`) + text.slice(0, text.lastIndexOf('\n', text.length / 2) + 1), (s) => s.end()],
    // chunked framing has no length to check the body against: only the missing last chunk says it is incomplete
    ['chunked, the last chunk never sent', (url, text) => {
      const part = text.slice(0, text.lastIndexOf('\n', text.length / 2) + 1);
      return head(url, 'Transfer-Encoding: chunked') + `${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`;
    }, (s) => s.destroy()],
  ];
  let first = 0;
  for (const [framing, request, hangUp] of cases) {
    it(`cut before its file arrived whole (${framing}): nothing imported, and the log says so`, async () => {
      first += 1000;
      const text = csv(200, first);
      const before = logged('import abandoned').length;
      const socket = await open(http.url);
      socket.write(request(http.url, text));
      await new Promise((r) => setTimeout(r, 100)); // the part sent is read before the hang-up
      hangUp(socket);
      await until(() => logged('import abandoned').length > before || held.entered() > 0, 'the import to be abandoned, or to start writing');
      expect(held.entered()).toBe(0);
      expect(logged('import abandoned').length).toBe(before + 1);
      await expectNothingImported(first, 200);
    });
  }

  it('the file arrived whole, then the client hung up during the writes: the import is applied whole, and logged', async () => {
    const text = csv(200, 9000);
    const socket = await open(http.url);
    socket.on('error', () => undefined);
    socket.write(head(http.url, `Content-Length: ${Buffer.byteLength(text)}`) + text);
    await until(() => held.entered() === 1, 'the import to start writing');
    socket.destroy();
    await until(() => logged('the import\'s client hung up').length === 1, 'the hang-up to be logged');
    held.release();
    await until(() => logged('list imported (API)').length === 1, 'the import to end');
    expect(logged('list imported (API)')[0]).toMatchObject({ msg: 'list imported (API), though its client hung up before the answer', level: 40, list: 'block', taken: 200 });
    for (const n of ['+33612889000', '+33612889100', '+33612889199']) {
      expect(await held.store.getListEntry({ kind: 'number', e164: n })).toMatchObject([{ list: 'block', reason: 'hung up' }]);
    }
  });

  it('the file arrived whole, then the client hung up, then the import failed: the log says it ended in an error', async () => {
    const text = csv(20, 9500);
    const [hangUps, imports] = [logged('the import\'s client hung up').length, logged('list imported (API)').length];
    const socket = await open(failingHttp.url);
    socket.on('error', () => undefined);
    socket.write(head(failingHttp.url, `Content-Length: ${Buffer.byteLength(text)}`) + text);
    await until(() => failing.entered() === 1, 'the import to start writing');
    socket.destroy();
    await until(() => logged('the import\'s client hung up').length === hangUps + 1, 'the hang-up to be logged');
    failing.release();
    await until(() => logged('import ended in an error').length === 1, 'the failed import to be logged');
    expect(logged('import ended in an error')[0]).toMatchObject({ status: 503, error: 'store-unavailable' });
    expect(logged('list imported (API)')).toHaveLength(imports);
  });
});

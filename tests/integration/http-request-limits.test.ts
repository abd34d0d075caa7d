/**
 * How long a request may take to arrive, and what Node's own refusals look like, on raw sockets: an import that keeps
 * sending is taken however long it takes (up to its limit), one that stalls is refused, and every refusal, Node's
 * included, is the documented `{error, message}` JSON with the usual headers.
 */
import { Agent, request as httpRequest, Server as NodeHttpServer } from 'node:http';
import { connect, Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createHttpServer, createMetrics, type HttpServer } from '../../src/http/index.js';
import { nodeRequestTimeout, REQUEST_LIMITS } from '../../src/http/request-limits.js';
import { silentLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/reputation/index.js';
import type { ReputationStore } from '../../src/reputation/types.js';
import type { ScreeningService } from '../../src/screening/types.js';

const TOKEN = 'limits-token-0123456789abcdef';

interface Answer { status: number; headers: Record<string, string>; body: string; ms: number }

/** Sends `head` then `chunks` (each after its delay) on a raw socket; resolves with the answer once the server closes. */
function rawRequest(url: string, head: string, chunks: Array<[delayMs: number, data: string]> = []): Promise<Answer> {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), hostname);
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { received += d; });
    socket.on('error', () => undefined); // a reset after the answer: the answer is what counts
    socket.on('close', () => {
      clearTimeout(timer);
      const [headText = '', body = ''] = received.split('\r\n\r\n');
      const [statusLine = '', ...lines] = headText.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      if (!statusLine) reject(new Error('closed without an answer'));
      else resolve({ status: Number(statusLine.split(' ')[1]), headers, body, ms: Date.now() - started });
    });
    socket.on('connect', () => {
      socket.write(head);
      const next = (i: number) => {
        const chunk = chunks[i];
        if (!chunk) return;
        timer = setTimeout(() => { if (!socket.destroyed) socket.write(chunk[1]); next(i + 1); }, chunk[0]);
      };
      next(0);
    });
  });
}

function importHead(url: string, length: number, token = TOKEN, connection = 'close'): string {
  return `POST /api/import?format=csv&list=block HTTP/1.1\r\nHost: ${new URL(url).host}\r\nAuthorization: Bearer ${token}\r\n` +
    `Content-Type: text/csv\r\nContent-Length: ${length}\r\nConnection: ${connection}\r\n\r\n`;
}

/** A CSV of `n` numbers from +3361299<first>, cut into `parts` pieces of about the same length. */
function csvParts(n: number, parts: number, first = 0): { length: number; pieces: string[] } {
  const text = `number,reason\n${Array.from({ length: n }, (_, i) => `+3361299${String(first + i).padStart(4, '0')},slow link`).join('\n')}\n`;
  const size = Math.ceil(text.length / parts);
  return { length: Buffer.byteLength(text), pieces: Array.from({ length: parts }, (_, i) => text.slice(i * size, (i + 1) * size)) };
}

function expectDocumentedError(a: Answer, status: number, error: string): void {
  expect(a.status).toBe(status);
  expect(a.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(a.body) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error', 'message']);
  expect(body.error).toBe(error);
  expect(a.headers['cache-control']).toBe('no-store');
  expect(a.headers['x-content-type-options']).toBe('nosniff');
  expect(a.headers['cross-origin-resource-policy']).toBe('same-origin');
  expect(a.headers['content-security-policy']).toContain("default-src 'none'");
}

function server(store: ReputationStore, requestLimits?: { bodyMs?: number; importStallMs?: number; importMs?: number }): Promise<HttpServer> {
  return createHttpServer({
    config: parseConfig({ http: { port: 0, token: TOKEN } }), screening: {} as ScreeningService, store, logger: silentLogger(),
    metrics: createMetrics(), adapters: [], requestLimits,
  });
}

describe('Node\'s own refusals', () => {
  let http: HttpServer;
  beforeAll(async () => { http = await server(createMemoryStore()); });
  afterAll(async () => { await http?.close(); });

  it('a malformed request: 400 bad-request in the documented shape, with the security headers', async () => {
    const a = await rawRequest(http.url, 'GARBAGE\r\n\r\n');
    expectDocumentedError(a, 400, 'bad-request');
  });

  it('headers over 16 KiB: 431 too-large, the same shape', async () => {
    const a = await rawRequest(http.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectDocumentedError(a, 431, 'too-large');
    expect(JSON.parse(a.body).message).toMatch(/headers are larger than 16 KiB/);
  });
});

describe('how long a body may take', () => {
  const store = createMemoryStore();
  let http: HttpServer;
  beforeAll(async () => { http = await server(store, { bodyMs: 1500, importStallMs: 1000, importMs: 8000 }); });
  afterAll(async () => { await http?.close(); });

  it('an import that keeps sending is taken past the other routes\' limit', async () => {
    const { length, pieces } = csvParts(40, 8);
    // 8 pieces 400 ms apart: 3.2 s in all, over twice bodyMs, never a pause of importStallMs
    const a = await rawRequest(http.url, importHead(http.url, length), pieces.map((p) => [400, p]));
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toMatchObject({ imported: 40 });
    expect(a.ms).toBeGreaterThan(3000);
  });

  it('an import that stops sending: 408 request-timeout once it has paused importStallMs, nothing imported', async () => {
    const { length, pieces } = csvParts(40, 4, 100);
    const a = await rawRequest(http.url, importHead(http.url, length), [[100, pieces[0] as string], [100, pieces[1] as string]]);
    expectDocumentedError(a, 408, 'request-timeout');
    expect(JSON.parse(a.body).message).toBe('the import\'s body stopped arriving: nothing for 1 s; nothing was imported');
    expect(a.headers.connection).toBe('close');
    expect(a.ms).toBeLessThan(3000);
    expect(await store.getListEntry({ kind: 'number', e164: '+33612990100' })).toEqual([]);
  });

  it('an import slower than its whole limit: 408, saying the rate it needs', async () => {
    const { length, pieces } = csvParts(40, 20, 200);
    const a = await rawRequest(http.url, importHead(http.url, length), pieces.map((p) => [600, p])); // 12 s
    expectDocumentedError(a, 408, 'request-timeout');
    expect(JSON.parse(a.body).message).toMatch(/^the import's body did not arrive within 8 s of its headers \(20 MiB takes \d+ KiB\/s\); nothing was imported$/);
    expect(a.ms).toBeGreaterThan(7500);
    expect(a.ms).toBeLessThan(10_000);
  }, 20_000);

  it('any other body still has bodyMs in all: 408 request-timeout', async () => {
    const body = JSON.stringify({ reason: 'slow' });
    const head = `PUT /api/lists/block/0612345678 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const a = await rawRequest(http.url, head, [[200, body.slice(0, 5)], [500, body.slice(5, 8)], [500, body.slice(8, 10)], [500, body.slice(10)]]);
    expectDocumentedError(a, 408, 'request-timeout');
    expect(JSON.parse(a.body).message).toBe('the request body did not arrive within 1.5 s of its headers; nothing was applied');
  });

  it('a keep-alive connection carries many requests with bodies without piling up listeners', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => { warnings.push(`${w.name}: ${w.message}`); };
    process.on('warning', onWarning);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 30; i++) {
        const status = await new Promise<number>((resolve, reject) => {
          const req = httpRequest(`${http.url}/api/lists/block/06123456${String(i).padStart(2, '0')}`, {
            method: 'PUT', agent, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
          req.on('error', reject);
          req.end('{"reason":"kept alive"}');
        });
        expect(status).toBe(200);
      }
      await new Promise((r) => setTimeout(r, 100));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      agent.destroy();
    }
  });

  it('an import without the token gets its 401, and its trickling body is waited for no longer than bodyMs', async () => {
    const { length, pieces } = csvParts(40, 20, 300);
    // a keep-alive connection: the server, not the client, decides when it ends
    const a = await rawRequest(http.url, importHead(http.url, length, 'wrong-token-0123456789abcdef', 'keep-alive'), pieces.map((p) => [400, p]));
    expect(a.status).toBe(401);
    expect(a.ms).toBeGreaterThan(1400);
    expect(a.ms).toBeLessThan(3000);
  });
});

describe('at the default limits', () => {
  it('Node\'s whole-request limit on the server chut builds is a backstop behind the import\'s 10 min (Node\'s 60 s cut a steady upload with a 408)', async () => {
    // the Node server under Fastify, caught as it starts listening: createHttpServer does not hand it out
    const listen = vi.spyOn(NetServer.prototype, 'listen');
    let http: HttpServer | undefined;
    let servers: unknown[];
    try {
      http = await server(createMemoryStore());
      servers = [...listen.mock.contexts];
    } finally {
      listen.mockRestore();
    }
    try {
      const port = Number(new URL(http.url).port);
      const node = servers.find((s): s is NodeHttpServer => s instanceof NodeHttpServer && (s.address() as AddressInfo | null)?.port === port);
      expect(node).toBeDefined();
      // the limits the route-level watch applies by default (the injected-limit tests above show how it applies them)
      expect(REQUEST_LIMITS).toEqual({ bodyMs: 60_000, importStallMs: 60_000, importMs: 600_000 });
      // Node enforces requestTimeout on its own 30 s sweep: it must lie past the import's limit, not merely reach it
      expect(node?.requestTimeout).toBe(nodeRequestTimeout(REQUEST_LIMITS));
      expect(node?.requestTimeout).toBeGreaterThan(REQUEST_LIMITS.importMs);
    } finally {
      await http.close();
    }
  });
});

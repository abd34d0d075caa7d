/**
 * Closing the HTTP server (chut stopping) while clients hold connections: it must not wait for them. Node's own close
 * waited for a connection that had sent nothing yet and for a keep-alive connection whose answer was in progress,
 * until their client hung up (never, for a client that sends nothing), which held `chut run`'s stop past systemd's
 * TimeoutStopSec. An answer in progress still gets to finish, within the grace.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createHttpServer, createMetrics, type HttpServer } from '../../src/http/index.js';
import { silentLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/reputation/index.js';
import type { ScreeningService } from '../../src/screening/types.js';

const TOKEN = 'http-close-token-0123456789abcdef';
let http: HttpServer | undefined;
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  http = undefined;
});

/** An HTTP server whose `GET /api/stats` answers once `release()` is called. */
async function serve(closeGraceMs?: number): Promise<{ http: HttpServer; release: () => void; asked: Promise<void> }> {
  const store = createMemoryStore();
  const stats = store.stats.bind(store);
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  let asked!: () => void;
  const askedP = new Promise<void>((resolve) => { asked = resolve; });
  store.stats = async (q) => {
    asked();
    await released;
    return stats(q);
  };
  http = await createHttpServer({
    config: parseConfig({ http: { port: 0, token: TOKEN } }), screening: {} as ScreeningService, store, logger: silentLogger(),
    metrics: createMetrics(), adapters: [], ...(closeGraceMs !== undefined ? { closeGraceMs } : {}),
  });
  return { http, release, asked: askedP };
}

/** A raw connection to the server: resolves once connected; `ended` once the server has closed it. */
async function rawConnection(url: string): Promise<{ socket: Socket; ended: Promise<void> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  sockets.push(socket);
  socket.on('error', () => undefined);
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, ended };
}

it('closing ends at once the connections that have sent nothing, or half a request: it does not wait for their clients', async () => {
  const { http: server } = await serve();
  const silent = await rawConnection(server.url);
  const half = await rawConnection(server.url);
  half.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // the headers' end never comes
  // a keep-alive connection that has had its answer, waiting for its next request (Node ended these already)
  const used = await rawConnection(server.url);
  used.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await new Promise<void>((resolve) => used.socket.once('data', () => resolve()));

  await server.close();
  // every one of them was closed by the server, the test's clients still holding theirs
  await Promise.all([silent.ended, half.ended, used.ended]);
});

it('an answer in progress when closing begins is sent whole, as its connection\'s last, and then the server is closed', async () => {
  const { http: server, release, asked } = await serve();
  const answer = fetch(`${server.url}/api/stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
  await asked;
  const closed = server.close();
  release();
  const res = await answer;
  expect(res.status).toBe(200);
  expect(res.headers.get('connection')).toBe('close');
  expect(await res.json()).toHaveProperty('total');
  // fetch keeps its connections open for their next request: the server ended this one after the answer
  await closed;
});

it('an answer still in progress after the grace is cut, and closing ends', async () => {
  const { http: server, asked } = await serve(200);
  const answer = fetch(`${server.url}/api/stats`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.status, (err: Error) => err.name);
  await asked;
  await server.close(); // the store never answers
  expect(await answer).toBe('TypeError'); // fetch failed: the connection was closed under it
});

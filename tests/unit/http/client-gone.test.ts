/** When a request's client counts as gone (clientGoneSignal), and what storeCall makes of a client gone. */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { ClientGoneError, clientGoneSignal, routeContext } from '../../../src/http/context.js';
import { HttpError } from '../../../src/http/errors.js';
import { createMetrics } from '../../../src/http/metrics.js';
import { silentLogger } from '../../../src/logger.js';
import type { ReputationStore } from '../../../src/reputation/types.js';
import type { ScreeningService } from '../../../src/screening/types.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** A server whose handler reads the body, waits `holdMs`, then answers; reports its request's signal. */
async function serve(holdMs: number): Promise<{ url: string; signals: AbortSignal[]; answered: Promise<void>[] }> {
  const signals: AbortSignal[] = [];
  const answered: Promise<void>[] = [];
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const gone = clientGoneSignal(res);
    signals.push(gone);
    answered.push(new Promise((resolve) => {
      req.resume().on('end', () => setTimeout(() => { res.end(`aborted=${gone.aborted}`); resolve(); }, holdMs));
    }));
  });
  await new Promise<void>((r) => (server as Server).listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, signals, answered };
}

it('a request answered in full, its body read first, never counts as its client gone', async () => {
  const { url, signals } = await serve(50);
  // a POST's request emits 'close' once its body is read: the client is still waiting for its answer
  const res = await fetch(`${url}/x`, { method: 'POST', body: 'y'.repeat(100_000) });
  expect(await res.text()).toBe('aborted=false');
  expect((await fetch(`${url}/x`)).status).toBe(200);
  await new Promise((r) => setTimeout(r, 20)); // the responses' 'close'
  expect(signals.map((s) => s.aborted)).toEqual([false, false]);
});

it('a client that closes its connection before the answer aborts the signal with ClientGoneError', async () => {
  const { url, signals, answered } = await serve(200);
  const req = request(`${url}/x`).on('error', () => { /* destroyed below */ });
  req.end();
  await new Promise((r) => setTimeout(r, 50));
  req.destroy();
  await answered[0]; // writing to the closed response afterwards is harmless
  expect(signals[0]?.aborted).toBe(true);
  expect(signals[0]?.reason).toBeInstanceOf(ClientGoneError);
});

it('storeCall passes the client leaving to the operation, and does not count or answer it as a store failure', async () => {
  const metrics = createMetrics();
  const ctx = routeContext({
    config: parseConfig({}), screening: {} as ScreeningService, store: {} as ReputationStore, logger: silentLogger(),
    metrics, adapters: [],
  });
  const gone = new AbortController();
  const req = { clientGone: gone.signal, log: silentLogger() } as unknown as FastifyRequest;
  const walk = ctx.storeCall(req, 'calls', (signal) => new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason));
  }));
  gone.abort(new ClientGoneError('gone'));
  const err = await walk.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HttpError);
  expect(err).toMatchObject({ statusCode: 499, code: 'client-gone' });
  expect(await metrics.registry.getSingleMetricAsString('chut_redis_errors_total')).not.toMatch(/operation="calls"/);
});

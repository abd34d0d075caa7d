/** GET /healthz (public): every PBX connection and the store; 200 when all are ready, 503 otherwise. */
import type { FastifyInstance } from 'fastify';
import { SchemaError } from '../../reputation/index.js';
import { withTimeout, type RouteContext } from '../context.js';

const PING_TIMEOUT_MS = 1000;

export function registerHealth(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/healthz', { config: { public: true } }, async (_req, reply) => {
    const adapters = ctx.adapters.map((a) => {
      const status = a.status();
      ctx.metrics.setAdapterStatus(a.name, status);
      // /healthz is public: a connection error names internal hosts and ports (`connect ECONNREFUSED 10.0.0.5:8088`);
      // it is in chut's log, not here
      const { lastError: _hidden, ...shown } = status as typeof status & { lastError?: string };
      return { name: a.name, ready: status.state === 'ready', ...shown };
    });
    let store: { ready: boolean; error?: string };
    try {
      await withTimeout(ctx.store.ping(), PING_TIMEOUT_MS, 'store ping');
      store = { ready: true };
    } catch (err) {
      ctx.metrics.redisError('ping');
      // /healthz is public: say what failed, never how the store is reached.
      store = { ready: false, error: err instanceof SchemaError ? 'schema' : /timed out/.test(String(err)) ? 'timeout' : 'unreachable' };
    }
    const ok = store.ready && adapters.every((a) => a.ready);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', store, adapters });
  });
}

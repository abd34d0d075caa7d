/**
 * GET /healthz (public): every PBX connection and the store; 200 when all are ready, 503 otherwise.
 *
 * The store is ready when it answers and can screen and record calls: a Redis that answers but refuses writes
 * (maxmemory reached, a replica since a failover, a failed save to disk, too few replicas: redis-errors.ts
 * isRedisWriteRefusal) is `refuses-writes`, and a store whose latest screening lookup or call record failed within
 * the last minute, none succeeding since, is `degraded` (the store's health(); a store without one is asked ping()).
 */
import type { FastifyInstance } from 'fastify';
import { SchemaError, StoreHealthError } from '../../reputation/index.js';
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
      const probe = ctx.store.health ? ctx.store.health() : ctx.store.ping();
      await withTimeout(probe, PING_TIMEOUT_MS, 'store ping');
      store = { ready: true };
    } catch (err) {
      // `degraded` is no error of the probe: the call path's own errors were counted as they happened
      if (!(err instanceof StoreHealthError && err.trouble === 'degraded')) ctx.metrics.redisError('ping');
      // /healthz is public: say what failed, never how the store is reached.
      store = { ready: false, error: errorName(err) };
    }
    const ok = store.ready && adapters.every((a) => a.ready);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', store, adapters });
  });
}

function errorName(err: unknown): string {
  if (err instanceof SchemaError) return 'schema';
  if (err instanceof StoreHealthError) return err.trouble;
  return /timed out/.test(String(err)) ? 'timeout' : 'unreachable';
}

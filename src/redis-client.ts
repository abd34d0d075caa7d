/** Builds the ioredis client from config: a URL, or Sentinel (Redis's own HA; nothing home-made). */
import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from './config.js';

export interface RedisClientOptions {
  /** Call path: fail fast when disconnected (the screener rings) instead of queueing commands. */
  failFast: boolean;
}

/** Capped exponential backoff with jitter: 100 ms … 5 s. */
export function redisRetryDelay(attempt: number): number {
  const base = Math.min(5000, 100 * 2 ** Math.min(attempt, 6));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

export function createRedisClient(cfg: Config['redis'], opts: RedisClientOptions): Redis {
  const common: RedisOptions = {
    connectTimeout: cfg.connectTimeoutMs,
    maxRetriesPerRequest: opts.failFast ? 1 : 2,
    enableOfflineQueue: !opts.failFast,
    retryStrategy: redisRetryDelay,
    lazyConnect: false,
  };
  if (cfg.sentinel) {
    return new Redis({
      ...common,
      sentinels: cfg.sentinel.hosts,
      name: cfg.sentinel.name,
      ...(cfg.sentinel.password ? { sentinelPassword: cfg.sentinel.password, password: cfg.sentinel.password } : {}),
    });
  }
  return new Redis(cfg.url, common);
}

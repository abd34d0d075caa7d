/** What the route modules share: the injected dependencies plus a guarded way to call the store. */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ReputationStore } from '../reputation/types.js';
import type { PbxAdapter, ScreeningService } from '../screening/types.js';
import { HttpError } from './errors.js';
import type { Metrics } from './metrics.js';

export interface HttpDeps {
  config: Readonly<Config>;
  screening: ScreeningService;
  store: ReputationStore;
  logger: Logger;
  metrics: Metrics;
  adapters: PbxAdapter[];
  /** Epoch ms; tests may pin it. */
  clock?: () => number;
  /** How long an API import may write before it is stopped and undone (default 60 s); tests may shorten it. */
  importTimeLimitMs?: number;
}

/** An API request waits this long for the store, then answers 503 rather than hanging. */
const STORE_TIMEOUT_MS = 5000;

export interface RouteContext extends HttpDeps {
  now(): number;
  /** Runs a store operation; a failure or a timeout is counted, logged and answered 503 (the store, not the
   * request, is wrong). */
  storeCall<T>(operation: string, fn: () => Promise<T>, timeoutMs?: number): Promise<T>;
}

export function routeContext(deps: HttpDeps): RouteContext {
  const now = deps.clock ?? Date.now;
  return {
    ...deps,
    now,
    async storeCall<T>(operation: string, fn: () => Promise<T>, timeoutMs = STORE_TIMEOUT_MS): Promise<T> {
      try {
        return await withTimeout(fn(), timeoutMs, operation);
      } catch (err) {
        if (err instanceof HttpError) throw err;
        deps.metrics.redisError(operation);
        deps.logger.warn({ operation, err: String(err) }, 'store operation failed (HTTP API)');
        throw new HttpError(503, 'store-unavailable', `the reputation store did not answer (${operation}); try again later`);
      }
    },
  };
}

/** Resolves with the promise's value, or rejects after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

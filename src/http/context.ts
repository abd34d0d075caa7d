/** What the route modules share: the injected dependencies plus a guarded way to call the store. */
import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { isRedisClientError, isUnretryableReply } from '../redis-errors.js';
import { ImportUnconfirmedError, SchemaError, StoreHealthError } from '../reputation/index.js';
import type { ReputationStore } from '../reputation/types.js';
import type { PbxAdapter, ScreeningService } from '../screening/types.js';
import { HttpError, InternalError } from './errors.js';
import type { Metrics } from './metrics.js';
import type { RequestLimits } from './request-limits.js';
import type { ApiStoreOperation } from './store-operations.js';

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
  /** How long a request body may take to arrive (request-limits.ts REQUEST_LIMITS); tests may shorten them. */
  requestLimits?: Partial<RequestLimits>;
  /** How long a request waits for the store before its 503 (default STORE_TIMEOUT_MS); tests may shorten it. */
  storeTimeoutMs?: number;
  /** How long closing lets the answers in progress finish (default CLOSE_GRACE_MS, server.ts); tests may shorten it. */
  closeGraceMs?: number;
  /** How long an answer with data to send may go without any of it sent before it is cut (default RESPONSE_STALL_MS,
   * response-stall.ts); tests may shorten it. */
  responseStallMs?: number;
}

/**
 * An API request waits this long for the store, then answers 503 rather than hanging. Each Redis command has its own,
 * shorter bound (the call path's client: CALL_PATH_TIMEOUTS.commandTimeout, 2 s), which is what usually ends it.
 */
const STORE_TIMEOUT_MS = 5000;

/** The store did not answer within storeCall's time limit. */
export class StoreTimeoutError extends Error {
  override readonly name = 'StoreTimeoutError';
}

/** A store operation stopped at a route's own time limit (an import's), what it wrote undone: too slow a store, as
 * StoreTimeoutError, but nothing is left applied (what could not be undone is an ImportUnconfirmedError). */
export class StoreStoppedError extends Error {
  override readonly name = 'StoreStoppedError';
}

/**
 * Whether a failed store operation may still have been applied: the write was sent but Redis did not confirm it. A
 * timeout (ioredis's per-command `Command timed out`, or storeCall's own limit) does not stop Redis from running what
 * it received (a MULTI held up behind a slow command runs when its turn comes); neither does a connection that dropped
 * with the command sent (ioredis rejects those with an AbortError, or MaxRetriesPerRequestError when it gives up).
 * Anything else is a refusal that applied nothing: the command was never sent (connection down: `Stream isn't
 * writeable`), or Redis answered with an error.
 */
export function unconfirmed(err: unknown): boolean {
  if (err instanceof StoreTimeoutError || err instanceof ImportUnconfirmedError) return true;
  if (!(err instanceof Error)) return false;
  return err.message === 'Command timed out' || err.name === 'AbortError' || err.name === 'MaxRetriesPerRequestError';
}

/**
 * Whether a failed store operation failed for the store's sake (answered 503: Redis, or the connection to it, refused,
 * failed or was too slow; its keys are a newer chut's), rather than for a bug of chut's (answered 500). Anything not
 * known to be the store's is a bug: telling a client to try again later would never help, and would hide it. So is a
 * reply of Redis's that no retry clears (isUnretryableReply: a key of the wrong type under chut's prefix, an error in
 * one of chut's scripts, a command sent wrongly): chut's bug, or data damaged under its prefix.
 */
export function storeFailure(err: unknown): boolean {
  if (isUnretryableReply(err)) return false;
  return err instanceof StoreTimeoutError || err instanceof StoreStoppedError || err instanceof ImportUnconfirmedError ||
    err instanceof SchemaError || err instanceof StoreHealthError || unconfirmed(err) || isRedisClientError(err);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Aborted when the client closes its connection before its answer is complete (clientGoneSignal). */
    clientGone: AbortSignal;
  }
}

/** The client closed its connection before its answer was complete: nobody is left to answer. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

/**
 * A signal aborted (with a ClientGoneError) when the response's connection closes before the answer was complete:
 * the client hung up, or its connection broke. A response that finished never aborts it. Watches the response, not
 * the request: since Node 16 a request emits 'close' as soon as its body has been read, client still there.
 */
export function clientGoneSignal(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort(new ClientGoneError('the client closed its connection before the answer'));
  });
  return gone.signal;
}

export interface RouteContext extends HttpDeps {
  now(): number;
  /** Runs a store operation for `req`; a failure of the store's (storeFailure) or a timeout is counted, logged and
   * answered 503 (the store, not the request, is wrong); any other error is a bug of chut's (or data damaged under its
   * prefix): logged at error level with its stack and answered `500 internal` (counted apart, by the error handler).
   * An HttpError the operation throws is answered as it is.
   * `signal` is aborted once that answer is decided, or when the client goes away before it (req.clientGone): an
   * operation that reads in several round trips (the calls page, the stats' top callers) stops there, rather than going
   * on for a client already answered, or gone. */
  storeCall<T>(req: FastifyRequest, operation: ApiStoreOperation, fn: (signal: AbortSignal) => Promise<T>, timeoutMs?: number): Promise<T>;
  /**
   * storeCall for a change (a list edit, a report): a failure after which the change may still be applied (see
   * unconfirmed) is answered `503 store-timeout`, saying so, rather than `store-unavailable`, which means nothing was
   * applied; a bug's 500 says the change may or may not have been applied.
   */
  storeWrite<T>(req: FastifyRequest, operation: ApiStoreOperation, fn: (signal: AbortSignal) => Promise<T>, timeoutMs?: number): Promise<T>;
}

export function routeContext(deps: HttpDeps): RouteContext {
  const now = deps.clock ?? Date.now;
  const storeTimeoutMs = deps.storeTimeoutMs ?? STORE_TIMEOUT_MS;
  async function guarded<T>(req: FastifyRequest, operation: ApiStoreOperation, fn: (signal: AbortSignal) => Promise<T>, timeoutMs: number, write: boolean): Promise<T> {
    const answered = new AbortController();
    const clientGone = req.clientGone;
    const onClientGone = () => answered.abort(clientGone.reason);
    if (clientGone.aborted) onClientGone();
    else clientGone.addEventListener('abort', onClientGone, { once: true });
    try {
      return await withTimeout(fn(answered.signal), timeoutMs, operation);
    } catch (err) {
      answered.abort(err);
      if (err instanceof HttpError) throw err;
      if (err instanceof ClientGoneError) {
        // the operation stopped because nobody waits for it: not a store failure, nothing to count or warn about. The
        // answer goes nowhere (writing to the closed response is a no-op); 499 is nginx's "client closed request".
        req.log.debug({ operation }, 'store operation stopped: the client went away');
        throw new HttpError(499, 'client-gone', `${operation} stopped: the client closed its connection`);
      }
      if (!storeFailure(err)) {
        // not the store's failure: not counted as a Redis error, and the answer holds no text of it (it may name
        // internals); the log has it whole. A record the store refuses reaches here only when chut built it (a
        // report's): routes whose records are the request's answer it 400 themselves (refused-record.ts).
        deps.logger.error({ operation, err }, isUnretryableReply(err)
          ? 'Redis answered that a store operation is wrong, which no retry clears (HTTP API): a bug in chut, or its keys damaged'
          : 'store operation failed on an unexpected error (HTTP API): a bug in chut');
        // a script or a MULTI is not undone when one of its commands fails: a change may be applied in part
        throw new InternalError(operation, `chut failed on an unexpected error (${operation}); see the chut log` +
          (write ? ': the change may or may not have been applied; check before retrying' : ''));
      }
      deps.metrics.redisError(operation);
      if (err instanceof SchemaError) {
        // Redis answered: its keys are a newer chut's. Nothing was applied, and no retry will help; behind the token,
        // the prefix and version may be named (/healthz, public, says only `schema`).
        deps.logger.warn({ operation, err: err.message }, 'store refused (HTTP API): the Redis keys are not for this chut');
        throw new HttpError(503, 'store-schema', `Redis holds keys this chut cannot use (${operation}): ${err.message}`);
      }
      if (write && err instanceof ImportUnconfirmedError && !err.undone) {
        // not "may or may not have been applied": the blocks Redis confirmed stay written, and sending the file again
        // (not checking entries one by one) is what applies it whole
        deps.logger.warn({ operation, err: err.message }, 'import failed part-way and could not be undone (HTTP API)');
        throw new HttpError(503, 'store-timeout', `the import failed part-way and what it wrote could not be undone (${operation}): ` +
          'part of the file may be applied; send the file again to apply it whole');
      }
      if (write && unconfirmed(err)) {
        deps.logger.warn({ operation, err: String(err) }, 'store write unconfirmed (HTTP API): it may still be applied');
        throw new HttpError(503, 'store-timeout', `the reputation store did not confirm the change in time (${operation}): ` +
          'it may or may not have been applied; check before retrying');
      }
      deps.logger.warn({ operation, err: String(err) }, 'store operation failed (HTTP API)');
      throw new HttpError(503, 'store-unavailable', `the reputation store did not answer (${operation}); try again later`);
    } finally {
      clientGone.removeEventListener('abort', onClientGone);
    }
  }
  return {
    ...deps,
    now,
    storeCall: (req, operation, fn, timeoutMs = storeTimeoutMs) => guarded(req, operation, fn, timeoutMs, false),
    storeWrite: (req, operation, fn, timeoutMs = storeTimeoutMs) => guarded(req, operation, fn, timeoutMs, true),
  };
}

/** Resolves with the promise's value, or rejects after `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

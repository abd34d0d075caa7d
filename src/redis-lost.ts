/**
 * A command the connection to Redis lost before Redis answered it (it may have been applied), said in words: ioredis
 * fails it with `Reached the max retries per request limit (which is 0). Refer to "maxRetriesPerRequest" option for
 * details.`, which names neither what happened nor why. Why is the connection's own last error, kept per client.
 */
import type { Redis } from 'ioredis';
import { errorLine, writeRefusalLine } from './redis-errors.js';

const lastErrors = new WeakMap<Redis, Error>();

/** Keeps `redis`'s last connection error until it is ready again (a Sentinel's own connection is not the client's). */
export function rememberConnectionErrors(redis: Redis): Redis {
  redis.on('error', (err: Error) => { if (err.name !== 'SentinelConnectionError') lastErrors.set(redis, err); });
  redis.on('ready', () => { lastErrors.delete(redis); });
  return redis;
}

/** ioredis's errors for a command sent on a connection that was lost before the reply: flushed when it closed,
 * aborted with it (a pipeline half answered; not an AbortSignal's AbortError), or written to it as it closed. */
export function isLostConnection(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === 'MaxRetriesPerRequestError' || err.message === 'Connection is closed.' ||
    (err.name === 'AbortError' && /due to connection close/.test(err.message));
}

/** `err` as one line: a lost connection as `no reply from Redis for 30 s` (socketTimeout ended it) or `connection to
 * Redis lost: read ECONNRESET`; a refused MULTI as the refusal inside it; any other error as itself. Read it when the command fails: a new connection forgets. */
export function redisErrorLine(err: unknown, redis: Redis): string {
  if (!isLostConnection(err)) return writeRefusalLine(err);
  const cause = lastErrors.get(redis);
  const silentMs = cause && /^Socket timeout\b.*?(\d+) ?ms/.exec(cause.message)?.[1];
  if (silentMs) return `no reply from Redis for ${Math.round(Number(silentMs) / 1000)} s`;
  return cause ? `connection to Redis lost: ${errorLine(cause)}` : 'connection to Redis lost';
}

/**
 * Why a CLI's first contact with Redis failed, decided once for the commands that open a store (context.ts) and for
 * check-config's Redis line (redis-probe.ts): each words the kinds its own way, in the same order of precedence.
 */
import type { Redis } from 'ioredis';
import { closedBecause, redactRedisSecrets } from '../redis-client.js';
import { asClause, errorLine, isRedisAuthError, isRedisWriteRefusal, writeRefusalLine } from '../redis-errors.js';

/** Where the secrets to keep out of a message are: the URL's password, Sentinel's passwords. */
type RedisSecrets = Parameters<typeof redactRedisSecrets>[1];

export type RedisFailure =
  /** chut closed the client itself (a database number the server does not have): `cause` says why. */
  | { kind: 'closed'; cause: string }
  /** Redis refused the credentials (WRONGPASS, NOAUTH): a configuration error, not an outage. */
  | { kind: 'credentials'; cause: string }
  /** Redis answered but refuses writes (OOM, READONLY, MISCONF, NOREPLICAS). */
  | { kind: 'writes-refused'; cause: string }
  /** No usable answer: the socket's own error, or how long nothing came. */
  | { kind: 'unreachable'; cause: string };

/**
 * `err` is what the first command rejected with, `lastSocketError` the client's last 'error' event (the socket's
 * own error, which ioredis hides behind "max retries per request"), `waitedMs` how long the caller waited. Every
 * `cause` is one line, phrased as a clause, with the URL's password redacted.
 */
export function classifyRedisFailure(
  err: unknown,
  redis: Redis,
  lastSocketError: Error | undefined,
  cfg: RedisSecrets,
  waitedMs: number,
): RedisFailure {
  const why = closedBecause.get(redis);
  if (why) return { kind: 'closed', cause: asClause(why) };
  const auth = [err, lastSocketError].find(isRedisAuthError);
  if (auth) return { kind: 'credentials', cause: asClause(redactRedisSecrets(errorLine(auth), cfg)) };
  if (isRedisWriteRefusal(err)) return { kind: 'writes-refused', cause: asClause(redactRedisSecrets(writeRefusalLine(err), cfg)) };
  return { kind: 'unreachable', cause: asClause(unreachableCause(err, lastSocketError, cfg, waitedMs)) };
}

/** What went wrong, in one line: the socket's own error (`connect ECONNREFUSED 127.0.0.1:1`) rather than the
 * client's "max retries per request" that hides it; never a password from the URL. */
export function unreachableCause(err: unknown, lastSocketError: Error | undefined, cfg: RedisSecrets, waitedMs: number): string {
  const e = err as Error;
  const wrapped = e.name === 'MaxRetriesPerRequestError' || e.message === 'timed out' || /max retries per request/i.test(e.message);
  const cause = wrapped ? lastSocketError ?? (e.message === 'timed out' ? null : e) : e;
  const text = cause ? errorLine(cause) : `no answer within ${waitedMs} ms`;
  return redactRedisSecrets(text, cfg);
}

/** What Redis's errors mean to chut: one line for a log, refused credentials, refused writes, a replica. */

/** An error as one line: Node's connection to `localhost` tries ::1 and 127.0.0.1, and the AggregateError it raises
 * has no message of its own. */
export function errorLine(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.message) return err.message;
  const inner = (err as Partial<AggregateError>).errors;
  if (Array.isArray(inner) && inner.length) return inner.map((x: unknown) => (x instanceof Error ? x.message : String(x))).join('; ');
  return (err as NodeJS.ErrnoException).code ?? err.name;
}

/** A reply set inside chut's own sentence: Redis ends some with a period (`… user is disabled.`), and `${line}. Check …`
 * would read `disabled.. Check`. */
export function asClause(line: string): string {
  return line.replace(/\.+$/, '');
}

/** Redis refused the credentials (a wrong password or user), or wants some and got none: a configuration error. */
export function isRedisAuthError(err: unknown): boolean {
  return err instanceof Error && /^(WRONGPASS|NOAUTH)\b|^ERR invalid (username-)?password/i.test(err.message);
}

/** What the CLI and the logs say of a write refusal (isRedisWriteRefusal): Redis answers, it is not "unreachable". */
export const WRITES_REFUSED = 'Redis refuses writes (out of memory / read-only replica / cannot save to disk / too few replicas)';

/**
 * Redis answered but refused a write:
 * - `OOM command not allowed when used memory > 'maxmemory'`: maxmemory reached and nothing it may evict;
 * - `READONLY You can't write against a read only replica`;
 * - `MISCONF …`: it cannot persist (a background save or an AOF write failed, a full disk is the classic case) and
 *   `stop-writes-on-bgsave-error` is on; it refuses PING too, but still answers reads and scripts that only read;
 * - `NOREPLICAS Not enough good replicas to write`: fewer replicas answer than its `min-replicas-to-write`;
 * also a MULTI aborted for one of them (`EXECABORT`, the refusal among the errors ioredis attaches as `previousErrors`).
 */
export function isRedisWriteRefusal(err: unknown): boolean {
  return refusalIn(err, new Set());
}

/** A MULTI whose connection was lost fails every command with one error, which ioredis then lists among its own
 * `previousErrors`: `seen` ends that loop (it overflowed the stack). */
function refusalIn(err: unknown, seen: Set<unknown>): boolean {
  if (!(err instanceof Error) || seen.has(err)) return false;
  seen.add(err);
  if (/^(OOM|READONLY|MISCONF|NOREPLICAS)\b/.test(err.message)) return true;
  const previous = (err as { previousErrors?: unknown }).previousErrors;
  return Array.isArray(previous) && previous.some((e) => refusalIn(e, seen));
}

/** The refusal itself (`OOM command not allowed…`), not the EXECABORT that wraps it, as one line. */
export function writeRefusalLine(err: unknown): string {
  const previous = (err as { previousErrors?: unknown } | null)?.previousErrors;
  const inner = Array.isArray(previous) ? previous.find((e) => e !== err && isRedisWriteRefusal(e)) : undefined;
  return errorLine(inner ?? err);
}

/** `READONLY You can't write against a read only replica` (redis-replica.ts follows it). */
export function isReadonlyReply(err: unknown): boolean {
  return err instanceof Error && /^READONLY\b/.test(err.message);
}

/** ioredis's own error classes, by name (their classes are not all exported): redis-errors' (a reply, a reply it could
 * not parse, a command aborted with its connection) and those it adds (the retries per command used up). */
const REDIS_CLIENT_ERROR_NAMES: ReadonlySet<string> = new Set([
  'RedisError', 'ReplyError', 'ParserError', 'AbortError', 'InterruptError', 'MaxRetriesPerRequestError', 'ClusterAllFailedError',
]);

/** What ioredis rejects a command with as a plain Error (the connection closed, or not writable, or no reply in time),
 * and chut's Redis store its own (an EXEC that returned nothing, a MULTI reply missing). */
const REDIS_CLIENT_ERROR_MESSAGES = /^(Connection is closed\.|Stream isn't writeable|Command timed out$|Socket timeout\b|connect ETIMEDOUT$|Redis transaction aborted$|no reply$)/;

/**
 * An error from Redis or from the connection to it, as a command gets it: Redis's reply (a refusal, a wrong password,
 * a script's error), or ioredis's for a command it could not send or got no answer to, or the socket's own (a system
 * call's error: ECONNRESET, EPIPE…). Anything else a store operation throws is none of Redis's doing.
 */
export function isRedisClientError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (REDIS_CLIENT_ERROR_NAMES.has(err.name) || REDIS_CLIENT_ERROR_MESSAGES.test(err.message)) return true;
  if (typeof (err as NodeJS.ErrnoException).syscall === 'string') return true;
  return isRedisWriteRefusal(err) || isRedisAuthError(err);
}

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

/**
 * Replies that say "not now": Redis loading, busy with a script, a replica or without its master during a failover,
 * out of memory, unable to save to disk, too few replicas, a cluster slot moving, credentials or permissions refused.
 * The server's state or set-up, not the command: the same command may pass later, or once the operator has acted.
 */
export const NOT_NOW_REPLY = /^(LOADING|BUSY|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|OOM|MISCONF|NOAUTH|WRONGPASS|NOPERM)\b/;

/** Replies to a command sent wrongly, or run on a value it cannot use (of the wrong type, or a text where a number
 * is kept): the same command on the same data always gets them. */
const WRONG_COMMAND_REPLY =
  /^(WRONGTYPE |ERR (wrong number of arguments|syntax error|(hash )?value is (not|out of range)|increment or decrement would overflow|increment would produce NaN|min or max |Invalid stream ID))/;

/**
 * The reply inside an error one of chut's Lua scripts raised, or null when `message` is no script's. Redis 7 keeps the
 * reply's own code and appends where it came from (`WRONGTYPE … script: <sha>, on @user_script:<line>.`, a Lua error
 * as `ERR user_script:<line>: …`); Redis 6.2 wraps it (`ERR Error running script (call to f_<sha>): @user_script:<line>:
 * <reply>`, a refusal as `@user_script: <line>: -OOM …`).
 */
function scriptReply(message: string): string | null {
  const redis7 = /^(.*) script: \S+, on @user_\w+:\d+\.$/s.exec(message);
  if (redis7) return redis7[1] as string;
  const redis6 = /^ERR Error running script \(call to [^)]*\): (?:@user_script: ?\d+: )*-?(.*)$/s.exec(message);
  return redis6 ? (redis6[1] as string) : null;
}

/**
 * Redis answered that chut's own command or script is wrong, or the data it met under chut's prefix: no retry will
 * clear it (a bug in chut, or damaged data), unlike an outage or a refusal for now, which may pass. Such replies are
 * - `WRONGTYPE`: a key of the wrong type (a string where chut keeps a hash), in a script or not;
 * - any error raised inside one of chut's scripts (a Lua error, a command it called wrongly, a value it cannot read),
 *   unless what it met is a "not now" reply (NOT_NOW_REPLY) or an operator's SCRIPT KILL (a killed script wrote
 *   nothing, Redis refuses to kill one that did: it may well pass next time);
 * - a command's own arguments refused (WRONG_COMMAND_REPLY);
 * - an EXECABORT when a command of its MULTI got one of these (ioredis attaches them as `previousErrors`).
 * Any other reply, a plain `ERR` among them (`max number of clients reached`, a command renamed or disabled), is the
 * server's state or set-up; an error that is no reply (the connection's, a timeout, chut's own) is none of these.
 */
export function isUnretryableReply(err: unknown): boolean {
  return unretryableIn(err, new Set());
}

/** `seen`: a MULTI whose connection was lost lists its own error among its previous ones. */
function unretryableIn(err: unknown, seen: Set<unknown>): boolean {
  if (!(err instanceof Error) || err.name !== 'ReplyError' || seen.has(err)) return false;
  seen.add(err);
  if (/^EXECABORT\b/.test(err.message)) {
    const previous = (err as { previousErrors?: unknown }).previousErrors;
    return Array.isArray(previous) && previous.some((e) => unretryableIn(e, seen));
  }
  const inScript = scriptReply(err.message);
  if (inScript === null) return WRONG_COMMAND_REPLY.test(err.message);
  return !NOT_NOW_REPLY.test(inScript) && !/^(ERR )?Script killed by user\b/.test(inScript);
}

/** Builds the ioredis client from config: a URL, or Sentinel (Redis's own HA; nothing home-made). */
import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { keyspace, SCHEMA_VERSION } from './reputation/keys.js';
import { backoffDelay } from './retry.js';

export interface RedisClientOptions {
  /** Call path: fail fast when disconnected (the screener rings) instead of queueing commands. */
  failFast: boolean;
}

/** Capped exponential backoff with jitter: 100 ms … 5 s. */
export function redisRetryDelay(attempt: number): number {
  return backoffDelay(attempt, 100, 5000);
}

/** Under Sentinel: 100 ms … 1 s. */
export function sentinelRetryDelay(attempt: number): number {
  return backoffDelay(attempt, 100, 1000);
}

/**
 * The call path's bounds on a Redis that hangs without closing the connection (process stopped, stuck disk, paused
 * VM, black-holed network). `commandTimeout` lets the call ring, but ioredis keeps each timed-out command queued (and
 * its bytes in the socket's buffer) until Redis answers or TCP gives up, minutes later or never: memory would grow
 * with every call. `socketTimeout`: no byte from Redis for that long while commands wait means the connection is
 * dead; ioredis destroys it (freeing both queues; its commands were already rejected by their own timeout) and
 * reconnects, and with the offline queue off nothing is queued meanwhile: calls fail at once and ring. A busy Redis
 * that answers slowly is not dropped: any reply re-arms the timer. No resend of unanswered commands after the
 * reconnect (ioredis's default): their callers failed open long ago, and a post-call write sent again minutes later
 * would land after newer ones (the last caller `*77` reports would go back in time).
 */
export const CALL_PATH_TIMEOUTS = { commandTimeout: 2000, socketTimeout: 3000, autoResendUnfulfilledCommands: false } as const satisfies RedisOptions;

/**
 * A server that answers `READONLY` is a replica. Either a failover demoted it while chut's connection to it stayed
 * open (Redis keeps normal clients across a `REPLICAOF`, and only Sentinel kills them: with a plain URL, a virtual IP,
 * the DNS name of a managed primary endpoint or a manual `REPLICAOF`, chut would stay on the replica until restarted,
 * every call recorded nowhere), or redis.url names a replica (the old master's own address after a failover, an
 * endpoint whose DNS has not moved yet). Reconnecting at each refused write (ioredis `reconnectOnError`) follows the
 * first case, but loops in the second: every refused record, backlog retry and /healthz probe dropped the connection,
 * and the lookups sent meanwhile failed (their calls rang unscreened). So a READONLY reply reconnects nothing by
 * itself: it makes chut ask, on a connection of its own, where the URL (or the Sentinels) leads now, with the same
 * harmless write as /healthz (`HSETNX P schema version`). Only when that lands on a server that takes writes (a
 * primary: out of memory, or unable to persist, counts too) is the client's connection dropped, without resending
 * anything, to reconnect there. While the URL still leads to a replica, the calls go on being screened from its copy
 * on the connection that is open, and chut asks again after a backoff (1 s, doubling up to 30 s), reset once Redis
 * takes a write.
 */
export function isReadonlyReply(err: unknown): boolean {
  return err instanceof Error && /^READONLY\b/.test(err.message);
}

/** How long apart the checks of where redis.url leads may be, while it leads to a replica: 1 s, doubling, to 30 s. */
export function replicaCheckDelay(checks: number): number {
  return backoffDelay(checks, 1000, 30_000);
}

export type ServerRole = 'primary' | 'replica' | 'unknown';

/** Where a new connection made with a client's own options leads: a server that takes writes, a replica, or unknown
 * (no connection, the database refused, any other reply). Writes nothing that is not there already. */
async function whereItLeads(client: Redis, schemaKey: string): Promise<ServerRole> {
  const probe = client.duplicate({
    lazyConnect: true, enableOfflineQueue: true, maxRetriesPerRequest: 0, retryStrategy: () => null, reconnectOnError: null,
    commandTimeout: CALL_PATH_TIMEOUTS.commandTimeout, autoResendUnfulfilledCommands: false,
    failoverDetector: false, sentinelRetryStrategy: () => null,
  });
  let wrongDatabase = false;
  probe.on('error', (err: unknown) => { if (/DB index is out of range/i.test(errorLine(err))) wrongDatabase = true; });
  const stop = () => probe.disconnect();
  client.once('end', stop); // the client closed meanwhile (chut stopping): so does its probe
  try {
    await probe.connect();
    // ioredis goes on with database 0 when SELECT fails (refuseWrongDatabase): nothing is written there
    if (wrongDatabase) return 'unknown';
    await probe.hsetnx(schemaKey, 'version', SCHEMA_VERSION);
    return 'primary';
  } catch (err) {
    if (isReadonlyReply(err)) return 'replica';
    return isRedisWriteRefusal(err) ? 'primary' : 'unknown';
  } finally {
    client.off('end', stop);
    probe.disconnect();
  }
}

/** What a client does on READONLY replies (see isReadonlyReply), and what it tells logRedisConnection. */
class ReplicaFollower {
  /** Checks since Redis last took a write: they set the backoff. */
  private checks = 0;
  private notBefore = 0;
  private checking = false;
  private saidStillReplica = false;
  /** Set by logRedisConnection. */
  onStillReplica: (() => void) | null = null;
  onPrimaryFound: (() => void) | null = null;

  constructor(private readonly client: Redis, private readonly schemaKey: string) {}

  readonlySeen(): void {
    if (this.checking || Date.now() < this.notBefore || this.client.status !== 'ready') return;
    this.checking = true;
    this.checks++;
    void whereItLeads(this.client, this.schemaKey).catch((): ServerRole => 'unknown').then((role) => {
      this.checking = false;
      // from the check's end: a check that waited out its timeout is not followed by another at once
      this.notBefore = Date.now() + replicaCheckDelay(this.checks);
      if (this.client.status !== 'ready') return;
      if (role === 'primary') {
        this.onPrimaryFound?.();
        this.client.disconnect(true); // not resent: the refused command's caller failed open already
      } else if (role === 'replica' && !this.saidStillReplica) {
        this.saidStillReplica = true;
        this.onStillReplica?.();
      }
    });
  }

  writesTaken(): void {
    if (this.checks === 0) return;
    this.checks = 0;
    this.notBefore = 0;
    this.saidStillReplica = false;
  }
}

const followers = new WeakMap<Redis, ReplicaFollower>();

/** The store saw a READONLY reply (one its lookup script caught, which reaches no reconnectOnError). */
export function readonlySeen(redis: Redis): void {
  followers.get(redis)?.readonlySeen();
}

/** The store saw Redis take a write: the next READONLY is checked at once. */
export function writesTaken(redis: Redis): void {
  followers.get(redis)?.writesTaken();
}

export function createRedisClient(cfg: Config['redis'], opts: RedisClientOptions): Redis {
  let follower: ReplicaFollower | null = null;
  const common: RedisOptions = {
    // never reconnects by itself (false): ReplicaFollower decides
    reconnectOnError: (err: Error) => {
      if (isReadonlyReply(err)) follower?.readonlySeen();
      return false;
    },
    connectTimeout: cfg.connectTimeoutMs,
    maxRetriesPerRequest: opts.failFast ? 1 : 2,
    enableOfflineQueue: !opts.failFast,
    // On the call path a Redis that accepts commands but never answers must not hold call state forever.
    ...(opts.failFast ? CALL_PATH_TIMEOUTS : {}),
    retryStrategy: redisRetryDelay,
    lazyConnect: false,
    // no auto-pipelining: measured (npm run bench) to raise single-call p99 here, for no throughput gain
  };
  if (cfg.sentinel) {
    const { password, redisPassword = password } = cfg.sentinel;
    const client = passOnSentinelErrors(new Redis({
      ...common,
      // The master's address changes under Sentinel: asking again every second at most finds the promoted
      // replica soon after a failover (calls ring until then).
      retryStrategy: sentinelRetryDelay,
      // Sentinel demotes a master that is still up only when it next looks at it (~10 s after a switchover); a
      // client that stays meanwhile writes to it, and its resync from the new master wipes those writes.
      // ioredis's detector listens for Sentinel's +switch-master and reconnects at once.
      failoverDetector: true,
      // the detector's own connections to a Sentinel that went away: 1 s, then longer, up to a minute
      sentinelReconnectStrategy: (attempt: number) => backoffDelay(attempt, 1000, 60_000),
      sentinels: cfg.sentinel.hosts,
      name: cfg.sentinel.name,
      ...(password ? { sentinelPassword: password } : {}),
      ...(redisPassword ? { password: redisPassword } : {}),
    }));
    follower = follow(client, cfg.prefix);
    return client;
  }
  const client = refuseWrongDatabase(new Redis(cfg.url, common));
  follower = follow(client, cfg.prefix);
  return client;
}

function follow(client: Redis, prefix: string): ReplicaFollower {
  const follower = new ReplicaFollower(client, keyspace(prefix).schema);
  followers.set(client, follower);
  return follower;
}

/** A failover-detector connection to a Sentinel failed (the master may be fine): emitted as the client's `error`. */
export class SentinelConnectionError extends Error {
  override readonly name = 'SentinelConnectionError';
}

/**
 * ioredis's failover detector opens its own connections to the Sentinels and gives them no error listener, so a
 * Sentinel that goes away makes ioredis print "[ioredis] Unhandled error event" and a stack to stderr at each retry,
 * outside chut's log. Their errors are passed on as the client's own `error` events instead. This reaches into
 * ioredis internals, guarded: if they change, nothing breaks, the stderr lines come back.
 */
function passOnSentinelErrors(redis: Redis): Redis {
  const handled = new WeakSet<object>();
  redis.on('ready', () => {
    const internals = redis as unknown as { connector?: { failoverDetector?: { sentinels?: Array<{ client?: Redis }> } } };
    for (const { client } of internals.connector?.failoverDetector?.sentinels ?? []) {
      if (!client || handled.has(client)) continue;
      handled.add(client);
      client.on('error', (err: Error) => { redis.emit('error', new SentinelConnectionError(`Sentinel connection error: ${err.message}`)); });
    }
  });
  return redis;
}

/** The reason a client was closed for good, when refuseWrongDatabase closed it. */
export const closedBecause = new WeakMap<Redis, string>();

/**
 * ioredis goes on with database 0 when its SELECT fails (an index past the server's `databases`): chut would read
 * and write another database than the one configured. Closed instead: the screener fails open and says why.
 */
function refuseWrongDatabase(redis: Redis): Redis {
  redis.on('error', (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (!/DB index is out of range/i.test(message)) return;
    closedBecause.set(redis, `the database in redis.url does not exist on this server (${message})`);
    redis.disconnect();
  });
  return redis;
}

/** The Redis store built on `redis`, whose close() also closes that client (the caller hands ownership over). */
export function closeClientWithStore<S extends { close(): Promise<void> }>(store: S, redis: Redis): S {
  const closeStore = store.close.bind(store);
  store.close = async () => {
    await closeStore();
    await redis.quit().catch(() => undefined);
    // quit() leaves the Sentinel failover detector's own connections open (ioredis 6 closes them only in
    // disconnect()): the process would never exit
    redis.disconnect();
  };
  return store;
}

/** `redis://:secret@host` → `redis://***@host`, and `?password=…` (ioredis reads credentials from the query too):
 * passwords never reach the terminal or logs. */
export function redactUrl(url: string): string {
  // up to the LAST @: a password may itself contain @ (or /) when the URL was typed by hand
  return url.replace(/\/\/.*@/, '//***@').replace(/([?&](?:password|pass|username|user)=)[^&#]*/gi, '$1***');
}

/** Where the configured Redis is, for logs and messages: its URL without credentials, or the Sentinel master's name. */
export function redisLocation(cfg: Pick<Config['redis'], 'url' | 'sentinel'>): string {
  return cfg.sentinel ? `sentinel ${cfg.sentinel.name}` : redactUrl(cfg.url);
}

/** An error as one line: Node's connection to `localhost` tries ::1 and 127.0.0.1, and the AggregateError it raises
 * has no message of its own. */
export function errorLine(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.message) return err.message;
  const inner = (err as Partial<AggregateError>).errors;
  if (Array.isArray(inner) && inner.length) return inner.map((x: unknown) => (x instanceof Error ? x.message : String(x))).join('; ');
  return (err as NodeJS.ErrnoException).code ?? err.name;
}

/** `text` with every password of the Redis settings (the URL's, raw and decoded, and Sentinel's) replaced by `***`. */
export function redactRedisSecrets(text: string, cfg: Pick<Config['redis'], 'url'> & { sentinel?: Config['redis']['sentinel'] }): string {
  let out = redactUrl(text);
  const secrets = [cfg.sentinel?.password, cfg.sentinel?.redisPassword];
  try {
    const password = new URL(cfg.url).password;
    secrets.push(password, safeDecode(password));
  } catch {
    // a URL config validation let through but URL cannot read: redactUrl above is all there is
  }
  for (const secret of new Set(secrets)) if (secret && secret.length >= 3) out = out.split(secret).join('***');
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
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
  if (!(err instanceof Error)) return false;
  if (/^(OOM|READONLY|MISCONF|NOREPLICAS)\b/.test(err.message)) return true;
  const previous = (err as { previousErrors?: unknown }).previousErrors;
  return Array.isArray(previous) && previous.some(isRedisWriteRefusal);
}

/** The refusal itself (`OOM command not allowed…`), not the EXECABORT that wraps it, as one line. */
export function writeRefusalLine(err: unknown): string {
  const previous = (err as { previousErrors?: unknown } | null)?.previousErrors;
  const inner = Array.isArray(previous) ? previous.find(isRedisWriteRefusal) : undefined;
  return errorLine(inner ?? err);
}

/** Distinct errors logged per outage at most (each is logged once; the rest of an outage adds nothing). */
const DISTINCT_ERRORS_LOGGED = 20;

/**
 * What a running chut says about its Redis connection, at info level and up: why it cannot connect (each distinct
 * reason once per outage, at warn; refused credentials at error, as the configuration error they are), when an
 * established connection is lost (warn) and when it is back (info), and where a READONLY reply led (ReplicaFollower:
 * reconnecting to the primary, or still a replica, said once until Redis takes writes again). Never a password. Not
 * per retry: the client retries every few seconds for as long as Redis is away.
 */
export function logRedisConnection(redis: Redis, cfg: Config['redis'], logger: Logger): void {
  const where = redisLocation(cfg);
  const logged = new Set<string>();
  let wasReady = false;
  let lostAt: number | null = null;
  let movingToPrimary = false;
  const leads = cfg.sentinel ? 'the master the Sentinels name' : 'redis.url';
  const follower = followers.get(redis);
  if (follower) {
    follower.onPrimaryFound = () => {
      movingToPrimary = true;
      logger.warn({ redis: where }, `Redis answered READONLY: the server is a replica now (a failover?); ${leads} leads to a primary: reconnecting to it`);
    };
    follower.onStillReplica = () => {
      logger.warn({ redis: where }, `Redis answered READONLY and is still a replica on a new connection: ${leads} leads to a read-only replica. ` +
        'Calls are screened from its copy, neither counted nor recorded, until it leads to the primary (checked again every 30 s at most)');
    };
  }
  redis.on('error', (err: unknown) => {
    // logged by their own handlers (app.ts): a Sentinel's connection, the database refused for good
    if (err instanceof SentinelConnectionError || closedBecause.has(redis)) return;
    const text = redactRedisSecrets(errorLine(err), cfg);
    if (logged.has(text) || logged.size >= DISTINCT_ERRORS_LOGGED) return;
    logged.add(text);
    if (isRedisAuthError(err)) {
      logger.error({ err: text, redis: where }, `Redis refused chut's credentials: a configuration error. Check the password (and user) in ${
        cfg.sentinel ? 'redis.sentinel (redisPassword, or password)' : 'redis.url or CHUT_REDIS_URL'}; every call rings unscreened until then`);
    } else {
      logger.warn({ err: text, redis: where }, 'Redis connection error');
    }
  });
  redis.on('reconnecting', () => {
    const said = movingToPrimary; // the move to the primary was logged as it began
    movingToPrimary = false;
    if (!wasReady || lostAt !== null) return;
    lostAt = Date.now();
    if (!said) logger.warn({ redis: where }, 'Redis connection lost: calls ring unscreened (fail-open) until it is back');
  });
  redis.on('ready', () => {
    // back after a loss, or ready at last after errors at start (chut said it was not answering)
    if (lostAt !== null || (!wasReady && logged.size > 0)) {
      logger.info({ redis: where, ...(lostAt !== null ? { lostForMs: Date.now() - lostAt } : {}) }, 'Redis connection back: calls are screened again');
    }
    wasReady = true;
    lostAt = null;
    logged.clear();
  });
}

/** Resolves when the client is ready, or after `ms` (then the screener fails open until Redis comes back). */
export function waitUntilReady(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    redis.on('ready', onReady);
  });
}

/** Deletes every key under `prefix` (SCAN + UNLINK, never KEYS): demo resets, benchmark and test clean-up. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 2000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

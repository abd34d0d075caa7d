/** Builds the ioredis client from config: a URL, or Sentinel (Redis's own HA; nothing home-made). */
import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from './config.js';
import { isReadonlyReply } from './redis-errors.js';
import { rememberConnectionErrors } from './redis-lost.js';
import { follow, type ReplicaFollower } from './redis-replica.js';
import { onEachFailoverDetector, SentinelSwitchFollower } from './redis-sentinel-switch.js';
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
 * The command line's bound on a Redis that stops answering mid-command (process stopped, paused VM, black-holed
 * network): without one, `chut import` (or export, block…) and the undo its first Ctrl-C starts waited forever.
 * `socketTimeout`: no byte from Redis for 30 s while commands wait, and the connection is dead. Any reply re-arms it,
 * so a slow block of an import is not cut while Redis answers the commands before it; what it must outlast is the
 * longest silence of one block. Measured (2 vCPUs at load 5, redis-benchmark on the same Redis): 0.6 s for the
 * biggest block an import sends (a key of 120,000 prefixes), 20 s for one holding all 2,000,000 lines of the largest
 * file in one key (a file of prefixes, which the import cannot send today: a stack overflow past ~120,000 in a key).
 * Not `commandTimeout`: it counts from the send, so also the blocks ahead and the client's own encoding of a big block
 * (31 s for that one): it cannot tell a busy Redis from a silent one.
 * `maxRetriesPerRequest: 0`: the commands a lost connection leaves unanswered fail with it. Otherwise ioredis keeps
 * them for a new connection, which an address that accepts and closes at once never makes ready (an import hung
 * there), or sends them again: a block of an import Redis had applied would read back its own writes as the values
 * to restore. A command queued while reconnecting fails when that attempt does, the handshake bound by socketTimeout.
 */
export const CLI_TIMEOUTS = { socketTimeout: 30_000, maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false } as const satisfies RedisOptions;

export function createRedisClient(cfg: Config['redis'], opts: RedisClientOptions): Redis {
  let follower: ReplicaFollower | null = null;
  const common: RedisOptions = {
    // never reconnects by itself (false): ReplicaFollower decides
    reconnectOnError: (err: Error) => {
      if (isReadonlyReply(err)) follower?.readonlySeen();
      return false;
    },
    connectTimeout: cfg.connectTimeoutMs,
    enableOfflineQueue: !opts.failFast,
    // A Redis that accepts commands but never answers must not hold call state (or a command line) forever.
    ...(opts.failFast ? { maxRetriesPerRequest: 1, ...CALL_PATH_TIMEOUTS } : CLI_TIMEOUTS),
    retryStrategy: (attempt: number) => follower?.retryDelay(attempt, redisRetryDelay) ?? redisRetryDelay(attempt),
    lazyConnect: false,
    // no auto-pipelining: measured (npm run bench) to raise single-call p99 here, for no throughput gain
  };
  if (cfg.sentinel) {
    const { password, redisPassword = password } = cfg.sentinel;
    let switches: SentinelSwitchFollower | null = null;
    const backoff = (attempt: number) => follower?.retryDelay(attempt, sentinelRetryDelay) ?? sentinelRetryDelay(attempt);
    const client = passOnSentinelErrors(new Redis({
      ...common,
      // The master's address changes under Sentinel: asking again every second at most finds the promoted
      // replica soon after a failover (calls ring until then).
      retryStrategy: (attempt: number) => switches?.retryDelay(attempt, backoff) ?? backoff(attempt),
      // Sentinel demotes a master that is still up only when it next looks at it (~10 s after a switchover); a
      // client that stays meanwhile writes to it, and its resync from the new master wipes those writes.
      // ioredis's detector listens for Sentinel's +switch-master and drops the connection; SentinelSwitchFollower
      // makes the reconnect that follows not wait.
      failoverDetector: true,
      // the detector's own connections to a Sentinel that went away: 1 s, then longer, up to a minute
      sentinelReconnectStrategy: (attempt: number) => backoffDelay(attempt, 1000, 60_000),
      // A Sentinel that accepts the connection but never answers (a stopped process, a paused VM) held the question
      // "where is the master?" forever: chut never asked the next Sentinel, never connected. Bounded as a connection is.
      sentinelCommandTimeout: cfg.connectTimeoutMs,
      sentinels: cfg.sentinel.hosts,
      name: cfg.sentinel.name,
      ...(password ? { sentinelPassword: password } : {}),
      ...(redisPassword ? { password: redisPassword } : {}),
    }));
    switches = new SentinelSwitchFollower(client);
    reconnectWhenEndedUnasked(client, switches);
    follower = follow(client, cfg.prefix, CALL_PATH_TIMEOUTS.commandTimeout);
    // the command line says why a command failed (redis-lost.ts)
    return opts.failFast ? client : rememberConnectionErrors(client);
  }
  const client = refuseWrongDatabase(new Redis(cfg.url, common));
  follower = follow(client, cfg.prefix, CALL_PATH_TIMEOUTS.commandTimeout);
  return opts.failFast ? client : rememberConnectionErrors(client);
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
  onEachFailoverDetector(redis, (detector) => {
    for (const { client } of detector.sentinels ?? []) {
      client?.on('error', (err: Error) => { redis.emit('error', new SentinelConnectionError(`Sentinel connection error: ${err.message}`)); });
    }
  });
  return redis;
}

/**
 * ioredis (6.0) can end a Sentinel client for good without being asked: when its failover detector hears
 * `+switch-master` while the client is asking a Sentinel where the master is (reconnecting after the master died), it
 * marks the connection attempt closed, the attempt fails with `Connection is closed.` once the Sentinel answers, and
 * the client never tries again: every later call rang unscreened until chut was restarted. The slower the Sentinel's
 * answer (a loaded machine, a distant Sentinel), the likelier: on CI it was a Sentinel test that never screened again.
 * Such a client connects again, asking the Sentinels afresh (the announcement is what it must follow): at once after an
 * announcement (SentinelSwitchFollower), after the Sentinel backoff otherwise. A client chut closes (quit, disconnect)
 * stays closed: those calls are marked before they run.
 */
function reconnectWhenEndedUnasked(redis: Redis, switches: SentinelSwitchFollower): void {
  let closedByChut = false;
  const disconnect = redis.disconnect.bind(redis);
  redis.disconnect = (reconnect = false) => {
    if (!reconnect) closedByChut = true;
    disconnect(reconnect);
  };
  const quit = redis.quit.bind(redis);
  redis.quit = ((...args: Parameters<typeof quit>) => {
    closedByChut = true;
    return quit(...args);
  }) as typeof redis.quit;
  let attempts = 0;
  redis.on('ready', () => { attempts = 0; });
  redis.on('end', () => {
    if (closedByChut) return;
    const timer = setTimeout(() => {
      if (!closedByChut && redis.status === 'end') redis.connect().catch(() => undefined); // its errors are the client's
    }, switches.retryDelay(++attempts, sentinelRetryDelay));
    timer.unref();
  });
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

/** Deletes every key under `prefix` but those in `keep` (SCAN + UNLINK, never KEYS): demo resets, benchmark and test
 * clean-up. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string, keep: readonly string[] = []): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 2000);
    cursor = next;
    const keys = found.filter((k) => !keep.includes(k));
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

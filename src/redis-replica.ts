/**
 * Following a demoted primary. A server that answers `READONLY` is a replica. Either a failover demoted it while
 * chut's connection to it stayed open (Redis keeps normal clients across a `REPLICAOF`, and only Sentinel kills them:
 * with a plain URL, a virtual IP, the DNS name of a managed primary endpoint or a manual `REPLICAOF`, chut would stay
 * on the replica until restarted, every call recorded nowhere), or redis.url names a replica (the old master's own
 * address after a failover, an endpoint whose DNS has not moved yet). Reconnecting at each refused write (ioredis
 * `reconnectOnError`) follows the first case, but loops in the second: every refused record, backlog retry and
 * /healthz probe dropped the connection, and the lookups sent meanwhile failed (their calls rang unscreened). So a
 * READONLY reply reconnects nothing by itself: it makes chut ask, on a connection of its own, where the URL (or the
 * Sentinels) leads now, with the same harmless write as /healthz (`HSETNX P schema version`). Only when that lands on
 * a server that takes writes (a primary: out of memory, or unable to persist, counts too) is the client's connection
 * dropped, without resending anything, to reconnect there at once (the calls meanwhile ring unscreened). While the URL still leads to a replica, the calls go on
 * being screened from its copy on the connection that is open, and chut asks again after a backoff (1 s, doubling up
 * to 30 s), reset once Redis takes a write.
 */
import type { Redis } from 'ioredis';
import { keyspace, SCHEMA_VERSION } from './reputation/keys.js';
import { errorLine, isReadonlyReply, isRedisWriteRefusal } from './redis-errors.js';
import { backoffDelay } from './retry.js';

/** How long apart the checks of where redis.url leads may be, while it leads to a replica: 1 s, doubling, to 30 s. */
export function replicaCheckDelay(checks: number): number {
  return backoffDelay(checks, 1000, 30_000);
}

export type ServerRole = 'primary' | 'replica' | 'unknown';

/** Where a new connection made with a client's own options leads: a server that takes writes, a replica, or unknown
 * (no connection, the database refused, any other reply). Writes nothing that is not there already. */
async function whereItLeads(client: Redis, schemaKey: string, timeoutMs: number): Promise<ServerRole> {
  const probe = client.duplicate({
    lazyConnect: true, enableOfflineQueue: true, maxRetriesPerRequest: 0, retryStrategy: () => null, reconnectOnError: null,
    commandTimeout: timeoutMs, autoResendUnfulfilledCommands: false,
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
export class ReplicaFollower {
  /** Checks since Redis last took a write: they set the backoff. */
  private checks = 0;
  private notBefore = 0;
  private checking = false;
  private saidStillReplica = false;
  /** The client's connection was dropped to move to the primary: its reconnect does not wait (retryDelay). */
  private moving = false;
  /** Set by logRedisConnection. */
  onStillReplica: (() => void) | null = null;
  onPrimaryFound: (() => void) | null = null;

  constructor(private readonly client: Redis, private readonly schemaKey: string, private readonly probeTimeoutMs: number) {}

  readonlySeen(): void {
    if (this.checking || Date.now() < this.notBefore || this.client.status !== 'ready') return;
    this.checking = true;
    this.checks++;
    void whereItLeads(this.client, this.schemaKey, this.probeTimeoutMs).catch((): ServerRole => 'unknown').then((role) => {
      this.checking = false;
      // from the check's end: a check that waited out its timeout is not followed by another at once
      this.notBefore = Date.now() + replicaCheckDelay(this.checks);
      if (this.client.status !== 'ready') return;
      if (role === 'primary') {
        this.onPrimaryFound?.();
        this.moving = true;
        this.client.disconnect(true); // not resent: the refused command's caller failed open already
      } else if (role === 'replica' && !this.saidStillReplica) {
        this.saidStillReplica = true;
        this.onStillReplica?.();
      }
    });
  }

  /**
   * The wait before the client's reconnect attempt `attempt`: none for the one that moves it to the primary (a server
   * that just took the check's write: calls ring unscreened until the client is back, and the backoff's first step
   * made that ~50-100 ms), `backoff` otherwise. The moves are themselves spaced by the checks' backoff: no loop.
   */
  retryDelay(attempt: number, backoff: (attempt: number) => number): number {
    if (!this.moving) return backoff(attempt);
    this.moving = false;
    return 0;
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

/** The follower of a client made by createRedisClient (logRedisConnection hooks its messages on it). */
export function followerOf(redis: Redis): ReplicaFollower | undefined {
  return followers.get(redis);
}

/** The store saw Redis take a write: the next READONLY is checked at once. */
export function writesTaken(redis: Redis): void {
  followers.get(redis)?.writesTaken();
}

/** Follows READONLY replies on `client` (whose keys are under `prefix`), probing with `probeTimeoutMs` per command. */
export function follow(client: Redis, prefix: string, probeTimeoutMs: number): ReplicaFollower {
  const follower = new ReplicaFollower(client, keyspace(prefix).schema, probeTimeoutMs);
  followers.set(client, follower);
  return follower;
}

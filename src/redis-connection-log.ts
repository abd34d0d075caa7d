/** What a running chut logs about its Redis connection. */
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { closedBecause, redactRedisSecrets, redisLocation, SentinelConnectionError } from './redis-client.js';
import { errorLine, isRedisAuthError } from './redis-errors.js';
import { followerOf } from './redis-replica.js';
import { switchFollowerOf } from './redis-sentinel-switch.js';

/** Distinct errors logged per outage at most (each is logged once; the rest of an outage adds nothing). */
const DISTINCT_ERRORS_LOGGED = 20;

/**
 * What a running chut says about its Redis connection, at info level and up: why it cannot connect (each distinct
 * reason once per outage, at warn; refused credentials at error, as the configuration error they are), when an
 * established connection is lost (warn) and when it is back (info), and where a READONLY reply led (ReplicaFollower:
 * reconnecting to the primary, or still a replica, said once until Redis takes writes again). A master switch Sentinel
 * announces is no outage: when the one reconnect it causes succeeds, a single info line names the new master; when that
 * reconnect fails (an error, or another reconnect: within `connectTimeoutMs`), the loss is warned of as any other.
 * Never a password. Not per retry: the client retries every few seconds for as long as Redis is away.
 */
export function logRedisConnection(redis: Redis, cfg: Config['redis'], logger: Logger): void {
  const where = redisLocation(cfg);
  const logged = new Set<string>();
  let wasReady = false;
  let lostAt: number | null = null;
  let movingToPrimary = false;
  /** A switch announced while connected (`announced`), then its reconnect under way (`reconnecting`). */
  let switching: 'announced' | 'reconnecting' | null = null;
  const switches = switchFollowerOf(redis);
  if (switches) {
    switches.onSwitchAnnounced = () => {
      if (wasReady && lostAt === null) switching = 'announced';
    };
  }
  const warnLost = () => logger.warn({ redis: where }, 'Redis connection lost: calls ring unscreened (fail-open) until it is back');
  /** The reconnect a switch caused failed: a loss after all, since the announcement (lostAt). */
  const switchFailed = (): boolean => {
    if (switching !== 'reconnecting') return false;
    switching = null;
    warnLost();
    return true;
  };
  const leads = cfg.sentinel ? 'the master the Sentinels name' : 'redis.url';
  const follower = followerOf(redis);
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
    switchFailed(); // no Sentinel answered, or the master it named did not: the loss comes first, then why
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
    if (!wasReady || switchFailed() || lostAt !== null) return;
    lostAt = Date.now();
    if (switching === 'announced') switching = 'reconnecting';
    else if (!said) warnLost();
  });
  redis.on('ready', () => {
    if (switching === 'reconnecting' && lostAt !== null) {
      const master = peerOf(redis);
      logger.info({ redis: where, master, lostForMs: Date.now() - lostAt },
        `Redis master switched, as Sentinel announced: connected to the new master ${master} (calls rang unscreened only while reconnecting)`);
    } else if (lostAt !== null || (!wasReady && logged.size > 0)) {
      // back after a loss, or ready at last after errors at start (chut said it was not answering)
      logger.info({ redis: where, ...(lostAt !== null ? { lostForMs: Date.now() - lostAt } : {}) }, 'Redis connection back: calls are screened again');
    }
    wasReady = true;
    lostAt = null;
    switching = null;
    logged.clear();
  });
}

/** Where the client is connected: `host:port` (`[v6]:port`), the address Sentinel named, without credentials. */
function peerOf(redis: Redis): string {
  const { remoteAddress: host = '?', remotePort: port } = redis.stream;
  return `${host.includes(':') ? `[${host}]` : host}:${port ?? '?'}`;
}

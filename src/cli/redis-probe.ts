/**
 * `chut check-config`'s Redis line: whether the configured Redis answers, said in one line and never thrown. Reads
 * only (PING, then the Redis version and the schema version under the prefix): a check writes nothing, not even the schema key a first
 * `chut run` creates. Bounded by `budgetMs` in all (a black-holed host must not hold the check). The exit code is
 * not the probe's business: `chut run` starts without Redis (calls ring until it answers), and check-config is also
 * run where Redis is out of reach on purpose (`docker run --rm chut check-config`).
 */
import type { Config } from '../config.js';
import { createRedisClient, redisLocation } from '../redis-client.js';
import { redisVersionOf, tooOldRedis } from '../redis-version.js';
import { keyspace, SCHEMA_VERSION } from '../reputation/keys.js';
import type { RedisOrigin } from './context.js';
import { classifyRedisFailure } from './redis-failure.js';

export const REDIS_PROBE_MS = 2000;

/** `Redis at URL: answers (…)`, or what went wrong and the setting to check, without a newline. */
export async function probeRedis(cfg: Config['redis'], origin: RedisOrigin, budgetMs = REDIS_PROBE_MS): Promise<string> {
  const where = `Redis at ${redisLocation(cfg)}`;
  const redis = createRedisClient(cfg, { failFast: false });
  let lastSocketError: Error | undefined;
  redis.on('error', (err: Error) => { lastSocketError = err; }); // reported below as one line
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), budgetMs); });
  try {
    const { info, schema: version } = await Promise.race([
      (async () => {
        await redis.ping().catch((err: unknown) => {
          // a Redis that cannot persist refuses PING as it refuses writes: it answered all the same
          if (!(err instanceof Error && /^MISCONF\b/.test(err.message))) throw err;
        });
        // INFO may be renamed away by a host: no version, no refusal
        const info = await redis.info('server').catch(() => '');
        return { info, schema: await redis.hget(keyspace(cfg.prefix).schema, 'version') };
      })(),
      timeout,
    ]);
    const redisVersion = redisVersionOf(info);
    const old = redisVersion === null ? null : tooOldRedis(redisVersion);
    if (old) return `${where}: answers, but ${old}`;
    if (version === null) return `${where}: answers (no chut keys under "${cfg.prefix}" yet)`;
    const v = Number(version);
    if (!Number.isInteger(v) || v > SCHEMA_VERSION) {
      return `${where}: answers, but its keys under "${cfg.prefix}" use schema version ${version}; this chut understands ` +
        `version ${SCHEMA_VERSION} and older: every command would refuse them. Upgrade chut, or use another redis.prefix.`;
    }
    return `${where}: answers (schema version ${v})`;
  } catch (err) {
    const failure = classifyRedisFailure(err, redis, lastSocketError, cfg, budgetMs);
    switch (failure.kind) {
      case 'closed': return `${where}: ${failure.cause}. ${origin.hint}`;
      case 'credentials': return `${where}: refuses chut's credentials (${failure.cause}). ${origin.hint}`;
      case 'writes-refused': return `${where}: answers, but refuses writes (${failure.cause})`;
      case 'unreachable': return `${where}: not answering (${failure.cause}; from ${origin.from}). ${origin.hint}`;
    }
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}

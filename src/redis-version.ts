/**
 * The oldest Redis chut runs on. Its scripts use `ZADD … GT` and `ZADD … LT` (Redis 6.2): on Redis 6.0 (Debian 11's,
 * Ubuntu 22.04's) every call record and every list entry with an expiry would fail, one error per call. So a Redis
 * older than that is refused once, in words, at the store's first use and by `chut check-config`.
 */
export const OLDEST_REDIS = '6.2';

/** `redis_version` from an `INFO server` reply, or null when it is not there (INFO renamed or trimmed by a host). */
export function redisVersionOf(info: string): string | null {
  const m = /^redis_version:(\d+)\.(\d+)(?:\.(\d+))?\r?$/m.exec(info);
  return m ? m.slice(1).filter((part) => part !== undefined).join('.') : null;
}

/** Why chut cannot run on Redis `version`, or null when it can. */
export function tooOldRedis(version: string): string | null {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [oldestMajor = 0, oldestMinor = 0] = OLDEST_REDIS.split('.').map(Number);
  if (major > oldestMajor || (major === oldestMajor && minor >= oldestMinor)) return null;
  return `Redis ${version} is too old: chut needs Redis ${OLDEST_REDIS} or later (its scripts use ZADD GT and LT). ` +
    'Upgrade Redis (Debian 12 and Ubuntu 24.04 ship Redis 7).';
}

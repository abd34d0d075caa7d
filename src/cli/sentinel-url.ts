/**
 * A `redis.url` the config file writes beside `redis.sentinel`, said by `chut check-config` and logged by `chut run`/
 * `serve` at start. Sentinel says where Redis is, and the URL, with any password or database number in it, was ignored
 * without a word (only a comment of the example said so): a password moved into the URL went unused. Said only when the
 * file writes both: the default URL, or the example's with its Sentinel block commented out, is nothing to warn of.
 * The URL itself is never said: it may carry a password.
 */
import type { LoadedConfig } from '../config.js';

export function sentinelUrlWarnings({ config, file, fileSettings }: Pick<LoadedConfig, 'config' | 'file' | 'fileSettings'>): string[] {
  const writes = (path: string) => fileSettings.some((setting) => setting === path || setting.startsWith(`${path}.`));
  if (config.redis.sentinel === undefined || !writes('redis.url') || !writes('redis.sentinel')) return [];
  return [`redis.url in ${file ?? 'the configuration'} is ignored, with any password or database number in it: redis.sentinel, ` +
    'beside it, says where Redis is and wins over any URL (Redis\'s password goes in redis.sentinel.redisPassword, or ' +
    'redis.sentinel.password when the Sentinels share it). Remove redis.url, or remove redis.sentinel to use it'];
}

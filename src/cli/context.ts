/** What every command needs: validated config, a logger, and (for list commands) a store that answers. */
import type { Redis } from 'ioredis';
import { amiConfigProblems } from '../ami/config-check.js';
import { ConfigError, loadConfig, type Config, type LoadedConfig } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { createRedisStore, SchemaError } from '../reputation/index.js';
import type { ReputationStore } from '../reputation/types.js';
import { PolicyError, loadPolicyFile, type Policy } from '../rules/index.js';
import { closeClientWithStore, closedBecause, createRedisClient } from '../redis-client.js';
import { CliError, EXIT } from './errors.js';

export interface GlobalFlags {
  config?: string;
  redis?: string;
  policy?: string;
}

export function loadCliConfig(flags: GlobalFlags, extra: Record<string, unknown> = {}): LoadedConfig {
  const overrides: Record<string, unknown> = { ...extra };
  if (flags.redis) overrides.redis = { url: flags.redis };
  if (flags.policy) overrides.policy = flags.policy;
  try {
    const loaded = loadConfig({ file: flags.config, overrides });
    // a --policy flag is relative to the working directory, not to the config file
    return flags.policy ? { ...loaded, policyPath: flags.policy.startsWith('/') ? flags.policy : `${process.cwd()}/${flags.policy}` } : loaded;
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, EXIT.config);
    throw err;
  }
}

export function loadCliPolicy(path: string): Policy {
  try {
    return loadPolicyFile(path);
  } catch (err) {
    if (err instanceof PolicyError) throw new CliError(`invalid policy ${path}:\n  ${err.problems.join('\n  ')}`, EXIT.config);
    throw new CliError(`cannot read policy ${path}: ${(err as Error).message}`, EXIT.config);
  }
}

/** Config and the policy it points to, for commands that need both (run, serve, check-config). */
export function loadCliSetup(flags: GlobalFlags): { loaded: LoadedConfig; policy: Policy } {
  const loaded = loadCliConfig(flags);
  const problems = amiConfigProblems(loaded.config);
  if (problems.length) throw new CliError(`invalid configuration:\n  ${problems.join('\n  ')}`, EXIT.config);
  return { loaded, policy: loadCliPolicy(loaded.policyPath) };
}

/** Logs go to stderr so command output (CSV, JSON) stays clean on stdout. */
export function cliLogger(level: string): Logger {
  return createLogger(level, process.stderr as never);
}

/** Opens the configured store and checks that it answers, with a clear error when it does not. */
export async function openStore(loaded: LoadedConfig, logger: Logger): Promise<ReputationStore> {
  const { config } = loaded;
  // the memory store lives and dies with this one command: `chut block` would say "blocklisted" and keep nothing
  if (config.store === 'memory') throw new CliError('store: memory is the demo\'s store and keeps nothing once a command ends: list and report commands need Redis (store: redis)', EXIT.config);
  return (await connectRedisStore(config.redis, logger)).store;
}

/** A Redis store whose server answered a PING in time, with its client; else a CliError (exit 69) saying where. */
export async function connectRedisStore(
  redisConfig: Config['redis'],
  logger?: Logger,
  hint = 'Set CHUT_REDIS_URL or redis.url in the config file.',
): Promise<{ store: ReputationStore; redis: Redis }> {
  const redis = createRedisClient(redisConfig, { failFast: false });
  redis.on('error', () => undefined); // reported below as one clear line
  const store = closeClientWithStore(createRedisStore({ redis, prefix: redisConfig.prefix, logger }), redis);
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), redisConfig.connectTimeoutMs + 500).unref());
  try {
    await Promise.race([store.ping(), timeout]);
  } catch (err) {
    redis.disconnect();
    const where = redisConfig.sentinel ? `sentinel ${redisConfig.sentinel.name}` : redactUrl(redisConfig.url);
    const why = closedBecause.get(redis);
    if (why) throw new CliError(`Redis at ${where}: ${why}. ${hint}`, EXIT.config);
    if (err instanceof SchemaError) throw new CliError(err.message, EXIT.config);
    throw new CliError(`Redis is unreachable at ${where} (${(err as Error).message}). ${hint}`, EXIT.unavailable);
  }
  return { store, redis };
}

/** `redis://:secret@host` → `redis://***@host`, and `?password=…` (ioredis reads credentials from the query too):
 * passwords never reach the terminal or logs. */
export function redactUrl(url: string): string {
  // up to the LAST @: a password may itself contain @ (or /) when the URL was typed by hand
  return url.replace(/\/\/.*@/, '//***@').replace(/([?&](?:password|pass|username|user)=)[^&#]*/gi, '$1***');
}

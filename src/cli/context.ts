/** What every command needs: validated config, a logger, and (for list commands) a store that answers. */
import { ConfigError, loadConfig, type LoadedConfig } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { createMemoryStore, createRedisStore } from '../reputation/index.js';
import type { ReputationStore } from '../reputation/types.js';
import { PolicyError, loadPolicyFile, type Policy } from '../rules/index.js';
import { closeClientWithStore, createRedisClient } from '../redis-client.js';
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
  return { loaded, policy: loadCliPolicy(loaded.policyPath) };
}

/** Logs go to stderr so command output (CSV, JSON) stays clean on stdout. */
export function cliLogger(level: string): Logger {
  return createLogger(level, process.stderr as never);
}

/** Opens the configured store and checks that it answers, with a clear error when it does not. */
export async function openStore(loaded: LoadedConfig, logger: Logger): Promise<ReputationStore> {
  const { config } = loaded;
  if (config.store === 'memory') return createMemoryStore();
  const redis = createRedisClient(config.redis, { failFast: false });
  redis.on('error', () => undefined); // reported below as one clear line
  const store = closeClientWithStore(createRedisStore({ redis, prefix: config.redis.prefix, logger }), redis);
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), config.redis.connectTimeoutMs + 500).unref());
  try {
    await Promise.race([store.ping(), timeout]);
  } catch (err) {
    redis.disconnect();
    const where = config.redis.sentinel ? `sentinel ${config.redis.sentinel.name}` : redactUrl(config.redis.url);
    throw new CliError(`Redis is unreachable at ${where} (${(err as Error).message}). Set CHUT_REDIS_URL or redis.url in the config file.`, EXIT.unavailable);
  }
  return store;
}

/** `redis://:secret@host` → `redis://***@host`: passwords never reach the terminal or logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

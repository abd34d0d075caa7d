/** What every command needs: validated config, a logger, and (for list commands) a store that answers. */
import { dirname, isAbsolute } from 'node:path';
import type { Redis } from 'ioredis';
import { amiConfigProblems } from '../ami/config-check.js';
import { ConfigError, loadConfig, type Config, type LoadedConfig } from '../config.js';
import { createLogger, type Logger } from '../logger.js';
import { createRedisStore, SchemaError } from '../reputation/index.js';
import type { ReputationStore } from '../reputation/types.js';
import { PolicyError, loadPolicyFile, type Policy } from '../rules/index.js';
import { closeClientWithStore, createRedisClient, redactRedisSecrets, redactUrl, redisLocation } from '../redis-client.js';
import { asClause, isRedisWriteRefusal, WRITES_REFUSED, writeRefusalLine } from '../redis-errors.js';
import { isLostConnection, redisErrorLine } from '../redis-lost.js';
import { CliError, EXIT } from './errors.js';
import { classifyRedisFailure } from './redis-failure.js';

export interface GlobalFlags {
  config?: string;
  redis?: string;
  policy?: string;
}

/** Where the Redis a command uses was named, for its errors: "unreachable" must point at the setting to fix. */
export interface RedisOrigin {
  /** `--redis`, `CHUT_REDIS_URL`, `redis.url in FILE`, … */
  from: string;
  hint: string;
}

export interface CliLoadedConfig extends LoadedConfig {
  redisOrigin: RedisOrigin;
  /** Said when the policy file is missing: where its path came from, and what to do. */
  policyHint: string;
}

const DEFAULT_ORIGIN: RedisOrigin = {
  from: 'the default: no --redis, CHUT_REDIS_URL or redis.url given',
  hint: 'Start Redis there, or say where it is: --redis URL, CHUT_REDIS_URL or redis.url in the config file.',
};

/** Precedence as loadConfig applies it: flag > environment > file > default (Sentinel, when set, wins over any URL). */
export function redisOrigin(flags: GlobalFlags, loaded: LoadedConfig, env: NodeJS.ProcessEnv = process.env): RedisOrigin {
  const { file } = loaded;
  if (loaded.config.redis.sentinel) {
    return { from: `redis.sentinel in ${file ?? 'the configuration'}`, hint: `Check redis.sentinel (name, hosts, passwords) in ${file ?? 'the config file'}.` };
  }
  if (flags.redis) return { from: 'the --redis flag', hint: 'Check the --redis URL.' };
  if (env.CHUT_REDIS_URL) {
    return { from: 'CHUT_REDIS_URL', hint: 'Check CHUT_REDIS_URL (it takes precedence over redis.url in the config file), or pass --redis URL.' };
  }
  if (file && loaded.fileSettings.includes('redis.url')) return { from: `redis.url in ${file}`, hint: `Check redis.url in ${file}, or set CHUT_REDIS_URL.` };
  return DEFAULT_ORIGIN;
}

/** Where chut looked for the policy and why there: a policy missing beside a config file copied on its own (the
 * example says to copy both) said only "cannot read …/policy.yaml (ENOENT)". An absolute path is read as it is: the
 * hint then names no directory. */
export function policyHint(flags: GlobalFlags, loaded: LoadedConfig, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const readFrom = (path: string, dir: string) => (isAbsolute(path) ? '' : ` is read from ${dir}`);
  if (flags.policy) return `--policy ${flags.policy}${readFrom(flags.policy, `the working directory, ${cwd}`)}: check the path`;
  const dir = loaded.file ? `the config file's directory, ${dirname(loaded.file)}` : `the working directory, ${cwd}`;
  if (env.CHUT_POLICY) return `CHUT_POLICY=${env.CHUT_POLICY}${readFrom(env.CHUT_POLICY, dir)}: check the path`;
  const { policy } = loaded.config;
  if (isAbsolute(policy)) return `the policy (policy: ${policy}${loaded.file ? `, in ${loaded.file}` : ''}) is not there: check the path, or pass --policy FILE`;
  const setting = `policy: ${policy}${policy === 'policy.yaml' ? ', the default' : ''}`;
  return `the policy (${setting}) is read from ${dir}: copy config/policy.yaml there, or set policy: in the config ` +
    'file, or pass --policy FILE';
}

/** What to do about a configuration file that is not there, and who named it: "cannot read (ENOENT)" alone left a
 * newcomer guessing (the systemd unit names /etc/chut/chut.yaml; a CHUT_CONFIG may linger in a shell). */
export function missingConfigHint(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const path = flags.config ?? env.CHUT_CONFIG ?? '';
  const named = `${flags.config ? `--config ${path}` : `CHUT_CONFIG=${path}`}${isAbsolute(path) ? '' : `, read from the working directory, ${cwd}`}`;
  return `no file there (${named}): copy config/chut.example.yaml there and edit it, or check the path` +
    (flags.config ? '' : ', or unset CHUT_CONFIG to run on the defaults and the environment');
}

export function loadCliConfig(flags: GlobalFlags, extra: Record<string, unknown> = {}): CliLoadedConfig {
  const overrides: Record<string, unknown> = { ...extra };
  if (flags.redis) overrides.redis = { url: flags.redis };
  if (flags.policy) overrides.policy = flags.policy;
  try {
    // a URL typed on the command line is named as typed, as CHUT_REDIS_URL's is: "redis.url" is in no file
    const loaded = loadConfig({ file: flags.config, overrides, overrideNames: { 'redis.url': '--redis', policy: '--policy' } });
    if (flags.redis && loaded.config.redis.sentinel) {
      throw new CliError(`--redis has no effect: redis.sentinel in ${loaded.file ?? 'the configuration'} says where Redis is (remove one of them)`, EXIT.usage);
    }
    if (flags.redis && loaded.config.store === 'memory') {
      throw new CliError('--redis has no effect with store: memory (CHUT_STORE): set store: redis to use it', EXIT.usage);
    }
    const origins = { redisOrigin: redisOrigin(flags, loaded), policyHint: policyHint(flags, loaded) };
    // a --policy flag is relative to the working directory, not to the config file
    return flags.policy
      ? { ...loaded, ...origins, policyPath: flags.policy.startsWith('/') ? flags.policy : `${process.cwd()}/${flags.policy}` }
      : { ...loaded, ...origins };
  } catch (err) {
    if (err instanceof ConfigError) {
      const missing = err.problems.length === 1 && /: cannot read \(ENOENT\)$/.test(err.problems[0] ?? '');
      const { message } = err;
      throw new CliError(missing ? `${message}\n  ${missingConfigHint(flags)}` : message, EXIT.config);
    }
    throw err;
  }
}

/** The policy at `path`; `missingHint` (CliLoadedConfig's policyHint) is added when there is no file there. */
export function loadCliPolicy(path: string, missingHint?: string): Policy {
  try {
    return loadPolicyFile(path);
  } catch (err) {
    if (err instanceof PolicyError) {
      const missing = missingHint !== undefined && err.problems.length === 1 && / \(ENOENT\)$/.test(err.problems[0] ?? '');
      throw new CliError(`invalid policy ${path}:\n  ${[...err.problems, ...(missing ? [missingHint] : [])].join('\n  ')}`, EXIT.config);
    }
    throw new CliError(`cannot read policy ${path}: ${(err as Error).message}`, EXIT.config);
  }
}

/** Config and the policy it points to, for commands that need both (run, serve, check-config). */
export function loadCliSetup(flags: GlobalFlags): { loaded: CliLoadedConfig; policy: Policy } {
  const loaded = loadCliConfig(flags);
  const problems = amiConfigProblems(loaded.config);
  if (problems.length) throw new CliError(`invalid configuration:\n  ${problems.join('\n  ')}`, EXIT.config);
  return { loaded, policy: loadCliPolicy(loaded.policyPath, loaded.policyHint) };
}

/** Logs go to stderr so command output (CSV, JSON) stays clean on stdout. */
export function cliLogger(level: string): Logger {
  return createLogger(level, process.stderr as never);
}

/** Opens the configured store and checks that it answers, with a clear error when it does not. */
export async function openStore(loaded: CliLoadedConfig, logger: Logger): Promise<ReputationStore> {
  const { config } = loaded;
  // the memory store lives and dies with this one command: `chut block` would say "blocklisted" and keep nothing
  if (config.store === 'memory') throw new CliError('store: memory is the demo\'s store and keeps nothing once a command ends: list and report commands need Redis (store: redis)', EXIT.config);
  return (await connectRedisStore(config.redis, logger, loaded.redisOrigin)).store;
}

/** A Redis store whose server answered a PING in time, with its client; else a CliError (exit 69) saying where,
 * why (the socket's error) and which setting named that server (`origin`). Credentials Redis refuses (WRONGPASS,
 * NOAUTH) are a configuration error (exit 78), said so. A Redis that answers but refuses writes (OOM, READONLY,
 * MISCONF, NOREPLICAS: only a store's first use under a new prefix writes) is said to refuse writes, not to be
 * unreachable (exit 69). */
export async function connectRedisStore(
  redisConfig: Config['redis'],
  logger?: Logger,
  origin: RedisOrigin = DEFAULT_ORIGIN,
): Promise<{ store: ReputationStore; redis: Redis }> {
  const redis = createRedisClient(redisConfig, { failFast: false });
  const where = `${redisLocation(redisConfig)} (from ${origin.from})`;
  let lastSocketError: Error | undefined;
  redis.on('error', (err: Error) => { lastSocketError = err; }); // reported below as one clear line
  const store = closeClientWithStore(createRedisStore({ redis, prefix: redisConfig.prefix, logger }), redis);
  const waitMs = redisConfig.connectTimeoutMs + 500;
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), waitMs).unref());
  try {
    await Promise.race([store.ping(), timeout]);
  } catch (err) {
    redis.disconnect();
    if (err instanceof SchemaError) throw new CliError(err.message, EXIT.config);
    const failure = classifyRedisFailure(err, redis, lastSocketError, redisConfig, waitMs);
    switch (failure.kind) {
      case 'closed': throw new CliError(`Redis at ${where}: ${failure.cause}. ${origin.hint}`, EXIT.config);
      case 'credentials':
        throw new CliError(`Redis at ${where} refused chut's credentials: ${failure.cause}. This is a configuration ` +
          `error, not an outage: check the password (and user) chut gives Redis. ${origin.hint}`, EXIT.config);
      case 'writes-refused': throw writesRefusedError(err, failure.cause, where, origin);
      case 'unreachable': throw new CliError(`Redis is unreachable at ${where}: ${failure.cause}. ${origin.hint}`, EXIT.unavailable);
    }
  }
  opened = { redis, where, redisConfig };
  return { store, redis };
}

/** The Redis this command opened (one a process), for storeConnectionLost. */
let opened: { redis: Redis; where: string; redisConfig: Config['redis'] } | null = null;

/** A command's error once its store is open: Redis lost before it answered (it stopped answering for CLI_TIMEOUTS'
 * 30 s, or the connection dropped), as one line and exit 69, else null. `writes`: the command was changing a list,
 * and that change may have been applied or not. */
export function storeConnectionLost(err: unknown, writes: boolean): CliError | null {
  if (!opened || !isLostConnection(err)) return null;
  const why = redactRedisSecrets(redisErrorLine(err, opened.redis), opened.redisConfig);
  const change = writes ? '; the change may or may not have been made (chut lookup shows the lists)' : '';
  return new CliError(`Redis at ${opened.where} stopped answering mid-command: ${why}${change}`, EXIT.unavailable);
}

/** What to do about it, by the refusal: memory, the primary, the disk, the replicas. */
export function writesRefusedHint(err: unknown): string {
  const line = writeRefusalLine(err);
  if (/^READONLY\b/.test(line)) return 'That server is a read-only replica: point chut at the primary.';
  if (/^MISCONF\b/.test(line)) return 'That Redis cannot save to disk (a full disk?): its log says why; writes come back once a save succeeds.';
  if (/^NOREPLICAS\b/.test(line)) return 'Fewer of its replicas answer than its min-replicas-to-write: bring them back, or lower that setting.';
  return 'Free memory on that Redis or raise its maxmemory (docs/redis-schema.md, "Redis memory limit").';
}

/** `Redis at … refuses writes (out of memory / …): OOM command not allowed …`, exit 69. */
function writesRefusedError(err: unknown, why: string, where: string, origin: RedisOrigin): CliError {
  return new CliError(`${WRITES_REFUSED.replace(/^Redis/, `Redis at ${where}`)}: ${why}. ${writesRefusedHint(err)} ${origin.hint}`, EXIT.unavailable);
}

/** A command's error once its store is open: a write refusal (OOM, READONLY, MISCONF, NOREPLICAS) as what it is (exit
 * 69), else null. */
export function storeWriteRefusal(err: unknown): CliError | null {
  if (!isRedisWriteRefusal(err)) return null;
  return new CliError(`${WRITES_REFUSED}: ${asClause(writeRefusalLine(err))}. ${writesRefusedHint(err)}`, EXIT.unavailable);
}

export { redactUrl };

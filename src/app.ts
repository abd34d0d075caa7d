/**
 * The one composition root: config → logger → store → screener (+ metrics, notifiers) → PBX adapters → HTTP.
 * Used by `chut run`, `chut serve`, `chut demo` and the protocol/end-to-end tests. Nothing else builds these.
 */
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { createAmiAdapter } from './ami/index.js';
import { createAriAdapter } from './ari/index.js';
import { createEslAdapter } from './esl/index.js';
import { createHttpServer, createMetrics, type MetricsSeed } from './http/index.js';
import { startListPruner, type ListPrunerOptions } from './list-pruner.js';
import { createNotifiers } from './notify/index.js';
import { createMemoryStore, createRedisStore, SchemaError } from './reputation/index.js';
import type { ReputationStore } from './reputation/types.js';
import type { Policy } from './rules/index.js';
import { closeClientWithStore, closedBecause, createRedisClient, redisLocation, SentinelConnectionError, waitUntilReady } from './redis-client.js';
import { logRedisConnection } from './redis-connection-log.js';
import { createScreeningService } from './screening/service.js';
import type { AdapterDeps, PbxAdapter, ScreeningService } from './screening/types.js';
import { DAY_MS } from './time-units.js';

export interface StartOptions {
  config: Readonly<Config>;
  policy: Policy;
  logger: Logger;
  /** A ready store (tests, demo); else built from config. It is closed by `stop()` either way. */
  store?: ReputationStore;
  /** Serve HTTP (default: config.http.enabled). */
  http?: boolean;
  /** Start the PBX adapters (default true; `chut serve` runs HTTP alone). */
  pbx?: boolean;
  /** The screener's clock (the demo replays calls at chosen times). */
  clock?: () => number;
  /** When the removal of expired list entries sweeps (tests: at once). */
  listPruning?: Pick<ListPrunerOptions, 'firstAfterMs' | 'everyMs' | 'paceMs'>;
  /** Which setting named Redis and what to check (the CLI's redisOrigin: a --redis flag, CHUT_REDIS_URL, the file),
   * said when it does not answer at start; without it, the settings that may have. */
  redisOrigin?: { from: string; hint: string };
}

export interface RunningChut {
  config: Readonly<Config>;
  screening: ScreeningService;
  store: ReputationStore;
  adapters: PbxAdapter[];
  metrics: ReturnType<typeof createMetrics>;
  httpUrl: string | null;
  stop(): Promise<void>;
}

/**
 * How long stopping waits, once the adapters let go of their calls, for those calls to finish and for the call records
 * still to write (screening/service.ts stop()). With the HTTP server's own bound (5 s for the answers in progress,
 * http/connections.ts), the adapters' (ARI: 3 s to send parked channels on; FreeSWITCH: 2.5 s) and the store's close
 * (2 s at most against a hung Redis), within the unit's TimeoutStopSec=30s even when several of them hang at once.
 */
const SETTLE_STOP_MS = 4000;

const ADAPTERS: Array<[keyof Pick<Config, 'ari' | 'ami' | 'esl'>, (deps: AdapterDeps) => PbxAdapter]> = [
  ['ari', createAriAdapter],
  ['ami', createAmiAdapter],
  ['esl', createEslAdapter],
];

/** The configured store, and a promise that resolves (true/false) once it is ready or the connect timeout passed. */
export function buildStore(config: Readonly<Config>, logger: Logger): { store: ReputationStore; ready: Promise<boolean> } {
  if (config.store === 'memory') return { store: createMemoryStore(), ready: Promise.resolve(true) };
  const redis = createRedisClient(config.redis, { failFast: true });
  let refused = false;
  redis.on('error', (err: Error) => {
    if (err instanceof SentinelConnectionError) return logger.warn({ err: err.message }, 'Sentinel connection error (the master may still be reachable)');
    const why = closedBecause.get(redis);
    if (why === undefined || refused) return; // logRedisConnection says why, once per distinct error
    refused = true; // the client is closed for good: say it once, loudly
    logger.error({ why }, 'Redis refused: every call rings unscreened until chut restarts with a database that exists');
  });
  logRedisConnection(redis, config.redis, logger);
  const store = closeClientWithStore(createRedisStore({ redis, prefix: config.redis.prefix, logger, callPathLane: true }), redis);
  return { store, ready: waitUntilReady(redis, config.redis.connectTimeoutMs) };
}

/** The call series the metrics start at zero: every PBX that screens calls × every rule that can decide one. */
function metricsSeed(config: Readonly<Config>, policy: Policy): MetricsSeed {
  const pbx = [
    ...(config.ari.enabled ? ['asterisk-ari'] : []),
    ...(config.ami.enabled && config.ami.mode !== 'monitor' ? ['asterisk-ami'] : []),
    ...(config.esl.enabled ? ['freeswitch'] : []),
  ];
  const decisions = [...policy.rules.map((r) => ({ rule: r.name, action: r.action })), { rule: 'default', action: policy.default }, { rule: 'fail-open', action: 'ring' }];
  return {
    pbx, decisions, listeners: config.esl.enabled ? ['esl'] : [],
    unscreened: [
      ...(config.ari.enabled ? (['channel-id', 'unreadable', 'orphan'] as const).map((reason) => ({ adapter: 'asterisk-ari', reason })) : []),
      ...(config.ami.enabled && config.ami.mode !== 'monitor' ? [{ adapter: 'asterisk-ami', reason: 'max-calls' as const }] : []),
      ...(config.esl.enabled ? [{ adapter: 'esl', reason: 'max-calls' as const }, { adapter: 'esl', reason: 'stopping' as const }] : []),
    ],
  };
}

export async function startChut(opts: StartOptions): Promise<RunningChut> {
  const { config, logger } = opts;
  const built = opts.store ? { store: opts.store, ready: Promise.resolve(true) } : buildStore(config, logger);
  const { store } = built;
  if (!(await built.ready)) {
    // where it was looked for and what to check: a newcomer's wrong URL otherwise reads as an outage to wait out
    const redis = redisLocation(config.redis);
    if (opts.redisOrigin) {
      logger.warn({ redis, from: opts.redisOrigin.from }, `Redis is not answering yet: calls ring (fail-open) until it does. ${opts.redisOrigin.hint}`);
    } else {
      const setting = config.redis.sentinel ? 'redis.sentinel' : 'redis.url (or CHUT_REDIS_URL)';
      logger.warn({ redis }, `Redis is not answering yet: calls ring (fail-open) until it does; if it never does, check ${setting} and that Redis runs there`);
    }
  } else await store.ping().catch((err: unknown) => {
    // Keys written by a newer chut: said once, loudly, at start (the store goes on refusing them, and calls ring).
    if (err instanceof SchemaError) logger.error({ why: err.message }, 'Redis store refused: every call rings unscreened');
  });
  const metrics = createMetrics(metricsSeed(config, opts.policy));
  const notifiers = createNotifiers(config, logger);
  const screening = createScreeningService({ store, policy: opts.policy, config, logger, observers: [metrics, notifiers.observer], clock: opts.clock });

  const adapters: PbxAdapter[] = [];
  if (opts.pbx ?? true) {
    for (const [section, create] of ADAPTERS) {
      if (config[section].enabled) adapters.push(create({ config, screening, logger: logger.child({ adapter: section }), counters: metrics }));
    }
    if (adapters.length === 0) {
      logger.warn('no PBX adapter is enabled: no call is screened. Set ari.enabled, ami.enabled or esl.enabled in the ' +
        'config (or CHUT_ARI_ENABLED, CHUT_AMI_ENABLED, CHUT_ESL_ENABLED)');
    }
  }
  const pruner = startListPruner({
    store, keepExpiredMs: config.lists.keepExpiredDays * DAY_MS, logger, clock: opts.clock, ...opts.listPruning,
  });
  const watchStatus = setInterval(() => {
    for (const a of adapters) metrics.setAdapterStatus(a.name, a.status());
  }, 1000);
  watchStatus.unref();

  const stopped: Array<() => Promise<void>> = [];
  try {
    for (const adapter of adapters) {
      await adapter.start();
      stopped.push(() => adapter.stop());
      metrics.setAdapterStatus(adapter.name, adapter.status());
    }
    let httpUrl: string | null = null;
    if (opts.http ?? config.http.enabled) {
      const http = await createHttpServer({ config, screening, store, logger, metrics, adapters });
      httpUrl = http.url;
      stopped.push(() => http.close());
    }
    logger.info({ adapters: adapters.map((a) => a.name), http: httpUrl, store: config.store, mode: opts.policy.mode }, 'chut started');
    return {
      config, screening, store, adapters, metrics, httpUrl,
      async stop() {
        clearInterval(watchStatus);
        pruner.stop();
        // In order: stop taking calls and let go of those in progress (HTTP, then each adapter: calls in progress ring),
        // let those calls finish and write their records (and those an outage kept), then close the store.
        for (const stop of stopped.reverse()) await stop().catch((err: unknown) => logger.warn({ err: String(err) }, 'stop failed'));
        await screening.stop(SETTLE_STOP_MS);
        await notifiers.close();
        await store.close();
      },
    };
  } catch (err) {
    clearInterval(watchStatus);
    for (const stop of stopped.reverse()) await stop().catch(() => undefined);
    pruner.stop();
    await notifiers.close();
    if (!opts.store) await store.close();
    throw err;
  }
}

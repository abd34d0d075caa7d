/**
 * Runs the scripted demo through a built-in PBX simulator and chut's real wiring (startChut), on the in-memory
 * store (or a Redis given with --redis), with the screener's clock set to each call's scripted time.
 */
import { join } from 'node:path';
import { startChut } from '../../app.js';
import { ConfigError, parseConfig, type Config } from '../../config.js';
import { silentLogger, type Logger } from '../../logger.js';
import { packageRoot } from '../../package-root.js';
import { parseListEntry } from '../../phone/index.js';
import { createMemoryStore } from '../../reputation/index.js';
import type { CallRecord, ReputationStore, Stats } from '../../reputation/types.js';
import { loadPolicyFile } from '../../rules/index.js';
import { deleteKeysWithPrefix } from '../../redis-client.js';
import { keyspace } from '../../reputation/keys.js';
import { connectRedisStore } from '../context.js';
import { usageError } from '../errors.js';
import { createSimulator, type DemoPbx } from '../../sim/index.js';
import type { SimulatedCallOutcome } from '../../sim/types.js';
import { DEMO_CALLS, DEMO_DID, DEMO_SEEDS, demoDay, demoTime, type DemoCall } from './scenario.js';

export interface DemoOptions {
  pbx: DemoPbx;
  redisUrl: string | null;
  redisPrefix: string;
  logger?: Logger;
  /** Called once the store is open and the simulator listens (the flags were valid, Redis answered), before the first call. */
  onStart?: () => void;
  /** Called after each call, for live output. */
  onCall?: (row: DemoRow) => void;
}

export interface DemoRow {
  call: DemoCall;
  outcome: SimulatedCallOutcome;
  record: CallRecord | null;
}

export interface DemoResult {
  rows: DemoRow[];
  stats: Stats;
  /** The simulated clock when the stats were read (the demo day's end), for the report's "generated" line. */
  reportedAt: number;
}

const DEMO_CONFIG = {
  http: { enabled: false },
  log: { level: 'silent' },
  // short captcha timeouts keep the demo quick; production defaults are longer
  captcha: { attempts: 2, firstDigitTimeoutMs: 1000, interDigitTimeoutMs: 1000, language: 'en' },
  screening: { deadlineMs: 1000 },
};

async function openDemoStore(opts: DemoOptions): Promise<ReputationStore> {
  if (!opts.redisUrl) return createMemoryStore();
  // validated like any configured Redis (URL, prefix); an unreachable server is one clear error, not a hang
  let redisConfig: Config['redis'];
  try {
    redisConfig = parseConfig({ redis: { url: opts.redisUrl, prefix: opts.redisPrefix, connectTimeoutMs: 2000 } }).redis;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // the flags, not a config file: say which flag (redis.url → --redis, redis.prefix → --prefix)
    throw usageError(err.problems.map((p) => p.replace(/^redis\.url/, '--redis').replace(/^redis\.prefix/, '--prefix')).join('\n'));
  }
  const { store, redis } = await connectRedisStore(redisConfig, undefined, {
    from: 'the --redis flag', hint: 'Check the --redis URL, or leave it out: the demo runs in memory.',
  });
  // the demo starts from a clean slate under its own prefix, but for the schema key the store's first use has just
  // written and will not write again: wiped, it left the demo's keys looking like an older chut's (docs/redis-schema.md)
  await orCloseStore(deleteKeysWithPrefix(redis, opts.redisPrefix, [keyspace(opts.redisPrefix).schema]), store);
  return store;
}

/** `step`'s result; if it fails, the store is closed first (its client would keep the process alive). */
async function orCloseStore<T>(step: Promise<T>, store: ReputationStore): Promise<T> {
  try {
    return await step;
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function findRecord(store: ReputationStore, callId: string): Promise<CallRecord | null> {
  for (let i = 0; i < 40; i++) {
    const page = await store.calls({ limit: 20 });
    const hit = page.calls.find((c) => c.callId === callId);
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 25));
  }
  return null;
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  // the store first: if Redis is unreachable, nothing is left listening to keep the process alive
  const store = await openDemoStore(opts);
  const sim = createSimulator(opts.pbx);
  await orCloseStore(sim.start(), store);
  opts.onStart?.();
  const day = demoDay(Date.now());
  let now = demoTime(DEMO_CALLS[0]?.at ?? '10:00', day);
  try {
    const config = parseConfig({ ...DEMO_CONFIG, ...sim.chutConfig(), store: opts.redisUrl ? 'redis' : 'memory' });
    const policy = loadPolicyFile(join(packageRoot(), 'config', 'policy.yaml'));
    for (const seed of DEMO_SEEDS) {
      const entry = parseListEntry(seed.entry, config.screening.defaultCountry);
      if ('error' in entry) throw new Error(`demo seed ${seed.entry}: ${entry.error}`);
      await store.addListEntry({ list: seed.list, entry, reason: seed.reason, source: 'demo', addedAt: now, expiresAt: null });
    }
    const chut = await startChut({ config, policy, logger: opts.logger ?? silentLogger(), store, http: false, clock: () => now });
    try {
      await sim.waitForChut(10_000);
      const rows: DemoRow[] = [];
      for (const call of DEMO_CALLS) {
        now = demoTime(call.at, day);
        const outcome = await sim.placeCall({ callerNumber: call.callerNumber, callerName: call.callerName, dialled: DEMO_DID, behaviour: call.behaviour });
        const row = { call, outcome, record: await findRecord(store, outcome.callId) };
        rows.push(row);
        opts.onCall?.(row);
      }
      const reportedAt = demoTime('23:59', day);
      const stats = await store.stats({ since: demoTime('00:00', day), now: reportedAt });
      return { rows, stats, reportedAt };
    } finally {
      await chut.stop();
    }
  } finally {
    await sim.stop();
  }
}

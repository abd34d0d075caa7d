/**
 * The fake Asterisk for protocol tests: the built-in ARI simulator (src/sim/ari), whose `faults` object holds
 * the fault-injection hooks (drop the WebSocket, REST 500 on the next N requests or on a path, slow replies,
 * raw/malformed frames, an Asterisk restart), plus a harness that runs chut's real wiring (`startChut`)
 * against it and the real Redis, capturing chut's log lines, and a connection meter (connection-meter.ts) that
 * counts the connections a client opens to the fake.
 */
import { Writable } from 'node:stream';
import { startChut, type RunningChut } from '../../../src/app.js';
import type { AriAdapter } from '../../../src/ari/index.js';
import { parseConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import type { CallsPage } from '../../../src/reputation/types.js';
import { parsePolicy } from '../../../src/rules/index.js';
import { AriSimulator, type AriSimulatorOptions } from '../../../src/sim/ari/index.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../../helpers/redis.js';
import { TEST_POLICY } from '../../helpers/policy.js';
import { TEST_DEADLINE_MS } from '../../helpers/test-deadline.js';
import { meterConnections, type ConnectionMeter } from './connection-meter.js';

export { AriSimulator, createAriSimulator, type AriFaults, type AriSimulatorOptions, type FeatureCallOutcome } from '../../../src/sim/ari/index.js';

export { TEST_POLICY } from '../../helpers/policy.js';
export { meterConnections, type ConnectionMeter } from './connection-meter.js';
export { rejectAll } from './reject-all.js';
export { previousChut } from './previous-chut.js';

export interface AriHarness {
  sim: AriSimulator;
  chut: RunningChut;
  adapter: AriAdapter;
  /** Counts chut's connections to the fake (REST and the events WebSocket), when `meterConnections` was set. */
  meter: ConnectionMeter | null;
  /** Every log line chut wrote (debug level and up), raw JSON text. */
  logs: string[];
  stop(): Promise<void>;
}

export interface HarnessOptions {
  policy?: string;
  /** Merged over the test configuration. */
  config?: Record<string, unknown>;
  /** Merged over the simulator's own `ari` settings (a whole `ari` in `config` replaces them instead). */
  ari?: Record<string, unknown>;
  /** Puts a ConnectionMeter between chut and the fake. */
  meterConnections?: boolean;
  sim?: AriSimulatorOptions;
  /** Key prefix label; a fresh unique prefix is used and removed on stop. */
  label?: string;
}

export async function startAriHarness(o: HarnessOptions = {}): Promise<AriHarness> {
  const sim = new AriSimulator(o.sim);
  await sim.start();
  const meter = o.meterConnections ? await meterConnections(sim.url) : null;
  const url = await testRedisUrl();
  const prefix = uniquePrefix(o.label ?? 'ari');
  const logs: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } });
  const logger = createLogger('debug', sink);
  const config = parseConfig({
    ari: { ...sim.chutConfig().ari as Record<string, unknown>, ...(meter ? { url: meter.url } : {}), ...(o.ari ?? {}) },
    store: 'redis',
    redis: { url, prefix },
    http: { enabled: false },
    routes: sim.chutConfig().routes,
    captcha: { attempts: 2, firstDigitTimeoutMs: 1000, interDigitTimeoutMs: 500, onFail: 'voicemail', onTimeout: 'reject' },
    ...(o.config ?? {}),
    // merged, not replaced: a test giving another screening setting keeps the test deadline
    screening: { deadlineMs: TEST_DEADLINE_MS, ...(o.config?.screening as object | undefined) },
  });
  const chut = await startChut({ config, policy: parsePolicy(o.policy ?? TEST_POLICY, 'test'), logger, http: false });
  const adapter = chut.adapters.find((a) => a.name === 'asterisk-ari') as AriAdapter | undefined;
  if (!adapter) throw new Error('startChut did not start the ARI adapter');
  await sim.waitForChut();
  return {
    sim, chut, adapter, meter, logs,
    async stop() {
      await chut.stop();
      await meter?.stop();
      await sim.stop();
      await removeKeys(url, prefix);
    },
  };
}

/** Resolves once `check()` holds, polling; rejects after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The call record chut stored for `callId`, waited for (records are written once the call is routed or over). */
export async function recordOf(h: AriHarness, callId: string, timeoutMs = 5000): Promise<CallsPage['calls'][number]> {
  let found: CallsPage['calls'][number] | undefined;
  await eventually(async () => {
    found = (await h.chut.store.calls({ limit: 500 })).calls.find((c) => c.callId === callId);
    return found !== undefined;
  }, timeoutMs, `the call record of ${callId}`);
  return found!;
}

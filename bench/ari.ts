/**
 * ARI adapter latency: time from the fake Asterisk sending StasisStart to it receiving the route's REST
 * request (`continue` for ring), at 1 and 200 concurrent calls, through chut's real wiring (startChut) and the
 * real Redis. The simulator runs in the same process (same event loop): the figures include its own work.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { startChut } from '../src/app.js';
import type { AriAdapter } from '../src/ari/index.js';
import { parseConfig } from '../src/config.js';
import { silentLogger } from '../src/logger.js';
import { packageRoot } from '../src/package-root.js';
import { normalise } from '../src/phone/index.js';
import { loadPolicyFile } from '../src/rules/index.js';
import { AriSimulator, type SimRequest } from '../src/sim/ari/index.js';
import type { BenchOptions } from './main.js';
import { summarise } from './stats.js';

async function clean(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Times StasisStart → continue per channel. */
function stopwatch(sim: AriSimulator): { samples: number[]; reset(): void } {
  const started = new Map<string, number>();
  let samples: number[] = [];
  sim.on('stasis-start', (id: string, at: number) => started.set(id, at));
  sim.on('request', (r: SimRequest) => {
    if (r.method !== 'POST' || !r.channelId || !r.path.endsWith('/continue')) return;
    const t0 = started.get(r.channelId);
    if (t0 === undefined) return;
    started.delete(r.channelId);
    samples.push(r.at - t0);
  });
  return { get samples() { return samples; }, reset() { samples = []; started.clear(); } };
}

/** Random French mobiles: the shipped policy rings them (no list, no reputation, and spread over number
 * blocks so the burst rules stay quiet). */
function randomMobile(): string {
  for (;;) {
    const number = `+336${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    if (normalise(number, '', { defaultCountry: 'FR' }).number.kind === 'valid') return number;
  }
}

function place(sim: AriSimulator): Promise<string> {
  const number = randomMobile();
  return sim.placeCall({ callerNumber: number, callerName: 'BENCH', dialled: '0100000000', behaviour: { kind: 'silent' } }).then((o) => o.route);
}

async function scenario(sim: AriSimulator, watch: ReturnType<typeof stopwatch>, concurrency: number, total: number) {
  watch.reset();
  const routes: Record<string, number> = {};
  const t0 = performance.now();
  for (let done = 0; done < total; done += concurrency) {
    // `concurrency` calls arrive at once, the way a burst hits the PBX
    const batch = await Promise.all(Array.from({ length: Math.min(concurrency, total - done) }, () => place(sim)));
    for (const r of batch) routes[r] = (routes[r] ?? 0) + 1;
  }
  const seconds = (performance.now() - t0) / 1000;
  return { ...summarise(watch.samples), callsPerSecond: Math.round(total / seconds), routes };
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const prefix = `chutbench:ari:${randomBytes(3).toString('hex')}:`;
  const sim = new AriSimulator({ timing: { lingerMs: 5 } });
  await sim.start();
  const config = parseConfig({
    ...sim.chutConfig(), store: 'redis', redis: { url: opts.redisUrl, prefix }, http: { enabled: false }, screening: { deadlineMs: 1000 },
  });
  const policy = loadPolicyFile(join(packageRoot(), 'config', 'policy.yaml'));
  const chut = await startChut({ config, policy, logger: silentLogger(), http: false });
  const results: Record<string, unknown> = {};
  try {
    await sim.waitForChut();
    const adapter = chut.adapters.find((a) => a.name === 'asterisk-ari') as AriAdapter;
    const watch = stopwatch(sim);
    await scenario(sim, watch, 50, opts.quick ? 200 : 1000); // warm-up: scripts loaded, sockets pooled, JIT warm
    for (const concurrency of [1, 200]) {
      const total = opts.quick ? concurrency * 2 + 200 : Math.max(2000, concurrency * 20);
      const r = await scenario(sim, watch, concurrency, total);
      results[`concurrency${concurrency}`] = r;
      opts.say(`ari  ${String(concurrency).padStart(3)} concurrent: StasisStart → continue p50 ${r.p50} ms  p90 ${r.p90} ms  p99 ${r.p99} ms  max ${r.max} ms` +
        `  (${r.n} calls, ${r.callsPerSecond} calls/s, routes ${JSON.stringify(r.routes)})`);
    }
    results.liveCallsAfter = adapter.liveCalls();
    opts.say(`ari  live calls left in chut after the run: ${adapter.liveCalls()}`);
  } finally {
    await chut.stop();
    await sim.stop();
    await clean(opts.redisUrl, prefix);
  }
  return results;
}

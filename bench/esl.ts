/**
 * ESL adapter latency: time from the `connect` reply (FreeSWITCH's channel data) to chut's routing command
 * (ending the socket for ring, `answer` for a captcha, the voicemail/reject apps), as the simulated
 * FreeSWITCH sees it, at 1 and 200 concurrent calls. chut runs its real wiring (startChut) with the shipped
 * policy and the real Redis under a unique prefix, removed afterwards. Target: p99 < 5 ms at 200.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startChut } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { silentLogger } from '../src/logger.js';
import { packageRoot } from '../src/package-root.js';
import { loadPolicyFile } from '../src/rules/index.js';
import { EslSimulator } from '../src/sim/esl/index.js';
import type { SimulatedCall } from '../src/sim/types.js';
import type { BenchOptions } from './main.js';
import { summarise } from './stats.js';

function benchCall(): SimulatedCall {
  const number = `+336${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  // A caller that hangs up quickly keeps calls the policy challenges from lasting seconds.
  return { callerNumber: number, callerName: 'BENCH', dialled: '1000', behaviour: { kind: 'hangs-up', afterMs: 200 }, maxDurationMs: 10_000 };
}

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

/** Runs `total` calls keeping `concurrency` in flight; returns the routing latencies (ms). */
async function drive(sim: EslSimulator, total: number, concurrency: number): Promise<{ samples: number[]; unrouted: number; ms: number }> {
  const samples: number[] = [];
  let started = 0;
  let unrouted = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (started < total) {
      started++;
      const out = await sim.placeCall(benchCall());
      if (out.routingLatencyMs === null) unrouted++;
      else samples.push(out.routingLatencyMs);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { samples, unrouted, ms: performance.now() - t0 };
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const prefix = `chutbench:esl:${randomBytes(3).toString('hex')}:`;
  const sim = new EslSimulator({ mediaMs: 5 });
  await sim.start();
  const config = parseConfig({
    esl: { enabled: true, listenPort: sim.listenPort }, store: 'redis', redis: { url: opts.redisUrl, prefix },
    http: { enabled: false }, log: { level: 'silent' }, screening: { deadlineMs: 250 },
  });
  const policy = loadPolicyFile(join(packageRoot(), 'config', 'policy.yaml'));
  const chut = await startChut({ config, policy, logger: silentLogger(), http: false });
  const results: Record<string, unknown> = {};
  try {
    await sim.waitForChut();
    await drive(sim, 100, 10); // warm-up: Lua scripts loaded, JIT warm
    for (const concurrency of [1, 200]) {
      const total = opts.quick ? Math.max(200, concurrency * 3) : Math.max(2000, concurrency * 20);
      const { samples, unrouted, ms } = await drive(sim, total, concurrency);
      const s = summarise(samples);
      results[`c${concurrency}`] = { ...s, unrouted, callsPerSec: Math.round((total / ms) * 1000) };
      opts.say(`  ${concurrency} concurrent: connect reply → routing command p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms ` +
        `(${s.n} calls, ${Math.round((total / ms) * 1000)} calls/s${unrouted ? `, ${unrouted} unrouted` : ''})`);
    }
    const p99 = (results.c200 as { p99: number }).p99;
    opts.say(`  target p99 < 5 ms at 200 concurrent: ${p99 < 5 ? 'met' : 'NOT met'}`);
  } finally {
    await chut.stop();
    await sim.stop();
    await clean(opts.redisUrl, prefix);
  }
  return results;
}

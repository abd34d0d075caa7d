/**
 * Screening latency and throughput against the real Redis: p50/p99 of `screen()` with 1, 50 and 500 requests kept
 * in flight back to back (a saturation test: each waits behind the others, throughput is the figure), with 50
 * calls in progress (a PBX with 50 busy channels turning over 1,000 calls a second), and at fixed arrival rates;
 * decisions per second, and Redis round trips per screened call (lookup) and per recorded call.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseConfig } from '../src/config.js';
import { silentLogger } from '../src/logger.js';
import { packageRoot } from '../src/package-root.js';
import { createRedisStore } from '../src/reputation/index.js';
import { createRedisClient, waitUntilReady, deleteKeysWithPrefix } from '../src/redis-client.js';
import { loadPolicyFile } from '../src/rules/index.js';
import { createScreeningService } from '../src/screening/service.js';
import type { InboundCall } from '../src/screening/types.js';
import type { BenchOptions } from './main.js';
import { summarise } from './stats.js';

function randomCaller(i: number): string {
  // French mobiles and geographic numbers, some on telemarketing prefixes, so several rules are evaluated
  const kinds = ['06', '07', '01', '0162', '04'];
  const head = kinds[i % kinds.length] as string;
  const digits = String(Math.floor(Math.random() * 1e9)).padStart(9, '0');
  return (head + digits).slice(0, 10);
}

function call(i: number): InboundCall {
  return { pbx: 'asterisk-ari', callId: `bench-${i}`, callerNumber: randomCaller(i), callerName: 'BENCH', dialled: '0100000000', receivedAt: Date.now() };
}

/**
 * `inProgress` calls up at every moment, as on a PBX with that many channels busy: each caller is screened,
 * holds the line `holdMs`, hangs up (the post-call writes run), and the next call takes its channel. First
 * calls are spread over one hold time, so this measures a steady load, not a start-up burst. With 50 channels
 * and 50 ms calls that is 1,000 new calls a second, far beyond any home or small-office PBX (real calls last
 * minutes); `screen()` latency is what a caller waits before ringing.
 */
async function inProgress(screening: ReturnType<typeof createScreeningService>, opts: BenchOptions, channels: number, holdMs: number): Promise<Record<string, unknown>> {
  const total = opts.quick ? 2000 : 20_000;
  const samples: number[] = [];
  let next = 0;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const started = performance.now();
  await Promise.all(Array.from({ length: channels }, async (_, ch) => {
    await sleep((ch * holdMs) / channels);
    while (next < total) {
      const c = call(next++);
      const t0 = performance.now();
      const d = await screening.screen(c);
      samples.push(performance.now() - t0);
      if (d.degraded) throw new Error(`degraded decision during the benchmark: ${d.reasons.join('; ')}`);
      await sleep(holdMs);
      await screening.finishCall(c, d, d.route, null);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  const s = summarise(samples);
  const rate = Math.round(total / seconds);
  opts.say(`screen() with ${channels} calls in progress (${holdMs} ms calls, ${rate} new calls/s, post-call writes included): ` +
    `p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms  max ${s.max.toFixed(3)} ms`);
  return { calls_in_progress: channels, hold_ms: holdMs, calls: total, new_calls_per_s: rate, p50_ms: s.p50, p99_ms: s.p99, max_ms: s.max };
}

/**
 * Open loop: calls arrive at a fixed rate whatever the latency (as on a PBX, where callers do not wait for
 * each other), instead of the closed loop above that keeps N requests in flight back to back.
 */
async function openLoop(screening: ReturnType<typeof createScreeningService>, opts: BenchOptions): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const rate of [1000, 5000]) {
    const total = opts.quick ? rate / 2 : rate * 3;
    const samples: number[] = [];
    const pending: Promise<void>[] = [];
    const started = performance.now();
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const t0 = performance.now();
      pending.push(screening.screen(call(i)).then(() => { samples.push(performance.now() - t0); }));
    }
    await Promise.all(pending);
    const s = summarise(samples);
    out[`r${rate}`] = { arrivals_per_s: rate, calls: total, p50_ms: s.p50, p99_ms: s.p99, max_ms: s.max };
    opts.say(`screen() open loop ${rate} calls/s: p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms`);
  }
  return out;
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const prefix = `chutbench:${randomBytes(3).toString('hex')}:`;
  const config = parseConfig({ redis: { url: opts.redisUrl, prefix }, screening: { deadlineMs: 5000 } });
  // the client exactly as `chut run` builds it
  const redis = createRedisClient(config.redis, { failFast: true });
  if (!(await waitUntilReady(redis, 5000))) throw new Error(`Redis at ${opts.redisUrl} is not answering`);
  const store = createRedisStore({ redis, prefix });
  const policy = loadPolicyFile(join(packageRoot(), 'config', 'policy.yaml'));
  const screening = createScreeningService({ store, policy, config, logger: silentLogger() });
  const results: Record<string, unknown> = {};
  try {
    for (let i = 0; i < 2000; i++) await screening.screen(call(i)); // warm-up: scripts loaded, JIT warm (steady state)
    for (const concurrency of [1, 50, 500]) {
      const total = opts.quick ? Math.max(500, concurrency * 4) : Math.max(5000, concurrency * 40);
      const samples: number[] = [];
      const tripsBefore = store.roundTrips;
      let next = 0;
      let valid = 0;
      const started = performance.now();
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const c = call(next++);
          const t0 = performance.now();
          const d = await screening.screen(c);
          samples.push(performance.now() - t0);
          if (d.caller.number.kind === 'valid') valid++; // withheld/invalid callers need no lookup at all
          if (d.degraded) throw new Error(`degraded decision during the benchmark: ${d.reasons.join('; ')}`);
        }
      }));
      const seconds = (performance.now() - started) / 1000;
      const s = summarise(samples);
      const row = { concurrency, calls: total, p50_ms: s.p50, p99_ms: s.p99, max_ms: s.max, decisions_per_s: Math.round(total / seconds), round_trips_per_call: (store.roundTrips - tripsBefore) / valid };
      results[`c${concurrency}`] = row;
      opts.say(`screen() ${String(concurrency).padStart(3)} in flight back to back (saturation): p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms  ${row.decisions_per_s} decisions/s  ${row.round_trips_per_call} Redis round trips/call`);
    }
    results.in_progress50 = await inProgress(screening, opts, 50, 50);
    results.open_loop = await openLoop(screening, opts);
    const before = store.roundTrips;
    const n = 200;
    let lookups = 0;
    for (let i = 0; i < n; i++) {
      const c = call(i);
      const d = await screening.screen(c);
      if (d.caller.number.kind === 'valid') lookups++;
      await screening.finishCall(c, d, d.route, null);
    }
    const writeTrips = Math.round(((store.roundTrips - before - lookups) / n) * 1000) / 1000;
    results.record_round_trips_per_call = writeTrips;
    opts.say(`post-decision writes: ${writeTrips} Redis round trip(s) per call (stream, counters, windows)`);
  } finally {
    await deleteKeysWithPrefix(redis, prefix);
    await store.close();
    redis.disconnect();
  }
  return results;
}

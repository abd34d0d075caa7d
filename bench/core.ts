/**
 * Screening latency and throughput against the real Redis: p50/p99 of `screen()` with 1, 50 and 500 requests kept
 * in flight back to back (a saturation test: each waits behind the others, throughput is the figure), with 50
 * calls in progress (a PBX with 50 busy channels turning over 1,000 calls a second; new callers, then callers who
 * called before), one call after silence, and at fixed arrival rates; decisions per second, and Redis round trips
 * per screened call (lookup) and per recorded call. The 1 and 50 back-to-back, in-progress and after-silence rows
 * each come with a bare Redis PING driven the same way: the machine's floor; the new-caller in-progress row also runs
 * with the in-memory store in place of Redis: chut's own share.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { parseConfig, type Config } from '../src/config.js';
import { benchLogger } from './logger.js';
import { packageRoot } from '../src/package-root.js';
import { createMemoryStore, createRedisStore } from '../src/reputation/index.js';
import { createRedisClient, waitUntilReady, deleteKeysWithPrefix } from '../src/redis-client.js';
import { redactUrl } from '../src/cli/context.js';
import { loadPolicyFile, type Policy } from '../src/rules/index.js';
import { createScreeningService } from '../src/screening/service.js';
import type { ScreeningDecision, ScreeningService } from '../src/screening/types.js';
import type { Redis } from 'ioredis';
import type { BenchOptions } from './main.js';
import { cpuPerCall, shareOver, summarise } from './stats.js';
import { scriptTime } from './redis.js';
import { backToBack, callsInProgress, sleep } from './traffic.js';
import { benchCall, knownCallerPool, randomCaller } from './callers.js';
import { coreTargets, targetLine, type CoreTarget } from './core-targets.js';

/** Callers that were already screened: a pool small enough for the caller-ID cache. */
const KNOWN_CALLERS = 2000;

/**
 * A PBX with `channels` lines busy at every moment: each caller is screened, holds the line (exponential holding
 * time of mean `meanHoldMs`, as in Erlang's traffic model), hangs up (the post-call writes run), and the next call
 * takes the line. With 50 lines and 50 ms calls that is ~1,000 new calls a second, far beyond any home or
 * small-office PBX (real calls last minutes); `screen()` latency is what a caller waits before ringing. The same
 * load with a bare Redis PING in place of the call gives the machine's own floor for this pattern.
 */
/** New calls on `channels` busy lines: each screened (the sample), held, then hung up with its post-call writes. */
function screenInProgress(screening: ScreeningService, channels: number, meanHoldMs: number, total: number, caller: (i: number) => string) {
  return callsInProgress({
    channels, meanHoldMs, total,
    arrive: async (i) => {
      const c = benchCall(i, caller);
      return { c, d: notDegraded(await screening.screen(c)) };
    },
    hangUp: async (_, { c, d }) => screening.finishCall(c, d, d.route, null),
  });
}

export async function inProgress(screening: ScreeningService, redis: Redis, opts: BenchOptions, channels: number, meanHoldMs: number, known: boolean, fullTotal = 20_000): Promise<Record<string, unknown>> {
  const total = opts.quick ? Math.min(2000, fullTotal) : fullTotal;
  const knownCaller = knownCallerPool(KNOWN_CALLERS);
  if (known) for (let i = 0; i < KNOWN_CALLERS; i++) await screening.screen(benchCall(i, knownCaller));
  const scriptsBefore = await scriptTime(redis);
  const cpuBefore = process.cpuUsage();
  const busyBefore = performance.eventLoopUtilization();
  const run = await screenInProgress(screening, channels, meanHoldMs, total, known ? knownCaller : randomCaller);
  // Node's own cost per call (the benchmark's timers included) and how busy its event loop was: a reply that
  // arrives while the loop runs other calls' work waits, so the tail grows with this share.
  const nodeCpuUs = cpuPerCall(cpuBefore, total);
  const busy = performance.eventLoopUtilization(busyBefore).utilization;
  const scriptsAfter = await scriptTime(redis);
  const redisUs = (scriptsAfter.usec - scriptsBefore.usec) / total;
  const commandsUs = (scriptsAfter.commandUsec - scriptsBefore.commandUsec) / total;
  const floor = await callsInProgress({ channels, meanHoldMs, total: Math.min(total, 10_000), arrive: () => redis.ping() });
  const s = summarise(run.samples);
  const f = summarise(floor.samples);
  const rate = Math.round(total / run.seconds);
  const over1ms = shareOver(run.samples, 1);
  opts.say(`screen() with ${channels} calls in progress (${meanHoldMs} ms mean hold, ${rate} new calls/s, post-call writes included), ` +
    `${known ? `callers among ${KNOWN_CALLERS} who called before` : 'every caller new'}: p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms  max ${s.max.toFixed(3)} ms  ` +
    `over 1 ms: ${(over1ms * 100).toFixed(2)} % of calls`);
  opts.say(`  floor, a bare Redis PING in the same pattern: p50 ${f.p50.toFixed(3)} ms  p99 ${f.p99.toFixed(3)} ms`);
  opts.say(`  Redis time per call, lookup and post-call scripts (INFO commandstats): ${redisUs.toFixed(1)} µs, ` +
    `of which ${commandsUs.toFixed(1)} µs in the Redis commands they call (the rest: Lua and script-call overhead)`);
  opts.say(`  Node CPU per call ${nodeCpuUs} µs (the benchmark's own timers included), event loop busy ${(busy * 100).toFixed(1)} % of the time`);
  return {
    node_cpu_us_per_call: nodeCpuUs, event_loop_busy: Math.round(busy * 1000) / 1000,
    redis_script_us_per_call: Math.round(redisUs * 10) / 10,
    redis_commands_us_per_call: Math.round(commandsUs * 10) / 10,
    calls_in_progress: channels, mean_hold_ms: meanHoldMs, callers: known ? `known (${KNOWN_CALLERS})` : 'new', calls: total, new_calls_per_s: rate, p50_ms: s.p50, p99_ms: s.p99, max_ms: s.max, share_over_1ms: Math.round(over1ms * 1e4) / 1e4,
    floor_ping: { p50_ms: f.p50, p99_ms: f.p99, max_ms: f.max },
  };
}

/**
 * chut's own share: the new-caller row again with the in-memory store in place of Redis (no network, no Redis), so
 * what is left is chut's code, its log line and Node. Set beside the Redis row and its PING floor, it tells whether a
 * slow p99 comes from chut or from the round trip and the machine.
 */
async function inProgressWithoutRedis(config: Config, policy: Policy, opts: BenchOptions, channels: number, meanHoldMs: number): Promise<Record<string, unknown>> {
  const total = opts.quick ? 2000 : 20_000;
  const screening = createScreeningService({ store: createMemoryStore(), policy, config, logger: benchLogger() });
  for (let i = 0; i < 2000; i++) await screening.screen(benchCall(i)); // the same warm-up as the Redis rows
  const run = await screenInProgress(screening, channels, meanHoldMs, total, randomCaller);
  const s = summarise(run.samples);
  const over1ms = shareOver(run.samples, 1);
  opts.say(`  chut alone, the same with the in-memory store instead of Redis: p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms  ` +
    `max ${s.max.toFixed(3)} ms  over 1 ms: ${(over1ms * 100).toFixed(2)} % of calls`);
  return { calls: total, p50_ms: s.p50, p99_ms: s.p99, max_ms: s.max, share_over_1ms: Math.round(over1ms * 1e4) / 1e4 };
}

function notDegraded(d: ScreeningDecision): ScreeningDecision {
  if (d.degraded) throw new Error(`degraded decision during the benchmark: ${d.reasons.join('; ')}`);
  return d;
}

/**
 * A quiet PBX: one call at a time, each after 20 ms of silence, alternating with a bare Redis PING after the same
 * silence. On a virtual machine both processes go idle between calls, and the first operation after idle pays
 * for waking them (and for cold caches): the PING shows what that costs the machine itself.
 */
async function afterIdle(screening: ScreeningService, redis: Redis, opts: BenchOptions): Promise<Record<string, unknown>> {
  const idleMs = 20;
  const n = opts.quick ? 100 : 500;
  const screened: number[] = [];
  const pinged: number[] = [];
  for (let i = 0; i < n; i++) {
    await sleep(idleMs);
    let t0 = performance.now();
    notDegraded(await screening.screen(benchCall(i)));
    screened.push(performance.now() - t0);
    await sleep(idleMs);
    t0 = performance.now();
    await redis.ping();
    pinged.push(performance.now() - t0);
  }
  const s = summarise(screened);
  const f = summarise(pinged);
  opts.say(`screen() one call after ${idleMs} ms of silence: p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms`);
  opts.say(`  floor, a bare Redis PING after the same silence: p50 ${f.p50.toFixed(3)} ms  p99 ${f.p99.toFixed(3)} ms`);
  return { idle_ms: idleMs, calls: n, p50_ms: s.p50, p99_ms: s.p99, max_ms: s.max, floor_ping: { p50_ms: f.p50, p99_ms: f.p99, max_ms: f.max } };
}

/**
 * Open loop: calls arrive at a fixed rate whatever the latency (as on a PBX, where callers do not wait for
 * each other), instead of the closed loop above that keeps N requests in flight back to back.
 */
async function openLoop(screening: ScreeningService, opts: BenchOptions): Promise<Record<string, unknown>> {
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
      pending.push(screening.screen(benchCall(i)).then(() => { samples.push(performance.now() - t0); }));
    }
    await Promise.all(pending);
    const s = summarise(samples);
    out[`r${rate}`] = { arrivals_per_s: rate, calls: total, p50_ms: s.p50, p99_ms: s.p99, max_ms: s.max };
    opts.say(`screen() open loop ${rate} calls/s: p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms`);
  }
  return out;
}

export interface BenchScreening {
  screening: ScreeningService;
  redis: Redis;
  store: ReturnType<typeof createRedisStore>;
  config: Config;
  policy: Policy;
  /** Removes the benchmark's keys and closes the connection. */
  close(): Promise<void>;
}

/**
 * The screening service as `chut run` builds it (client, store, shipped policy), on a key prefix of its own, warmed
 * up: scripts loaded, JIT warm (the steady state is measured).
 */
export async function openBenchScreening(opts: BenchOptions): Promise<BenchScreening> {
  const prefix = `chutbench:${randomBytes(3).toString('hex')}:`;
  const config = parseConfig({ redis: { url: opts.redisUrl, prefix }, screening: { deadlineMs: 5000 } });
  const redis = createRedisClient(config.redis, { failFast: true });
  if (!(await waitUntilReady(redis, 5000))) {
    redis.disconnect();
    throw new Error(`Redis at ${redactUrl(opts.redisUrl)} is not answering`);
  }
  const store = createRedisStore({ redis, prefix, callPathLane: true });
  const policy = loadPolicyFile(join(packageRoot(), 'config', 'policy.yaml'));
  const screening = createScreeningService({ store, policy, config, logger: benchLogger() });
  const close = async () => {
    await deleteKeysWithPrefix(redis, prefix);
    await store.close();
    redis.disconnect();
  };
  try {
    for (let i = 0; i < 2000; i++) await screening.screen(benchCall(i));
  } catch (err) {
    await close();
    throw err;
  }
  return { screening, redis, store, config, policy, close };
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const { screening, redis, store, config, policy, close } = await openBenchScreening(opts);
  const results: Record<string, unknown> = {};
  try {
    for (const concurrency of [1, 50, 500]) {
      // At least 20,000 calls a row: 5,000-call rows mostly measured the transient after the previous row (JIT,
      // GC), not the steady state (same hour: 50 back to back 7,000–8,800/s with 5,000 calls, 11,100–11,900 with 20,000).
      const total = opts.quick ? Math.max(500, concurrency * 4) : Math.max(20_000, concurrency * 40);
      const tripsBefore = store.roundTrips;
      let valid = 0;
      const run = await backToBack(concurrency, total, async (i) => {
        const d = notDegraded(await screening.screen(benchCall(i)));
        if (d.caller.number.kind === 'valid') valid++; // withheld/invalid callers need no lookup at all
      });
      const s = summarise(run.samples);
      const row: Record<string, unknown> = { concurrency, calls: total, p50_ms: s.p50, p99_ms: s.p99, max_ms: s.max, decisions_per_s: Math.round(total / run.seconds), round_trips_per_call: (store.roundTrips - tripsBefore) / valid };
      opts.say(`screen() ${String(concurrency).padStart(3)} in flight back to back (saturation): p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms  ${String(row.decisions_per_s)} decisions/s  ${String(row.round_trips_per_call)} Redis round trips/call`);
      if (concurrency <= 50) {
        // what the machine itself gives for the same pattern: no decision can be faster than a bare round trip
        const floor = await backToBack(concurrency, Math.max(total, 20_000), () => redis.ping());
        const f = summarise(floor.samples);
        row.floor_ping = { p50_ms: f.p50, p99_ms: f.p99, per_s: Math.round(floor.samples.length / floor.seconds) };
        opts.say(`  floor, a bare Redis PING the same way: p50 ${f.p50.toFixed(3)} ms  p99 ${f.p99.toFixed(3)} ms  ${String((row.floor_ping as { per_s: number }).per_s)}/s`);
      }
      results[`c${concurrency}`] = row;
    }
    results.in_progress50 = await inProgress(screening, redis, opts, 50, 50, false);
    results.in_progress50_memory_store = await inProgressWithoutRedis(config, policy, opts, 50, 50);
    results.in_progress50_known = await inProgress(screening, redis, opts, 50, 50, true);
    // The same 50 lines turning over a fifth as many calls (250 ms holds): whether the tail comes from the load
    // (queueing behind other calls' work) or from each call's own path (processes waking up between calls).
    results.in_progress50_slow = await inProgress(screening, redis, opts, 50, 250, false, 10_000);
    results.after_idle = await afterIdle(screening, redis, opts);
    results.open_loop = await openLoop(screening, opts);
    const before = store.roundTrips;
    const n = 200;
    let lookups = 0;
    for (let i = 0; i < n; i++) {
      const c = benchCall(i);
      const d = await screening.screen(c);
      if (d.caller.number.kind === 'valid') lookups++;
      await screening.finishCall(c, d, d.route, null);
    }
    const writeTrips = Math.round(((store.roundTrips - before - lookups) / n) * 1000) / 1000;
    results.record_round_trips_per_call = writeTrips;
    opts.say(`post-decision writes: ${writeTrips} Redis round trip(s) per call (stream, counters, windows)`);
    results.targets = coreTargets(results);
    opts.say('targets (issue 2), on this machine:');
    for (const t of Object.values(results.targets as Record<string, CoreTarget>)) opts.say(targetLine(t));
  } finally {
    await close();
  }
  return results;
}

/**
 * What an API import costs the calls screened meanwhile: `POST /api/import` of a large blocklist while one call is
 * screened every 20 ms in the same process, as `chut run` serves both. Reports the event loop's longest delay and
 * the calls' slowest decision: a loop held for seconds holds every call's decision with it (the screener's
 * deadline cannot fire while the loop is held).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { startChut } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { deleteKeysWithPrefix, createRedisClient } from '../src/redis-client.js';
import { parsePolicy } from '../src/rules/index.js';
import { benchLogger } from './logger.js';
import { benchCall } from './callers.js';
import { sleep } from './traffic.js';
import { summarise } from './stats.js';
import type { BenchOptions } from './main.js';

const TOKEN = `bench-${randomBytes(12).toString('hex')}`;

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const lines = opts.quick ? 100_000 : 600_000; // 600,000 lines: ~17 MiB, under the API's 20 MiB body limit
  const prefix = `chutbench:${randomBytes(3).toString('hex')}:`;
  const config = parseConfig({ store: 'redis', redis: { url: opts.redisUrl, prefix }, http: { port: 0, token: TOKEN } });
  const chut = await startChut({ config, policy: parsePolicy('version: 1\ndefault: ring\nrules: []\n', 'bench'), logger: benchLogger(), http: true });
  const body = Array.from({ length: lines }, (_, i) => `01${String(62_000_000 + i).padStart(8, '0')},telemarketing ${i % 50}`).join('\n');
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const decisions: number[] = [];
  let importing = true;
  try {
    for (let i = 0; i < 200; i++) await chut.screening.screen(benchCall(i)); // warm
    loop.enable();
    const calls = (async () => {
      for (let i = 0; importing; i++) {
        const t0 = performance.now();
        await chut.screening.screen(benchCall(i));
        decisions.push(performance.now() - t0);
        await sleep(20);
      }
    })();
    const t0 = performance.now();
    const res = await fetch(`${chut.httpUrl}/api/import?format=csv`, { method: 'POST', headers: { 'content-type': 'text/csv', authorization: `Bearer ${TOKEN}` }, body });
    const seconds = (performance.now() - t0) / 1000;
    const reply = await res.json() as { imported?: number };
    importing = false;
    await calls;
    loop.disable();
    if (res.status !== 200) throw new Error(`import answered ${res.status}`);
    const d = summarise(decisions);
    const maxDelayMs = Math.round(loop.max / 1e6);
    const p99DelayMs = Math.round(loop.percentile(99) / 1e5) / 10;
    opts.say(`POST /api/import of ${lines} lines: ${seconds.toFixed(1)} s (${String(reply.imported)} imported); event loop delay max ${maxDelayMs} ms, p99 ${p99DelayMs} ms`);
    opts.say(`  ${decisions.length} calls screened meanwhile (one every 20 ms): p50 ${d.p50.toFixed(2)} ms  p99 ${d.p99.toFixed(2)} ms  max ${d.max.toFixed(1)} ms`);
    return { lines, seconds: Math.round(seconds * 10) / 10, loop_delay_max_ms: maxDelayMs, loop_delay_p99_ms: p99DelayMs, calls: decisions.length, call_p50_ms: d.p50, call_p99_ms: d.p99, call_max_ms: d.max };
  } finally {
    importing = false;
    await chut.stop();
    const redis = createRedisClient(config.redis, { failFast: false });
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  }
}

/**
 * ARI adapter latency: time from the fake Asterisk sending StasisStart to it receiving the route's REST
 * request (`continue` for ring), through chut's real wiring (startChut) and the real Redis. The simulator runs
 * in its own process (bench/peer.ts), as Asterisk does, so it shares neither chut's event loop nor its GC;
 * both stamps are taken in the simulator's process. Scenarios: one call at a time; one at a time while 200 other calls are
 * live in chut (held in a captcha); 200 calls arriving in the same instant.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startChut } from '../src/app.js';
import type { AriAdapter } from '../src/ari/index.js';
import { parseConfig } from '../src/config.js';
import { benchLogger } from './logger.js';
import { packageRoot } from '../src/package-root.js';
import { normalise } from '../src/phone/index.js';
import { loadPolicyFile } from '../src/rules/index.js';
import { AriSimulator, type SimRequest } from '../src/sim/ari/index.js';
import type { BenchOptions } from './main.js';
import { PeerProcess, peerData, peerParent } from './peer.js';
import { cleanPrefix } from './redis.js';
import { summarise } from './stats.js';
import { sleep } from './traffic.js';

type Command =
  | { cmd: 'calls'; concurrency: number; total: number }
  | { cmd: 'hold'; count: number }
  | { cmd: 'release' }
  | { cmd: 'stop' };
interface CallsResult { samples: number[]; routes: Record<string, number>; seconds: number }

/** Random valid French mobiles: the shipped policy rings them (no list, no reputation, no burst). */
function randomMobile(): string {
  for (;;) {
    const number = `+336${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    if (normalise(number, '', { defaultCountry: 'FR' }).number.kind === 'valid') return number;
  }
}

/** The simulator side, in its own process. */
async function simWorker(): Promise<void> {
  const port = peerParent();
  const sim = new AriSimulator({ timing: { lingerMs: 5 } });
  await sim.start();
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
  let held: Array<Promise<unknown>> = [];
  const place = () => sim.placeCall({ callerNumber: randomMobile(), callerName: 'BENCH', dialled: '0100000000', behaviour: { kind: 'silent' } });

  async function calls(concurrency: number, total: number): Promise<CallsResult> {
    samples = [];
    const routes: Record<string, number> = {};
    const t0 = performance.now();
    for (let done = 0; done < total; done += concurrency) {
      const batch = await Promise.all(Array.from({ length: Math.min(concurrency, total - done) }, place));
      for (const o of batch) routes[o.route] = (routes[o.route] ?? 0) + 1;
      // Let the previous call's post-route record writes finish, so each measured call is on its own (calls
      // arriving back to back within a millisecond are the burst scenario's job).
      await sleep(concurrency > 1 ? 20 : 2);
    }
    return { samples, routes, seconds: (performance.now() - t0) / 1000 };
  }

  port.on('message', async (m: Command) => {
    if (m.cmd === 'calls') port.postMessage(await calls(m.concurrency, m.total));
    else if (m.cmd === 'hold') {
      // withheld callers get the captcha and stay silent: live in chut until it stops
      held = Array.from({ length: m.count }, () =>
        sim.placeCall({ callerNumber: 'anonymous', callerName: '', dialled: '0100000000', behaviour: { kind: 'silent' }, maxDurationMs: 600_000 }));
      port.postMessage('held');
    } else if (m.cmd === 'release') {
      const outcomes = await Promise.all(held);
      port.postMessage(outcomes.length);
    } else {
      await sim.stop();
      port.postMessage('stopped');
    }
  });
  port.postMessage(sim.chutConfig());
}

function ask<T>(worker: PeerProcess, command: Command): Promise<T> {
  return new Promise((resolve) => {
    worker.once('message', resolve);
    worker.postMessage(command);
  });
}

async function measure(worker: PeerProcess, concurrency: number, total: number) {
  const r = await ask<CallsResult>(worker, { cmd: 'calls', concurrency, total });
  return { ...summarise(r.samples), callsPerSecond: Math.round(total / r.seconds), routes: r.routes };
}

function report(opts: BenchOptions, label: string, r: Awaited<ReturnType<typeof measure>>): void {
  opts.say(`ari  ${label.padEnd(42)} StasisStart → continue p50 ${r.p50} ms  p90 ${r.p90} ms  p99 ${r.p99} ms  max ${r.max} ms` +
    `  (${r.n} calls, ${r.callsPerSecond} calls/s, routes ${JSON.stringify(r.routes)})`);
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const prefix = `chutbench:ari:${randomBytes(3).toString('hex')}:`;
  const worker = new PeerProcess(new URL(import.meta.url), { role: 'chut-ari-sim' });
  const simConfig = await new Promise<Record<string, unknown>>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const config = parseConfig({
    ...simConfig, store: 'redis', redis: { url: opts.redisUrl, prefix }, http: { enabled: false }, screening: { deadlineMs: 1000 },
    captcha: { firstDigitTimeoutMs: 30_000, attempts: 3 },
  });
  const policy = loadPolicyFile(join(packageRoot(), 'config', 'policy.yaml'));
  const chut = await startChut({ config, policy, logger: benchLogger(), http: false });
  const adapter = chut.adapters.find((a) => a.name === 'asterisk-ari') as AriAdapter;
  const results: Record<string, unknown> = {};
  const n = opts.quick ? 300 : 3000;
  try {
    while (adapter.status().state !== 'ready') await sleep(10);
    await measure(worker, 20, opts.quick ? 200 : 1000); // warm-up: scripts loaded, sockets pooled, JIT warm

    const one = await measure(worker, 1, n);
    results.concurrency1 = one;
    report(opts, '1 call at a time:', one);

    await ask(worker, { cmd: 'hold', count: 200 });
    for (let i = 0; i < 1000 && adapter.liveCalls() < 200; i++) await sleep(10);
    await sleep(1000); // the held calls' prompts have played: they now wait for digits, as live calls do
    const live = adapter.liveCalls();
    const withLive = await measure(worker, 1, n);
    results.concurrency200 = { liveCalls: live, ...withLive };
    report(opts, `1 at a time, ${live} other calls live in chut:`, withLive);

    const burst = await measure(worker, 200, opts.quick ? 400 : 2000);
    results.burst200 = burst;
    report(opts, '200 arriving in the same instant (burst):', burst);

    await chut.stop(); // fail-open on shutdown: the held calls are sent on to ring
    results.heldSentOn = await ask<number>(worker, { cmd: 'release' });
    results.liveCallsAfter = adapter.liveCalls();
    opts.say(`ari  held calls sent on when chut stopped: ${String(results.heldSentOn)}; live calls left in chut: ${adapter.liveCalls()}`);
  } finally {
    await chut.stop().catch(() => undefined);
    await ask(worker, { cmd: 'stop' });
    await worker.terminate();
    await cleanPrefix(opts.redisUrl, prefix);
  }
  return results;
}

if (peerData<{ role?: string }>()?.role === 'chut-ari-sim') void simWorker();

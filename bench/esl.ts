/**
 * ESL adapter latency: time from the `connect` reply (FreeSWITCH's channel data) to chut's routing command
 * (ending the socket for ring, `answer` for a captcha, the voicemail/reject apps), at 1 and 200 concurrent
 * calls in flight. Measured twice: as the simulated FreeSWITCH sees it (reply written → command received,
 * both event loops and loopback included) and inside chut (channel data parsed → routing command written),
 * with the decision latency (screener + Redis) beside it. chut runs the real screener with the shipped
 * policy and the real Redis under a unique prefix, removed afterwards. The simulated FreeSWITCH runs in its
 * own process (bench/peer.ts), as a real FreeSWITCH does. Target: p99 < 5 ms at 200.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseConfig } from '../src/config.js';
import { createEslAdapter } from '../src/esl/index.js';
import { createRedisStore } from '../src/reputation/index.js';
import { createScreeningService } from '../src/screening/service.js';
import { benchLogger } from './logger.js';
import { packageRoot } from '../src/package-root.js';
import { loadPolicyFile } from '../src/rules/index.js';
import { EslSimulator } from '../src/sim/esl/index.js';
import type { SimulatedCall } from '../src/sim/types.js';
import type { BenchOptions } from './main.js';
import { PeerProcess, peerData, peerParent } from './peer.js';
import { cleanPrefix } from './redis.js';
import { cpuPerCall, summarise } from './stats.js';

interface DriveResult { samples: number[]; unrouted: number; ms: number }
/** `total` calls, `concurrency` in flight, each lasting `talkMs` once it rang through. */
interface Load { total: number; concurrency: number; talkMs: number; burst?: boolean }

function benchCall(): SimulatedCall {
  // Valid French mobiles (+33 61…): unknown callers the shipped policy lets ring.
  const number = `+3361${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  // Hangs up after a while so calls the policy challenges do not wait for captcha timeouts.
  return { callerNumber: number, callerName: 'BENCH', dialled: '1000', behaviour: { kind: 'hangs-up', afterMs: 3000 }, maxDurationMs: 10_000 };
}

/**
 * Runs `total` calls keeping `concurrency` in flight; returns the routing latencies (ms). `staggerMs` spreads the
 * workers' first calls so a steady load is measured, not the start-up burst (the burst has its own row).
 */
async function drive(sim: EslSimulator, total: number, concurrency: number, staggerMs: number): Promise<DriveResult> {
  const samples: number[] = [];
  let started = 0;
  let unrouted = 0;
  const t0 = performance.now();
  const worker = async (_: unknown, index: number): Promise<void> => {
    if (staggerMs > 0) await new Promise((r) => setTimeout(r, index * staggerMs));
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

/** Peer process side: the simulated FreeSWITCH, driven by messages from the bench process. */
async function simWorker(chutPort: number): Promise<void> {
  const parentPort = peerParent();
  const sims = new Map<number, EslSimulator>();
  const simFor = async (talkMs: number): Promise<EslSimulator> => {
    let sim = sims.get(talkMs);
    if (!sim) {
      sim = new EslSimulator({ chutPort, mediaMs: 5, talkMs });
      await sim.start();
      sims.set(talkMs, sim);
    }
    return sim;
  };
  parentPort.on('message', (msg: Load | 'stop') => {
    if (msg === 'stop') {
      void Promise.all([...sims.values()].map((s) => s.stop())).then(() => process.exit(0));
      return;
    }
    void simFor(msg.talkMs).then((sim) => drive(sim, msg.total, msg.concurrency, msg.burst ? 0 : msg.talkMs / msg.concurrency)).then((r) => parentPort.postMessage(r));
  });
  parentPort.postMessage('ready');
}

const peer = peerData<{ eslSim?: number }>();
if (peer?.eslSim) void simWorker(peer.eslSim);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function ask(worker: PeerProcess, msg: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.postMessage(msg);
  });
}

/** chut's side: the adapter's own timing hooks and the screener's decision latency. */
function chutProbe(): { onTiming: (e: 'connected' | 'routed', id: string) => void; onDecision: (d: { latencyMs: number }) => void; take(): { adapter: number[]; decision: number[] } } {
  const connected = new Map<string, number>();
  let adapter: number[] = [];
  let decision: number[] = [];
  return {
    onTiming(e, id) {
      if (e === 'connected') connected.set(id, performance.now());
      else {
        const at = connected.get(id);
        connected.delete(id);
        if (at !== undefined) adapter.push(performance.now() - at);
      }
    },
    onDecision(d) { decision.push(d.latencyMs); },
    take() {
      const out = { adapter, decision };
      adapter = [];
      decision = [];
      return out;
    },
  };
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const prefix = `chutbench:esl:${randomBytes(3).toString('hex')}:`;
  const port = await freePort();
  const config = parseConfig({
    esl: { enabled: true, listenPort: port }, store: 'redis', redis: { url: opts.redisUrl, prefix },
    http: { enabled: false }, log: { level: 'silent' },
  });
  const policy = loadPolicyFile(join(packageRoot(), 'config', 'policy.yaml'));
  const store = createRedisStore({ url: opts.redisUrl, prefix, callPathLane: true }); // as chut run's store
  const probe = chutProbe();
  const logger = benchLogger();
  const screening = createScreeningService({ store, policy, config, logger, observers: [{ onDecision: probe.onDecision }] });
  const adapter = createEslAdapter({ config, screening, logger }, { onTiming: probe.onTiming });
  await adapter.start();
  const worker = new PeerProcess(new URL(import.meta.url), { eslSim: port });
  const results: Record<string, unknown> = {};
  try {
    await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
    await ask(worker, { total: 400, concurrency: 200, talkMs: 10, burst: true }); // warm-up: Lua scripts loaded, JIT warm
    const loads: Array<[string, string, Load]> = [
      ['c1', '1 concurrent', { total: opts.quick ? 300 : 2000, concurrency: 1, talkMs: 10 }],
      // 200 calls in flight, each lasting about a second once routed: ~200 new calls per second.
      ['c200', '200 concurrent', { total: opts.quick ? 800 : 6000, concurrency: 200, talkMs: 1000 }],
      // The worst case: 200 calls arriving at the same instant.
      ['burst200', '200 arriving at once', { total: 200, concurrency: 200, talkMs: 10, burst: true }],
    ];
    for (const [key, label, load] of loads) {
      probe.take();
      const cpuBefore = process.cpuUsage();
      const { samples, unrouted, ms } = (await ask(worker, load)) as DriveResult;
      const cpuPerCallUs = cpuPerCall(cpuBefore, load.total);
      const inside = probe.take();
      const pbx = summarise(samples);
      const chut = summarise(inside.adapter);
      const decision = summarise(inside.decision);
      const rate = Math.round((load.total / ms) * 1000);
      results[key] = { pbxSide: pbx, chutSide: chut, decision, unrouted, callsPerSec: rate, chutCpuPerCallUs: cpuPerCallUs };
      opts.say(`  ${label} (${pbx.n} calls, ${rate} calls/s${unrouted ? `, ${unrouted} unrouted` : ''}, chut CPU ${cpuPerCallUs} µs/call): connect reply → routing command`);
      opts.say(`    seen by FreeSWITCH  p50 ${pbx.p50} ms  p99 ${pbx.p99} ms  max ${pbx.max} ms`);
      opts.say(`    inside chut         p50 ${chut.p50} ms  p99 ${chut.p99} ms  max ${chut.max} ms  (of which decision p50 ${decision.p50} ms, p99 ${decision.p99} ms)`);
    }
    const c200 = results.c200 as { pbxSide: { p99: number } };
    opts.say(`  target p99 < 5 ms at 200 concurrent (seen by FreeSWITCH): ${c200.pbxSide.p99 < 5 ? 'met' : 'NOT met'}`);
  } finally {
    worker.postMessage('stop');
    await new Promise((resolve) => worker.once('exit', resolve));
    await adapter.stop();
    await store.close();
    await cleanPrefix(opts.redisUrl, prefix);
  }
  return results;
}

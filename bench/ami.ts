/**
 * `npm run bench -- ami`: AMI adapter latency, from the moment the fake Asterisk writes a `ChutQuery` UserEvent
 * to the moment chut's `Setvar CHUT_DECISION` reaches it (p50/p99), at 1 and 200 concurrent calls, while 5,000
 * unrelated events a second flow on the same connection. The fake Asterisk runs in its own process
 * (bench/ami-sim.ts); chut runs its real wiring (startChut) with the shipped policy and the real Redis under
 * a unique key prefix, removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startChut } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { benchLogger } from './logger.js';
import { packageRoot } from '../src/package-root.js';
import { loadPolicyFile } from '../src/rules/index.js';
import type { WorkerRequest } from './ami-sim.js';
import type { BenchOptions } from './main.js';
import { PeerProcess } from './peer.js';
import { cleanPrefix } from './redis.js';
import { cpuPerCall, summarise } from './stats.js';

type WorkerReply =
  | { type: 'listening'; config: Record<string, unknown> }
  | { type: 'ready' }
  | { type: 'samples'; samples: number[] }
  | { type: 'stopped'; floodRate: number };

function talk(worker: PeerProcess) {
  return <T extends WorkerReply['type']>(req: WorkerRequest | null, expect: T): Promise<Extract<WorkerReply, { type: T }>> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: WorkerReply) => {
        if (m.type !== expect) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(m as Extract<WorkerReply, { type: T }>);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      if (req) worker.postMessage(req);
    });
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const prefix = `chutbench:ami:${randomBytes(3).toString('hex')}:`;
  const worker = new PeerProcess(new URL('./ami-sim.js', import.meta.url), { role: 'ami-sim' });
  const ask = talk(worker);
  const { config: simConfig } = await ask(null, 'listening');
  const config = parseConfig({ ...simConfig, store: 'redis', redis: { url: opts.redisUrl, prefix }, http: { enabled: false } });
  const policy = loadPolicyFile(join(packageRoot(), 'config', 'policy.yaml'));
  const chut = await startChut({ config, policy, logger: benchLogger(), http: false });
  const results: Record<string, unknown> = {};
  try {
    await ask({ type: 'wait-chut' }, 'ready');
    await ask({ type: 'measure', concurrency: 1, rounds: 100 }, 'samples'); // warm-up
    worker.postMessage({ type: 'flood', perSecond: 5000 } satisfies WorkerRequest);
    for (const concurrency of [1, 200]) {
      const rounds = concurrency === 1 ? (opts.quick ? 300 : 3000) : (opts.quick ? 3 : 20);
      const { samples } = await ask({ type: 'measure', concurrency, rounds }, 'samples');
      const s = summarise(samples);
      results[`concurrency${concurrency}`] = s;
      opts.say(`ami ChutQuery→Setvar  ${concurrency === 1 ? '1 at a time' : `${concurrency} in the same instant (burst)`}: n=${s.n} p50=${s.p50} ms p90=${s.p90} ms p99=${s.p99} ms max=${s.max} ms`);
    }
    const steadyTotal = opts.quick ? 400 : 4000;
    const cpuBefore = process.cpuUsage();
    const { samples } = await ask({ type: 'steady', concurrency: 200, total: steadyTotal, holdMs: 1000 }, 'samples');
    // chut's whole process: the screened calls and the 5,000 unrelated events a second it reads meanwhile
    const cpuPerCallUs = cpuPerCall(cpuBefore, steadyTotal);
    const s = summarise(samples);
    results.steady200 = { ...s, chutCpuPerCallUs: cpuPerCallUs };
    opts.say(`ami ChutQuery→Setvar  200 calls in progress (~200 new/s): n=${s.n} p50=${s.p50} ms p90=${s.p90} ms p99=${s.p99} ms max=${s.max} ms` +
      `  (chut CPU ${cpuPerCallUs} µs per call, the event flood included)`);
  } finally {
    const { floodRate } = await ask({ type: 'stop' }, 'stopped');
    results.unrelatedEventsPerSecond = floodRate;
    opts.say(`ami unrelated events flowing meanwhile: ${floodRate}/s; target p99 < 5 ms`);
    await worker.terminate();
    await chut.stop();
    await cleanPrefix(opts.redisUrl, prefix);
  }
  return results;
}

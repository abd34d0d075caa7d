/**
 * AMI adapter latency: from the moment the fake Asterisk writes a `ChutQuery` UserEvent to the moment the
 * `Setvar CHUT_DECISION` reaches it (p50/p99), at 1 and 200 concurrent calls, while 5,000 unrelated events a
 * second flow on the same connection. chut runs its real wiring (startChut) with the shipped policy and the
 * real Redis under a unique key prefix, removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startChut } from '../src/app.js';
import { parseConfig } from '../src/config.js';
import { silentLogger } from '../src/logger.js';
import { packageRoot } from '../src/package-root.js';
import { loadPolicyFile } from '../src/rules/index.js';
import { channelEvent, hangupEvent, type SimChannel } from '../src/sim/ami/channel.js';
import { createAmiSimulator, header, serialize, type AmiSimulator, type Packet } from '../src/sim/ami/index.js';
import type { BenchOptions } from './main.js';
import { summarise } from './stats.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function floodPacket(i: number): Packet {
  const id = `1600000000.${i}`;
  return [
    ['Event', i % 2 ? 'Newexten' : 'Newstate'], ['Privilege', i % 2 ? 'dialplan,all' : 'call,all'],
    ['Channel', `PJSIP/other-${i.toString(16).padStart(8, '0')}`], ['ChannelState', '6'], ['ChannelStateDesc', 'Up'],
    ['CallerIDNum', '+33100000000'], ['CallerIDName', 'Noise'], ['ConnectedLineNum', '<unknown>'], ['ConnectedLineName', '<unknown>'],
    ['Language', 'en'], ['AccountCode', ''], ['Context', 'from-internal'], ['Exten', '200'], ['Priority', '1'],
    ['Uniqueid', id], ['Linkedid', id], ['Application', 'Wait'], ['AppData', '1'],
  ];
}

function startFlood(sim: AmiSimulator, perSecond: number): () => number {
  let sent = 0;
  const timer = setInterval(() => {
    let chunk = '';
    for (let k = 0; k < perSecond / 100; k += 1) chunk += serialize(floodPacket(sent++));
    sim.server.writeRaw(chunk);
  }, 10);
  return () => { clearInterval(timer); return sent; };
}

/** Asks chut about one call the way chut-ami.conf does, resolves with the ms until CHUT_DECISION arrives. */
function makeAsker(sim: AmiSimulator) {
  const waiting = new Map<string, (at: number) => void>();
  sim.server.onAction = (p) => {
    if (header(p, 'Variable') !== 'CHUT_DECISION') return;
    const done = waiting.get(header(p, 'Channel') ?? '');
    if (done) done(performance.now());
  };
  let seq = 0;
  return async (): Promise<number> => {
    seq += 1;
    const number = `06${String(10_000_000 + Math.floor(Math.random() * 89_999_999))}`;
    const ch: SimChannel = {
      name: `PJSIP/trunk-${seq.toString(16).padStart(8, '0')}`, uniqueid: `1700000000.${seq}`, linkedid: `1700000000.${seq}`,
      state: 4, callerNum: number, callerName: 'BENCH', connectedNum: '', connectedName: '', context: 'chut-screen', exten: 's',
      priority: 8, vars: new Map(), alive: true,
    };
    sim.server.channels.set(ch.name, ch);
    const answered = new Promise<number>((resolve) => waiting.set(ch.name, resolve));
    const t0 = performance.now();
    sim.server.broadcast(channelEvent('UserEvent', ch, [
      ['UserEvent', 'ChutQuery'], ['ChutVersion', '1'], ['ChutCallId', ch.uniqueid], ['ChutCaller', b64(number)],
      ['ChutName', b64('BENCH')], ['ChutDialled', b64('0100000000')], ['ChutVerstat', ''], ['ChutWaitMs', '2000'],
    ]));
    const t1 = await answered;
    waiting.delete(ch.name);
    ch.alive = false;
    sim.server.broadcast(hangupEvent(ch, 16, 'Normal Clearing'));
    sim.server.channels.delete(ch.name);
    return t1 - t0;
  };
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

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const prefix = `chutbench:ami:${randomBytes(3).toString('hex')}:`;
  const sim = createAmiSimulator();
  await sim.start();
  const config = parseConfig({ ...sim.chutConfig(), store: 'redis', redis: { url: opts.redisUrl, prefix }, http: { enabled: false } });
  const policy = loadPolicyFile(join(packageRoot(), 'config', 'policy.yaml'));
  const chut = await startChut({ config, policy, logger: silentLogger(), http: false });
  const results: Record<string, unknown> = {};
  try {
    await sim.waitForChut();
    const ask = makeAsker(sim);
    for (let i = 0; i < 100; i += 1) await ask(); // warm-up
    const stopFlood = startFlood(sim, 5000);
    const floodStart = performance.now();
    for (const concurrency of [1, 200]) {
      const rounds = concurrency === 1 ? (opts.quick ? 300 : 2000) : (opts.quick ? 3 : 15);
      const samples: number[] = [];
      for (let r = 0; r < rounds; r += 1) {
        samples.push(...await Promise.all(Array.from({ length: concurrency }, () => ask())));
      }
      const s = summarise(samples);
      results[`concurrency${concurrency}`] = s;
      opts.say(`ami ChutQuery→Setvar  concurrency ${String(concurrency).padStart(3)}: n=${s.n} p50=${s.p50} ms p99=${s.p99} ms max=${s.max} ms`);
    }
    const sent = stopFlood();
    const rate = Math.round(sent / ((performance.now() - floodStart) / 1000));
    results.floodEventsPerSecond = rate;
    opts.say(`ami unrelated events flowing meanwhile: ${rate}/s (target 5000/s); target p99 < 5 ms`);
  } finally {
    await chut.stop();
    await sim.stop();
    await clean(opts.redisUrl, prefix);
  }
  return results;
}

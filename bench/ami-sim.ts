/**
 * The fake Asterisk side of `bench ami`, run in its own process (bench/peer.ts) so that it shares neither
 * chut's event loop nor its garbage collector (a real Asterisk is another process): the AMI simulator,
 * 5,000 unrelated events a second, and the timing of each `ChutQuery` UserEvent until chut's
 * `Setvar CHUT_DECISION` arrives — both ends measured here.
 */
import { channelEvent, hangupEvent, chutEncode, type SimChannel } from '../src/sim/ami/channel.js';
import { createAmiSimulator, header, serialize, type AmiSimulator, type Packet } from '../src/sim/ami/index.js';
import { peerData, peerParent } from './peer.js';
import { exponentialMs, sleep } from './traffic.js';

export type WorkerRequest = { type: 'wait-chut' } | { type: 'flood'; perSecond: number } | { type: 'measure'; concurrency: number; rounds: number }
  | { type: 'steady'; concurrency: number; total: number; holdMs: number } | { type: 'stop' };


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

/** Paced on the clock, not on timer counts, so the rate holds even when timers fire late. */
function startFlood(sim: AmiSimulator, perSecond: number): () => { sent: number; seconds: number } {
  let sent = 0;
  const start = performance.now();
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * perSecond);
    let chunk = '';
    while (sent < due) chunk += serialize(floodPacket(sent++));
    if (chunk) sim.server.writeRaw(chunk);
  }, 5);
  return () => { clearInterval(timer); return { sent, seconds: (performance.now() - start) / 1000 }; };
}

function makeAsker(sim: AmiSimulator): () => Promise<number> {
  const waiting = new Map<string, (at: number) => void>();
  sim.server.onAction = (p) => {
    if (header(p, 'Variable') === 'CHUT_DECISION') waiting.get(header(p, 'Channel') ?? '')?.(performance.now());
  };
  let seq = 0;
  return async () => {
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
      ['UserEvent', 'ChutQuery'], ['ChutVersion', '1'], ['ChutCallId', ch.uniqueid], ['ChutCaller', chutEncode(number)],
      ['ChutName', chutEncode('BENCH')], ['ChutDialled', chutEncode('0100000000')], ['ChutVerstat', chutEncode('')], ['ChutWaitMs', '2000'],
    ]));
    const t1 = await answered;
    waiting.delete(ch.name);
    ch.alive = false;
    sim.server.broadcast(hangupEvent(ch, 16, 'Normal Clearing'));
    sim.server.channels.delete(ch.name);
    return t1 - t0;
  };
}

/**
 * `concurrency` callers, each placing a call then holding the line (exponential holding time of mean `holdMs`:
 * see traffic.ts), first calls spread over one hold time: a steady load with `concurrency` calls in progress,
 * rather than all of them arriving in the same instant. Latencies are the simulator's own (event → Setvar).
 */
async function steady(ask: () => Promise<number>, concurrency: number, total: number, holdMs: number): Promise<number[]> {
  const samples: number[] = [];
  let started = 0;
  await Promise.all(Array.from({ length: concurrency }, async (_, i) => {
    await sleep((i * holdMs) / concurrency);
    while (started < total) {
      started += 1;
      samples.push(await ask());
      await sleep(exponentialMs(holdMs));
    }
  }));
  return samples;
}

async function main(): Promise<void> {
  if (peerData() === null) return;
  const port = peerParent();
  const sim = createAmiSimulator();
  await sim.start();
  const ask = makeAsker(sim);
  let stopFlood: (() => { sent: number; seconds: number }) | null = null;
  port.on('message', async (req: WorkerRequest) => {
    if (req.type === 'wait-chut') {
      await sim.waitForChut();
      port.postMessage({ type: 'ready' });
    } else if (req.type === 'flood') {
      stopFlood = startFlood(sim, req.perSecond);
    } else if (req.type === 'measure') {
      const samples: number[] = [];
      for (let r = 0; r < req.rounds; r += 1) samples.push(...await Promise.all(Array.from({ length: req.concurrency }, ask)));
      port.postMessage({ type: 'samples', samples });
    } else if (req.type === 'steady') {
      port.postMessage({ type: 'samples', samples: await steady(ask, req.concurrency, req.total, req.holdMs) });
    } else {
      const flood = stopFlood?.() ?? { sent: 0, seconds: 1 };
      await sim.stop();
      port.postMessage({ type: 'stopped', floodRate: Math.round(flood.sent / flood.seconds) });
    }
  });
  port.postMessage({ type: 'listening', config: sim.chutConfig() });
}

void main();

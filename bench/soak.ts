/**
 * `node dist/bench/soak.js [--pbx asterisk|freeswitch|ami] [--minutes 10] [--rate 25] …` (after `npm run build`): a
 * soak. chut must run for months without its memory, handles or Redis keys growing; this runs `chut run` in its own
 * process, as a service runs, against a built-in PBX simulator (in this process), on the real Redis under a unique
 * prefix, with the HTTP API (a token), a webhook receiver (in this process; 2 % of its answers are 503s) and MQTT,
 * and drives bench/soak-calls.ts's mix of calls at `--rate` calls/s (Poisson arrivals) for `--minutes`, while a
 * dashboard polls the API every 5 s. Every 30 s chut's own probe (bench/soak-probe.ts) and this process sample it.
 *
 * Read the table the run ends with: after the warm-up, heapUsed after GC, handles and fds must be flat (RSS and the
 * raw heap saw-tooth). Two caches fill during the first ~10,000 distinct caller IDs and then stop growing: the caller
 * ID parse cache (phone/normalise.ts, 10,000) and, with FreeSWITCH, the calls screened recently (esl/index.ts, 20,000).
 * In Redis, keys of kinds outside NO_TTL_BY_DESIGN with no TTL would grow without end. To see what grows, take heap
 * snapshots (`--snapshots 150,900`: chut writes Heap.*.heapsnapshot into --out at those seconds and at the end; each
 * pauses it for a second or two and leaves its RSS higher) and compare them: `node dist/bench/heap-shapes.js A B`.
 *
 * `--chaos SEC`: every SEC seconds the PBX restarts (ARI: Asterisk restarts, 1.5 s down; AMI: its connections drop;
 * FreeSWITCH: the inbound event socket restarts) and the webhook receiver answers 503 for 15 s.
 * Everything it wrote is removed at the end: the keys under its prefix, the retained MQTT topics under its topic prefix.
 * Keep the rate moderate on a shared machine (the default 25 calls/s is ~20 % of one vCPU for chut).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { connectAsync, type MqttClient } from 'mqtt';
import { deleteKeysWithPrefix } from '../src/redis-client.js';
import { createAmiSimulator, type AmiSimulator } from '../src/sim/ami/index.js';
import { AriSimulator, createAriSimulator } from '../src/sim/ari/index.js';
import { createEslSimulator, EslSimulator, freePort } from '../src/sim/esl/index.js';
import { callMix, mobile, pick, type Arrival } from './soak-calls.js';
import type { SoakSample } from './soak-probe.js';
import { NO_TTL_BY_DESIGN, sampleRedis, type RedisSample } from './soak-redis.js';
import { sleep } from './traffic.js';

const { values: args } = parseArgs({
  options: {
    pbx: { type: 'string', default: 'asterisk' },
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '25' },
    redis: { type: 'string', default: process.env.CHUT_REDIS_URL ?? 'redis://127.0.0.1:6379' },
    mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
    out: { type: 'string' },
    snapshots: { type: 'string', default: '' },
    chaos: { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  process.stdout.write('usage: node dist/bench/soak.js [--pbx asterisk|freeswitch|ami] [--minutes 10] [--rate 25] [--redis URL]\n' +
    '         [--mqtt URL|none] [--out DIR] [--snapshots SEC,SEC…] [--chaos SEC]\n');
  process.exit(0);
}
const PBX = args.pbx as string;
if (!['asterisk', 'freeswitch', 'ami'].includes(PBX)) throw new Error(`--pbx ${PBX}: asterisk, freeswitch or ami`);
const RATE = Number(args.rate);
const DURATION_MS = Number(args.minutes) * 60_000;
const SAMPLE_MS = 30_000;
const tag = randomBytes(4).toString('hex');
const PREFIX = `soak-${tag}:`;
const TOPIC = `soak-${tag}`;
const TOKEN = randomBytes(24).toString('hex');
const OUT = args.out ?? `/tmp/chut-soak-${PBX}-${tag}`;
const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const PROBE = fileURLToPath(new URL('./soak-probe.js', import.meta.url));
mkdirSync(OUT, { recursive: true });

function say(line: string): void {
  const stamped = `[${new Date().toISOString().slice(11, 19)}] ${line}`;
  process.stdout.write(`${stamped}\n`);
  appendFileSync(join(OUT, 'soak.log'), `${stamped}\n`);
}
const count = (into: Record<string, number>, key: string): void => { into[key] = (into[key] ?? 0) + 1; };

// ---------------------------------------------------------------- the webhook receiver and the MQTT watcher
const hooks = { received: 0, refused: 0, byEvent: {} as Record<string, number> };
let hookDown = false;
const hookServer = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => { body += c.toString(); });
  req.on('end', () => {
    // a flaky receiver: the webhook retries these, with its backoff timers
    if (hookDown || Math.random() < 0.02) {
      hooks.refused++;
      res.writeHead(503).end();
      return;
    }
    hooks.received++;
    try {
      count(hooks.byEvent, String((JSON.parse(body) as { event?: unknown }).event));
    } catch {
      count(hooks.byEvent, 'unreadable');
    }
    res.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
const hookPort = (hookServer.address() as AddressInfo).port;

const mqttUrl = args.mqtt === 'none' ? null : (args.mqtt as string);
const mqttSeen: Record<string, number> = {};
const watcher: MqttClient | null = mqttUrl ? await connectAsync(mqttUrl, { clientId: `soak-watch-${tag}` }) : null;
if (watcher) {
  await watcher.subscribeAsync(`${TOPIC}/#`);
  watcher.on('message', (topic) => count(mqttSeen, topic.slice(TOPIC.length + 1)));
}

// ---------------------------------------------------------------- the simulator, and chut in its own process
type Sim = AriSimulator | AmiSimulator | EslSimulator;
const sim: Sim = PBX === 'asterisk' ? createAriSimulator() : PBX === 'ami' ? createAmiSimulator() : createEslSimulator();
await sim.start();
const httpPort = await freePort();
const config = {
  ...sim.chutConfig(),
  store: 'redis',
  redis: { url: args.redis, prefix: PREFIX },
  policy: fileURLToPath(new URL('../../config/policy.yaml', import.meta.url)),
  screening: { defaultCountry: 'FR' },
  // shorter than the defaults, so that a captcha call ends within seconds and more of them fit in a run
  captcha: { attempts: 2, firstDigitTimeoutMs: 2000, interDigitTimeoutMs: 1500, language: 'en' },
  http: { enabled: true, host: '127.0.0.1', port: httpPort, token: TOKEN },
  notifications: {
    webhook: { url: `http://127.0.0.1:${hookPort}/hook`, events: ['call-rejected', 'captcha-failed', 'voicemail-routed', 'number-auto-blocked'], timeoutMs: 2000, retries: 2 },
    mqtt: mqttUrl ? { url: mqttUrl, topicPrefix: TOPIC, events: ['call-rejected', 'number-auto-blocked', 'captcha-failed'] } : null,
  },
  log: { level: 'info' },
};
// JSON is YAML: chut reads it as its config file
writeFileSync(join(OUT, 'chut.json'), JSON.stringify(config, null, 2));
const SAMPLES = join(OUT, 'chut-samples.jsonl');
const REDIS_SAMPLES = join(OUT, 'redis-samples.jsonl');
const logFd = openSync(join(OUT, 'chut.log'), 'a');
const child = spawn(process.execPath, ['--expose-gc', '--import', PROBE, '--heapsnapshot-signal=SIGUSR2', MAIN, 'run', '--config', join(OUT, 'chut.json')], {
  cwd: OUT, env: { ...process.env, SOAK_SAMPLES: SAMPLES, SOAK_SAMPLE_MS: String(SAMPLE_MS) }, stdio: ['ignore', logFd, logFd],
});
let childExit: string | null = null;
child.on('exit', (code, signal) => { childExit = String(code ?? signal); });
say(`soak in ${OUT}: ${PBX}, chut pid ${child.pid}, prefix ${PREFIX}, ${RATE} calls/s for ${args.minutes} min`);
await sim.waitForChut(20_000);
const base = `http://127.0.0.1:${httpPort}`;
for (let i = 0; i < 200; i++) {
  if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
  await sleep(100);
}
const api = async (path: string, init: RequestInit = {}): Promise<number> => {
  // a content type only with a body: Fastify refuses an empty JSON body (400)
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, ...(init.body ? { 'content-type': 'application/json' } : {}) };
  const res = await fetch(`${base}${path}`, { ...init, headers });
  await res.arrayBuffer();
  return res.status;
};

// ---------------------------------------------------------------- calls
const mix = callMix();
for (const n of mix.blocked) {
  const status = await api(`/api/lists/block/${encodeURIComponent(n)}`, { method: 'PUT', body: JSON.stringify({ reason: 'soak' }) });
  if (status !== 200) throw new Error(`seeding the blocklist: ${status}`);
}
const stats = { placed: 0, done: 0, failed: 0, live: 0, maxLive: 0, routes: {} as Record<string, number>, api: {} as Record<string, number> };
const recentCallers: string[] = [];

async function place(arrival: Arrival): Promise<string> {
  if (arrival.kind === 'api-report') {
    const n = recentCallers.length ? pick(recentCallers) : mobile();
    return `api-${await api(`/api/reports/${encodeURIComponent(n)}`, { method: 'POST', body: JSON.stringify({ kind: 'spam' }) })}`;
  }
  if ('extension' in arrival) {
    const kind = arrival.kind === 'report-spam' ? 'spam' : 'allow';
    if (sim instanceof AriSimulator) return (await sim.placeFeatureCall(arrival.extension, kind)).route;
    return (await sim.placeCall({ callerNumber: arrival.extension, callerName: 'Phone', dialled: kind === 'spam' ? '*77' : '*78', fromInternalPhone: true, behaviour: { kind: 'silent' } })).route;
  }
  if ('call' in arrival) {
    if (/^0[1-9]/.test(arrival.call.callerNumber)) {
      recentCallers.push(arrival.call.callerNumber);
      if (recentCallers.length > 200) recentCallers.shift();
    }
    return (await sim.placeCall(arrival.call)).route;
  }
  return 'none';
}

async function oneArrival(): Promise<void> {
  const arrival = mix.next();
  stats.placed++;
  stats.live++;
  stats.maxLive = Math.max(stats.maxLive, stats.live);
  try {
    count(stats.routes, `${arrival.kind}:${await place(arrival)}`);
  } catch (err) {
    if (++stats.failed <= 20) say(`${arrival.kind} failed: ${String(err)}`);
  } finally {
    stats.done++;
    stats.live--;
  }
}

/** What the dashboard asks every refresh (public/app.js), with /metrics and /healthz as a monitoring system would. */
async function poll(): Promise<void> {
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  const week = new Date(today.getTime() - 6 * 86_400_000);
  const paths = [`/api/stats?since=${encodeURIComponent(today.toISOString())}`, `/api/stats?since=${encodeURIComponent(week.toISOString())}`,
    '/api/calls?limit=20', '/metrics', '/healthz'];
  if (Math.random() < 0.3) paths.push('/api/calls?limit=50&action=reject', `/api/numbers/${encodeURIComponent(pick(recentCallers.length ? recentCallers : ['0612345678']))}`);
  if (Math.random() < 0.1) paths.push('/', '/app.js');
  await Promise.all(paths.map(async (p) => count(stats.api, `${p.split('?')[0]?.replace(/\/api\/numbers\/.*/, '/api/numbers/N')} ${await api(p).catch(() => 'error')}`)));
  // a client that gives up mid-request, and one with a wrong token
  await fetch(`${base}/api/calls?limit=100`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(1) }).catch(() => undefined);
  await fetch(`${base}/api/stats`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } }).then((r) => r.arrayBuffer(), () => undefined);
  if (Math.random() < 0.2) {
    const n = encodeURIComponent(mobile());
    count(stats.api, `PUT /api/lists ${await api(`/api/lists/allow/${n}`, { method: 'PUT', body: JSON.stringify({ reason: 'soak', expires: '1h' }) }).catch(() => 'error')}`);
    count(stats.api, `DELETE /api/lists ${await api(`/api/lists/allow/${n}`, { method: 'DELETE' }).catch(() => 'error')}`);
  }
}

/** A PBX restart and a webhook receiver outage, every `every` ms (--chaos). */
async function chaos(every: number): Promise<void> {
  for (let n = 1; Date.now() - t0 < DURATION_MS - every; n++) {
    await sleep(every);
    if (sim instanceof AriSimulator) await sim.faults.restart(1500);
    else if (sim instanceof EslSimulator) {
      const port = sim.inbound.port;
      await sim.inbound.stop();
      await sleep(1500);
      await sim.inbound.start(port);
    } else sim.server.dropConnections();
    hookDown = true;
    setTimeout(() => { hookDown = false; }, 15_000);
    say(`chaos ${n}: ${PBX} restarted, webhook receiver down for 15 s`);
  }
}

// ---------------------------------------------------------------- the run
const redis = new Redis(args.redis as string, { maxRetriesPerRequest: 1 });
const snapshotAt = (args.snapshots as string).split(',').filter(Boolean).map(Number);
const redisSamples: Array<RedisSample & { t: number; done: number }> = [];
async function sampleNow(): Promise<void> {
  const r = { t: Date.now(), done: stats.done, ...(await sampleRedis(redis, PREFIX)) };
  redisSamples.push(r);
  appendFileSync(REDIS_SAMPLES, `${JSON.stringify(r)}\n`);
  say(`t=${Math.round((r.t - t0) / 1000)}s calls ${stats.done} (live ${stats.live}, failed ${stats.failed}) | Redis keys ${r.keys}, ` +
    `${Math.round(r.bytes / 1024)} KiB, stream ${r.xlen}, no TTL ${JSON.stringify(r.noTtl)}`);
}

const t0 = Date.now();
const running = new Set<Promise<void>>();
const arrivals = (async () => {
  while (Date.now() - t0 < DURATION_MS) {
    await sleep(-Math.log(1 - Math.random()) * (1000 / RATE));
    if (stats.live >= 400) continue; // a jammed chut must not run this process out of memory
    const p = oneArrival();
    running.add(p);
    void p.finally(() => running.delete(p));
  }
})();
const polling = (async () => {
  while (Date.now() - t0 < DURATION_MS) {
    await poll().catch((err: unknown) => say(`poll failed: ${String(err)}`));
    await sleep(5000);
  }
})();
const disorder = Number(args.chaos) > 0 ? chaos(Number(args.chaos) * 1000) : Promise.resolve();
let snapshots = 0;
for (let k = 0; Date.now() - t0 < DURATION_MS; k++) {
  await sleep(Math.max(0, t0 + k * SAMPLE_MS + 1500 - Date.now())); // just after chut's own sample
  await sampleNow();
  if (snapshotAt[snapshots] !== undefined && Date.now() - t0 > snapshotAt[snapshots]! * 1000) {
    child.kill('SIGUSR2');
    say(`heap snapshot ${++snapshots}`);
  }
}
await Promise.all([arrivals, polling, disorder]);
if (snapshotAt.length) {
  child.kill('SIGUSR2');
  say('heap snapshot (end)');
}
for (let i = 0; i < 120 && running.size; i++) await sleep(500);
// once every call has ended: what chut keeps when idle
await sleep(SAMPLE_MS + 2000);
await sampleNow();
say(`calls ${stats.done}, failed ${stats.failed}, at most ${stats.maxLive} at once; routes ${JSON.stringify(stats.routes)}`);
say(`API ${JSON.stringify(stats.api)}; webhook ${JSON.stringify(hooks)}; MQTT ${JSON.stringify(mqttSeen)}`);

// ---------------------------------------------------------------- the table, and cleaning up
function table(): string {
  // the probe's samples (its line on a slow stop, stillRunning, is for reading: soak.log says where it is)
  const chut = readFileSync(SAMPLES, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Partial<SoakSample>)
    .filter((c): c is SoakSample => c.rss !== undefined);
  const MiB = 2 ** 20;
  const rows = ['| t (s) | calls done | RSS MiB | heapUsed after GC MiB | handles | fds | event loop p99 / max ms | Redis keys | keys without TTL | stream entries |',
    '|---|---|---|---|---|---|---|---|---|---|'];
  for (const c of chut) {
    const r = redisSamples.reduce<(typeof redisSamples)[number] | undefined>((best, x) => (!best || Math.abs(x.t - c.t) < Math.abs(best.t - c.t) ? x : best), undefined);
    const near = r && Math.abs(r.t - c.t) < 10_000 ? r : undefined;
    const noTtl = near ? Object.values(near.noTtl).reduce((a, b) => a + b, 0) : '';
    rows.push(`| ${c.s} | ${near?.done ?? ''} | ${(c.rss / MiB).toFixed(0)} | ${(c.heapUsed / MiB).toFixed(1)} | ${c.handles} | ${c.fds} | ` +
      `${c.eld.p99.toFixed(0)} / ${c.eld.max.toFixed(0)} | ${near?.keys ?? ''} | ${noTtl} | ${near?.xlen ?? ''} |`);
  }
  const last = redisSamples.at(-1);
  const unexpected = Object.keys(last?.noTtl ?? {}).filter((k) => !NO_TTL_BY_DESIGN.has(k));
  rows.push('', `keys by kind at the end: ${JSON.stringify(last?.kinds)}`, `biggest: ${JSON.stringify(last?.biggest)}`,
    unexpected.length ? `KEYS WITHOUT A TTL OUTSIDE THE SCHEMA'S LIST: ${unexpected.join(', ')}` : 'every key without a TTL is of a kind the schema allows');
  return rows.join('\n');
}
// chut's stop is bounded within systemd's TimeoutStopSec=30s (app.ts): longer is a bug
const stopping = Date.now();
child.kill('SIGTERM');
for (let i = 0; i < 350 && childExit === null; i++) await sleep(100);
if (childExit === null) {
  say('chut did not stop within 35 s: SIGKILL');
  child.kill('SIGKILL');
} else say(`chut stopped ${((Date.now() - stopping) / 1000).toFixed(1)} s after SIGTERM`);
if (Date.now() - stopping > 5000) say(`what chut still held 5 s after SIGTERM: the stillRunning line of ${SAMPLES}`);
await sim.stop();
hookServer.close();
if (watcher && mqttUrl) {
  // what the broker retains under the prefix, as a new subscriber sees it (live deliveries carry no retain flag)
  await watcher.endAsync();
  const sweeper = await connectAsync(mqttUrl, { clientId: `soak-sweep-${tag}` });
  const retained = new Set<string>();
  sweeper.on('message', (topic, payload, packet) => { if (packet.retain && payload.length) retained.add(topic); });
  await sweeper.subscribeAsync(`${TOPIC}/#`);
  await sleep(1500);
  for (const topic of retained) await sweeper.publishAsync(topic, '', { retain: true, qos: 1 });
  await sweeper.endAsync();
  say(`retained MQTT topics cleared: ${[...retained].join(', ') || 'none'}`);
}
await deleteKeysWithPrefix(redis, PREFIX);
redis.disconnect();
say(`keys under ${PREFIX} deleted; chut exited ${childExit ?? 'killed'}; files in ${OUT}`);
// last: everything this run wrote is gone whatever the table makes of the samples
const summary = table();
writeFileSync(join(OUT, 'table.md'), `${summary}\n`);
process.stdout.write(`${summary}\n`);

/**
 * `npm run bench -- memory`: bytes per listed number. Loads 1 M (100 k with --quick) random valid-looking E.164
 * numbers through `importList` under a unique prefix, reads `INFO memory` before/after, then measures what a
 * number with live reputation costs (rep hash + window zsets), and deletes every key it wrote.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRedisStore } from '../src/reputation/index.js';
import type { CallRecord, ListRecord } from '../src/reputation/types.js';
import type { BenchOptions } from './main.js';
import { deleteKeysWithPrefix } from '../src/redis-client.js';

const DAY = 86_400_000;
const SUBJECTS = ['Reducing your debt', 'Vacation & timeshares', 'Warranties & protection plans', 'Medical & prescriptions',
  'Imposters', 'Energy, solar, & utilities', 'Home improvement & cleaning', 'Dropped call or no message', 'Lotteries, prizes & sweepstakes', 'Other'];

const digit = (lo = 0) => lo + Math.floor(Math.random() * (10 - lo));
const digits = (n: number) => Array.from({ length: n }, () => digit()).join('');

/** A US/Canada, French, British or German mobile-looking number. */
function randomNumber(): string {
  switch (Math.floor(Math.random() * 4)) {
    case 0: return `+1${digit(2)}${digits(2)}${digit(2)}${digits(6)}`;
    case 1: return `+33${6 + Math.floor(Math.random() * 2)}${digits(8)}`;
    case 2: return `+447${digits(9)}`;
    default: return `+4915${digit(1)}${digits(8)}`;
  }
}

function records(n: number, now: number): ListRecord[] {
  const seen = new Set<string>();
  while (seen.size < n) seen.add(randomNumber());
  const today = Math.floor(now / DAY) * DAY;
  return [...seen].map((e164, i) => ({
    list: 'block', entry: { kind: 'number', e164 }, source: 'import:ftc',
    reason: `${SUBJECTS[i % SUBJECTS.length]}${i % 3 === 0 ? ' (robocall)' : ''}`,
    addedAt: today - Math.floor(Math.random() * 365) * DAY, expiresAt: null,
  }));
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  const m = /used_memory:(\d+)/.exec(info);
  if (!m) throw new Error('INFO memory has no used_memory');
  return Number(m[1]);
}

async function memoryUsage(redis: Redis, keys: string[]): Promise<number> {
  const sizes = await Promise.all(keys.map((k) => redis.call('MEMORY', 'USAGE', k, 'SAMPLES', '0') as Promise<number | null>));
  return sizes.reduce<number>((a, b) => a + (b ?? 0), 0) / Math.max(1, keys.length);
}

function liveCall(caller: string, time: number): CallRecord {
  return { time, pbx: 'bench', callId: `b-${time}`, rawCaller: caller, caller, callerKind: 'valid', callerName: '', dialled: '100',
    action: 'captcha', route: 'captcha', rule: 'high-score', reasons: [], shadow: false, degraded: false, captcha: 'failed', latencyMs: 1 };
}

/** Numbers that called (3 calls each) and failed a captcha: rep hash + per-number and per-block window zsets. */
async function liveReputation(redis: Redis, url: string, prefix: string, n: number, now: number) {
  const store = createRedisStore({ url, prefix });
  const callers = records(n, now).map((r) => (r.entry.kind === 'number' ? r.entry.e164 : ''));
  const before = await usedMemory(redis);
  for (let i = 0; i < callers.length; i += 200) {
    await Promise.all(callers.slice(i, i + 200).map(async (c) => {
      for (let k = 0; k < 3; k++) await store.recordCall({ record: liveCall(c, now - k * 60_000), blockDigits: 8, maxWindowSec: 3600, streamMaxLen: 100 });
      await store.applyOutcome({ e164: c, now, scoreDelta: 25, halfLifeMs: 30 * DAY, counter: 'failed' });
    }));
  }
  const total = (await usedMemory(redis)) - before;
  const sample = callers.slice(0, 200);
  const rep = await memoryUsage(redis, sample.map((c) => `${prefix}r:${c.slice(1)}`));
  const win = await memoryUsage(redis, sample.map((c) => `${prefix}w:${c.slice(1)}`));
  const block = await memoryUsage(redis, sample.map((c) => `${prefix}wb:${c.slice(1, 9)}`));
  await store.close();
  return { numbers: n, bytesPerNumberInfo: Math.round(total / n), repHashBytes: Math.round(rep), numberWindowBytes: Math.round(win), blockWindowBytes: Math.round(block) };
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const n = opts.quick ? 100_000 : 1_000_000;
  const prefix = `chutbench:mem:${randomBytes(4).toString('hex')}:`;
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1 });
  const store = createRedisStore({ url: opts.redisUrl, prefix });
  try {
    const now = Date.now();
    const recs = records(n, now);
    await store.ping();
    await store.getLastCaller('warm-up');
    const before = await usedMemory(redis);
    const t0 = performance.now();
    await store.importList(recs);
    const importSec = (performance.now() - t0) / 1000;
    const after = await usedMemory(redis);
    const bytesPerEntry = Math.round(((after - before) / n) * 10) / 10;
    opts.say(`imported ${n} blocklist entries in ${importSec.toFixed(1)} s: ${bytesPerEntry} bytes per entry (INFO used_memory delta ${after - before})`);
    const t1 = performance.now();
    let exported = 0;
    for await (const _ of store.exportLists()) exported++;
    const exportSec = (performance.now() - t1) / 1000;
    opts.say(`exported ${exported} entries in ${exportSec.toFixed(1)} s`);
    const live = await liveReputation(redis, opts.redisUrl, `${prefix}live:`, opts.quick ? 2000 : 10_000, now);
    opts.say(`live reputation: ${live.bytesPerNumberInfo} bytes per calling number (INFO delta, incl. its share of stream/stats/top); ` +
      `rep hash ${live.repHashBytes} B, number window ${live.numberWindowBytes} B, block window ${live.blockWindowBytes} B (MEMORY USAGE)`);
    return { entries: n, bytesPerEntry, usedMemoryDelta: after - before, importSeconds: Math.round(importSec * 10) / 10,
      exportSeconds: Math.round(exportSec * 10) / 10, exported, target: 40, liveReputation: live };
  } finally {
    await store.close();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  }
}

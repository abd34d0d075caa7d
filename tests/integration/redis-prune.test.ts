/**
 * Removing expired list entries on the real Redis: the index of expiring entries (`expiring`) kept by every write,
 * the one-off scan for entries an older chut wrote, bounded script calls, sweeps running at once on one prefix, a
 * hostile index, and the running service's own sweeps.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { bucketOf, createRedisStore, DEFAULT_BUCKETS, type RedisReputationStore } from '../../src/reputation/index.js';
import { PRUNE_BATCH, PRUNE_LUA } from '../../src/reputation/lua.js';
import { parsePolicy } from '../../src/rules/index.js';
import type { ListRecord } from '../../src/reputation/types.js';
import { startCuttingRedisProxy } from '../helpers/cutting-redis-proxy.js';
import { TEST_POLICY } from '../helpers/policy.js';
import { monitorRedis, type MonitoredCommand } from '../helpers/redis-monitor.js';
import { useTestRedis } from '../helpers/redis.js';
import { until } from '../helpers/until.js';
import { rec } from './store-contract.js';

const T0 = Date.UTC(2026, 5, 15, 10, 30, 0);
const DAY = 86_400_000;
const num = (e164: string) => ({ kind: 'number' as const, e164 });
const pre = (prefix: string) => ({ kind: 'prefix' as const, prefix });
const numbers = (n: number, base: number) => Array.from({ length: n }, (_, i) => `+${base + i * 7919}`);

const db = useTestRedis();

function fresh(label = 'prune'): { store: RedisReputationStore; prefix: string } {
  const prefix = db.prefix(label);
  return { store: createRedisStore({ url: db.url, prefix }), prefix };
}

/** The index as member → score. */
async function index(prefix: string): Promise<Record<string, number>> {
  const flat = await db.admin.zrangebyscore(`${prefix}expiring`, '-inf', '+inf', 'WITHSCORES');
  const out: Record<string, number> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = Number(flat[i + 1]);
  return out;
}

describe('the index of expiring entries', () => {
  it('is written with every entry that carries an expiry, and follows it through every kind of write', async () => {
    const { store, prefix } = fresh();
    await store.addListEntry(rec({ entry: num('+33612345001'), expiresAt: T0 + DAY }));
    await store.addListEntry(rec({ list: 'allow', entry: pre('+33162'), expiresAt: T0 + 2 * DAY }));
    await store.addListEntry(rec({ entry: num('+33612345002') })); // no expiry: not indexed
    expect(await store.addListEntryIfUnlisted(rec({ entry: num('+33612345003'), source: 'auto', expiresAt: T0 + 3 * DAY }))).toBe(true);
    await store.importList([rec({ entry: num('+33612345004'), expiresAt: T0 + 4 * DAY }), rec({ entry: num('+33612345005') })]);
    expect(await index(prefix)).toEqual({
      'block:+33612345001': T0 + DAY, 'allow:+33162*': T0 + 2 * DAY, 'block:+33612345003': T0 + 3 * DAY, 'block:+33612345004': T0 + 4 * DAY,
    });
    // extended: the member keeps the earlier score (never later than the entry's expiry); the sweep moves it on
    await store.addListEntry(rec({ entry: num('+33612345001'), expiresAt: T0 + 10 * DAY }));
    // made permanent, unlisted, moved to the other list: their members go with them
    await store.addListEntry(rec({ entry: num('+33612345003') }));
    await store.removeListEntry(pre('+33162'));
    await store.addListEntry(rec({ list: 'allow', entry: num('+33612345004') }), { exclusive: true });
    expect(await index(prefix)).toEqual({ 'block:+33612345001': T0 + DAY });
    expect((await store.pruneLists({ expiredBefore: T0 + 5 * DAY })).removed).toEqual({ allow: 0, block: 0 });
    expect(await index(prefix)).toEqual({ 'block:+33612345001': T0 + 10 * DAY });
    await store.close();
  });

  it('is whole on a new prefix; an older chut\'s entries with an expiry are found by one scan, which then says so', async () => {
    const { store, prefix } = fresh('legacy');
    expect((await store.pruneLists({ expiredBefore: T0, scan: 'unless-indexed' })).scanned).toBe(false);
    // what a chut from before the index leaves: entries with an expiry, no member, no `expiring` in the schema hash
    const legacy: ListRecord[] = [
      rec({ entry: num('+33612345011'), expiresAt: T0 - 30 * DAY }), rec({ entry: num('+33612345012'), expiresAt: T0 + DAY }),
      rec({ list: 'allow', entry: pre('+4930'), expiresAt: T0 - 9 * DAY }), rec({ entry: pre('+331629'), expiresAt: T0 + 2 * DAY }),
      rec({ entry: num('+33612345013') }),
    ];
    await store.importList(legacy);
    await db.admin.del(`${prefix}expiring`);
    await db.admin.hdel(`${prefix}schema`, 'expiring');
    expect((await store.pruneLists({ expiredBefore: T0 - 7 * DAY })).removed).toEqual({ allow: 0, block: 0 }); // the index alone misses them
    expect(await store.pruneLists({ expiredBefore: T0 - 7 * DAY, scan: 'unless-indexed', dryRun: true })).toEqual({ removed: { allow: 1, block: 1 }, scanned: true });
    expect(await db.admin.hexists(`${prefix}schema`, 'expiring')).toBe(0); // a dry run changes nothing
    expect(await store.pruneLists({ expiredBefore: T0 - 7 * DAY, scan: 'unless-indexed' })).toEqual({ removed: { allow: 1, block: 1 }, scanned: true });
    expect(Number(await db.admin.hget(`${prefix}schema`, 'expiring'))).toBeGreaterThan(0);
    // the entries not due yet are indexed now: later sweeps find them without a scan
    expect(await index(prefix)).toEqual({ 'block:+33612345012': T0 + DAY, 'block:+331629*': T0 + 2 * DAY });
    expect(await store.pruneLists({ expiredBefore: T0 + 3 * DAY, scan: 'unless-indexed' })).toEqual({ removed: { allow: 0, block: 2 }, scanned: false });
    expect((await store.getListEntry(num('+33612345013'))).length).toBe(1);
    await store.close();
  });

  it('sends at most PRUNE_BATCH entries per script call: a lookup never waits long behind a sweep', async () => {
    const { store } = fresh('batch');
    await store.importList(numbers(250, 33_700_000_000).map((e164) => rec({ entry: num(e164), expiresAt: T0 - DAY })));
    const sha = createHash('sha1').update(PRUNE_LUA).digest('hex');
    const scripts: MonitoredCommand[] = [];
    const monitor = await monitorRedis(db.url, (c) => {
      if (/^eval(sha)?$/i.test(c.args[0] ?? '') && (c.args[1] === sha || c.args[1] === PRUNE_LUA)) scripts.push(c);
    });
    try {
      expect((await store.pruneLists({ expiredBefore: T0 })).removed).toEqual({ allow: 0, block: 250 });
      await until(() => scripts.length >= 3, 'the prune scripts in the monitor');
    } finally {
      monitor.stop();
    }
    // EVALSHA sha numkeys index key…: one key per entry, after the index
    expect(scripts.map((c) => Number(c.args[2]) - 1).every((n) => n >= 1 && n <= PRUNE_BATCH)).toBe(true);
    await store.close();
  });

  it('a dry run reads the index page by page without making Redis walk the pages before (LIMIT <offset>: 12 ms a read at 450 000 members)', async () => {
    const { store, prefix } = fresh('dry-pages');
    await store.importList(numbers(250, 33_730_000_000).map((e164) => rec({ entry: num(e164), expiresAt: T0 - DAY })));
    const reads: string[][] = [];
    const monitor = await monitorRedis(db.url, (c) => {
      if (c.source !== 'lua' && /^zrange/i.test(c.args[0] ?? '') && c.args[1] === `${prefix}expiring`) reads.push(c.args);
    });
    try {
      expect((await store.pruneLists({ expiredBefore: T0, dryRun: true })).removed).toEqual({ allow: 0, block: 250 });
      await until(() => reads.length >= 3, 'the index reads in the monitor');
    } finally {
      monitor.stop();
    }
    // members Redis steps over before the first it returns: a score range's LIMIT offset (a walk); a rank is a lookup
    const walked = (args: string[]) => {
      const limit = args.findIndex((a) => a.toUpperCase() === 'LIMIT');
      return limit === -1 ? 0 : Number(args[limit + 1]);
    };
    expect(reads.map(walked)).toEqual(reads.map(() => 0));
    await store.close();
  });

  it('two sweeps at once on one prefix remove each due entry once and leave every other entry and its member', async () => {
    const { store: first, prefix } = fresh('twice');
    const second = createRedisStore({ url: db.url, prefix });
    const due = numbers(400, 33_710_000_000);
    const later = numbers(60, 33_720_000_000);
    await first.importList([
      ...due.map((e164) => rec({ entry: num(e164), expiresAt: T0 - DAY })),
      ...later.map((e164) => rec({ entry: num(e164), expiresAt: T0 + DAY })),
    ]);
    const results = await Promise.all([first.pruneLists({ expiredBefore: T0 }), second.pruneLists({ expiredBefore: T0 })]);
    expect(results.reduce((n, r) => n + r.removed.block, 0)).toBe(400);
    const left: string[] = [];
    for await (const r of first.exportLists()) left.push(r.entry.kind === 'number' ? r.entry.e164 : r.entry.prefix);
    expect(left.sort()).toEqual([...later].sort());
    expect(Object.keys(await index(prefix)).sort()).toEqual(later.map((e164) => `block:${e164}`).sort());
    await Promise.all([first.close(), second.close()]);
  });

  it('drops index members that name no entry chut wrote (hand edits), without failing the sweep', async () => {
    const { store, prefix } = fresh('junk');
    await store.addListEntry(rec({ entry: num('+33612345021'), expiresAt: T0 - DAY }));
    // a bucket key that is no hash, with a member pointing into it
    const stray = '+33612345022';
    await db.admin.set(`${prefix}lb:${bucketOf(stray, DEFAULT_BUCKETS).bucket}`, 'not a hash');
    const junk = ['nothing', 'block:+abc', 'allow:+33162**', 'block:+0612345678', `block:${'9'.repeat(500)}`, `block:${stray}`];
    await db.admin.zadd(`${prefix}expiring`, ...junk.flatMap((m) => ['0', m]));
    expect((await store.pruneLists({ expiredBefore: T0, dryRun: true })).removed).toEqual({ allow: 0, block: 1 });
    expect(Object.keys(await index(prefix))).toHaveLength(junk.length + 1);
    expect((await store.pruneLists({ expiredBefore: T0 })).removed).toEqual({ allow: 0, block: 1 });
    expect(await index(prefix)).toEqual({});
    expect(await db.admin.get(`${prefix}lb:${bucketOf(stray, DEFAULT_BUCKETS).bucket}`)).toBe('not a hash');
    await store.close();
  });
});

describe('chut run', () => {
  it('removes the entries expired longer than lists.keepExpiredDays by itself, and logs how many per list', async () => {
    const prefix = db.prefix('prune-run');
    const store = createRedisStore({ url: db.url, prefix });
    const now = Date.now();
    await store.importList([
      rec({ entry: num('+33612345031'), expiresAt: now - 3 * DAY }), rec({ list: 'allow', entry: pre('+4930'), expiresAt: now - 5 * DAY }),
      rec({ entry: num('+33612345032'), expiresAt: now - DAY }), rec({ entry: num('+33612345033') }),
    ]);
    const lines: string[] = [];
    const config = parseConfig({ redis: { url: db.url, prefix }, http: { enabled: false }, lists: { keepExpiredDays: 2 } });
    const chut = await startChut({
      config, policy: parsePolicy(TEST_POLICY, 'test'), logger: createLogger('info', { write: (l: string) => { lines.push(l); } }),
      pbx: false, http: false, listPruning: { firstAfterMs: 0 },
    });
    try {
      await until(() => lines.some((l) => l.includes('expired list entries removed')), 'the sweep\'s log line');
      expect(JSON.parse(lines.find((l) => l.includes('expired list entries removed')) as string)).toMatchObject({ allow: 1, block: 1, keptDays: 2 });
      expect(await store.getListEntry(num('+33612345031'))).toEqual([]);
      expect(await store.getListEntry(pre('+4930'))).toEqual([]);
      expect((await store.getListEntry(num('+33612345032'))).length).toBe(1); // expired a day ago: kept its two days
      expect((await store.getListEntry(num('+33612345033'))).length).toBe(1);
    } finally {
      await chut.stop();
      await store.close();
    }
  });

  it('a sweep cut off by a Redis lost midway says how many entries it removed before the failure', async () => {
    const prefix = db.prefix('prune-cut');
    const store = createRedisStore({ url: db.url, prefix });
    const due = numbers(250, 33_740_000_000);
    await store.importList(due.map((e164) => rec({ entry: num(e164), expiresAt: Date.now() - 3 * DAY })));
    const proxy = await startCuttingRedisProxy(db.url);
    const lines: string[] = [];
    const config = parseConfig({ redis: { url: proxy.url, prefix }, http: { enabled: false }, lists: { keepExpiredDays: 2 } });
    // the sweep's second step never reaches Redis (ioredis sends a script's first run on a connection as EVAL, the
    // next ones as EVALSHA <sha>), and the connection is then lost
    const stalled = proxy.stopAtCommand('evalsha', createHash('sha1').update(PRUNE_LUA).digest('hex'));
    const chut = await startChut({
      config, policy: parsePolicy(TEST_POLICY, 'test'), logger: createLogger('info', { write: (l: string) => { lines.push(l); } }),
      pbx: false, http: false, listPruning: { firstAfterMs: 0, paceMs: 0 },
    });
    try {
      await stalled;
      await proxy.acceptAndClose();
      await until(() => lines.some((l) => l.includes('could not remove')), 'the sweep\'s warning');
      const warning = JSON.parse(lines.find((l) => l.includes('could not remove')) as string) as Record<string, unknown>;
      expect(warning).toMatchObject({ level: 40, allow: 0, block: PRUNE_BATCH });
      expect(warning.msg).toMatch(new RegExp(`\\(${PRUNE_BATCH} removed before the failure\\)`));
      let left = 0;
      for await (const r of store.exportLists()) if (r.list === 'block') left++;
      expect(left).toBe(due.length - PRUNE_BATCH);
    } finally {
      await proxy.heal();
      await chut.stop();
      await proxy.close();
      await store.close();
    }
  });
});

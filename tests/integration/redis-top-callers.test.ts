/**
 * A report's top callers at their worst (40 days of full sets for every action) must not hold Redis: chut's call
 * lookups share it, and a lookup that waits past the screening deadline lets the call ring unscreened.
 */
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { createRedisStore, keyspace } from '../../src/reputation/index.js';
import { TOP_CALLERS, TOP_DAYS, TOP_SET_CAP, topDays } from '../../src/reputation/stats.js';
import { ACTIONS } from '../../src/rules/types.js';
import { prng } from '../helpers/prng.js';
import { useTestRedis } from '../helpers/redis.js';
import { monitorRedis } from '../helpers/redis-monitor.js';

const T0 = Date.UTC(2026, 5, 15, 10, 30, 0);
const DAY = 86_400_000;
const db = useTestRedis();
const prefix = db.prefix('tops');
const k = keyspace(prefix);

/** Full day sets: TOP_SET_CAP callers a day and action, drawn from a pool so that callers recur across days. */
async function fillWorstCase(days: number[]): Promise<Map<string, Map<string, number>>> {
  const random = prng(18);
  const sums = new Map<string, Map<string, number>>(ACTIONS.map((a) => [a, new Map()]));
  for (const d of days) {
    const p = db.admin.pipeline();
    for (const a of ACTIONS) {
      const day = new Map<string, number>();
      while (day.size < TOP_SET_CAP) day.set(`+336${String(10_000_000 + Math.floor(random() * 20_000)).padStart(8, '0')}`, 1 + Math.floor(random() * 5));
      p.zadd(k.top(d, a), ...[...day].flatMap(([caller, n]) => [n, caller]));
      p.hincrby(k.statsDay(d), `action:${a}`, TOP_SET_CAP);
      const sum = sums.get(a) as Map<string, number>;
      for (const [caller, n] of day) sum.set(caller, (sum.get(caller) ?? 0) + n);
    }
    await p.exec();
  }
  return sums;
}

it('answers a lookup sent during a 40-day report of full top-caller sets before the report has read them all', async () => {
  const days = topDays(T0 - 60 * DAY, T0);
  expect(days).toHaveLength(TOP_DAYS);
  const sums = await fillWorstCase(days);
  // the same connection for both, as in chut: one store serves the screening lookups and the reports
  const client = new Redis(db.url);
  const store = createRedisStore({ redis: client, prefix });
  const lookup = { rateWindowsSec: [60, 300, 3600], blockDigits: 8, now: T0, e164: '+33612345678' };
  await store.lookup(lookup);
  const repKey = k.rep(lookup.e164);
  const topKey = `${prefix}top:`;
  // what Redis ran, in its order: each read of a top-caller set (by a script or not), and the lookup
  const ran: Array<'top' | 'lookup'> = [];
  let lookupDone: Promise<unknown> | null = null;
  let pinged = false;
  const source = `${client.stream.localAddress}:${client.stream.localPort}`;
  const monitor = await monitorRedis(db.url, (c) => {
    if (c.args[0]?.toLowerCase() === 'ping' && c.source === source) pinged = true;
    else if (c.args.includes(repKey)) ran.push('lookup');
    else if (c.args.some((a) => a.startsWith(topKey))) {
      ran.push('top');
      // a call comes in once the report has begun reading the sets
      lookupDone ??= store.lookup(lookup);
    }
  });
  try {
    const stats = await store.stats({ since: T0 - 60 * DAY, now: T0 });
    // MONITOR's lines may come after the report's reply: the lookup is sent once they do
    await expect.poll(() => lookupDone, { timeout: 10_000 }).not.toBeNull();
    await lookupDone;
    await client.ping();
    await expect.poll(() => pinged, { timeout: 10_000 }).toBe(true);
    expect(ran).toContain('lookup');
    expect(ran.indexOf('lookup')).toBeLessThan(ran.lastIndexOf('top'));
    // and the report is exact: every day summed, the leaders ranked as a sorted set ranks them (ties: greater number first)
    for (const a of ACTIONS) {
      const expected = [...(sums.get(a) as Map<string, number>)]
        .sort(([c1, n1], [c2, n2]) => n2 - n1 || (c1 < c2 ? 1 : -1))
        .slice(0, TOP_CALLERS)
        .map(([caller, calls]) => ({ caller, calls }));
      expect(stats.topCallers[a]).toEqual(expected);
    }
  } finally {
    monitor.stop();
    await store.close();
    client.disconnect();
  }
});

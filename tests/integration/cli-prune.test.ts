/** `chut prune` as a user runs it: what it removes, per list, what a dry run says, its usage errors, and a Redis lost
 * midway. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisStore } from '../../src/reputation/index.js';
import { PRUNE_BATCH, PRUNE_LUA } from '../../src/reputation/lua.js';
import type { ListRecord } from '../../src/reputation/types.js';
import { runChut, spawnChut } from '../helpers/cli.js';
import { startCuttingRedisProxy } from '../helpers/cutting-redis-proxy.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

// child processes one after the other on a loaded 2-vCPU box (see cli.test.ts)
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const DAY = 86_400_000;
const prefix = uniquePrefix('cli-prune');
let url = '';
let env: Record<string, string>;

beforeAll(async () => {
  url = await testRedisUrl();
  env = { CHUT_REDIS_URL: url, CHUT_REDIS_PREFIX: prefix };
});
const cutPrefix = uniquePrefix('cli-prune-cut');
afterAll(async () => {
  await removeKeys(url, prefix);
  await removeKeys(url, cutPrefix);
});

const entry = (list: ListRecord['list'], text: string, expiresAt: number | null): ListRecord => ({
  list, entry: text.endsWith('*') ? { kind: 'prefix', prefix: text.slice(0, -1) } : { kind: 'number', e164: text },
  reason: 'test', source: 'cli', addedAt: Date.now() - 60 * DAY, expiresAt,
});

describe('chut prune', () => {
  it('removes the entries expired longer ago than --older-than (default lists.keepExpiredDays), and says how many per list', async () => {
    const now = Date.now();
    const store = createRedisStore({ url, prefix });
    await store.importList([
      entry('block', '+33612345601', now - 30 * DAY), entry('block', '+331629*', now - 8 * DAY), entry('allow', '+33612345602', now - 10 * DAY),
      entry('block', '+33612345603', now - 2 * DAY), entry('block', '+33612345604', now + DAY), entry('allow', '+33612345605', null),
    ]);
    await store.close();

    const dry = await runChut(['prune', '--dry-run'], env);
    expect([dry.code, dry.stderr]).toEqual([0, '']);
    expect(dry.stdout).toMatch(/^would remove 1 allowlist and 2 blocklist entries that expired before \d{4}-\d\d-\d\dT[\d:.]+Z\n$/);
    const cutoff = Date.parse(/before (\S+)\n/.exec(dry.stdout)?.[1] ?? '');
    expect(Math.abs(cutoff - (now - 7 * DAY))).toBeLessThan(60_000); // 7 days: the default

    const pruned = await runChut(['prune'], env);
    expect([pruned.code, pruned.stderr]).toEqual([0, '']);
    expect(pruned.stdout).toMatch(/^removed 1 allowlist and 2 blocklist entries that expired before /);
    const exported = await runChut(['export'], env);
    expect(exported.stdout).not.toMatch(/33612345601|331629|33612345602/);
    // left: the entry expired two days ago (still shown, with its expiry), the one not expired, the permanent one
    expect(exported.stdout).toMatch(/block,number,\+33612345603,test,cli,[^,]+,\d{4}-/);
    expect(exported.stdout).toMatch(/\+33612345604/);
    expect(exported.stdout).toMatch(/allow,number,\+33612345605,test,cli,[^,]+,\n/);

    const again = await runChut(['prune', '--older-than', '1d'], env);
    expect(again.stdout).toMatch(/^removed 0 allowlist and 1 blocklist entry that expired before /);
  });

  it('reads every entry with --scan, and refuses what it cannot read as a duration', async () => {
    const scanned = await runChut(['prune', '--scan', '--dry-run', '--older-than', '0d'], env);
    expect([scanned.code, scanned.stderr]).toEqual([0, '']);
    expect(scanned.stdout).toMatch(/^would remove 0 allowlist and 0 blocklist entries that expired before \S+ \(every list entry read\)\n$/);
    for (const bad of [['--older-than', '7'], ['--older-than', 'yesterday'], ['extra']]) {
      const r = await runChut(['prune', ...bad], env);
      expect([r.code, r.stdout], bad.join(' ')).toEqual([2, '']);
      expect(r.stderr).toMatch(/^chut prune: /);
    }
    const help = await runChut(['prune', '--help'], env);
    expect(help.stdout.split('\n')[0]).toBe('usage: chut prune [--older-than 7d] [--dry-run] [--scan]');
  });

  it('Redis lost after its first step: says how many entries that step removed, then the error, exit 69', async () => {
    const now = Date.now();
    const due = Array.from({ length: 250 }, (_, i) => `+336129${String(i).padStart(5, '0')}`);
    const store = createRedisStore({ url, prefix: cutPrefix });
    await store.importList(due.map((e164) => entry('block', e164, now - 30 * DAY)));
    const proxy = await startCuttingRedisProxy(url);
    try {
      const run = spawnChut(['prune'], { CHUT_REDIS_URL: proxy.url, CHUT_REDIS_PREFIX: cutPrefix });
      // the second removal step never reaches Redis, and the connection is then lost (ioredis sends a script's first
      // run on a connection as EVAL, the next ones as EVALSHA <sha>)
      await proxy.stopAtCommand('evalsha', createHash('sha1').update(PRUNE_LUA).digest('hex'));
      await proxy.acceptAndClose();
      const res = await run.exited;
      expect(res.stdout).toMatch(new RegExp(`^before failing, removed 0 allowlist and ${PRUNE_BATCH} blocklist entries that expired before \\S+Z \\(a step whose reply was lost may have removed more\\)\\n$`));
      expect(res.stderr).toMatch(/^chut prune: Redis at .* stopped answering mid-command: /);
      expect(res.code).toBe(69);
      let left = 0;
      for await (const r of store.exportLists()) if (r.list === 'block') left++;
      expect(left).toBe(due.length - PRUNE_BATCH);
    } finally {
      await proxy.close();
      await store.close();
    }
  });
});

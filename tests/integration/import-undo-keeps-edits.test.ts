/**
 * An import that fails part-way is undone, against the real Redis: but an edit made to one of its numbers while it ran
 * (`chut block`, `chut unlist`, an API PUT) is the user's latest word, and the undo leaves it as it is. Redis is cut off
 * (a proxy that stalls the link) once the import's first blocks of writes went through; the edits are made then,
 * straight to Redis; the link is dropped and comes back, so the import's next block fails and its undo runs.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createRedisClient } from '../../src/redis-client.js';
import { createRedisStore, ImportUnconfirmedError } from '../../src/reputation/index.js';
import type { ListEntry } from '../../src/phone/types.js';
import type { ListRecord, ReputationStore } from '../../src/reputation/types.js';
import { consecutiveBucketNumbers } from '../helpers/consecutive-buckets.js';
import { startCuttingRedisProxy, type CuttingRedisProxy } from '../helpers/cutting-redis-proxy.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

/** The import writes 500 keys per MULTI block, 4 blocks at a time (redis-lists.ts): the first 4 blocks go through. */
const CONFIRMED = 4 * 500;
const DAY = 86_400_000;

let redisUrl: string;
let proxy: CuttingRedisProxy;
const prefix = uniquePrefix('undo-edits');

beforeAll(async () => {
  redisUrl = await testRedisUrl();
  proxy = await startCuttingRedisProxy(redisUrl);
});

afterAll(async () => {
  await proxy?.close();
  await removeKeys(redisUrl, prefix);
});

const num = (e164: string): ListEntry => ({ kind: 'number', e164 });
const block = (e164: string, reason: string, expiresAt: number | null = null): ListRecord =>
  ({ list: 'block', entry: num(e164), reason, source: 'cli', addedAt: Date.now(), expiresAt });

async function reasonOf(store: ReputationStore, e164: string): Promise<string | null | undefined> {
  const found = await store.getListEntry(num(e164));
  return found.length ? found[0]?.reason : undefined;
}

describe('an import undone after a failure', () => {
  it('leaves the edits made to its numbers while it ran (block, unlist, a changed reason) and undoes its own entries, index included', { timeout: 60_000 }, async () => {
    const all = consecutiveBucketNumbers(615_000_000);
    const direct = createRedisStore({ url: redisUrl, prefix });
    // the import's own connection: the command line's (no resend of a lost block, commands wait for a reconnect)
    const client = createRedisClient(parseConfig({ store: 'redis', redis: { url: proxy.url, prefix } }).redis, { failFast: false });
    const importer = createRedisStore({ redis: client, prefix });
    const expiresAt = Date.now() + 30 * DAY;
    const edited = { blocked: all[5] as string, unlisted: all[10] as string, renamed: all[100] as string };
    try {
      await direct.addListEntry(block(edited.unlisted, 'blocked before'));
      await direct.addListEntry(block(edited.renamed, 'blocked before'));
      await direct.addListEntry(block(all[2100] as string, 'blocked before'));
      await importer.ping();
      const stalled = proxy.stopAfterExecs(4);
      const importing = importer.importList(all.map((n) => ({ ...block(n, 'from the file', expiresAt), source: 'import:chut' })));
      importing.catch(() => {}); // awaited below
      await stalled;
      // the confirmed blocks are in Redis: the edits come after them
      await expect.poll(() => reasonOf(direct, all[CONFIRMED - 1] as string), { timeout: 15_000 }).toBe('from the file');
      expect(await reasonOf(direct, edited.unlisted)).toBe('from the file');
      await direct.addListEntry(block(edited.blocked, 'blocked during the import', Date.now() + 10 * DAY)); // chut block --expires 10d
      expect(await direct.removeListEntry(num(edited.unlisted))).toBe(true); // chut unlist
      await direct.addListEntry(block(edited.renamed, 'reason changed during the import')); // PUT /api/lists/block/…
      // the link drops (the next block is lost on the way) and comes back for the undo
      await proxy.acceptAndClose();
      await proxy.heal();
      const failed = await importing.then(() => null, (err: unknown) => err);
      expect(failed).toBeInstanceOf(ImportUnconfirmedError);
      expect((failed as ImportUnconfirmedError).undone).toBe(true);

      const left = new Map<string, ListRecord>();
      for await (const r of direct.exportLists()) left.set(r.entry.kind === 'number' ? r.entry.e164 : r.entry.prefix, r);
      expect([...left.keys()].sort()).toEqual([edited.blocked, edited.renamed, all[2100]].sort());
      expect(left.get(edited.blocked)?.reason).toBe('blocked during the import');
      expect(left.get(edited.renamed)?.reason).toBe('reason changed during the import');
      expect(left.get(all[2100] as string)?.reason).toBe('blocked before');
      // the index of expiring entries: the edit's member stays (the sweep finds it), the undone entries' are gone
      const admin = new Redis(redisUrl);
      try {
        const members = await admin.zrange(`${prefix}expiring`, '0', '-1');
        expect(members).toEqual([`block:${edited.blocked}`]);
      } finally {
        admin.disconnect();
      }
    } finally {
      await proxy.heal();
      await importer.close();
      client.disconnect();
      await direct.close();
    }
  });
});

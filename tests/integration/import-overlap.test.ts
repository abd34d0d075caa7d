/** An import is not exclusive: the lines it takes that land on both lists (a number that then rings) are counted. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore, createRedisStore, parseImport, type RedisReputationStore } from '../../src/reputation/index.js';
import { listOverlap, overlapNotes } from '../../src/reputation/transfer-overlap.js';
import type { ListRecord, ReputationStore } from '../../src/reputation/types.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const NOW = Date.UTC(2026, 5, 15, 12);
const prefix = uniquePrefix('overlap');
let url = '';
let redis: RedisReputationStore;

beforeAll(async () => {
  url = await testRedisUrl();
  redis = createRedisStore({ url, prefix });
});
afterAll(async () => {
  await redis.close();
  await removeKeys(url, prefix);
});

const number = (list: ListRecord['list'], e164: string, expiresAt: number | null = null): ListRecord =>
  ({ list, entry: { kind: 'number', e164 }, reason: null, source: 'cli', addedAt: NOW - 1000, expiresAt });

async function seed(store: ReputationStore): Promise<void> {
  await store.addListEntry(number('allow', '+33612000001')); // wanted: a bulk blocklist must not silence it
  await store.addListEntry(number('allow', '+33612000002'));
  await store.addListEntry(number('allow', '+33612000003', NOW - 1)); // expired: lookups ignore it
  await store.addListEntry({ ...number('allow', '+33612000009'), entry: { kind: 'prefix', prefix: '+33163' } });
  await store.addListEntry(number('block', '+33612000004'));
}

const blockFile = parseImport('number,reason\n0612000001,a\n0612000002,b\n0612000003,c\n0612000005,d\n0163*,npv\n', {
  format: 'csv', list: 'block', defaultCountry: 'FR', now: NOW,
});
const allowFile = parseImport('number,reason\n0612000004,maman\n0612000006,x\n', { format: 'csv', list: 'allow', defaultCountry: 'FR', now: NOW });

describe.each([
  ['memory store, entry by entry', () => createMemoryStore(), undefined],
  ['memory store, reading the lists once', () => createMemoryStore(), 0],
  ['Redis, entry by entry', () => redis, undefined],
  ['Redis, reading the lists once', () => redis, 0],
] as const)('listOverlap (%s)', (_name, make, lookupAtMost) => {
  let store: ReputationStore;
  beforeAll(async () => {
    store = make();
    await seed(store);
  });

  it('counts block lines whose number or prefix is allowlisted (unexpired), and allow lines already blocklisted', async () => {
    expect(await listOverlap(store, blockFile.records, NOW, lookupAtMost)).toEqual({ keptOnAllowlist: 3, alsoOnBlocklist: 0 });
    expect(await listOverlap(store, allowFile.records, NOW, lookupAtMost)).toEqual({ keptOnAllowlist: 0, alsoOnBlocklist: 1 });
  });

  it('counts an entry the same file puts on both lists (a restore of lists that overlapped)', async () => {
    const both = parseImport('list,kind,entry,reason,source,added_at,expires_at\nallow,number,+33612000007,,cli,1,\nblock,number,+33612000007,,cli,1,\n', {
      format: 'chut', list: 'block', defaultCountry: 'FR', now: NOW,
    });
    expect(await listOverlap(store, both.records, NOW, lookupAtMost)).toEqual({ keptOnAllowlist: 1, alsoOnBlocklist: 1 });
  });
});

describe('overlapNotes', () => {
  it('says what happens and how to change it, for each list that overlaps', () => {
    expect(overlapNotes({ keptOnAllowlist: 3, alsoOnBlocklist: 0 })).toEqual(['3 also on the allowlist: kept there, they ring (allow wins; `chut block NUMBER` moves one)']);
    expect(overlapNotes({ keptOnAllowlist: 0, alsoOnBlocklist: 1 })).toEqual(['1 also on the blocklist: allow wins, it rings (`chut allow NUMBER` takes one off the blocklist)']);
    expect(overlapNotes({ keptOnAllowlist: 0, alsoOnBlocklist: 0 })).toEqual([]);
  });
});

describe('listOverlap on a large file', () => {
  it('gives the event loop a turn in each of its passes over the file, the count at the end included (calls wait otherwise)', async () => {
    const records = Array.from({ length: 20_000 }, (_, i) => number('block', `+3361${String(i).padStart(7, '0')}`));
    // A clock that moves 1 ms a read (read every 16th iteration): a pause every 128 iterations (budget 8 ms).
    let clock = 0;
    let pauses = 0;
    const overlap = await listOverlap(createMemoryStore(), records, NOW, records.length, {
      now: () => clock++, pause: async () => { pauses++; },
    });
    expect(overlap).toEqual({ keptOnAllowlist: 0, alsoOnBlocklist: 0 });
    // two passes over the 20,000 records (the map of entries, then the count): ~156 pauses each
    expect(pauses).toBeGreaterThanOrEqual(2 * Math.floor(20_000 / 128) - 2);
  });
});

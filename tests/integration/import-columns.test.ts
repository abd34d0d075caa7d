/**
 * The Redis import of records held in columns (ImportedRecords): the same keys as plain records, written key by
 * key, and undone exactly, whatever form the values it replaced had.
 */
import { describe, expect, it } from 'vitest';
import { bucketOf, createRedisStore, DEFAULT_BUCKETS, type RedisReputationStore } from '../../src/reputation/index.js';
import { parseImportColumns } from '../../src/reputation/import.js';
import { listOverlap } from '../../src/reputation/transfer-overlap.js';
import type { ListRecord } from '../../src/reputation/types.js';
import { useTestRedis } from '../helpers/redis.js';

const NOW = Date.UTC(2026, 5, 15, 12);
const db = useTestRedis();

function fresh(): { store: RedisReputationStore; prefix: string } {
  const prefix = db.prefix('impcol');
  return { store: createRedisStore({ url: db.url, prefix }), prefix };
}

/** Every list key (buckets and prefix hashes) under `prefix`, as HGETALL reads it. */
async function listKeys(prefix: string): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const pattern of [`${prefix}la:*`, `${prefix}lb:*`, `${prefix}pa`, `${prefix}pb`]) {
    for (const key of await db.admin.keys(pattern)) out[key] = await db.admin.hgetall(key);
  }
  return out;
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => `+336${String(12_000_000 + i * 13)},reason ${i % 5}`);
const RESTORE = [
  'list,kind,entry,reason,source,added_at,expires_at',
  'allow,number,+33612000007,maman,cli,1,',
  'block,number,+33612000007,,cli,1,',
  'block,prefix,+44,forced,cli,2026-01-01T00:00:00.000Z,',
  'allow,prefix,+3393,platforms,api,1700000000123,9999999999999',
  'block,number,+12025550143,Robocall ☎,import:ftc,1700000000123,',
].join('\n');

describe('importList of records in columns (Redis)', () => {
  it('writes the same keys and values as the same records as plain objects', async () => {
    const text = `${RESTORE}\n${lines(3000).map((l) => `block,number,${l.split(',')[0] as string},${l.split(',')[1] as string},import:csv,${NOW},`).join('\n')}\n`;
    const parsed = parseImportColumns(text, { format: 'chut', list: 'block', defaultCountry: 'FR', now: NOW });
    expect(parsed.stats.taken).toBe(3005);
    const a = fresh();
    const b = fresh();
    try {
      await a.store.importList(parsed.records);
      await b.store.importList(parsed.records.toRecords());
      const [ka, kb] = [await listKeys(a.prefix), await listKeys(b.prefix)];
      expect(Object.keys(ka).length).toBeGreaterThan(2000);
      expect(Object.fromEntries(Object.entries(ka).map(([k, v]) => [k.slice(a.prefix.length), v])))
        .toEqual(Object.fromEntries(Object.entries(kb).map(([k, v]) => [k.slice(b.prefix.length), v])));
      expect(await listOverlap(a.store, parsed.records, NOW, 0)).toEqual({ keptOnAllowlist: 1, alsoOnBlocklist: 1 });
    } finally {
      await a.store.close();
      await b.store.close();
    }
  });

  it('the last record of a number wins when the records name it twice', async () => {
    const { store } = fresh();
    try {
      const rec = (reason: string): ListRecord => ({ list: 'block', entry: { kind: 'number', e164: '+33612345678' }, reason, source: 'cli', addedAt: NOW, expiresAt: null });
      await store.importList([rec('first'), rec('second')]);
      expect((await store.getListEntry({ kind: 'number', e164: '+33612345678' }))[0]?.reason).toBe('second');
    } finally {
      await store.close();
    }
  });

  it('undoes a failed import exactly: values of every form come back, new fields go', async () => {
    const { store, prefix } = fresh();
    try {
      const file = lines(20_000);
      const numberAt = (i: number) => (file[i] as string).split(',')[0] as string;
      // what is there before: a compact value, a value with an expiry (colon form), a value no chut wrote, a prefix
      await store.addListEntry({ list: 'block', entry: { kind: 'number', e164: numberAt(10) }, reason: 'before', source: 'cli', addedAt: Date.UTC(2026, 0, 1), expiresAt: null });
      await store.addListEntry({ list: 'block', entry: { kind: 'number', e164: numberAt(20) }, reason: 'soon', source: 'api', addedAt: NOW + 1, expiresAt: NOW + 86_400_000 });
      const odd = bucketOf(numberAt(30), DEFAULT_BUCKETS);
      await db.admin.hset(`${prefix}lb:${odd.bucket}`, odd.field, 'not chut:s\nvalue');
      await store.addListEntry({ list: 'block', entry: { kind: 'prefix', prefix: '+33162' }, reason: 'npv', source: 'cli', addedAt: NOW, expiresAt: null });
      const before = await listKeys(prefix);
      // a key the import writes late (the highest bucket it uses) is not a hash: its block fails
      const last = file.map((l) => bucketOf(l.split(',')[0] as string, DEFAULT_BUCKETS).bucket).reduce((a, b) => Math.max(a, b));
      await db.admin.set(`${prefix}lb:${last}`, 'not a hash');
      const parsed = parseImportColumns(`${file.join('\n')}\n0162*,replaced\n`, { format: 'csv', list: 'block', defaultCountry: 'FR', now: NOW });
      await expect(store.importList(parsed.records)).rejects.toThrow(/WRONGTYPE/);
      await db.admin.del(`${prefix}lb:${last}`);
      expect(await listKeys(prefix)).toEqual(before);
    } finally {
      await store.close();
    }
  });

  it('undoes an aborted import of records in columns', async () => {
    const { store, prefix } = fresh();
    try {
      const parsed = parseImportColumns(lines(50_000).join('\n'), { format: 'csv', list: 'block', defaultCountry: 'FR', now: NOW });
      const stop = new AbortController();
      const importing = store.importList(parsed.records, { signal: stop.signal });
      for (let i = 0; i < 2000 && (await db.admin.keys(`${prefix}lb:*`)).length < 10; i++) await new Promise((r) => setTimeout(r, 5));
      stop.abort(new Error('interrupted (SIGINT)'));
      await expect(importing).rejects.toThrow('interrupted (SIGINT)');
      expect(await listKeys(prefix)).toEqual({});
    } finally {
      await store.close();
    }
  });
  // One key holds every prefix of a list: 130,000 prefixes made one HMGET (and, undone, one HDEL) of 130,000 fields,
  // whose arguments spread into a call overflowed the stack ("Maximum call stack size exceeded") at ~120,000.
  it('imports, and undoes, 130,000 prefixes of one list (one key)', async () => {
    const { store, prefix } = fresh();
    try {
      const many = Array.from({ length: 130_000 }, (_, i) => `+4470${String(i).padStart(6, '0')}*,range`);
      const parsed = parseImportColumns(many.join('\n'), { format: 'csv', list: 'block', defaultCountry: 'FR', now: NOW });
      await store.importList(parsed.records);
      expect(await db.admin.hlen(`${prefix}pb`)).toBe(130_000);
      await db.admin.del(`${prefix}pb`);
      // the same, with a number whose bucket is not a hash: its block fails and the prefixes are taken back out
      const number = '+33612000007';
      await db.admin.set(`${prefix}lb:${bucketOf(number, DEFAULT_BUCKETS).bucket}`, 'not a hash');
      const failing = parseImportColumns(`${many.join('\n')}\n${number},x\n`, { format: 'csv', list: 'block', defaultCountry: 'FR', now: NOW });
      await expect(store.importList(failing.records)).rejects.toThrow(/WRONGTYPE/);
      expect(await db.admin.exists(`${prefix}pb`)).toBe(0);
    } finally {
      await store.close();
    }
  }, 120_000);
});

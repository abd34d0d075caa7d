/**
 * Seeded list files (helpers/list-files.ts), whole or damaged, sent to `POST /api/import` of a chut on the real Redis,
 * under a key prefix of this file's own.
 *
 * What must hold: a file refused (unreadable, or with a bad line while onInvalid=reject) changes NOTHING in Redis,
 * byte for byte, though it holds good lines before and after its damage; a file taken is counted line by line as the
 * parse counts it, and chut's export then holds every entry it took, as the store keeps it (list, entry, reason,
 * source, dates).
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChut, type RunningChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { HARMLESS_SKIPS, ImportError, parseImport, type ImportFormat } from '../../src/reputation/import.js';
import { decodeListFile, type ListFileCharset } from '../../src/reputation/list-file-text.js';
import { cleanRecord, entryText } from '../../src/reputation/records.js';
import type { ListRecord } from '../../src/reputation/types.js';
import { parsePolicy } from '../../src/rules/index.js';
import { damageListFile, generateListFile, type ListFormat } from '../helpers/list-files.js';
import { int, pick, type Rand } from '../helpers/mutate.js';
import { LIST_POLICY } from '../helpers/policy.js';
import { prng } from '../helpers/prng.js';
import { useTestRedis } from '../helpers/redis.js';

const TOKEN = 'fuzz-import-token-0123456789';
const redis = useTestRedis();
let prefix = '';
let chut: RunningChut;

beforeAll(async () => {
  prefix = redis.prefix('impfuzz');
  const config = parseConfig({ store: 'redis', redis: { url: redis.url, prefix }, http: { enabled: true, port: 0, token: TOKEN } });
  chut = await startChut({ config, policy: parsePolicy(LIST_POLICY, 'test'), logger: silentLogger(), http: true });
});
afterAll(async () => {
  await chut?.stop();
});

/** Every key under the prefix with its DUMP: what "nothing written" is checked against. */
async function snapshot(admin: Redis): Promise<Map<string, string>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  const pipeline = admin.pipeline();
  for (const key of keys) pipeline.dumpBuffer(key);
  const dumps = (await pipeline.exec()) ?? [];
  return new Map(keys.map((key, i) => [key, (dumps[i]?.[1] as Buffer | null)?.toString('hex') ?? 'gone']));
}

async function post(bytes: Buffer, query: string, charset: ListFileCharset): Promise<{ status: number; body: { message?: string; stats?: { taken: number; skipped: number } } }> {
  const res = await fetch(`${chut.httpUrl as string}/api/import?${query}`, {
    method: 'POST', body: new Uint8Array(bytes), headers: { authorization: `Bearer ${TOKEN}`, 'content-type': `text/csv; charset=${charset === 'utf-8' ? 'utf-8' : 'iso-8859-1'}` },
  });
  return { status: res.status, body: await res.json() as { message?: string; stats?: { taken: number; skipped: number } } };
}

const keyOf = (r: ListRecord): string => `${r.list}|${r.entry.kind}|${entryText(r.entry)}`;

async function exportedLists(): Promise<Map<string, ListRecord>> {
  const res = await fetch(`${chut.httpUrl as string}/api/export`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  const { records, stats } = parseImport(await res.text(), { format: 'chut', list: 'block', defaultCountry: 'FR', now: Date.now() });
  expect(stats.skipped).toBe(0);
  return new Map(records.map((r) => [keyOf(r), r]));
}

function damaged(rand: Rand): { bytes: Buffer; applied: string[]; format: ListFormat } {
  const format = pick(rand, ['csv', 'ftc', 'chut'] as const);
  const file = Buffer.from(generateListFile(rand, format, 20).text);
  return { ...damageListFile(file, rand, int(rand, 0, 2)), format };
}

describe('POST /api/import of list files, whole or damaged', () => {
  it('writes nothing for a file it refuses, and exports what it takes, as the store keeps it (150 files)', async () => {
    // entries already there, which a partial write or a failed undo would disturb
    const seed = await post(Buffer.from('number,reason\n+33612000001,before\n+33612000002,before\n'), 'format=csv', 'utf-8');
    expect(seed.status).toBe(200);
    let refused = 0;
    let taken = 0;
    for (let s = 0x22_b000; s < 0x22_b000 + 150; s++) {
      const rand = prng(s);
      const { bytes, applied, format: written } = damaged(rand);
      const format: ImportFormat = rand() < 0.5 ? 'auto' : written;
      const onInvalid = rand() < 0.5 ? 'reject' : 'skip';
      const charset: ListFileCharset = rand() < 0.15 ? 'windows-1252' : 'utf-8';
      const label = `seed ${s} (${written} sent as ${format}, onInvalid=${onInvalid}, ${charset}: ${applied.join(', ') || 'whole'})`;
      // what the server will make of it, read the same way here
      let expected: ReturnType<typeof parseImport> | ImportError;
      try {
        expected = parseImport(decodeListFile(bytes, charset), { format, list: 'block', defaultCountry: 'FR', now: Date.now() });
      } catch (err) {
        if (!(err instanceof ImportError)) throw err;
        expected = err;
      }
      const bad = expected instanceof ImportError ? 0
        : Object.entries(expected.stats.skippedWhy).filter(([why]) => !HARMLESS_SKIPS.has(why)).reduce((n, [, c]) => n + c, 0);
      const accepted = !(expected instanceof ImportError) && expected.records.length > 0 && (bad === 0 || onInvalid === 'skip');
      const before = await snapshot(redis.admin);
      const res = await post(bytes, `format=${format}&onInvalid=${onInvalid}`, charset);
      if (!accepted) {
        expect(res.status, `${label}: ${res.body.message}`).toBe(400);
        expect(await snapshot(redis.admin), `${label}: a refused file changed Redis`).toEqual(before);
        refused++;
        continue;
      }
      const records = (expected as ReturnType<typeof parseImport>).records;
      expect(res.status, `${label}: ${res.body.message}`).toBe(200);
      expect(res.body.stats, label).toEqual((expected as ReturnType<typeof parseImport>).stats);
      const lists = await exportedLists();
      for (const record of records) {
        const kept = cleanRecord(record);
        expect(lists.get(keyOf(kept)), `${label}: ${keyOf(kept)}`).toEqual(kept);
      }
      taken += records.length;
    }
    expect(refused).toBeGreaterThan(20);
    expect(taken).toBeGreaterThan(100);
  });
});

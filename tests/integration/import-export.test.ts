/** Files → parseImport → Redis → export → parseImport(chut) → another Redis prefix: nothing lost on the way. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore, formatExport, parseImport, type RedisReputationStore } from '../../src/reputation/index.js';
import type { ListRecord } from '../../src/reputation/types.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const NOW = Date.UTC(2026, 5, 15, 12);
const prefixes = [uniquePrefix('imp'), uniquePrefix('imp2')];
let url = '';
let stores: RedisReputationStore[] = [];

beforeAll(async () => {
  url = await testRedisUrl();
  stores = prefixes.map((prefix) => createRedisStore({ url, prefix }));
});
afterAll(async () => {
  for (const s of stores) await s.close();
  for (const p of prefixes) await removeKeys(url, p);
});

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
const key = (r: ListRecord) => `${r.list}|${r.entry.kind}|${r.entry.kind === 'number' ? r.entry.e164 : r.entry.prefix}`;
const sorted = (rs: ListRecord[]) => [...rs].sort((a, b) => key(a).localeCompare(key(b)));

describe('import/export round trip through Redis', () => {
  it('keeps every entry, reason, source and date through export and re-import', async () => {
    const [a, b] = stores as [RedisReputationStore, RedisReputationStore];
    const csv = parseImport('number,reason\n0612345678,"démarchage, ""insistant""\nrappelle"\n0162*,fr-npv\n+4915112345678,\n', {
      format: 'auto', list: 'block', source: 'import:csv', defaultCountry: 'FR', now: NOW,
    });
    const ftc = parseImport('Company_Phone_Number,Created_Date,Violation_Date,Consumer_City,Consumer_State,Consumer_Area_Code,Subject,Recorded_Message_Or_Robocall\n' +
      '2025550143,2025-03-02 13:45:01,2025-03-01,Springfield,IL,217,Imposters,Y\n4155552671,2025-03-04,2025-03-03,SF,CA,415,Other,N\n', {
      format: 'auto', list: 'block', source: 'import:ftc', defaultCountry: 'FR', now: NOW,
    });
    await a.importList([...csv.records, ...ftc.records]);
    await a.addListEntry({ list: 'allow', entry: { kind: 'number', e164: '+33698765432' }, reason: '☎ maman', source: 'cli', addedAt: NOW + 17, expiresAt: NOW + 86_400_000 });
    const original = sorted(await all(a.exportLists()));
    expect(original).toHaveLength(6);
    expect(original).toEqual(sorted([...csv.records, ...ftc.records, { list: 'allow', entry: { kind: 'number', e164: '+33698765432' }, reason: '☎ maman', source: 'cli', addedAt: NOW + 17, expiresAt: NOW + 86_400_000 }]));

    const text = (await all(formatExport(a.exportLists()))).join('');
    const back = parseImport(text, { format: 'auto', list: 'block', source: 'import:chut', defaultCountry: 'US', now: NOW });
    expect(back.stats).toEqual({ taken: 6, skipped: 0, skippedWhy: {}, firstSkipped: [] });
    await b.importList(back.records);
    expect(sorted(await all(b.exportLists()))).toEqual(original);
    expect((await b.lookup({ e164: '+33162123456', rateWindowsSec: [], blockDigits: 8, now: NOW })).listed).toMatchObject({ list: 'block', match: 'prefix', reason: 'fr-npv', source: 'import:csv' });
  });
});

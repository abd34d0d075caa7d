/**
 * `chut import` of a file whose record the store refuses as malformed (one the parser let through, as it once did with
 * a pre-1970 FTC date): bad data in the file, exit 65, the entry and its problem named, and nothing imported (the
 * stores check every record before the first write), not an "unexpected error" with a stack trace.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/dispatch.js';
import { EXIT } from '../../../src/cli/errors.js';
import { createMemoryStore } from '../../../src/reputation/index.js';
import type { ListRecord, ListRecords, ReputationStore } from '../../../src/reputation/types.js';

const stores = vi.hoisted(() => ({ current: null as ReputationStore | null }));

// the store the command opens: the test's, no Redis
vi.mock('../../../src/cli/context.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../src/cli/context.js')>()),
  openStore: async () => stores.current,
}));
// each command run adds a listener for the reader leaving standard output
vi.mock('../../../src/cli/closed-pipe.js', () => ({ stopQuietlyWhenReaderLeaves: () => undefined }));

const dir = mkdtempSync(join(tmpdir(), 'chut-import-malformed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** A memory store whose importList is handed the last record dated before 1970: what a parser letting it through does. */
function storeGivenBadLastRecord(memory: ReputationStore): ReputationStore {
  return new Proxy(memory, {
    get(target, prop, receiver) {
      if (prop === 'importList') {
        return (records: ListRecords, opts: Parameters<ReputationStore['importList']>[1]) => memory.importList({
          length: records.length,
          at: (i) => (i === records.length - 1 ? { ...(records.at(i) as ListRecord), addedAt: -86_400_000 } : records.at(i)),
        }, opts);
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('chut import of a record the store refuses as malformed', () => {
  it('exits 65 naming the file, the entry and its problem, and says nothing was imported (true: the store is unchanged)', async () => {
    const memory = createMemoryStore();
    stores.current = storeGivenBadLastRecord(memory);
    const file = join(dir, 'numbers.csv');
    writeFileSync(file, 'number,reason\n+12025550200,robot\n+12025550201,robot\n');
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);

    const code = await main(['import', file, '--format', 'csv', '--list', 'block']);

    expect(stderr.join('')).toBe(`chut import: ${file}: +12025550201 cannot be stored (invalid addedAt -86400000); nothing imported\n`);
    expect(code).toBe(EXIT.dataError);
    expect(stdout).not.toHaveBeenCalled();
    for (const e164 of ['+12025550200', '+12025550201']) expect(await memory.getListEntry({ kind: 'number', e164 })).toEqual([]);
  });
});

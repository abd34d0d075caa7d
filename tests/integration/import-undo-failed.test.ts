/**
 * An import that fails part-way and whose undo fails too, end to end against the real Redis: nothing more reaches Redis
 * (a proxy that stalls the link, then goes down) once the import's first blocks of writes went through, so its next
 * block and the undo never do. chut cannot undo what was applied: what the user is told must say so, and be true of
 * what is left in Redis.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startChut, type RunningChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { createRedisStore } from '../../src/reputation/index.js';
import type { ListRecord, ReputationStore } from '../../src/reputation/types.js';
import { parsePolicy } from '../../src/rules/index.js';
import { spawnChut } from '../helpers/cli.js';
import { consecutiveBucketNumbers } from '../helpers/consecutive-buckets.js';
import { startCuttingRedisProxy, type CuttingRedisProxy } from '../helpers/cutting-redis-proxy.js';
import { LIST_POLICY } from '../helpers/policy.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const TOKEN = 'undo-failed-token-0123456789';
/** The import writes 500 keys per MULTI block, 4 blocks at a time (redis-lists.ts): the first 4 blocks go through. */
const CONFIRMED_BLOCKS = 4;
const KEYS_PER_BLOCK = 500;

const national = (e164: string) => `0${e164.slice(3)}`;

async function blocklisted(store: ReputationStore): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for await (const r of store.exportLists()) if (r.list === 'block' && r.entry.kind === 'number') out.set(r.entry.e164, r.reason);
  return out;
}

function entry(e164: string, reason: string): ListRecord {
  return { list: 'block', entry: { kind: 'number', e164 }, reason, source: 'cli', addedAt: Date.now(), expiresAt: null };
}

let redisUrl: string;
let proxy: CuttingRedisProxy;
const dir = mkdtempSync(join(tmpdir(), 'chut-undo-failed-'));
const prefixes: string[] = [];

beforeAll(async () => {
  redisUrl = await testRedisUrl();
  proxy = await startCuttingRedisProxy(redisUrl);
});

afterEach(async () => { await proxy.heal(); });

afterAll(async () => {
  await proxy?.close();
  for (const p of prefixes) await removeKeys(redisUrl, p);
  rmSync(dir, { recursive: true, force: true });
});

/** A prefix with two numbers of the file already blocklisted: one the confirmed blocks overwrite, one the cut block would. */
async function seeded(label: string, all: string[]): Promise<{ prefix: string; direct: ReputationStore }> {
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  const direct = createRedisStore({ url: redisUrl, prefix });
  await direct.addListEntry(entry(all[10] as string, 'blocked before'));
  await direct.addListEntry(entry(all[2100] as string, 'blocked before'));
  return { prefix, direct };
}

/** What Redis holds afterwards: the confirmed blocks' numbers, with the file's reason (nothing undone); nothing of the rest
 * but what was there before. */
async function expectConfirmedBlocksLeft(direct: ReputationStore, all: string[]): Promise<void> {
  const confirmed = CONFIRMED_BLOCKS * KEYS_PER_BLOCK;
  const left = await blocklisted(direct);
  expect(left.size).toBe(confirmed + 1);
  expect(all.slice(0, confirmed).every((n) => left.get(n) === 'from the file')).toBe(true);
  expect(left.get(all[10] as string)).toBe('from the file'); // overwritten, not restored
  expect(left.get(all[2100] as string)).toBe('blocked before');
  expect(all.slice(confirmed).filter((n) => left.has(n))).toEqual([all[2100]]);
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** What `chut import` says when the undo failed: the file, why the import and the undo failed, what is left, what to do. */
function undoFailedLine(file: string): RegExp {
  return new RegExp(`^chut import: ${escape(file)}: the import failed part-way \\(.+\\) and what it wrote could not be undone \\(.+\\): ` +
    'part of the file may be applied; run the import again to apply it whole\\n$');
}

/** `chut import FILE --list block` through the proxy, its stderr readable while it runs. */
function importing(file: string, prefix: string) {
  return spawnChut(['import', file, '--list', 'block'], { CHUT_REDIS_URL: proxy.url, CHUT_REDIS_PREFIX: prefix });
}

function csvFile(name: string, all: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `number,reason\n${all.map((n) => `${national(n)},from the file\n`).join('')}`);
  return file;
}

describe('an import whose undo fails', () => {
  it('POST /api/import, Redis stalled after the first blocks: 503 store-timeout saying part of the file may be applied and was not undone; Redis holds the blocks it confirmed', { timeout: 60_000 }, async () => {
    const all = consecutiveBucketNumbers(612_000_000);
    const { prefix, direct } = await seeded('undo-http', all);
    const config = parseConfig({ store: 'redis', redis: { url: proxy.url, prefix }, http: { enabled: true, port: 0, token: TOKEN } });
    const chut: RunningChut = await startChut({ config, policy: parsePolicy(LIST_POLICY, 'test'), logger: silentLogger(), http: true });
    try {
      expect((await fetch(`${chut.httpUrl}/api/stats`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      // the next block and the undo reach nothing: each command times out (2 s), then the connection is dropped
      const stalled = proxy.stopAfterExecs(CONFIRMED_BLOCKS);
      const res = await fetch(`${chut.httpUrl}/api/import?format=csv&list=block`, {
        method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/csv' },
        body: all.map((n) => `${national(n)},from the file\n`).join(''),
      });
      await stalled;
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        error: 'store-timeout',
        message: 'the import failed part-way and what it wrote could not be undone (importList): part of the file may be applied; ' +
          'send the file again to apply it whole',
      });
      await proxy.heal();
      await expectConfirmedBlocksLeft(direct, all);
    } finally {
      await proxy.heal();
      await chut.stop();
      await direct.close();
    }
  });

  it('chut import, Redis gone after the first blocks: says part of the file may be applied and was not undone (exit 69, one line, no stack trace); Redis holds the blocks it confirmed', { timeout: 60_000 }, async () => {
    const all = consecutiveBucketNumbers(613_000_000);
    const { prefix, direct } = await seeded('undo-cli', all);
    const file = csvFile('gone.csv', all);
    try {
      const run = importing(file, prefix);
      await proxy.stopAfterExecs(CONFIRMED_BLOCKS);
      await proxy.goDown();
      const res = await run.exited;
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(undoFailedLine(file));
      expect(res.code).toBe(69);
      await proxy.heal();
      await expectConfirmedBlocksLeft(direct, all);
    } finally {
      await direct.close();
    }
  });

  it('Ctrl-C while Redis stalls, then Redis gone: not "interrupted: nothing imported" but what is left (exit 69); Redis holds the blocks it confirmed', { timeout: 60_000 }, async () => {
    const all = consecutiveBucketNumbers(614_000_000);
    const { prefix, direct } = await seeded('undo-int', all);
    const file = csvFile('interrupted.csv', all);
    try {
      const run = importing(file, prefix);
      await proxy.stopAfterExecs(CONFIRMED_BLOCKS);
      run.child.kill('SIGINT');
      await expect.poll(run.stderr, { timeout: 20_000 }).toMatch(/^chut import: SIGINT: undoing what was written/);
      await proxy.goDown();
      const res = await run.exited;
      expect(res.stdout).toBe('');
      const [said, ...rest] = res.stderr.split(/(?<=\n)/);
      expect(said).toMatch(/^chut import: SIGINT: undoing what was written/);
      expect(rest.join('')).toMatch(undoFailedLine(file));
      expect(res.code).toBe(69);
      await proxy.heal();
      await expectConfirmedBlocksLeft(direct, all);
    } finally {
      await direct.close();
    }
  });
});

/**
 * A Redis that stops answering in the middle of a command (a stopped process, a paused VM, a black-holed network), or
 * an address that accepts connections and closes them at once: every command ends, exit 69 and one line saying so,
 * instead of waiting forever. The bound is the real one (no reply for 30 s, CLI_TIMEOUTS in src/redis-client.ts): a
 * stalled import waits it twice (its writes, then their undo on a new connection), within the two minutes of a test.
 * What `chut import` says stays true of what Redis holds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, vi, type ExpectStatic } from 'vitest';
import { createRedisStore } from '../../src/reputation/index.js';
import type { ListRecord, ReputationStore } from '../../src/reputation/types.js';
import { spawnChut } from '../helpers/cli.js';
import { consecutiveBucketNumbers } from '../helpers/consecutive-buckets.js';
import { startCuttingRedisProxy, type CuttingRedisProxy } from '../helpers/cutting-redis-proxy.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

// Each test runs the built CLI, and most wait out the 30 s bound once or twice: two minutes each (a hang fails then).
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

/** The import writes 500 keys per MULTI block, 4 blocks at a time (redis-lists.ts): the first 4 blocks go through. */
const CONFIRMED_BLOCKS = 4;
const KEYS_PER_BLOCK = 500;

let redisUrl: string;
const dir = mkdtempSync(join(tmpdir(), 'chut-redis-stall-'));
const prefixes: string[] = [];
const proxies: CuttingRedisProxy[] = [];

beforeAll(async () => { redisUrl = await testRedisUrl(); });

afterAll(async () => {
  for (const p of proxies) await p.close();
  for (const p of prefixes) await removeKeys(redisUrl, p);
  rmSync(dir, { recursive: true, force: true });
});

/** A proxy and a key prefix of the test's own (the tests run side by side, each waiting out its bound). */
async function setUp(label: string): Promise<{ proxy: CuttingRedisProxy; prefix: string; direct: ReputationStore }> {
  const proxy = await startCuttingRedisProxy(redisUrl);
  proxies.push(proxy);
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  return { proxy, prefix, direct: createRedisStore({ url: redisUrl, prefix }) };
}

function csvFile(name: string, all: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `number,reason\n${all.map((n) => `0${n.slice(3)},from the file\n`).join('')}`);
  return file;
}

function entry(e164: string, reason: string): ListRecord {
  return { list: 'block', entry: { kind: 'number', e164 }, reason, source: 'cli', addedAt: Date.now(), expiresAt: null };
}

async function blocklisted(store: ReputationStore): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  for await (const r of store.exportLists()) if (r.list === 'block' && r.entry.kind === 'number') out.set(r.entry.e164, r.reason);
  return out;
}

/** `chut ARGS…` through `proxy`, its stderr readable while it runs. */
function chut(args: string[], proxy: CuttingRedisProxy, prefix: string) {
  return spawnChut(args, { CHUT_REDIS_URL: proxy.url, CHUT_REDIS_PREFIX: prefix });
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const NO_REPLY = 'no reply from Redis for 30 s';

/** What `chut import` says when its undo went unanswered: why the import stopped (`failed`, a pattern), and why the undo did. */
function undoFailedLine(file: string, failed = escape(NO_REPLY)): RegExp {
  return new RegExp(`^chut import: ${escape(file)}: the import failed part-way \\((?:${failed})\\) and what it wrote could not be ` +
    `undone \\(${escape(NO_REPLY)}\\): part of the file may be applied; run the import again to apply it whole\\n$`);
}

/** What Redis holds after such an import: the confirmed blocks' numbers with the file's reason, nothing of the rest. */
async function expectConfirmedBlocksLeft(expect: ExpectStatic, direct: ReputationStore, all: string[]): Promise<void> {
  const confirmed = CONFIRMED_BLOCKS * KEYS_PER_BLOCK;
  const left = await blocklisted(direct);
  expect(left.size).toBe(confirmed);
  expect(all.slice(0, confirmed).every((n) => left.get(n) === 'from the file')).toBe(true);
}

describe.concurrent('Redis stops answering mid-command', () => {
  it('chut import: its writes unanswered, then their undo: exit 69 saying part of the file may be applied, which is what Redis holds', async ({ expect }) => {
    const { proxy, prefix, direct } = await setUp('stall-imp');
    const all = consecutiveBucketNumbers(615_000_000);
    const file = csvFile('stalled.csv', all);
    try {
      const run = chut(['import', file, '--list', 'block'], proxy, prefix);
      await proxy.stopAfterExecs(CONFIRMED_BLOCKS);
      const res = await run.exited;
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(undoFailedLine(file));
      expect(res.code).toBe(69);
      await proxy.heal();
      await expectConfirmedBlocksLeft(expect, direct, all);
    } finally {
      await direct.close();
    }
  });

  it('chut import, Ctrl-C while Redis stalls: the undo it starts ends too (exit 69, part of the file may be applied)', async ({ expect }) => {
    const { proxy, prefix, direct } = await setUp('stall-int');
    const all = consecutiveBucketNumbers(616_000_000);
    const file = csvFile('interrupted.csv', all);
    try {
      const run = chut(['import', file, '--list', 'block'], proxy, prefix);
      await proxy.stopAfterExecs(CONFIRMED_BLOCKS);
      run.child.kill('SIGINT');
      await expect.poll(run.stderr, { timeout: 20_000 }).toMatch(/^chut import: SIGINT: undoing what was written/);
      const res = await run.exited;
      const [said, ...rest] = res.stderr.split(/(?<=\n)/);
      expect(said).toMatch(/^chut import: SIGINT: undoing what was written/);
      // the interrupt is seen before the next block is sent, or that block goes unanswered first
      expect(rest.join('')).toMatch(undoFailedLine(file, `interrupted \\(SIGINT\\)|${escape(NO_REPLY)}`));
      expect(res.code).toBe(69);
      await proxy.heal();
      await expectConfirmedBlocksLeft(expect, direct, all);
    } finally {
      await direct.close();
    }
  });

  it('chut export -o FILE: exit 69 saying Redis stopped answering; the backup already there is left as it was', async ({ expect }) => {
    const { proxy, prefix, direct } = await setUp('stall-exp');
    const backup = join(dir, 'backup.csv');
    writeFileSync(backup, 'last week\n');
    try {
      await direct.addListEntry(entry('+33612345678', 'spam'));
      const stalled = proxy.stopAtCommand('hgetall'); // the export's first read of the lists, once connected
      const run = chut(['export', '-o', backup], proxy, prefix);
      await stalled;
      const res = await run.exited;
      expect(res.stderr).toBe(`chut export: Redis at ${proxy.url} (from CHUT_REDIS_URL) stopped answering mid-command: no reply from Redis for 30 s\n`);
      expect(res.code).toBe(69);
      expect(readFileSync(backup, 'utf8')).toBe('last week\n');
    } finally {
      await direct.close();
    }
  });

  it('chut block: exit 69 saying the change may or may not have been made', async ({ expect }) => {
    const { proxy, prefix, direct } = await setUp('stall-blk');
    try {
      const stalled = proxy.stopAtCommand('multi'); // the write itself
      const run = chut(['block', '+33612345678'], proxy, prefix);
      await stalled;
      const res = await run.exited;
      expect(res.stdout).toBe('');
      expect(res.stderr).toBe(`chut block: Redis at ${proxy.url} (from CHUT_REDIS_URL) stopped answering mid-command: no reply from Redis for 30 s; ` +
        'the change may or may not have been made (chut lookup shows the lists)\n');
      expect(res.code).toBe(69);
    } finally {
      await direct.close();
    }
  });
});

describe('an address that accepts connections and closes them at once', () => {
  it('chut import, the connection closed after its first blocks and every new one closed on accept: exit 69 saying part of the file may be applied, which is what Redis holds', async ({ expect }) => {
    const { proxy, prefix, direct } = await setUp('stall-acc');
    const all = consecutiveBucketNumbers(617_000_000);
    const file = csvFile('closed.csv', all);
    try {
      const run = chut(['import', file, '--list', 'block'], proxy, prefix);
      await proxy.stopAfterExecs(CONFIRMED_BLOCKS);
      await proxy.acceptAndClose();
      const res = await run.exited;
      expect(res.stdout).toBe('');
      // the blocks that went through were confirmed before the connection closed (the proxy waits for their replies):
      // their undo is what fails
      expect(res.stderr).toMatch(new RegExp(`^chut import: ${escape(file)}: the import failed part-way \\(connection to Redis lost[^)]*\\) and ` +
        'what it wrote could not be undone \\(connection to Redis lost[^)]*\\): part of the file may be applied; run the import again to apply it whole\\n$'));
      expect(res.code).toBe(69);
      await proxy.heal();
      await expectConfirmedBlocksLeft(expect, direct, all);
    } finally {
      await direct.close();
    }
  });
});

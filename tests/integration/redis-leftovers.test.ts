/**
 * The sweep of keys left by killed test runs (tests/helpers/redis-leftovers.ts): it removes the keys of a dead owner
 * of this machine, and nothing else in a Redis other runs share.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { parseConfig } from '../../src/config.js';
import {
  machineTag, ownedPrefix, ownerOfKey, pidIsAlive, removeKeysOfDeadRuns, runOwner, sweepBeforeTests,
} from '../helpers/redis-leftovers.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';

/** The pid of a process that has run and exited (and been reaped): dead for real, not a guessed number. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

/** A machine tag unlike this machine's (a concurrent run's sweep would take its keys) and unlike `avoid`. */
function foreignTag(avoid = ''): string {
  for (;;) {
    const tag = Array.from({ length: 3 }, () => randomInt(36).toString(36)).join('');
    if (tag !== machineTag() && tag !== avoid) return tag;
  }
}
/** Machine tags of this test's own, so the sweeps below only ever meet keys this file wrote. */
const machine = foreignTag();
const otherMachine = foreignTag(machine);

let url = '';
let admin: Redis;
const written: string[] = [];

async function seed(prefix: string): Promise<string[]> {
  const keys = [`${prefix}schema`, `${prefix}r:612345678`, `${prefix}w:612345678`];
  await admin.hset(keys[0]!, 'version', '1');
  await admin.hset(keys[1]!, 'cf', '1');
  await admin.zadd(keys[2]!, 1, 'm1');
  written.push(...keys);
  return keys;
}

async function existing(keys: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const k of keys) if (await admin.exists(k)) found.push(k);
  return found;
}

beforeAll(async () => {
  url = await testRedisUrl();
  admin = new Redis(url);
});
afterAll(async () => {
  if (written.length) await admin.unlink(...written);
  admin.disconnect();
});

describe('removeKeysOfDeadRuns', () => {
  it('removes the keys of a dead run of this machine and keeps those of a live run, another machine, and outside chuttest:', async () => {
    const dead = await deadPid();
    expect(pidIsAlive(dead)).toBe(false);
    const ofDeadRun = await seed(ownedPrefix('cli', runOwner(dead, machine)));
    const ofDeadRunToo = await seed(ownedPrefix('ami-autoblock', runOwner(dead, machine)));
    const kept = [
      ...await seed(ownedPrefix('cli', runOwner(process.pid, machine))), // a live run
      ...await seed(ownedPrefix('cli', runOwner(dead, otherMachine))), // the same pid elsewhere means nothing here
      ...await seed(`chutprod:cli:${runOwner(dead, machine)}.abcde:`), // someone's data that merely looks alike
      ...await seed(`xchuttest:cli:${runOwner(dead, machine)}.abcde:`),
      ...await seed(`chuttest:cli:${randomBytes(4).toString('hex')}:`), // the old, ownerless format
    ];

    const result = await removeKeysOfDeadRuns(url, { machine, isAlive: pidIsAlive, budgetMs: 10_000 });

    expect(result).toEqual({ removed: 6, complete: true });
    expect(await existing([...ofDeadRun, ...ofDeadRunToo])).toEqual([]);
    expect(await existing(kept)).toEqual(kept);
  });

  it('asks isAlive about owners of its machine only, and removes nothing of an owner said alive', async () => {
    const dead = await deadPid();
    const keys = await seed(ownedPrefix('alive', runOwner(dead, machine)));
    await seed(ownedPrefix('elsewhere', runOwner(4_000_000, otherMachine)));
    const asked: number[] = [];
    const result = await removeKeysOfDeadRuns(url, { machine, isAlive: (pid) => { asked.push(pid); return true; }, budgetMs: 10_000 });
    expect(result.removed).toBe(0);
    expect(asked).toContain(dead);
    expect(asked).not.toContain(4_000_000);
    expect(await existing(keys)).toEqual(keys);
  });

  it('stops at its time budget and says it did not finish', async () => {
    const keys = await seed(ownedPrefix('budget', runOwner(await deadPid(), machine)));
    expect(await removeKeysOfDeadRuns(url, { machine, isAlive: () => false, budgetMs: 0 })).toEqual({ removed: 0, complete: false });
    expect(await existing(keys)).toEqual(keys);
  });

  it('rejects when Redis does not answer; the global setup\'s sweep then says nothing and does not fail the run', async () => {
    const nobody = 'redis://127.0.0.1:1';
    await expect(removeKeysOfDeadRuns(nobody, { machine, isAlive: () => false, budgetMs: 1000 })).rejects.toThrow();
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(sweepBeforeTests(nobody)).resolves.toBeUndefined();
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stderr.mockRestore();
    }
  });
});

describe('owned prefixes', () => {
  it('uniquePrefix names this machine and the vitest main process as owner', () => {
    const owner = ownerOfKey(`${uniquePrefix('owner')}schema`);
    expect(owner?.machine).toBe(machineTag());
    expect(`${owner?.machine}.${owner?.pid.toString(36)}`).toBe(inject('chutTestRunOwner'));
    // the main process: this worker's parent (forks pool) or this very process (threads pool)
    expect([process.ppid, process.pid]).toContain(owner?.pid);
  });

  it('fits chut\'s 32-character redis.prefix with the longest label in use and the largest pid Linux hands out', () => {
    const prefix = ownedPrefix('ami-autoblock', runOwner(4_194_304, 'abc'));
    expect(prefix.length).toBeLessThanOrEqual(32);
    expect(prefix).toMatch(/^chuttest:ami-au[a-z-]*:abc\.2hwcg\.[0-9a-z]{5}:$/);
    expect(parseConfig({ store: 'redis', redis: { prefix } }).redis.prefix).toBe(prefix);
    expect(ownerOfKey(`${prefix}r:612345678`)).toEqual({ machine: 'abc', pid: 4_194_304 });
  });

  it('refuses a label that would make the owner ambiguous', () => {
    expect(() => ownedPrefix('a:b', runOwner())).toThrow(/letters, digits and -/);
    expect(() => ownedPrefix('a.b', runOwner())).toThrow(/letters, digits and -/);
  });

  it('reads no owner from a key that only resembles one', () => {
    for (const key of [
      'chuttest:cli:abc.0.abcde:x', // pid 0 would signal a whole process group
      'chuttest:cli:abc.1.abcde:x',
      'chuttest:cli:abc.zzzzz.abcde:x', // beyond any Linux pid
      'chuttest:cli:ABC.2hwcg.abcde:x',
      'chuttest:cli:abc.2hwcg.abcd:x',
      'chuttest:cli:abc.2hwcg.abcde', // no key under the prefix
      'chuttest:abc.2hwcg.abcde:x',
      'chuttest:cli:b6ae9513:schema',
    ]) expect(ownerOfKey(key), key).toBeNull();
  });
});

/**
 * Test keys that name their owner, and the sweep of keys whose owner died.
 *
 * Every test prefix is `chuttest:<label>:<machine>.<pid>.<random>:` (machineTag, the pid of the vitest main process
 * in base 36, 5 random base-36 characters). A run removes its keys in afterAll; a run that is killed (Ctrl-C, a
 * timeout, a crashed worker) never gets there, so the global setup of the next run (redis-global-setup.ts) removes
 * keys whose owner is on this machine and no longer alive. It never touches:
 * - keys of a live run (test runs on this machine run at the same time and share one Redis);
 * - keys of another machine (its pids mean nothing here);
 * - keys outside `chuttest:`, or under `chuttest:` without an owner: fixed prefixes such as `chuttest:ha:`, and the
 *   older `chuttest:<label>:<8 hex>:` ones, which cannot tell a dead run from a live run of an older checkout.
 */
import { createHash, randomInt } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';

/** Where tests find Redis when neither CHUT_TEST_REDIS_URL nor a Docker engine says otherwise. */
export const LOCAL_TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/** redis.prefix in chut's config is at most 32 characters, and some tests pass their prefix there. */
const MAX_PREFIX_LENGTH = 32;
const RANDOM_LENGTH = 5;
/** Linux never hands out a pid above 2^22 (pid_max's ceiling): anything bigger in a key is not one of ours. */
const MAX_PID = 4_194_304;
const LABEL = /^[A-Za-z0-9-]+$/;
/** `chuttest:<label>:<machine>.<pid>.<random>:` at the start of a key: the machine and the pid, both base 36. */
const OWNED_KEY = new RegExp(`^chuttest:[A-Za-z0-9-]+:([0-9a-z]{3})\\.([0-9a-z]{1,5})\\.[0-9a-z]{${RANDOM_LENGTH}}:`);

/**
 * Three base-36 characters standing for this machine: a hash of the hostname and of the pid namespace, so that a
 * container sharing the hostname (and this Redis) does not pass for us, its pids being numbered apart.
 */
export function machineTag(host = hostname(), pidNamespace = currentPidNamespace()): string {
  const digest = createHash('sha256').update(`${host}\0${pidNamespace}`).digest();
  return (digest.readUInt32BE(0) % 36 ** 3).toString(36).padStart(3, '0');
}

function currentPidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return ''; // not Linux: the hostname alone
  }
}

/** `<machine>.<pid>`: who owns the keys of a run, written into every prefix it makes. */
export function runOwner(pid = process.pid, machine = machineTag()): string {
  return `${machine}.${pid.toString(36)}`;
}

/** A fresh prefix owned by `owner`; the label is cut short where the whole would pass 32 characters. */
export function ownedPrefix(label: string, owner: string): string {
  if (!LABEL.test(label)) throw new Error(`test prefix label ${JSON.stringify(label)}: letters, digits and - only`);
  const random = Array.from({ length: RANDOM_LENGTH }, () => randomInt(36).toString(36)).join('');
  const room = MAX_PREFIX_LENGTH - `chuttest::${owner}.${random}:`.length;
  return `chuttest:${label.slice(0, Math.max(room, 1))}:${owner}.${random}:`;
}

/** The owner a key names, or null for a key this sweep must leave alone whatever it holds. */
export function ownerOfKey(key: string): { machine: string; pid: number } | null {
  const m = OWNED_KEY.exec(key);
  if (!m) return null;
  const pid = Number.parseInt(m[2]!, 36);
  return pid > 1 && pid <= MAX_PID ? { machine: m[1]!, pid } : null;
}

/** Whether a process with this pid exists here. Only "no such process" means dead: EPERM is someone else's live one. */
export function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export interface SweepOptions {
  /** Only keys of this machine tag are looked at (machineTag() in a real run). */
  machine: string;
  isAlive: (pid: number) => boolean;
  /** Stop looking after this long: the next run carries on. */
  budgetMs: number;
}

export interface SweepResult {
  removed: number;
  /** false: stopped at the time budget with keys not looked at yet. */
  complete: boolean;
}

/**
 * Removes the keys of dead runs of `machine` from the Redis at `url`: SCAN with MATCH, UNLINK per batch. A pid is
 * asked about right before its batch is unlinked, not once for the whole sweep, so a run that starts meanwhile with
 * a recycled pid keeps its keys. Throws when Redis does not answer.
 */
export async function removeKeysOfDeadRuns(url: string, o: SweepOptions): Promise<SweepResult> {
  const deadline = Date.now() + o.budgetMs;
  const redis = new Redis(url, {
    lazyConnect: true, connectTimeout: 1000, commandTimeout: 2000, maxRetriesPerRequest: 0,
    retryStrategy: () => null, enableOfflineQueue: false,
  });
  redis.on('error', () => {}); // connect() and each command reject with it; no "unhandled error event" line
  try {
    await redis.connect();
    let removed = 0;
    let cursor = '0';
    do {
      if (Date.now() >= deadline) return { removed, complete: false };
      const [next, keys] = await redis.scan(cursor, 'MATCH', `chuttest:*:${o.machine}.*`, 'COUNT', 1000);
      cursor = next;
      const dead = keysOfDeadOwners(keys, o);
      if (dead.length) removed += await redis.unlink(...dead);
    } while (cursor !== '0');
    return { removed, complete: true };
  } finally {
    redis.disconnect();
  }
}

function keysOfDeadOwners(keys: string[], o: SweepOptions): string[] {
  const alive = new Map<number, boolean>();
  return keys.filter((key) => {
    const owner = ownerOfKey(key);
    if (!owner || owner.machine !== o.machine) return false;
    if (!alive.has(owner.pid)) alive.set(owner.pid, o.isAlive(owner.pid));
    return !alive.get(owner.pid);
  });
}

/** Whether a Redis URL names this machine's loopback: the only Redis whose chuttest keys this machine's runs wrote. */
export function isLoopbackRedisUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const SWEEP_BUDGET_MS = 5000;

/**
 * The global setup's sweep: one stderr line when it removed keys or ran out of time; nothing, and no failure, when
 * Redis does not answer (the tests that need it say so themselves).
 */
export async function sweepBeforeTests(url: string): Promise<void> {
  let result: SweepResult;
  try {
    result = await removeKeysOfDeadRuns(url, { machine: machineTag(), isAlive: pidIsAlive, budgetMs: SWEEP_BUDGET_MS });
  } catch {
    return;
  }
  const removed = `removed ${result.removed} Redis key${result.removed === 1 ? '' : 's'} left by earlier test runs that were killed`;
  if (!result.complete) {
    process.stderr.write(`chut tests: ${removed}; stopped after ${SWEEP_BUDGET_MS / 1000} s with keys not looked at yet (the next run goes on)\n`);
  } else if (result.removed > 0) {
    process.stderr.write(`chut tests: ${removed}\n`);
  }
}

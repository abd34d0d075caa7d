/** What the Redis client does with replies that say Redis refuses writes: READONLY is followed without a reconnect
 * loop, OOM/READONLY/MISCONF/NOREPLICAS are named. */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { writesRefusedHint } from '../../src/cli/context.js';
import { parseConfig } from '../../src/config.js';
import { createRedisClient, redisRetryDelay, sentinelRetryDelay } from '../../src/redis-client.js';
import { isReadonlyReply, isRedisWriteRefusal, writeRefusalLine } from '../../src/redis-errors.js';
import { replicaCheckDelay } from '../../src/redis-replica.js';

const READONLY = "READONLY You can't write against a read only replica. script: 991d32, on @user_script:2.";
const OOM = "OOM command not allowed when used memory > 'maxmemory'. script: 7d2d86, on @user_script:49.";
const MISCONF = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled.";
const NOREPLICAS = 'NOREPLICAS Not enough good replicas to write.';

describe('READONLY replies', () => {
  it('are told from the other replies', () => {
    expect(isReadonlyReply(new Error(READONLY))).toBe(true);
    for (const other of [OOM, MISCONF, 'ERR unknown command', 'LOADING Redis is loading the dataset in memory', 'WRONGTYPE Operation against a key', 'NOREADONLY']) {
      expect(isReadonlyReply(new Error(other)), other).toBe(false);
    }
    expect(isReadonlyReply(READONLY)).toBe(false);
  });

  it('never make the clients chut builds drop their connection by themselves (a URL naming a replica would loop), with a URL and under Sentinel', () => {
    const url = parseConfig({ store: 'redis', redis: { url: 'redis://127.0.0.1:1', connectTimeoutMs: 100 } }).redis;
    const sentinel = parseConfig({ store: 'redis', redis: { sentinel: { name: 'm', hosts: [{ host: '127.0.0.1', port: 1 }] }, connectTimeoutMs: 100 } }).redis;
    for (const cfg of [url, sentinel]) {
      for (const failFast of [true, false]) {
        const client = createRedisClient(cfg, { failFast });
        client.on('error', () => undefined);
        try {
          expect(client.options.reconnectOnError?.(new Error(READONLY))).toBe(false);
          expect(client.options.reconnectOnError?.(new Error(OOM))).toBe(false);
        } finally {
          client.disconnect();
        }
      }
    }
  });

  it('check where the URL leads 1 s, 2 s, 4 s … apart (with jitter), 30 s apart at most', () => {
    for (let i = 0; i < 50; i++) {
      expect(replicaCheckDelay(1)).toBeGreaterThanOrEqual(500);
      expect(replicaCheckDelay(1)).toBeLessThanOrEqual(1000);
      expect(replicaCheckDelay(3)).toBeGreaterThanOrEqual(2000);
      expect(replicaCheckDelay(3)).toBeLessThanOrEqual(4000);
      expect(replicaCheckDelay(40)).toBeGreaterThanOrEqual(15_000);
      expect(replicaCheckDelay(40)).toBeLessThanOrEqual(30_000);
    }
  });
});

describe('isRedisWriteRefusal', () => {
  it('knows OOM, READONLY, MISCONF and NOREPLICAS replies, also inside an aborted MULTI, and nothing else', () => {
    for (const refusal of [OOM, READONLY, MISCONF, NOREPLICAS]) expect(isRedisWriteRefusal(new Error(refusal)), refusal).toBe(true);
    const aborted = Object.assign(new Error('EXECABORT Transaction discarded because of previous errors.'), { previousErrors: [new Error(OOM)] });
    expect(isRedisWriteRefusal(aborted)).toBe(true);
    expect(writeRefusalLine(aborted)).toBe(OOM);
    const misconf = Object.assign(new Error('EXECABORT Transaction discarded because of previous errors.'), { previousErrors: [new Error(MISCONF)] });
    expect(writeRefusalLine(misconf)).toBe(MISCONF);
    expect(isRedisWriteRefusal(Object.assign(new Error('EXECABORT Transaction discarded because of previous errors.'), { previousErrors: [new Error('ERR syntax error')] }))).toBe(false);
    for (const other of ['connect ECONNREFUSED 127.0.0.1:6379', 'Connection is closed.', 'WRONGPASS invalid username-password pair', 'ERR OOM in a value', 'ERR MISCONF']) {
      expect(isRedisWriteRefusal(new Error(other)), other).toBe(false);
    }
    expect(isRedisWriteRefusal('OOM')).toBe(false);
  });

  it('a MULTI whose connection was lost (one error for every command, listed among its own previousErrors) is no refusal, and no stack overflow', () => {
    const lost = Object.assign(new Error('Reached the max retries per request limit (which is 0).'), { name: 'MaxRetriesPerRequestError', previousErrors: [] as Error[] });
    lost.previousErrors.push(lost, lost);
    expect(isRedisWriteRefusal(lost)).toBe(false);
    expect(writeRefusalLine(lost)).toBe(lost.message);
  });

  it('the CLI says what to do about each refusal', () => {
    expect(writesRefusedHint(new Error(OOM))).toMatch(/^Free memory on that Redis or raise its maxmemory/);
    expect(writesRefusedHint(new Error(READONLY))).toMatch(/read-only replica: point chut at the primary/);
    expect(writesRefusedHint(new Error(MISCONF))).toMatch(/cannot save to disk/);
    expect(writesRefusedHint(new Error(NOREPLICAS))).toMatch(/min-replicas-to-write/);
  });
});

describe('a client under Sentinel', () => {
  /** Sentinels where nothing listens: the client keeps asking them, in the state where ioredis can end it. */
  const unreachable = () => parseConfig({ store: 'redis', redis: { sentinel: { name: 'm', hosts: [{ host: '127.0.0.1', port: 1 }] }, connectTimeoutMs: 100 } }).redis;

  async function until(client: Redis, what: (status: string) => boolean, ms: number): Promise<boolean> {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 5))) if (what(client.status)) return true;
    return what(client.status);
  }

  it('connects again when ioredis ends it unasked (its failover detector closing a connection attempt, as on a failover announced while it asks the Sentinels)', async () => {
    const client = createRedisClient(unreachable(), { failFast: true });
    client.on('error', () => undefined);
    try {
      expect(await until(client, (s) => s === 'connecting', 2000)).toBe(true);
      // what ioredis's FailoverDetector does on +switch-master. Heard as an event: the client is in 'end' only until the
      // backoff's first step (50-100 ms), which a poll on a loaded machine can miss
      const ended = new Promise<void>((resolve) => { client.once('end', () => resolve()); });
      (client as unknown as { connector: { disconnect(): void } }).connector.disconnect();
      await ended;
      // after the Sentinel backoff's first step (a tenth of a second at most), it asks the Sentinels again (the bound is
      // for a loaded machine's timers, not the backoff)
      expect(await until(client, (s) => s !== 'end', 5000)).toBe(true);
    } finally {
      client.disconnect();
    }
  });

  it('stays closed once chut closes it (disconnect or quit: a command line must exit, a stopped chut let go)', async () => {
    for (const close of [(c: Redis) => c.disconnect(), (c: Redis) => { void c.quit().catch(() => undefined); }]) {
      const client = createRedisClient(unreachable(), { failFast: false });
      client.on('error', () => undefined);
      expect(await until(client, (s) => s === 'connecting', 2000)).toBe(true);
      close(client);
      expect(await until(client, (s) => s === 'end', 2000)).toBe(true);
      expect(await until(client, (s) => s !== 'end', 500)).toBe(false);
    }
  });

  it('asks the Sentinels again 1 s apart at most however long the master is away (a promoted replica is found within a second); with a URL, 5 s', () => {
    for (let attempt = 1; attempt <= 60; attempt++) {
      expect(sentinelRetryDelay(attempt)).toBeLessThanOrEqual(1000);
      expect(redisRetryDelay(attempt)).toBeLessThanOrEqual(5000);
    }
    expect(sentinelRetryDelay(1)).toBeLessThanOrEqual(100);
  });
});

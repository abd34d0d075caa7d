/**
 * A Redis that answers but refuses writes: `maxmemory` reached (OOM) or a replica (READONLY), and a failover behind a
 * plain redis.url. Two scratch redis-servers of their own (a master and its replica, on free ports), never the shared
 * one: these tests change their configuration.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startChut, type RunningChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createRedisStore, type RedisReputationStore } from '../../src/reputation/index.js';
import { parsePolicy } from '../../src/rules/index.js';
import type { InboundCall } from '../../src/screening/types.js';
import { runChut } from '../helpers/cli.js';
import { redisServerInstalled, startScratchRedis, waitFor, type ScratchRedis } from '../helpers/redis-server.js';
import { uniquePrefix } from '../helpers/redis.js';
import { call as callRecord } from './store-contract.js';

// CI installs redis-server (.ci/run) and sets CHUT_REQUIRE_REDIS_SERVER so that these tests cannot skip there.
const runnable = redisServerInstalled() || process.env.CHUT_REQUIRE_REDIS_SERVER === '1';
if (!runnable) console.warn('redis-server is not installed: the tests of a Redis that refuses writes are skipped');

const POLICY = parsePolicy(`
version: 1
default: ring
rules:
  - name: blocklist
    when: { list: block }
    action: reject
`, 'test');

const BLOCKED = '+33612345678';
let seq = 0;
function call(callerNumber = '0612345678'): InboundCall {
  seq++;
  return { pbx: 'asterisk-ari', callId: `rw-${seq}`, callerNumber, callerName: '', dialled: '0100000000', receivedAt: Date.now() };
}

/** Screens a call and writes its record, as a PBX adapter does. */
async function screenAndRecord(chut: RunningChut, c: InboundCall = call()) {
  const d = await chut.screening.screen(c);
  await chut.screening.finishCall(c, d, d.route, null);
  return d;
}

async function health(chut: RunningChut): Promise<{ status: number; store: unknown }> {
  const res = await fetch(`${chut.httpUrl}/healthz`);
  return { status: res.status, store: ((await res.json()) as { store: unknown }).store };
}

/** A TCP relay in front of Redis whose target can be moved: new connections go to the new target, established ones
 * stay where they are (the DNS name of a managed primary endpoint, re-pointed at a failover). */
async function relay(target: number): Promise<{ port: number; retarget(port: number): void; close(): Promise<void> }> {
  let to = target;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(to, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('close', () => { sockets.delete(s); (s === client ? upstream : client).destroy(); });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    retarget: (port: number) => { to = port; },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

describe.skipIf(!runnable)('a Redis that refuses writes', () => {
  let master: ScratchRedis;
  let replica: ScratchRedis;
  let admin: Redis;
  let replicaAdmin: Redis;
  const running: RunningChut[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const logs: string[] = [];

  beforeAll(async () => {
    master = await startScratchRedis();
    replica = await startScratchRedis();
    admin = new Redis(master.url);
    replicaAdmin = new Redis(replica.url);
    await replicaAdmin.replicaof('127.0.0.1', master.port);
    await waitFor('the replica in sync', async () => /master_link_status:up/.test(await replicaAdmin.info('replication')));
  }, 30_000);

  afterAll(async () => {
    admin.disconnect();
    replicaAdmin.disconnect();
    await master.stop();
    await replica.stop();
  });

  afterEach(async () => {
    await admin.config('SET', 'maxmemory', '0').catch(() => undefined);
    for (const chut of running.splice(0)) await chut.stop();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  /** A prefix on the master with BLOCKED on the blocklist and a rejected call from it in today's top callers. */
  async function seeded(label: string): Promise<string> {
    const prefix = uniquePrefix(label);
    const store = createRedisStore({ url: master.url, prefix });
    try {
      await store.addListEntry({ list: 'block', entry: { kind: 'number', e164: BLOCKED }, reason: 'robocall', source: 'cli', addedAt: Date.now(), expiresAt: null });
      const record = callRecord({ time: Date.now() - 1000, caller: BLOCKED, action: 'reject', route: 'reject', rule: 'blocklist', dialled: '+33100000000' });
      await store.recordCall({ record, blockDigits: 8, maxWindowSec: 60, streamMaxLen: 1000 });
    } finally {
      await store.close();
    }
    return prefix;
  }

  async function chutOn(url: string, prefix: string): Promise<RunningChut> {
    logs.length = 0;
    const logger = createLogger('info', new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
    const config = parseConfig({ store: 'redis', redis: { url, prefix, connectTimeoutMs: 1000 }, http: { enabled: true, port: 0 } });
    const chut = await startChut({ config, policy: POLICY, logger, pbx: false });
    running.push(chut);
    return chut;
  }

  const logged = (msg: RegExp) => logs.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => msg.test(l.msg));

  it('out of memory: a blocklisted caller is still rejected, top callers still read, /healthz says refuses-writes, and all is well again once Redis takes writes', { timeout: 60_000 }, async () => {
    const prefix = await seeded('oom');
    const chut = await chutOn(master.url, prefix);
    expect((await screenAndRecord(chut)).route).toBe('reject');
    expect((await health(chut)).status).toBe(200);
    await admin.config('SET', 'maxmemory', '1');

    const d = await screenAndRecord(chut); // its record is refused (and kept for later by chut)
    expect([d.route, d.degraded, d.rule]).toEqual(['reject', false, 'blocklist']);
    expect(await health(chut)).toEqual({ status: 503, store: { ready: false, error: 'refuses-writes' } });
    expect(logged(/^Redis refuses writes \(out of memory \/ read-only replica\)/)).toHaveLength(1);
    // GET /api/stats, chut report, the dashboard: no scratch key can be written, the day's sets are read instead
    const s = await chut.store.stats({ since: Date.now() - 3_600_000, now: Date.now() });
    expect(s.topCallers.reject).toEqual([{ caller: BLOCKED, calls: 2 }]);
    // a chut started while Redis refuses writes opens the store (its schema is in place) and screens
    const restarted = createRedisStore({ url: master.url, prefix });
    try {
      const facts = await restarted.lookup({ e164: BLOCKED, rateWindowsSec: [60], blockDigits: 8, now: Date.now(), countCall: { windowMs: 60_000, member: 'm1' } });
      expect(facts.listed?.list).toBe('block');
    } finally {
      await restarted.close();
    }

    await admin.config('SET', 'maxmemory', '0');
    expect((await screenAndRecord(chut)).route).toBe('reject');
    // the record refused before, kept by chut, then this one: all four calls in the stream
    await waitFor('the records written', async () => (await admin.xlen(`${prefix}calls`)) === 4);
    expect(await health(chut)).toEqual({ status: 200, store: { ready: true } });
    expect(logged(/^Redis takes writes again/)).toHaveLength(1);
  });

  it('a replica: the lookup screens from the replica\'s copy (the call is not counted), and says the count was refused', async () => {
    const prefix = await seeded('replica');
    await waitFor('the entry on the replica', async () => (await replicaAdmin.exists(`${prefix}schema`)) === 1);
    const warned: string[] = [];
    const logger = createLogger('warn', new Writable({ write(chunk, _enc, done) { warned.push(String(chunk)); done(); } }));
    const store: RedisReputationStore = createRedisStore({ url: replica.url, prefix, logger });
    try {
      const facts = await store.lookup({ e164: BLOCKED, rateWindowsSec: [60], blockDigits: 8, now: Date.now(), countCall: { windowMs: 60_000, member: 'm1' } });
      expect(facts.listed).toMatchObject({ list: 'block', match: 'exact', reason: 'robocall' });
      // the refused count is known: said once, and /healthz says so
      expect(warned.map((l) => (JSON.parse(l) as { msg: string; err: string }))).toEqual([
        { ...JSON.parse(warned[0] ?? '{}'), msg: expect.stringMatching(/^Redis refuses writes \(out of memory \/ read-only replica\)/), err: expect.stringMatching(/^READONLY/) },
      ]);
      await expect(store.health()).rejects.toMatchObject({ trouble: 'refuses-writes' });
      await expect(store.ping()).resolves.toBeUndefined(); // reads still work: exports, reports
      expect(await replicaAdmin.zscore(`${prefix}w:${BLOCKED.slice(1)}`, 'm1')).toBeNull(); // not counted
    } finally {
      await store.close();
    }
    // a prefix never used: the schema is the write refused
    const fresh = createRedisStore({ url: replica.url, prefix: uniquePrefix('replica-fresh') });
    try {
      await expect(fresh.health()).rejects.toMatchObject({ trouble: 'refuses-writes' });
    } finally {
      await fresh.close();
    }
  });

  it('the CLI on a Redis out of memory: export and unlist work, a write says "Redis refuses writes", not "unreachable" (exit 69)', { timeout: 60_000 }, async () => {
    const prefix = await seeded('cli');
    await admin.config('SET', 'maxmemory', '1');
    const env = { CHUT_REDIS_URL: master.url, CHUT_REDIS_PREFIX: prefix };
    const exported = await runChut(['export'], env);
    expect([exported.code, exported.stderr]).toEqual([0, '']);
    expect(exported.stdout).toContain(BLOCKED);
    // the top callers' scratch keys refused: the day's sets are read instead
    const report = await runChut(['report', '--json'], env);
    expect([report.code, report.stderr]).toEqual([0, '']);
    expect((JSON.parse(report.stdout) as { topBlocked: unknown }).topBlocked).toEqual([{ caller: BLOCKED, calls: 1 }]);
    const blocked = await runChut(['block', '0612000000'], env);
    expect(blocked.code).toBe(69);
    expect(blocked.stderr).toMatch(/^chut block: Redis refuses writes \(out of memory \/ read-only replica\): OOM command not allowed/);
    expect(blocked.stderr).not.toMatch(/unreachable|unexpected error/);
    // a prefix never used: the store's first use has its schema to write
    const fresh = await runChut(['lookup', '0612345678'], { ...env, CHUT_REDIS_PREFIX: uniquePrefix('cli-fresh') });
    expect(fresh.code).toBe(69);
    expect(fresh.stderr).toMatch(new RegExp(`^chut lookup: Redis at redis://127\\.0\\.0\\.1:${master.port} \\(from CHUT_REDIS_URL\\) refuses writes \\(out of memory / read-only replica\\): OOM command not allowed`));
    const unlisted = await runChut(['unlist', '0612345678'], env); // what an operator runs to free memory
    expect([unlisted.code, unlisted.stdout.trim()]).toEqual([0, `removed ${BLOCKED}`]);
  });

  it('a failover behind a plain redis.url: chut reconnects on READONLY and reaches the new primary (its records land there)', { timeout: 60_000 }, async () => {
    const prefix = await seeded('failover');
    const link = await relay(master.port);
    cleanups.push(() => link.close());
    const chut = await chutOn(`redis://127.0.0.1:${link.port}`, prefix);
    expect((await screenAndRecord(chut)).route).toBe('reject');
    await waitFor('the replica has the first records', async () => (await replicaAdmin.xlen(`${prefix}calls`)) === 2);

    // the replica is promoted, the old master becomes its replica, and the name now leads to the new primary
    await replicaAdmin.replicaof('NO', 'ONE');
    await admin.replicaof('127.0.0.1', replica.port);
    link.retarget(replica.port);
    cleanups.push(async () => { // roles back as they were, for the other tests
      await admin.replicaof('NO', 'ONE');
      await replicaAdmin.replicaof('127.0.0.1', master.port);
      await waitFor('the replica in sync again', async () => /master_link_status:up/.test(await replicaAdmin.info('replication')));
    });
    await waitFor('the old master in sync as a replica', async () => /master_link_status:up/.test(await admin.info('replication')));

    // the old master's connection refuses the first record (READONLY): chut reconnects, and the next calls are recorded
    await waitFor('a record written on the new primary', async () => {
      const d = await screenAndRecord(chut);
      expect(d.route).toBe('reject');
      return (await replicaAdmin.xlen(`${prefix}calls`)) >= 3;
    }, 20_000);
    expect(logged(/^Redis answered READONLY: the server is a replica now/).length).toBeGreaterThanOrEqual(1);
    expect(await health(chut)).toEqual({ status: 200, store: { ready: true } });
  });
});

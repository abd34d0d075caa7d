/**
 * A Redis that answers but refuses writes: `maxmemory` reached (OOM), a replica (READONLY), one that cannot save to
 * disk (MISCONF) or has too few replicas (NOREPLICAS), a failover behind a plain redis.url and a redis.url that names a
 * replica. Scratch redis-servers of their own (a master and its replica, on free ports, and one whose saves fail),
 * never the shared one: these tests change their configuration.
 */
import { spawn } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startChut, type RunningChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createRedisClient, waitUntilReady } from '../../src/redis-client.js';
import { createRedisStore, type RedisReputationStore } from '../../src/reputation/index.js';
import { freePort } from '../helpers/free-port.js';
import { parsePolicy } from '../../src/rules/index.js';
import type { InboundCall } from '../../src/screening/types.js';
import { runChut } from '../helpers/cli.js';
import { redisServerInstalled, startScratchRedis, waitFor, type ScratchRedis } from '../helpers/redis-server.js';
import { uniquePrefix } from '../helpers/redis.js';
import { call as callRecord } from './store-contract.js';
import { TEST_DEADLINE_MS } from '../helpers/test-deadline.js';

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
/** What chut logs (once) when Redis refuses writes. */
const REFUSED = /^Redis refuses writes \(out of memory \/ read-only replica \/ cannot save to disk \/ too few replicas\)/;
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connections a server has accepted since it started. */
async function connectionsReceived(admin: Redis): Promise<number> {
  return Number(/total_connections_received:(\d+)/.exec(await admin.info('stats'))?.[1]);
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
    await admin.config('SET', 'min-replicas-to-write', '0').catch(() => undefined);
    for (const chut of running.splice(0)) await chut.stop();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  /** A failover behind `link` (what redis.url leads to): the replica is promoted, the old master becomes its replica,
   * and the link now leads to the new primary. The roles are put back after the test. */
  async function failOver(link: { retarget(port: number): void }): Promise<void> {
    await replicaAdmin.replicaof('NO', 'ONE');
    await admin.replicaof('127.0.0.1', replica.port);
    link.retarget(replica.port);
    cleanups.push(async () => { // roles back as they were, for the other tests
      await admin.replicaof('NO', 'ONE');
      await replicaAdmin.replicaof('127.0.0.1', master.port);
      await waitFor('the replica in sync again', async () => /master_link_status:up/.test(await replicaAdmin.info('replication')));
    });
    await waitFor('the old master in sync as a replica', async () => /master_link_status:up/.test(await admin.info('replication')));
  }

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

  async function chutOn(url: string, prefix: string, policy = POLICY): Promise<RunningChut> {
    logs.length = 0;
    const logger = createLogger('info', new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
    const config = parseConfig({ store: 'redis', redis: { url, prefix, connectTimeoutMs: 1000 }, http: { enabled: true, port: 0 }, screening: { deadlineMs: TEST_DEADLINE_MS } });
    const chut = await startChut({ config, policy, logger, pbx: false });
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
    expect(logged(REFUSED)).toHaveLength(1);
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

  it('out of memory: the calls screened meanwhile count toward a rate rule once Redis takes writes again (their records add them, at their own times, once each)', { timeout: 60_000 }, async () => {
    const burst = parsePolicy(`
version: 1
default: ring
rules:
  - name: burst
    when: { rate: { calls: 3, within: 10m, per: number } }
    action: reject
`, 'test');
    const prefix = uniquePrefix('oom-burst');
    const chut = await chutOn(master.url, prefix, burst);
    const caller = '0611223344';
    const window = `${prefix}w:33611223344`;
    expect((await screenAndRecord(chut, call(caller))).route).toBe('ring'); // opens the store: its schema written
    await waitFor('the first record written', async () => (await admin.xlen(`${prefix}calls`)) === 1);
    await admin.config('SET', 'maxmemory', '1');

    const during = await screenAndRecord(chut, call(caller)); // screened, not counted; its record refused and kept
    expect([during.route, during.degraded]).toEqual(['ring', false]);
    expect(await admin.zcard(window)).toBe(1);

    await admin.config('SET', 'maxmemory', '0');
    await waitFor('the kept record written', async () => (await admin.xlen(`${prefix}calls`)) === 2);
    // the call screened while Redis refused writes is in the window under the entry its lookup would have added, at
    // the time of its decision (not when its record was written), once
    expect(await admin.zscore(window, during.windowMember ?? '')).toBe(String(during.decidedAt));
    expect(await admin.zcard(window)).toBe(2);
    const third = await screenAndRecord(chut, call(caller));
    expect([third.route, third.rule]).toEqual(['reject', 'burst']);
    expect(await admin.zcard(window)).toBe(3);
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
        { ...JSON.parse(warned[0] ?? '{}'), msg: expect.stringMatching(REFUSED), err: expect.stringMatching(/^READONLY/) },
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
    const seeding = createRedisStore({ url: master.url, prefix });
    await seeding.addListEntry({ list: 'block', entry: { kind: 'number', e164: '+33612345699' }, reason: null, source: 'auto', addedAt: Date.now() - 40 * 86_400_000, expiresAt: Date.now() - 10 * 86_400_000 });
    await seeding.close();
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
    expect(blocked.stderr).toMatch(/^chut block: Redis refuses writes \(out of memory \/ read-only replica \/ cannot save to disk \/ too few replicas\): OOM command not allowed.*Free memory on that Redis/);
    expect(blocked.stderr).not.toMatch(/unreachable|unexpected error/);
    expect(blocked.stderr).toContain("> 'maxmemory'. Free memory on that Redis"); // Redis's own period, not "'maxmemory'.."
    // a prefix never used: the store's first use has its schema to write
    const fresh = await runChut(['lookup', '0612345678'], { ...env, CHUT_REDIS_PREFIX: uniquePrefix('cli-fresh') });
    expect(fresh.code).toBe(69);
    expect(fresh.stderr).toMatch(new RegExp(`^chut lookup: Redis at redis://127\\.0\\.0\\.1:${master.port} \\(from CHUT_REDIS_URL\\) refuses writes \\(out of memory / read-only replica / cannot save to disk / too few replicas\\): OOM command not allowed`));
    const unlisted = await runChut(['unlist', '0612345678'], env); // what an operator runs to free memory
    expect([unlisted.code, unlisted.stdout.trim()]).toEqual([0, `removed ${BLOCKED}`]);
    const pruned = await runChut(['prune'], env); // so is this
    expect([pruned.code, pruned.stderr]).toEqual([0, '']);
    expect(pruned.stdout).toMatch(/^removed 0 allowlist and 1 blocklist entry that expired before /);
  });

  it('a failover behind a plain redis.url: chut reconnects on READONLY and reaches the new primary (its records land there)', { timeout: 60_000 }, async () => {
    const prefix = await seeded('failover');
    const link = await relay(master.port);
    cleanups.push(() => link.close());
    const chut = await chutOn(`redis://127.0.0.1:${link.port}`, prefix);
    expect((await screenAndRecord(chut)).route).toBe('reject');
    await waitFor('the replica has the first records', async () => (await replicaAdmin.xlen(`${prefix}calls`)) === 2);

    await failOver(link);

    // the old master's connection refuses the first record (READONLY): chut reconnects, and the next calls are recorded.
    // Each call meanwhile is screened on the blocklist, or rings degraded (fail-open) if it comes while the connection
    // is being replaced: never a blocklisted caller rung as if screened.
    const meanwhile: string[] = [];
    await waitFor('a record written on the new primary', async () => {
      const d = await screenAndRecord(chut);
      meanwhile.push(d.degraded ? 'fail-open' : `${d.route} (${d.rule})`);
      return (await replicaAdmin.xlen(`${prefix}calls`)) >= 3;
    }, 20_000);
    expect(meanwhile.filter((d) => d !== 'reject (blocklist)' && d !== 'fail-open')).toEqual([]);
    expect(await screenAndRecord(chut)).toMatchObject({ route: 'reject', rule: 'blocklist', degraded: false });
    expect(logged(/^Redis answered READONLY: the server is a replica now/).length).toBeGreaterThanOrEqual(1);
    expect(await health(chut)).toEqual({ status: 200, store: { ready: true } });
  });
  it('a failover behind a plain redis.url: the move to the new primary reconnects at once (it waited the backoff\'s first step, 50-100 ms, while every call rang unscreened)', { timeout: 60_000 }, async () => {
    const prefix = await seeded('failover-at-once');
    const link = await relay(master.port);
    cleanups.push(() => link.close());
    const redis = createRedisClient(parseConfig({ store: 'redis', redis: { url: `redis://127.0.0.1:${link.port}`, prefix, connectTimeoutMs: 1000 } }).redis, { failFast: true });
    redis.on('error', () => undefined);
    const store = createRedisStore({ redis, prefix });
    cleanups.push(async () => { redis.disconnect(); });
    expect(await waitUntilReady(redis, 5000)).toBe(true);
    const record = (time: number) => ({ record: callRecord({ time, caller: BLOCKED, action: 'reject', route: 'reject', rule: 'blocklist', dialled: '+33100000000' }), blockDigits: 8, maxWindowSec: 60, streamMaxLen: 1000 });
    await store.recordCall(record(Date.now()));
    await waitFor('the replica has the record', async () => (await replicaAdmin.xlen(`${prefix}calls`)) === 2);

    await failOver(link);

    const waits: number[] = [];
    redis.on('reconnecting', (ms: number) => { waits.push(ms); });
    // the old master refuses the record (READONLY): chut checks where the URL leads, finds the primary, moves there
    await expect(store.recordCall(record(Date.now()))).rejects.toThrow(/^READONLY/);
    await waitFor('the client on the new primary', async () => waits.length > 0 && redis.status === 'ready', 10_000);
    expect(waits).toEqual([0]);
    await store.recordCall(record(Date.now()));
    expect(await replicaAdmin.xlen(`${prefix}calls`)).toBe(3);
  });

  it('a redis.url that names a replica: every call is screened, none rings degraded, no reconnect loop, "still a replica" said once; chut moves once the URL leads to the primary', { timeout: 60_000 }, async () => {
    const prefix = await seeded('stays-replica');
    await waitFor('the entry on the replica', async () => (await replicaAdmin.exists(`${prefix}schema`)) === 1);
    // the URL's name leads to the replica (the old master's own address, an endpoint whose DNS has not moved yet)
    const link = await relay(replica.port);
    cleanups.push(() => link.close());
    const chut = await chutOn(`redis://127.0.0.1:${link.port}`, prefix);
    const before = await connectionsReceived(replicaAdmin);
    const decisions: Array<{ route: string; degraded: boolean }> = [];
    const healths: Array<{ status: number; store: unknown }> = [];
    // a call every 100 ms for 6 s: each record refused (READONLY) and kept, the backlog retrying, /healthz probed
    for (const until = Date.now() + 6000; Date.now() < until;) {
      const d = await screenAndRecord(chut);
      decisions.push({ route: d.route, degraded: d.degraded });
      if (decisions.length % 5 === 0) healths.push(await health(chut));
      await sleep(100);
    }
    expect(decisions.length).toBeGreaterThan(30);
    expect(decisions.filter((d) => d.degraded || d.route !== 'reject')).toEqual([]);
    expect(new Set(healths.map((h) => JSON.stringify(h)))).toEqual(new Set([JSON.stringify({ status: 503, store: { ready: false, error: 'refuses-writes' } })]));
    // no reconnect: only the checks of where the URL leads (1 s, 2 s, 4 s … apart) opened connections
    const opened = (await connectionsReceived(replicaAdmin)) - before;
    expect(opened).toBeGreaterThanOrEqual(1);
    expect(opened).toBeLessThanOrEqual(5);
    expect(logged(/still a replica/)).toHaveLength(1);
    expect(logged(/^Redis connection (lost|back)|^Redis answered READONLY: the server is a replica now/)).toEqual([]);
    expect(logged(/^Redis refuses writes/)).toHaveLength(1);
    expect(await admin.xlen(`${prefix}calls`)).toBe(1); // the seeded record only

    // the name moves to the primary: the next check finds it, chut reconnects once, and the records held are written
    link.retarget(master.port);
    await waitFor('the records written on the primary', async () => {
      await screenAndRecord(chut);
      return (await admin.xlen(`${prefix}calls`)) > decisions.length;
    }, 30_000);
    expect(logged(/^Redis answered READONLY: the server is a replica now/)).toHaveLength(1);
    expect(logged(/still a replica/)).toHaveLength(1);
    expect(await health(chut)).toEqual({ status: 200, store: { ready: true } });
  });

  it('GET /api/stats on a replica answers at once, before anything saw Redis refuse a write: reads only, no scratch key, no reconnect', { timeout: 30_000 }, async () => {
    const prefix = await seeded('stats-replica');
    await waitFor('the call on the replica', async () => (await replicaAdmin.exists(`${prefix}calls`)) === 1);
    const chut = await chutOn(replica.url, prefix); // no call, no /healthz: nothing has met a refusal
    await replicaAdmin.config('RESETSTAT');
    const before = await connectionsReceived(replicaAdmin);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${chut.httpUrl}/api/stats`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { topCallers: unknown }).topCallers).toEqual({ reject: [{ caller: BLOCKED, calls: 1 }] });
    }
    expect((await connectionsReceived(replicaAdmin)) - before).toBe(0);
    expect(logged(/Redis|store/)).toEqual([]);
    // nothing was tried that a replica refuses (no scratch key): reads only
    const commands = [...(await replicaAdmin.info('commandstats')).matchAll(/^cmdstat_(\w+):calls=(\d+).*rejected_calls=(\d+)/gm)]
      .map(([, name, calls, rejected]) => ({ name, calls: Number(calls), rejected: Number(rejected) }));
    expect(commands.filter((c) => c.rejected > 0 || /^(zunionstore|del|multi|exec)$/.test(c.name ?? ''))).toEqual([]);
    // the top callers read set by set (ZRANGE), no script
    expect(commands.filter((c) => /^eval/.test(c.name ?? ''))).toEqual([]);
    expect(commands.find((c) => c.name === 'zrange')?.calls).toBeGreaterThanOrEqual(3);
  });

  it('too few replicas (NOREPLICAS): Redis refuses writes, said so, not "unreachable"', async () => {
    const prefix = await seeded('noreplicas');
    await admin.config('SET', 'min-replicas-to-write', '2');
    const store = createRedisStore({ url: master.url, prefix });
    try {
      const facts = await store.lookup({ e164: BLOCKED, rateWindowsSec: [60], blockDigits: 8, now: Date.now(), countCall: { windowMs: 60_000, member: 'm1' } });
      expect(facts.listed?.list).toBe('block');
      await expect(store.health()).rejects.toMatchObject({ trouble: 'refuses-writes', message: expect.stringMatching(/: NOREPLICAS /) });
    } finally {
      await store.close();
    }
  });
});

/** A redis-server whose saves fail (its directory is one where no file can be made, even by root). */
async function startUnsavableRedis(): Promise<{ url: string; admin: Redis; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '3600 1', '--appendonly', 'no',
    '--dir', '/proc/self/fdinfo'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  admin.on('error', () => undefined);
  await waitFor(`redis-server on ${port}`, async () => {
    if (admin.status !== 'ready') await admin.connect().catch(() => undefined);
    return (await admin.ping()) === 'PONG';
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    admin,
    async stop() {
      admin.disconnect();
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe.skipIf(!runnable)('a Redis that cannot save to disk (MISCONF)', () => {
  it('calls are screened, /healthz says refuses-writes, the log says "Redis refuses writes" once, the CLI says so and still exports', { timeout: 60_000 }, async () => {
    const server = await startUnsavableRedis();
    try {
      const prefix = uniquePrefix('misconf');
      const seed = createRedisStore({ url: server.url, prefix });
      await seed.addListEntry({ list: 'block', entry: { kind: 'number', e164: BLOCKED }, reason: 'robocall', source: 'cli', addedAt: Date.now(), expiresAt: null });
      await seed.close();
      await server.admin.bgsave();
      await waitFor('the save failed', async () => /rdb_last_bgsave_status:err/.test(await server.admin.info('persistence')));
      await expect(server.admin.set(`${prefix}x`, '1')).rejects.toThrow(/^MISCONF/);

      const warned: string[] = [];
      const logger = createLogger('warn', new Writable({ write(chunk, _enc, done) { warned.push(String(chunk)); done(); } }));
      const store = createRedisStore({ url: server.url, prefix, logger });
      try {
        const facts = await store.lookup({ e164: BLOCKED, rateWindowsSec: [60], blockDigits: 8, now: Date.now(), countCall: { windowMs: 60_000, member: 'm1' } });
        expect(facts.listed).toMatchObject({ list: 'block', match: 'exact' });
        expect(warned.map((l) => JSON.parse(l) as { msg: string; err: string })).toEqual([expect.objectContaining({
          msg: expect.stringMatching(REFUSED),
          err: expect.stringMatching(/^MISCONF/),
        })]);
        await expect(store.health()).rejects.toMatchObject({ trouble: 'refuses-writes' });
        await expect(store.ping()).resolves.toBeUndefined(); // PING is refused too, but Redis answered: reads work
      } finally {
        await store.close();
      }

      const env = { CHUT_REDIS_URL: server.url, CHUT_REDIS_PREFIX: prefix };
      const blocked = await runChut(['block', '0612000000'], env);
      expect(blocked.code).toBe(69);
      expect(blocked.stderr).toMatch(/^chut block: Redis refuses writes \(out of memory \/ read-only replica \/ cannot save to disk \/ too few replicas\): MISCONF .*cannot save to disk \(a full disk\?\)/);
      expect(blocked.stderr).not.toMatch(/unreachable|unexpected error/);
      expect(blocked.stderr).not.toMatch(/\.\. /); // Redis's reply ends with a period: not doubled by chut's sentence
      const exported = await runChut(['export'], env);
      expect([exported.code, exported.stderr]).toEqual([0, '']);
      expect(exported.stdout).toContain(BLOCKED);
    } finally {
      await server.stop();
    }
  });
});

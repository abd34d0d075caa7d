/**
 * chut against a Redis of its own (a scratch redis-server on a free port) that goes away during the run: stopped
 * without closing the connection (SIGSTOP), killed, restarted. Calls ring throughout (fail-open); these tests are
 * about what chut holds meanwhile and what it says.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startChut, type RunningChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createRedisStore } from '../../src/reputation/index.js';
import { parsePolicy } from '../../src/rules/index.js';
import type { InboundCall } from '../../src/screening/types.js';
import { redisServerInstalled, startScratchRedis, waitFor, type ScratchRedis } from '../helpers/redis-server.js';
import { uniquePrefix } from '../helpers/redis.js';
import { until } from '../helpers/until.js';

// CI installs redis-server (.ci/run) and sets CHUT_REQUIRE_REDIS_SERVER so that these tests cannot skip there.
const runnable = redisServerInstalled() || process.env.CHUT_REQUIRE_REDIS_SERVER === '1';
if (!runnable) console.warn('redis-server is not installed: the Redis outage tests are skipped');

const POLICY = parsePolicy('version: 1\ndefault: ring\nrules: []\n', 'test');

let seq = 0;
function call(): InboundCall {
  seq++;
  return { pbx: 'asterisk-ari', callId: `out-${seq}`, callerNumber: `06${String(10_000_000 + seq)}`, callerName: '', dialled: '0100000000', receivedAt: Date.now() };
}

/** Screens a call and writes its record, as a PBX adapter does. */
async function screenAndRecord(chut: RunningChut, c: InboundCall = call()) {
  const d = await chut.screening.screen(c);
  await chut.screening.finishCall(c, d, d.route, null);
  return d;
}

/** The ioredis client under chut's store: its status, events and queues (ioredis internals, read only). */
interface ClientView {
  status: Redis['status'];
  on: Redis['on'];
  commandQueue: { length: number };
  offlineQueue: { length: number };
}
function clientOf(chut: RunningChut): ClientView {
  return (chut.store as unknown as { redis: ClientView }).redis;
}

/** Whether the call path's scripts go on their own lane (src/redis-lane) now. */
function laneConnected(chut: RunningChut): boolean {
  return (chut.store as unknown as { laneConnected: boolean }).laneConnected;
}

/** A TCP relay in front of Redis that can be cut (connections reset, new ones refused) and restored on the same port:
 * Redis unreachable, its data intact. */
async function relay(target: number): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const listen = () => new Promise<void>((resolve) => {
    server = createServer((client) => {
      const upstream = connect(target, '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
        s.once('close', () => sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(port, '127.0.0.1', () => {
      port = (server?.address() as { port: number }).port;
      resolve();
    });
  });
  const cut = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    if (server) server.close(() => resolve());
    else resolve();
    server = null;
  });
  await listen();
  return { port, cut, restore: listen, close: cut };
}

/** The call records in the stream under `prefix`, oldest first. */
async function streamed(admin: Redis, prefix: string): Promise<Array<{ callId: string; time: number }>> {
  return (await admin.xrange(`${prefix}calls`, '-', '+')).map(([, f]) => JSON.parse(f[f.indexOf('record') + 1] ?? '{}') as { callId: string; time: number });
}

describe.skipIf(!runnable)('Redis outages', () => {
  let server: ScratchRedis | null = null;
  let chut: RunningChut | null = null;
  let admin: Redis | null = null;
  const cleanups: Array<() => Promise<void>> = [];
  const logs: string[] = [];
  let prefix = '';

  /** chut on a scratch Redis, reached through a relay that can be cut if `relayed`; `admin`: a plain client on it. */
  async function start(opts: { password?: string; relayed?: boolean } = {}) {
    server = await startScratchRedis({ password: opts.password });
    admin = new Redis(server.url, { lazyConnect: true });
    admin.on('error', () => undefined);
    const link = opts.relayed ? await relay(server.port) : null;
    if (link) cleanups.push(() => link.close());
    logs.length = 0;
    prefix = uniquePrefix('outage');
    const logger = createLogger('info', new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
    const url = link ? `redis://127.0.0.1:${link.port}` : server.url;
    const config = parseConfig({ store: 'redis', redis: { url, prefix, connectTimeoutMs: 500 }, http: { enabled: false } });
    chut = await startChut({ config, policy: POLICY, logger, http: false, pbx: false });
    return { server, chut, admin, link };
  }

  /** The log lines at `level` whose message matches `msg`. */
  const logged = (level: number, msg: RegExp) => logs.map((l) => JSON.parse(l) as { level: number; msg: string; err?: string }).filter((l) => l.level === level && msg.test(l.msg));

  /** Resolves once the client has scheduled `n` more reconnects (each retry is one). */
  function reconnects(running: RunningChut, n: number): Promise<void> {
    return new Promise((resolve) => {
      let seen = 0;
      clientOf(running).on('reconnecting', () => { if (++seen === n) resolve(); });
    });
  }

  /** Stops chut now (writing what it kept), for a test that checks what reached Redis in the end. */
  async function stopChut(): Promise<void> {
    const running = chut;
    chut = null;
    await running?.stop();
  }

  afterEach(async () => {
    server?.resume();
    await stopChut();
    for (const cleanup of cleanups.splice(0)) await cleanup();
    admin?.disconnect();
    await server?.stop();
    server = null;
    admin = null;
  });

  it('a Redis that stops answering without closing the connection: chut drops the connection, and calls meanwhile pile up nothing in the client', { timeout: 60_000 }, async () => {
    const { server, chut } = await start();
    await until(() => laneConnected(chut), 'the call path\'s lane to connect');
    expect((await screenAndRecord(chut)).degraded).toBe(false);
    const client = clientOf(chut);
    server.pause();
    // Calls go on while Redis is stopped: each one's lookup and record time out (the call rings).
    await waitFor('chut to drop the dead connection', async () => {
      const batch = Array.from({ length: 20 }, () => screenAndRecord(chut));
      for (const d of await Promise.all(batch)) expect([d.route, d.degraded]).toEqual(['ring', true]);
      return client.status !== 'ready';
    }, 30_000);
    // From then on, nothing is queued for the dead server: many more calls add no command to the client. (What the
    // dropped connection held is let go when ioredis reconnects, which resets its queue: the TCP connect to a stopped
    // server still succeeds, the kernel accepts it.)
    const heldWhenDropped = client.commandQueue.length;
    // the lane follows the client: closed, what it held failed and let go, and it takes nothing until the client is back
    expect(laneConnected(chut)).toBe(false);
    await Promise.all(Array.from({ length: 500 }, () => screenAndRecord(chut)));
    expect(client.offlineQueue.length).toBe(0);
    expect(client.commandQueue.length).toBeLessThanOrEqual(heldWhenDropped + 10); // at most a reconnect's own handshake
    await waitFor('the dropped connection\'s commands let go at the reconnect', async () => client.commandQueue.length < 10, 30_000);
    server.resume();
    await waitFor('screening again once Redis answers', async () => !(await screenAndRecord(chut)).degraded, 30_000);
    await until(() => laneConnected(chut), 'the lane to follow the client back', 30_000);
    expect((await screenAndRecord(chut)).degraded).toBe(false);
  });

  it('a call that rang while Redis was unreachable is recorded once it is back: in the stream with its own time, in the counters (degraded), and as the last caller *77 reports', { timeout: 60_000 }, async () => {
    const { chut, admin, link } = await start({ relayed: true });
    if (!link) throw new Error('no relay');
    const before = call();
    expect((await screenAndRecord(chut, before)).degraded).toBe(false);
    await link.cut();
    const during = call();
    const d = await screenAndRecord(chut, during);
    expect([d.route, d.degraded]).toEqual(['ring', true]);
    await link.restore();
    await waitFor('the kept record written', async () => (await streamed(admin, prefix)).length === 2, 30_000);
    const records = await streamed(admin, prefix);
    expect(records.map((r) => r.callId)).toEqual([before.callId, during.callId]);
    expect(records[1]?.time).toBe(d.decidedAt); // its own time, not the time it was written
    const stats = await chut.store.stats({ since: Date.now() - 3_600_000, now: Date.now() });
    expect([stats.total, stats.degraded]).toEqual([2, 1]);
    expect(await chut.store.getLastCaller('+33100000000')).toBe(`+336${String(10_000_000 + Number(during.callId.slice(4)))}`);
  });

  it('the records of calls while Redis was stopped (SIGSTOP) are each written once it resumes, those whose write had reached it too', { timeout: 60_000 }, async () => {
    const { server, chut, admin } = await start();
    await until(() => laneConnected(chut), 'the call path\'s lane to connect');
    const calls = [call()];
    expect((await screenAndRecord(chut, calls[0])).degraded).toBe(false);
    server.pause();
    // writes sent to the stopped server: they time out, yet Redis runs them when it resumes
    for (let round = 0; round < 4; round++) {
      const batch = Array.from({ length: 10 }, () => call());
      calls.push(...batch);
      await Promise.all(batch.map((c) => screenAndRecord(chut, c)));
    }
    // then calls once chut dropped the connection: never sent, kept
    await waitFor('chut to drop the dead connection', async () => clientOf(chut).status !== 'ready', 30_000);
    const late = Array.from({ length: 10 }, () => call());
    calls.push(...late);
    await Promise.all(late.map((c) => screenAndRecord(chut, c)));
    server.resume();
    await waitFor('every record written', async () => new Set((await streamed(admin, prefix)).map((r) => r.callId)).size === calls.length, 30_000);
    await stopChut(); // whatever chut still kept is written now: no copy may come later
    const ids = (await streamed(admin, prefix)).map((r) => r.callId);
    expect(ids.length).toBe(calls.length); // none twice
    expect(new Set(ids)).toEqual(new Set(calls.map((c) => c.callId)));
    const reader = createRedisStore({ url: server.url, prefix });
    try {
      expect((await reader.stats({ since: Date.now() - 3_600_000, now: Date.now() })).total).toBe(calls.length); // counted once each
    } finally {
      await reader.close();
    }
  });
  it('a wrong Redis password is logged once as the configuration error it is (not per retry, never the password), and calls ring', { timeout: 60_000 }, async () => {
    server = await startScratchRedis({ password: 'realpass' });
    const wrong = `redis://:Hunter2Secret@127.0.0.1:${server.port}`;
    logs.length = 0;
    const logger = createLogger('info', new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
    const config = parseConfig({ store: 'redis', redis: { url: wrong, prefix: uniquePrefix('outage'), connectTimeoutMs: 500 }, http: { enabled: false } });
    const running = await startChut({ config, policy: POLICY, logger, http: false, pbx: false });
    chut = running;
    await reconnects(running, 2);
    const d = await screenAndRecord(running);
    expect([d.route, d.degraded]).toEqual(['ring', true]);
    const refused = logged(50, /refused chut's credentials: a configuration error/);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.err).toMatch(/^WRONGPASS/);
    expect(refused[0]?.msg).toMatch(/redis\.url or CHUT_REDIS_URL/);
    expect(logs.join('')).not.toContain('Hunter2Secret');
    expect(logs.join('')).toContain(`redis://***@127.0.0.1:${server.port}`);
  });

  it('Redis lost and back mid-run: each logged once (warn, then info), its error once however many retries', { timeout: 60_000 }, async () => {
    const { server, chut } = await start();
    expect((await screenAndRecord(chut)).degraded).toBe(false);
    expect(logged(40, /Redis connection/)).toEqual([]);
    const retried = reconnects(chut, 4);
    await server.kill();
    await retried;
    expect(logged(40, /^Redis connection lost/)).toHaveLength(1);
    const errors = logged(40, /^Redis connection error$/);
    expect(errors.filter((l) => /ECONNREFUSED/.test(l.err ?? ''))).toHaveLength(1);
    expect(new Set(errors.map((l) => l.err)).size).toBe(errors.length); // each distinct error once
    await server.restart();
    await waitFor('screening again', async () => !(await screenAndRecord(chut)).degraded, 30_000);
    expect(logged(30, /^Redis connection back/)).toHaveLength(1);
    expect(logged(40, /^Redis connection lost/)).toHaveLength(1);
  });
});
